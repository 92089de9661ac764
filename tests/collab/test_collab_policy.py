"""The task-division policy: the shipped one is valid, and every unsafe policy is refused naming the kind and field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from museion.collab.policy import DEFAULT_POLICY, KindRule, PolicyError, TrackRecord, parse, route
from museion.collab.queue import handled_kinds
from museion.http import proposers  # noqa: F401  (registers every proposing capability's handler)

BASE = 'version = "t"\n[kinds."k"]\ndecider = "curator"\n'


def test_the_shipped_policy_routes_creative_work_to_people_and_personal_data_to_the_privacy_officer() -> None:
    policy = parse(DEFAULT_POLICY.read_text())
    assert all(not r.may_act_alone for r in policy.kinds.values() if r.creative or r.personal or r.exposure)
    assert all(r.decider == "privacy_officer" for r in policy.kinds.values() if r.personal)
    assert policy.rule("studio.exhibition").reviewers == 2
    assert len(policy.sha256) == 64


@pytest.mark.parametrize(("extra", "message"), [
    ('creative = true\nrisk = "low"\nauto_above = 0.9\n', "always goes to a person"),
    ('risk = "medium"\nauto_above = 0.9\n', "only a low-risk kind"),
    ('personal = true\n', "privacy officer decides"),
    ('exposure = true\ndecider = "analyst"\n', None),  # duplicate key: TOML itself refuses
    ('reviewers = 0\n', "reviewers must be a whole number"),
    ('risk = "low"\nauto_above = 0.2\n', "between 0.5 and 1"),
    ('colour = "red"\n', "unknown field"),
])
def test_unsafe_policies_are_refused(extra: str, message: str | None) -> None:
    with pytest.raises(PolicyError, match=message or "not valid TOML"):
        parse(BASE + extra, "draft.toml")


def test_a_kind_with_no_decider_is_refused() -> None:
    with pytest.raises(PolicyError, match="kind 'k': no decider"):
        parse('[kinds."k"]\nreviewers = 1\n')
    with pytest.raises(PolicyError, match="not a staff role"):
        parse('[kinds."k"]\ndecider = "member"\n')
    with pytest.raises(PolicyError, match="at least one kind"):
        parse('version = "empty"\n')


def test_exposure_goes_to_a_curator_or_the_algorithm_reviewer() -> None:
    with pytest.raises(PolicyError, match="creator's exposure"):
        parse('[kinds."k"]\ndecider = "analyst"\nexposure = true\n')


RULE = KindRule(kind="k", title="k", title_zh="k", decider="curator", reviewers=1, risk="low", resolver="admin",
                due_days=14, auto_above=0.9, auto_after=10, auto_precision=0.9)


@given(confidence=st.floats(0, 1), decided=st.integers(0, 50), confident=st.integers(0, 50), accepted=st.integers(0, 50),
       risk=st.sampled_from(["low", "medium", "high"]))
def test_the_ai_never_acts_alone_without_every_condition(confidence: float, decided: int, confident: int, accepted: int,
                                                         risk: str) -> None:
    accepted = min(accepted, confident)
    routing = route(RULE, confidence, risk, TrackRecord(decided, confident, accepted))
    earned = decided >= 10 and confident > 0 and accepted / confident >= 0.9
    assert routing.auto == (risk == "low" and confidence >= 0.9 and earned)
    assert routing.why


def test_every_capability_that_proposes_hears_its_decisions() -> None:
    """The faces import museion.http.proposers; after that, each proposing capability's kind has a handler, and the
    shipped policy names a decider for each."""
    proposing = {"work.subjects", "risk.alert", "rights.duplicate", "studio.exhibition"}
    assert proposing <= handled_kinds()
    assert proposing <= set(parse(DEFAULT_POLICY.read_text()).kinds)
