"""The threat model at the top of docs/security.md stays true to the code: every test it cites as proof exists, every
attack test is cited, and every role of the permission matrix is among its actors."""

from __future__ import annotations

import re

from helpers import REPO
from museion.security.permissions import Role

DOC = REPO / "docs" / "security.md"


def threat_model() -> str:
    text = DOC.read_text(encoding="utf-8")
    assert text.index("## Threat model") < text.index("## Audit chain and witness"), "the threat model comes first"
    return text[text.index("## Threat model"):].split("\n## ")[0]


def test_every_cited_test_exists_and_every_attack_test_is_cited() -> None:
    cited = set(re.findall(r"`(tests/[\w/]+\.py)`", threat_model()))
    assert cited and {c for c in cited if not (REPO / c).is_file()} == set()
    attacks = {p.relative_to(REPO).as_posix() for p in (REPO / "tests" / "security").glob("test_attack_*.py")}
    assert attacks - cited == set(), "attack tests missing from the threat model"


def test_every_role_is_an_actor_and_every_threat_names_its_proof_and_residual_risk() -> None:
    section = threat_model()
    actors = section[section.index("### Actors"):section.index("### Entry points")]
    assert {r.value for r in Role if r is not Role.MEMBER} <= set(re.findall(r"^\| `(\w+)` \|", actors, re.M))
    threats = [line for line in section.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert len(threats) >= 10
    for line in threats:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == 5 and "`tests/" in cells[3] and cells[4], line
