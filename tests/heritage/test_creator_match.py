"""The creator matcher's core: name keys, blocking, scoring and identifier matches, on examples and properties."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from museion.heritage.creator_match import (
    Person, candidates, exact_name_match, fold, identifier_pairs, match, name_key, name_similarity, score_pair)

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
years = st.none() | st.integers(1400, 2025)
people = st.builds(Person, key=st.text("abc:0123456789", min_size=1, max_size=8), source=st.just("s"), name=names,
                   birth=years, death=years, gender=st.sampled_from([None, "Male", "Female"]),
                   nationality=st.sampled_from([None, "French", "British"]))


def test_both_catalogue_forms_of_a_name_give_one_key() -> None:
    assert name_key("Hepworth, Dame Barbara") == name_key("Barbara Hepworth") == "barbara hepworth"
    assert name_key("Soutine, Chaïm") == name_key("Chaim Soutine")
    assert name_key("Gogh, Vincent van") == "vincent van gogh"
    assert fold("Søren Łódź Groß") == "soren lodz gross"


def test_the_same_person_scores_high_and_a_namesake_of_another_century_low() -> None:
    tate = Person("tate:1", "tate", "Bawden, Edward", 1903, 1989, "Male")
    moma = Person("moma:2", "moma", "Edward Bawden", 1903, 1989, "Male", "British")
    namesake = Person("moma:3", "moma", "Edward Bawden", 1803, 1850, "Male")
    assert score_pair(tate, moma).score == 1.0
    assert score_pair(tate, namesake).score < 0.2 and "100 years apart" in score_pair(tate, namesake).dates
    assert name_similarity("edwin austin abbey", "edwin abbey") == 0.92


def test_candidates_come_from_blocks_and_family_name_order_does_not_hide_a_pair() -> None:
    left = [Person("t:1", "t", "Chen, Zhen", 1955, 2000), Person("t:2", "t", "Bell, Vanessa", 1879, 1961)]
    right = [Person("m:1", "m", "Chen Zhen", 1955, 2000), Person("m:2", "m", "Frank Stella", 1936)]
    assert candidates(left, right) == {(0, 0)}
    assert [(p.first, p.second) for p in match(left, right)] == [("m:1", "t:1")]
    assert exact_name_match(left, right) == set()  # the floor misses "Zhen Chen" / "Chen Zhen"


def test_shared_identifiers_are_proposed_whatever_the_names_and_different_ones_lower_the_score() -> None:
    breton = Person("m:768", "m", "André Breton", 1896, 1966, ids=(("wikidata", "Q161955"),))
    tanguy = Person("m:5804", "m", "Yves Tanguy", 1900, 1955, ids=(("wikidata", "Q161955"),))
    assert identifier_pairs([breton, tanguy]) == {("m:5804", "m:768")}
    found = match([breton, tanguy])
    assert len(found) == 1 and found[0].shared_ids == ("wikidata:Q161955",) and found[0].score < 0.5
    a = Person("x:1", "x", "Ann Lee", 1900, ids=(("ulan", "1"),))
    b = Person("y:1", "y", "Ann Lee", 1900, ids=(("ulan", "2"),))
    assert score_pair(a, b).conflicting_ids and score_pair(a, b).score < 0.5


def test_decided_pairs_are_skipped() -> None:
    left, right = [Person("t:1", "t", "Lee Bontecou", 1931)], [Person("m:1", "m", "Bontecou, Lee", 1931)]
    assert match(left, right) and match(left, right, skip=[("t:1", "m:1")]) == []


@settings(max_examples=200, deadline=None)
@given(names)
def test_a_name_key_is_its_own_key(name: str) -> None:
    assert name_key(name_key(name)) == name_key(name)


@settings(max_examples=200, deadline=None)
@given(people, people)
def test_scores_are_symmetric_and_lie_in_the_unit_interval(a: Person, b: Person) -> None:
    one, other = score_pair(a, b), score_pair(b, a)
    assert 0.0 <= one.score <= 1.0 and 0.0 <= one.name_similarity <= 1.0
    if a.key != b.key:
        assert one == other


@settings(max_examples=50, deadline=None)
@given(st.lists(people, max_size=8, unique_by=lambda p: p.key), st.lists(people, max_size=8, unique_by=lambda p: p.key))
def test_matching_is_symmetric_in_its_sides(left: list[Person], right: list[Person]) -> None:
    keys = {p.key for p in left} & {p.key for p in right}
    left = [p for p in left if p.key not in keys]
    assert {(p.first, p.second, p.score) for p in match(left, right)} == {(p.first, p.second, p.score) for p in match(right, left)}
