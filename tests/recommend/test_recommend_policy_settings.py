"""Interaction-policy settings from options and TOML files: what they set, and errors that name the setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from museion.errors import MuseionError
from museion.ingest.schema import EVENT_KINDS
from museion.recommend.interactions import InteractionPolicy
from museion.recommend.policy_settings import DEFAULT_POLICY, parse_kinds, policy_from, read_policy_file


def test_kinds_option_reads_kind_weight_pairs() -> None:
    assert parse_kinds("borrow=1,visit=0.3") == {"borrow": "1", "visit": "0.3"}
    assert parse_kinds(" borrow , visit = 0.3 ,") == {"borrow": "1", "visit": "0.3"}  # a bare kind weighs 1


@given(st.dictionaries(st.sampled_from(sorted(EVENT_KINDS)), st.floats(min_value=1e-6, max_value=1e6), min_size=1))
def test_any_kind_weights_written_as_an_option_come_back_exactly(weights: dict[str, float]) -> None:
    option = ",".join(f"{kind}={weight!r}" for kind, weight in weights.items())
    assert dict(policy_from(None, {"kinds": option}).kinds) == weights


def test_options_set_the_policy_and_unset_ones_keep_todays_defaults() -> None:
    assert policy_from(None, {"kinds": None, "rating_threshold": None}) == DEFAULT_POLICY
    policy = policy_from(None, {"kinds": "borrow=1,visit=0.3", "rating_threshold": 4, "half_life_days": 90,
                                "min_interactions": "2"})
    assert dict(policy.kinds) == {"borrow": 1.0, "visit": 0.3} and policy.rating_threshold == 4.0
    assert policy.time_decay_half_life_days == 90.0 and (policy.min_member_interactions, policy.min_work_interactions) == (2, 2)
    auto = policy_from(None, {"min_interactions": "auto"})
    assert auto.auto_core and auto.kinds == DEFAULT_POLICY.kinds


@pytest.mark.parametrize(("options", "message"), [
    ({"kinds": "borrow=abc"}, "--kinds borrow: expected a number, got 'abc'"),
    ({"kinds": "borrow=0"}, "--kinds borrow: the weight must be above 0"),
    ({"kinds": "borrow=-1"}, "--kinds borrow: the weight must be above 0"),
    ({"kinds": "borrow=nan"}, "--kinds borrow: expected a number"),
    ({"kinds": "borow=1"}, "--kinds borow: unknown event kind 'borow'; event kinds are bookmark, borrow"),
    ({"kinds": ","}, "--kinds: expected KIND = WEIGHT pairs"),
    ({"min_interactions": "0"}, "--min-interactions: expected a whole number of at least 1, or \"auto\", got 0"),
    ({"min_interactions": "some"}, "--min-interactions: expected a whole number"),
    ({"half_life_days": 0.0}, "--half-life-days: the half-life must be above 0 days"),
])
def test_bad_options_name_the_option(options: dict[str, object], message: str) -> None:
    with pytest.raises(MuseionError) as caught:
        policy_from(None, options)
    assert message in str(caught.value)


POLICY_FILE = """\
# the library's interaction policy
rating_threshold = 3.5
half_life_days = 365
min_interactions = "auto"

[kinds]
borrow = 1
visit = 0.3
"""


def test_a_policy_file_sets_the_policy_and_options_win(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY_FILE, encoding="utf-8")
    policy = policy_from(path, {})
    assert policy == InteractionPolicy(kinds={"borrow": 1.0, "visit": 0.3}, rating_threshold=3.5, time_decay_half_life_days=365.0,
                                       auto_core=True)
    overridden = policy_from(path, {"kinds": "borrow=2", "min_interactions": "3", "rating_threshold": None})
    assert dict(overridden.kinds) == {"borrow": 2.0} and overridden.min_member_interactions == 3 and not overridden.auto_core
    assert overridden.rating_threshold == 3.5 and overridden.time_decay_half_life_days == 365.0


@pytest.mark.parametrize(("text", "message"), [
    ("min_interaction = 3\n", "policy.toml: min_interaction: unknown setting; the interaction policy has kinds, rating_threshold"),
    ("[kinds]\nborrow = 1\nvisit = \"a lot\"\n", "policy.toml: kinds.visit: expected a number, got 'a lot'"),
    ("[kinds]\nvisit = 0\n", "policy.toml: kinds.visit: the weight must be above 0"),
    ("[kinds]\nloan = 1\n", "policy.toml: kinds.loan: unknown event kind 'loan'"),
    ("kinds = \"borrow\"\nrating_threshold = true\n", "policy.toml: rating_threshold: expected a number, got True"),
    ("kinds = [\"borrow\"]\n", "policy.toml: kinds: expected KIND = WEIGHT pairs"),
    ("min_interactions = 2.5\n", "policy.toml: min_interactions: expected a whole number"),
    ("rating_threshold = \n", "policy.toml: not valid TOML: Invalid value (at line 1, column 20)"),
])
def test_bad_policy_files_are_refused_naming_the_setting(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MuseionError) as caught:
        read_policy_file(path)
    assert str(caught.value).startswith(str(tmp_path)) and message in str(caught.value)


def test_unreadable_policy_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MuseionError, match="cannot read the policy file .*missing.toml"):
        read_policy_file(tmp_path / "missing.toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes("# caf\xe9\n".encode("latin-1"))
    with pytest.raises(MuseionError, match="not UTF-8"):
        read_policy_file(latin)
