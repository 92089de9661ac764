"""Explanation sentences read naturally for every kind of reason."""

from __future__ import annotations

from museion.recommend.explain import Explanation, event_verb, explanation, reason_text

TITLES = {0: "Heat", 1: "Ronin", 2: "Alien", 3: "Solaris"}


def test_history_reasons_name_up_to_two_titles() -> None:
    assert reason_text([(0, 0.9)], TITLES.get, verb="watched") == "Because you watched Heat"
    three = [(0, 0.9), (1, 0.5), (2, 0.1)]
    assert reason_text(three, TITLES.get, verb="watched") == "Because you watched Heat and Ronin"
    assert reason_text(three, TITLES.get, verb="read", max_titles=3) == "Because you read Heat, Ronin and Alien"


def test_rule_content_and_default_reasons() -> None:
    assert reason_text([], TITLES.get, rule="trending") == "Popular with members this month"
    assert reason_text([], TITLES.get, rule="popular") == "Popular with members"
    assert reason_text([], TITLES.get, rule="editorial") == "Picked by our curators"
    assert reason_text([(2, 0.8)], TITLES.get, aspect="genre") == "Similar in genre to Alien"
    assert reason_text([], TITLES.get) == "Recommended for you"


def test_verbs_follow_work_and_event_kind() -> None:
    assert event_verb("view", "film") == "watched"
    assert event_verb("play", "recording") == "listened to"
    assert event_verb("purchase", "film") == "bought"
    assert event_verb("rating") == "rated"
    assert event_verb("visit") == "enjoyed"


def test_explanation_bundles_contributions_and_sentence() -> None:
    why = explanation("itemknn", None, [(3, 0.4)], TITLES.get, verb="watched")
    assert why == Explanation("itemknn", None, [(3, 0.4)], "Because you watched Solaris")
