"""The review policy: which reviewer capacities must approve a model version, how many independent approvals it
needs, and how often a deployed version is reviewed again.

Museion ships two named policies (``NAMED_POLICIES``): ``standard`` (four reviewers in four capacities) and
``small`` (one colleague who is not the author, plus the privacy officer), for an organisation of a few people.
One is chosen with ``museion init --policy NAME`` (``adopt``), which writes it to ``MUSEION_HOME/review-policy.toml``
to edit; with no such file the standard policy applies. ``decide`` is the pure rule the board applies.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection

from museion import audit
from museion.errors import MuseionError
from museion.store.files import write_private

POLICY_FILE = "review-policy.toml"
CAPACITY_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
RULES = """\
# Every capacity in required_capacities needs at least one approving reviewer, and the version needs
# min_approvals approvals from distinct reviewers in all. The account that submitted the version never
# counts (it cannot record a review), and one reviewer counts once. A single rejection rejects.
# A version is submitted only with a fairness audit, and no one can approve it without one.
"""

STANDARD_POLICY = f'''\
# Museion review policy "standard": who must approve a model version before it may be deployed.
{RULES}
name = "standard"
required_capacities = ["domain_expert", "member_representative", "privacy_officer", "external_reviewer"]
min_approvals = 4
rereview_days = 365   # a deployed version is due for review again this long after its last approval

[capacities]
domain_expert = "Knows the collection and its audiences: a curator or programmer."
member_representative = "Speaks for the members whose activity the model learns from."
privacy_officer = "Checks the data used against the declared purpose and the consents."
external_reviewer = "Independent of the organisation: an academic or civil-society reviewer."
'''

SMALL_POLICY = f'''\
# Museion review policy "small", for an organisation of a few people: one colleague who did not build or
# submit the version, and the privacy officer, must approve it before it may be deployed.
{RULES}
name = "small"
required_capacities = ["colleague", "privacy_officer"]
min_approvals = 2
rereview_days = 365   # a deployed version is due for review again this long after its last approval

[capacities]
colleague = "Anyone in the organisation who did not train or submit the version: reads the card, the evaluation and the fairness audit."
privacy_officer = "Checks the data used against the declared purpose and the consents."
'''

NAMED_POLICIES = {"standard": STANDARD_POLICY, "small": SMALL_POLICY}
"""The policies Museion ships, by name; ``standard`` applies when the home holds no policy file."""


@dataclass(frozen=True)
class ReviewPolicy:
    required_capacities: tuple[str, ...]
    min_approvals: int
    rereview_days: int
    capacities: dict[str, str] = field(default_factory=dict)
    source: str = "default"
    name: str = "custom"

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "required_capacities": list(self.required_capacities), "min_approvals": self.min_approvals,
                "rereview_days": self.rereview_days, "capacities": self.capacities, "source": self.source}


@dataclass(frozen=True)
class Decision:
    """Where a review round stands: approved, rejected, or what is still missing."""

    approved: bool
    rejected: bool
    approvals: int
    missing_capacities: tuple[str, ...]
    approvals_needed: int


def parse_policy(text: str, source: str) -> ReviewPolicy:
    """A policy from TOML text, checked: known capacities, at least one approval, sensible periods."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MuseionError(f"{source}: not valid TOML ({exc})") from None
    capacities = raw.get("capacities", {})
    required = raw.get("required_capacities", [])
    min_approvals = raw.get("min_approvals", len(required) or 1)
    rereview_days = raw.get("rereview_days", 365)
    name = raw.get("name", "custom")
    if not isinstance(name, str) or not CAPACITY_RE.fullmatch(name):
        raise MuseionError(f"{source}: name is a lowercase identifier (e.g. small), not {name!r}")
    if not isinstance(capacities, dict) or not all(isinstance(v, str) for v in capacities.values()):
        raise MuseionError(f"{source}: [capacities] maps each capacity name to a description")
    if not isinstance(required, list) or not all(isinstance(c, str) for c in required):
        raise MuseionError(f"{source}: required_capacities is a list of capacity names")
    bad = [c for c in capacities if not CAPACITY_RE.fullmatch(c)]
    if bad:
        raise MuseionError(f"{source}: capacity names are lowercase identifiers (e.g. domain_expert), not {', '.join(bad)}")
    unknown = [c for c in required if c not in capacities]
    if unknown:
        raise MuseionError(f"{source}: required capacities {', '.join(unknown)} are not described under [capacities]")
    if not isinstance(min_approvals, int) or min_approvals < 1:
        raise MuseionError(f"{source}: min_approvals must be a whole number of at least 1")
    if min_approvals < len(set(required)):
        raise MuseionError(f"{source}: min_approvals ({min_approvals}) is less than the {len(set(required))} required capacities")
    if not isinstance(rereview_days, int) or not 1 <= rereview_days <= 3660:
        raise MuseionError(f"{source}: rereview_days must be a whole number of days from 1 to 3660")
    return ReviewPolicy(tuple(dict.fromkeys(required)), min_approvals, rereview_days, dict(capacities), source, name)


def load_policy(home: Path) -> ReviewPolicy:
    """The policy in ``home/review-policy.toml``, or the standard one when there is none."""
    path = home / POLICY_FILE
    if path.is_file():
        return parse_policy(path.read_text(encoding="utf-8"), str(path))
    return parse_policy(STANDARD_POLICY, "default")


def named_policy(name: str) -> str:
    """The text of a policy Museion ships; a clear error names the choices."""
    if name not in NAMED_POLICIES:
        raise MuseionError(f"unknown review policy {name!r}; choose one of {', '.join(NAMED_POLICIES)}")
    return NAMED_POLICIES[name]


def needs_writing(home: Path, name: str) -> bool:
    """Whether adopting the named policy writes ``home/review-policy.toml`` (False: that file already holds exactly
    it). A different policy there is refused, never overwritten: it may have been edited, and reviews are decided by it."""
    text = named_policy(name)
    path = home / POLICY_FILE
    if not path.is_file():
        return True
    if path.read_text(encoding="utf-8") == text:
        return False
    held = load_policy(home).name
    what = f"an edited copy of the {name!r} policy" if held == name else f"the {held!r} review policy"
    raise MuseionError(f"{path} already holds {what}, which stays in force: edit that file, or move it away and run "
                       f"this again to adopt Museion's {name!r} policy")


def adopt(conn: Connection, home: Path, name: str, *, actor: str) -> Path | None:
    """Write the named policy to ``home/review-policy.toml`` and record the choice in the audit chain; None when it is
    already in force (see ``needs_writing``)."""
    if not needs_writing(home, name):
        return None
    text = named_policy(name)
    path = home / POLICY_FILE
    audit.record(conn, actor=actor, action="review.policy", target=f"review_policy:{name}",
                 details={"name": name, "file": str(path), "sha256": hashlib.sha256(text.encode()).hexdigest()})
    write_private(path, text)
    return path


def decide(policy: ReviewPolicy, reviews: Iterable[tuple[int, str, str]], author_account_id: int | None) -> Decision:
    """Apply the policy to one round's (reviewer account id, capacity, decision) triples."""
    approving: dict[int, set[str]] = {}
    rejected = False
    for reviewer, capacity, decision in reviews:
        if reviewer == author_account_id:
            continue  # defence in depth: recording already refuses the author
        if decision == "reject":
            rejected = True
        elif decision == "approve":
            approving.setdefault(reviewer, set()).add(capacity)
    covered = set().union(*approving.values()) if approving else set()
    missing = tuple(c for c in policy.required_capacities if c not in covered)
    approved = not rejected and not missing and len(approving) >= policy.min_approvals
    return Decision(approved, rejected, len(approving), missing, max(0, policy.min_approvals - len(approving)))
