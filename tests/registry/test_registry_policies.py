"""The review policies Museion ships (small, standard), adopting one into a home, and the organisation's name that the
disclosure and the filing pack give."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from helpers import approve_and_deploy, grant_personalisation
from museion import audit
from museion.errors import MuseionError
from museion.recommend.interactions import InteractionPolicy
from museion.recommend.training import train
from museion.registry.disclosure import ORGANISATION_FILE, disclosure_markdown, name_organisation, organisation, public_disclosure
from museion.registry.filing import filing_pack
from museion.registry.policy import NAMED_POLICIES, POLICY_FILE, adopt, decide, load_policy, parse_policy

SMALL = parse_policy(NAMED_POLICIES["small"], "small")
AUTHOR = 99


def test_the_small_policy_is_one_colleague_who_is_not_the_author_and_the_privacy_officer() -> None:
    assert (SMALL.name, SMALL.required_capacities, SMALL.min_approvals) == ("small", ("colleague", "privacy_officer"), 2)
    assert decide(SMALL, [(1, "colleague", "approve"), (2, "privacy_officer", "approve")], AUTHOR).approved
    one_person = decide(SMALL, [(1, "colleague", "approve"), (1, "privacy_officer", "approve")], AUTHOR)
    assert not one_person.approved and one_person.approvals_needed == 1
    author_too = decide(SMALL, [(AUTHOR, "colleague", "approve"), (2, "privacy_officer", "approve")], AUTHOR)
    assert not author_too.approved and author_too.missing_capacities == ("colleague",)
    two_colleagues = decide(SMALL, [(1, "colleague", "approve"), (2, "colleague", "approve")], AUTHOR)
    assert not two_colleagues.approved and two_colleagues.missing_capacities == ("privacy_officer",)
    standard = parse_policy(NAMED_POLICIES["standard"], "standard")
    assert standard.min_approvals == 4 and len(standard.required_capacities) == 4


REVIEWS = st.lists(st.tuples(st.integers(1, 6), st.sampled_from(["colleague", "privacy_officer", "domain_expert",
                                                                  "member_representative", "external_reviewer"]),
                             st.sampled_from(["approve", "reject"])), max_size=12)


@given(name=st.sampled_from(sorted(NAMED_POLICIES)), reviews=REVIEWS, author=st.integers(1, 6))
def test_any_named_policy_ignores_the_author_and_order_and_a_rejection_rejects(name: str, reviews: list[tuple[int, str, str]],
                                                                               author: int) -> None:
    policy = parse_policy(NAMED_POLICIES[name], name)
    decision = decide(policy, reviews, author)
    assert decide(policy, list(reversed(reviews)), author) == decision
    assert decide(policy, [r for r in reviews if r[0] != author], author) == decision
    others = {r for r in reviews if r[0] != author}
    assert decision.rejected == any(d == "reject" for _, _, d in others)
    if decision.approved:
        assert not decision.rejected and len({who for who, _, d in others if d == "approve"}) >= policy.min_approvals
        assert set(policy.required_capacities) <= {c for _, c, d in others if d == "approve"}


def test_adopting_a_named_policy_writes_it_once_and_enters_the_audit_chain(engine: Engine, tmp_path: Path) -> None:
    home = tmp_path / "org"
    with engine.begin() as conn, pytest.raises(MuseionError, match="unknown review policy 'tiny'; choose one of standard, small"):
        adopt(conn, home, "tiny", actor="test")
    assert not home.exists()
    with engine.begin() as conn:
        assert adopt(conn, home, "small", actor="test") == home / POLICY_FILE
        assert adopt(conn, home, "small", actor="test") is None  # already in force: nothing written, nothing recorded
    assert load_policy(home).name == "small" and (home / POLICY_FILE).read_text(encoding="utf-8") == NAMED_POLICIES["small"]
    with engine.connect() as conn:
        (entry,) = audit.entries(conn, audit.AuditFilter(action="review.policy"))
    assert entry["target"] == "review_policy:small" and entry["details"]["name"] == "small"
    with engine.begin() as conn, pytest.raises(MuseionError, match=r"already holds the 'small' review policy, which stays in force"):
        adopt(conn, home, "standard", actor="test")
    (home / POLICY_FILE).write_text(NAMED_POLICIES["small"].replace("rereview_days = 365", "rereview_days = 180"), encoding="utf-8")
    with engine.begin() as conn, pytest.raises(MuseionError, match="an edited copy of the 'small' policy"):
        adopt(conn, home, "small", actor="test")
    assert load_policy(home).rereview_days == 180  # the edited file is never overwritten


@pytest.mark.parametrize("name", ["Bibliothèque \"Les Mots\" \\ Paris", "上海图书馆", "  Little Library  "])
def test_the_organisation_name_round_trips(tmp_path: Path, name: str) -> None:
    assert organisation(tmp_path) is None
    name_organisation(tmp_path, name)
    assert organisation(tmp_path) == name.strip()


@pytest.mark.parametrize(("name", "why"), [("", "1 to 200 characters, not 0"), ("x" * 201, "not 201"),
                                           ("Line\nbreak", "one line of text"), ("Zero\u200bwidth", "one line of text")])
def test_a_bad_organisation_name_is_refused_and_nothing_written(tmp_path: Path, name: str, why: str) -> None:
    with pytest.raises(MuseionError, match=why):
        name_organisation(tmp_path / "home", name)
    assert not (tmp_path / "home").exists()


def test_a_broken_organisation_file_names_itself(tmp_path: Path) -> None:
    (tmp_path / ORGANISATION_FILE).write_text("name = ", encoding="utf-8")
    with pytest.raises(MuseionError, match=f"{ORGANISATION_FILE}: not valid TOML"):
        organisation(tmp_path)
    (tmp_path / ORGANISATION_FILE).write_text("name = 3\n", encoding="utf-8")
    with pytest.raises(MuseionError, match="gives the organisation's name"):
        organisation(tmp_path)


def test_the_disclosure_and_the_filing_pack_name_the_organisation(sample_catalogue: Engine, tmp_path: Path) -> None:
    grant_personalisation(sample_catalogue)
    home = tmp_path / "home"
    version = train(sample_catalogue, home, "pop", source=None, actor="test", policy=InteractionPolicy(rating_threshold=0.0)).id
    name_organisation(home, "Little Library")
    approve_and_deploy(sample_catalogue, home, version)
    with sample_catalogue.connect() as conn:
        for lang in ("en", "zh-Hans"):
            shown = public_disclosure(conn, lang, home)
            assert shown["organisation"] == "Little Library"
            assert disclosure_markdown(shown).splitlines()[:3] == [f"# {shown['title']}", "", "Little Library"]
        manifest = filing_pack(conn, home, version, tmp_path / "pack")
    assert manifest["organisation"] == "Little Library"
    assert json.loads((tmp_path / "pack" / "manifest.json").read_text())["organisation"] == "Little Library"
