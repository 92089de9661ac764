"""The subject suggester's pure core: votes of similar works, evidence, feedback as positives and negatives."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from museion.errors import MuseionError
from museion.studio import subjects as core

SEA = core.WorkRecord("s", "Harbour boats", "Oil paint on canvas", ("A. Painter",), 1850, ("painting",))


def catalogue() -> list[core.WorkRecord]:
    sea = [core.WorkRecord(f"sea{n}", f"Harbour boats {n}", "Oil paint on canvas", ("A. Painter",), 1850 + n, ("painting",),
                           ("sea", "boat")) for n in range(6)]
    alps = [core.WorkRecord(f"alp{n}", f"Alpine peak {n}", "Watercolour", ("B. Walker",), 1900 + n, ("drawing",),
                            ("mountain", "snow")) for n in range(6)]
    return sea + alps


def test_similar_works_vote_for_their_subjects_with_evidence() -> None:
    model = core.fit(catalogue())
    found = core.suggest(model, SEA)
    assert found.subjects[:2] == ["boat", "sea"]  # ties by name
    assert found.suggestions[0].score == pytest.approx(1.0, abs=1e-3)
    assert set(found.suggestions[0].voters) <= {f"sea{n}" for n in range(6)} and found.suggestions[0].voters
    assert found.neighbours[0][0].startswith("sea")
    assert model.popularity[:1] in (("boat",), ("mountain",))


def test_a_work_never_votes_for_itself_and_its_own_subjects_are_not_suggested() -> None:
    works = catalogue()
    model = core.fit(works)
    found = core.suggest(model, works[0])
    assert "sea" not in found.subjects and "boat" not in found.subjects
    assert all("sea0" not in s.voters for s in found.suggestions)
    assert all(k != "sea0" for k, _ in found.neighbours)


def test_rejected_subjects_are_negatives_the_next_version_learns_from() -> None:
    works = catalogue() + [core.WorkRecord("sea-study", "Harbour boats study", "Oil paint on canvas", ("A. Painter",), 1851)]
    before = core.suggest(core.fit(works), SEA)
    decisions = [core.Decision("sea-study", "sea", True), core.Decision("sea-study", "boat", False)]
    after_model = core.fit(works, decisions)
    after = core.suggest(after_model, SEA)
    score = {s.subject: s.score for s in after.suggestions}
    assert score["boat"] < {s.subject: s.score for s in before.suggestions}["boat"]
    assert score["sea"] > score["boat"]
    assert after_model.multiplier[after_model.subjects.index("boat")] < 1 < after_model.multiplier[after_model.subjects.index("sea")]
    # the work itself is never offered a subject people rejected for it
    assert "boat" not in core.suggest(after_model, works[-1]).subjects


def test_a_partly_decided_work_counts_only_for_the_subjects_decided() -> None:
    """Accepting "sea" for a work says nothing against "boat": it must not dilute boat's vote."""
    works = catalogue() + [core.WorkRecord("twin", SEA.title, SEA.medium, SEA.creators, SEA.year, SEA.genres)]
    model = core.fit(works, [core.Decision("twin", "sea", True)], core.Params(prior_strength=1e9))
    score = {s.subject: s.score for s in core.suggest(model, SEA).suggestions}
    assert score["boat"] == pytest.approx(1.0, abs=1e-3) and score["sea"] == pytest.approx(1.0, abs=1e-3)


def test_nothing_to_learn_from_is_a_clear_error() -> None:
    with pytest.raises(MuseionError, match="no work has subjects"):
        core.fit([core.WorkRecord("a", "Untitled")])
    with pytest.raises(MuseionError, match="at least one"):
        core.suggest(core.fit(catalogue()), SEA, top=0)


def test_precision_at_k_and_hiding_subjects() -> None:
    assert core.precision_at([["a", "b", "c", "d", "e"]], [{"a", "c", "z"}]) == pytest.approx(0.4)
    assert core.precision_at([["a"], ["b"]], [set(), {"b"}]) == pytest.approx(0.2)  # works without truth are skipped
    assert all(not w.subjects for w in core.hide_subjects(catalogue()))


words = st.lists(st.sampled_from(["harbour", "boats", "alpine", "peak", "portrait", "lady", "sea", "x"]), min_size=0, max_size=4)
records = st.builds(lambda title, subjects, year: core.WorkRecord(f"k{abs(hash((tuple(title), tuple(subjects), year)))}",
                                                                  " ".join(title), None, (), year, (), tuple(subjects)),
                    words, st.lists(st.sampled_from(["sea", "boat", "snow", "woman", "chair"]), unique=True, max_size=3),
                    st.one_of(st.none(), st.integers(1400, 2020)))


@settings(max_examples=60, deadline=None)
@given(st.lists(records, min_size=1, max_size=12, unique_by=lambda w: w.key), records, st.integers(1, 6))
def test_scores_are_in_range_ranked_and_never_repeat_the_works_subjects(works: list[core.WorkRecord],
                                                                          query: core.WorkRecord, top: int) -> None:
    if not any(w.subjects for w in works):
        works = [*works, core.WorkRecord("seed", "sea", subjects=("sea",))]
    model = core.fit(works)
    found = core.suggest(model, query, top)
    got = [s.score for s in found.suggestions]
    assert all(model.params.min_score <= s <= 1 for s in got) and all(0 <= s.confidence <= 1 for s in found.suggestions)
    assert got == sorted(got, reverse=True) and len(got) <= top
    assert not set(found.subjects) & set(query.subjects)
    assert len(set(found.subjects)) == len(found.subjects)
    assert np.all(np.diff([sim for _, sim in found.neighbours]) <= 1e-6)
