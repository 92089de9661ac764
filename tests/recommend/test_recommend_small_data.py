"""Training a small library's loans: the policy per version, "no interactions" errors that name the filter, the auto k-core."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from helpers import grant_personalisation
from museion.cli.main import app as cli
from museion.errors import MuseionError
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.recommend.funnel import core_note
from museion.recommend.policy_settings import DEFAULT_POLICY, policy_from
from museion.recommend.training import NoInteractions, train
from museion.registry import cards
from museion.registry.models import ModelVersion

LOANS = {"P1": ["B1", "B2", "B3", "B4"], "P2": ["B1", "B2", "B3"], "P3": ["B2", "B3", "B4"], "P4": ["B1", "B4"],
         "P5": ["B3", "B4", "B5"], "P6": ["B8"]}
VISITS = {"P1": ["B5"], "P2": ["B5"], "P6": ["B1"]}
"""Six members, 16 loans and 3 visits: one member read only a book nobody else read."""


def load_library(engine: Engine, folder: Path, *, rating: tuple[float, float] | None = None) -> None:
    works = folder / "books.csv"
    works.write_text("key,kind,title\n" + "".join(f"B{i},book,Book {i}\n" for i in range(1, 9)), encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="library"), works)
    rows = [f"{m},{b},borrow,,{1_700_000_000 + 86_400 * i}" for i, (m, books) in enumerate(LOANS.items()) for b in books]
    rows += [f"{m},{b},visit,,{1_700_000_000 + 3_600 * i}" for i, (m, books) in enumerate(VISITS.items()) for b in books]
    if rating is not None:
        rows += [f"P1,B6,rating,{rating[0]},1700000000", f"P2,B6,rating,{rating[1]},1700000000"]
    events = folder / "loans.csv"
    events.write_text("member,work,kind,value,timestamp\n" + "\n".join(rows) + "\n", encoding="utf-8")
    import_file(engine, ColumnMapping("events", source="library"), events)


@pytest.fixture
def library(engine: Engine, tmp_path: Path) -> Engine:
    load_library(engine, tmp_path)
    grant_personalisation(engine)
    return engine


def versions(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(ModelVersion)) or 0)


def test_kinds_that_do_not_count_are_named_with_their_counts(library: Engine, tmp_path: Path) -> None:
    with pytest.raises(NoInteractions) as caught:
        train(library, tmp_path / "home", "pop", source="library", actor="test")
    message = str(caught.value)
    assert message.startswith("no interactions to train on from source 'library': the kinds filter removed every event: "
                              "count the kinds your data has, e.g. --kinds borrow=1,visit=1")
    assert "read through the privacy gate (members who consented to personalisation): 19 events of 6 members" in message
    assert "    borrow: 16 — not counted; add --kinds borrow=1\n    visit: 3 — not counted; add --kinds visit=1" in message
    assert "of the counted kinds (like=1, play=1, purchase=1, rating=1, view=1): 0 events of 0 members" in message
    assert "consents first" not in message and "k-core" not in message  # it stops at the filter that left nothing
    assert versions(library) == 0


def test_the_k_core_that_leaves_nothing_says_which_setting_keeps_data(library: Engine, tmp_path: Path) -> None:
    policy = policy_from(None, {"kinds": "borrow=1"})
    with pytest.raises(NoInteractions) as caught:
        train(library, tmp_path / "home", "pop", source="library", actor="test", policy=policy)
    message = str(caught.value)
    assert "the 5-core removed every member–work pair: on data this small, --min-interactions 2 keeps at least 80% of the members" in message
    assert "--min-interactions auto" in message
    assert "    borrow: 16 — counted, weight 1\n    visit: 3 — not counted; add --kinds visit=1" in message
    assert "of the counted kinds (borrow=1): 16 events of 6 members" in message
    assert "after the rating threshold (ratings below 3 dropped): 16 events of 6 members" in message
    assert "distinct member–work pairs: 16 pairs of 6 members" in message
    assert "5-core (members and works with at least that many pairs): 0 pairs of 0 members" in message


def test_the_rating_threshold_that_leaves_nothing_says_what_the_ratings_are(engine: Engine, tmp_path: Path) -> None:
    load_library(engine, tmp_path, rating=(1.0, 2.5))
    grant_personalisation(engine)
    with pytest.raises(NoInteractions, match=r"the rating threshold removed every event: the ratings range from 1 to 2.5; "
                                             r"lower --rating-threshold \(now 3\)"):
        train(engine, tmp_path / "home", "pop", source="library", actor="test", policy=policy_from(None, {"kinds": "rating=1"}))


def test_no_consent_and_no_events_are_told_apart(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(NoInteractions, match=r"^no events: none have been imported .* `museion ingest events FILE`"):
        train(engine, tmp_path / "home", "pop", source=None, actor="test")
    load_library(engine, tmp_path)
    with pytest.raises(NoInteractions) as caught:
        train(engine, tmp_path / "home", "pop", source="library", actor="test")
    assert str(caught.value).startswith("no member whose events are recorded from source 'library' consented to personalisation: "
                                        "19 events are recorded")
    assert "museion privacy consent import FILE" in str(caught.value)


def test_the_automatic_k_core_is_chosen_recorded_and_on_the_card(library: Engine, tmp_path: Path) -> None:
    home = tmp_path / "home"
    policy = policy_from(None, {"kinds": "borrow=1,visit=0.3", "min_interactions": "auto"})
    version = train(library, home, "pop", source="library", actor="test", policy=policy)
    recorded = version.policy
    assert recorded["kinds"] == {"borrow": 1.0, "visit": 0.3} and recorded["rating_threshold"] == 3.0
    assert (recorded["min_member_interactions"], recorded["min_work_interactions"]) == (2, 2)
    assert recorded["auto_core"] == {"largest": 5, "share": 0.8} and version.n_members == 5
    assert [(s["step"], s["count"], s["members"]) for s in recorded["funnel"]] == [
        ("given", 19, 6), ("kinds", 19, 6), ("rating_threshold", 19, 6), ("pairs", 19, 6), ("k_core", 17, 5)]
    assert core_note(recorded) == ("k-core chosen from the data: 2 (keeps 5 of 6 members; the rule: the largest k from 5 down "
                                   "to 1 that keeps at least 80% of the members)")
    with library.connect() as conn:
        card = cards.card_for(conn, home, version.id)
    assert "borrow 1, visit 0.3" in card["text"]["en"]["policy"] and "chosen from the data" in card["text"]["en"]["policy"]
    assert "借阅 1, 参观 0.3" in card["text"]["zh-Hans"]["policy"] and "根据数据选定" in card["text"]["zh-Hans"]["policy"]


def test_kind_weights_reach_the_trained_data(library: Engine, tmp_path: Path) -> None:
    home = tmp_path / "home"
    light = train(library, home, "pop", source="library", actor="test", policy=policy_from(None, {"kinds": "borrow=1,visit=0.3",
                                                                                               "min_interactions": "1"}))
    equal = train(library, home, "pop", source="library", actor="test", policy=policy_from(None, {"kinds": "borrow,visit",
                                                                                               "min_interactions": "1"}))
    assert light.data_fingerprint != equal.data_fingerprint
    assert (light.n_members, light.n_works) == (equal.n_members, equal.n_works) == (6, 6)


def test_a_fixed_k_core_that_keeps_too_few_members_is_noted(library: Engine, tmp_path: Path) -> None:
    policy = policy_from(None, {"kinds": "borrow,visit", "min_interactions": "3"})
    version = train(library, tmp_path / "home", "pop", source="library", actor="test", policy=policy)
    note = core_note(version.policy)
    assert note is not None and note.startswith("small data: the 3-core kept 4 of 6 members with a counted interaction (67%); "
                                                "the others get non-personalised lists")
    assert "--min-interactions 2 keeps at least 80% of them (or --min-interactions auto)" in note
    assert DEFAULT_POLICY.min_member_interactions == 5  # the default is unchanged: small data asks for the setting


def test_the_cli_sets_the_policy_and_reports_what_it_kept(library: Engine, museion_env: str, tmp_path: Path) -> None:
    runner = CliRunner()
    refused = runner.invoke(cli, ["train", "--model", "pop", "--source", "library", "--no-evaluate"])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "borrow: 16 — not counted; add --kinds borrow=1" in refused.output
    trained = runner.invoke(cli, ["train", "--model", "pop", "--source", "library", "--no-evaluate", "--kinds", "borrow=1,visit=0.3",
                                  "--min-interactions", "auto"])
    assert trained.exit_code == 0, trained.output
    assert "interaction policy: kinds borrow=1, visit=0.3; ratings from 3; 2-core (chosen from the data); no time decay" in trained.output
    assert "k-core chosen from the data: 2 (keeps 5 of 6 members" in trained.output

    policy_file = tmp_path / "policy.toml"
    policy_file.write_text('min_interactions = 1\n[kinds]\nborrow = 1\nvisti = 0.3\n', encoding="utf-8")
    bad = runner.invoke(cli, ["train", "--model", "pop", "--source", "library", "--policy-file", str(policy_file)])
    assert bad.exit_code == 1 and "kinds.visti: unknown event kind 'visti'" in bad.output
    policy_file.write_text('min_interactions = 1\nhalf_life_days = 30\n[kinds]\nborrow = 1\nvisit = 0.3\n', encoding="utf-8")
    good = runner.invoke(cli, ["train", "--model", "pop", "--source", "library", "--no-evaluate", "--policy-file", str(policy_file),
                               "--rating-threshold", "4"])
    assert good.exit_code == 0, good.output
    assert "kinds borrow=1, visit=0.3; ratings from 4; 1-core; half-life 30 days" in good.output
    wrong = runner.invoke(cli, ["evaluate", "--models", "pop", "--source", "library", "--kinds", "borrow=often"])
    assert wrong.exit_code == 1 and "--kinds borrow: expected a number, got 'often'" in wrong.output


def test_time_decay_on_events_without_times_is_refused_clearly(sample_catalogue: Engine, tmp_path: Path) -> None:
    grant_personalisation(sample_catalogue)
    policy = policy_from(None, {"half_life_days": 30, "min_interactions": 1})
    with pytest.raises(MuseionError, match=r"time decay \(a half-life of 30 days\) needs the time of every event, and 2 of 2 "
                                           r"events have none: leave the half-life out"):
        train(sample_catalogue, tmp_path / "home", "pop", source=None, actor="test", policy=policy)
    assert versions(sample_catalogue) == 0
