"""Near-copies of texts: the MinHash core on real paragraphs CPython ships, edited; passages; generated texts."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from museion.rights.evalsets import TEXT_EDITS, edit_text, reference_paragraphs, text_cases
from museion.rights.text_match import MIN_SHARED, TextIndex, overlap, passages, shingle_hashes, words


@pytest.fixture(scope="module")
def corpus() -> list[tuple[str, str]]:
    return reference_paragraphs()


def test_the_corpus_is_real_and_free_of_repeats(corpus: list[tuple[str, str]]) -> None:
    assert len(corpus) > 200 and all(len(text.split()) >= 30 for _, text in corpus)
    assert len({" ".join(words(t)) for _, t in corpus}) == len(corpus)


def test_edited_copies_match_their_original_and_other_paragraphs_do_not(corpus: list[tuple[str, str]]) -> None:
    indexed, held_out = corpus[:150], corpus[150:250]
    index = TextIndex()
    assert index.extend(indexed) == 150
    cases = text_cases(indexed, held_out, (0.1,), seed=3, per_edit=10)
    copies = [c for c in cases if c.original]
    found = sum(bool(m := index.query(c.text)) and m[0].key == c.original for c in copies)
    assert found >= 0.9 * len(copies)
    assert sum(bool(index.query(c.text)) for c in cases if c.original is None) <= 2


def test_passages_name_the_shared_words(corpus: list[tuple[str, str]]) -> None:
    original = corpus[0][1]
    copy = "An introduction nobody wrote. " + " ".join(words(original)[:25])
    found = passages(copy, original)
    assert found and found[0].query_start == 4 and found[0].doc_start == 0
    assert found[0].query_end - found[0].query_start == 25


def test_empty_texts_index_and_match_nothing() -> None:
    index = TextIndex()
    assert index.add("empty", " ... ") is False and len(index) == 0
    assert index.query("") == []
    with pytest.raises(ValueError, match="threshold"):
        TextIndex(0)


def test_unknown_edits_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown edit"):
        edit_text("a b c", "scramble", .1, random.Random(1), ["x"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet="abcdefgh ", min_size=0, max_size=200), min_size=1, max_size=12),
       st.sampled_from(TEXT_EDITS), st.floats(0.05, 0.5), st.integers(0, 10**6))
def test_matches_are_above_the_threshold_and_an_exact_copy_finds_itself(texts: list[str], edit: str, strength: float,
                                                                        seed: int) -> None:
    index = TextIndex()
    index.extend((f"k{n}", t) for n, t in enumerate(texts))
    for n, text in enumerate(texts):
        found = index.query(text)
        assert all(m.similarity >= index.threshold and 0 <= m.jaccard <= 1 for m in found)
        if len(set(words(text))) > MIN_SHARED + 2:  # long enough to carry evidence: an exact copy is found
            assert any(m.similarity == 1.0 for m in found)
        if words(text):
            edit_text(" ".join(words(text)), edit, strength, random.Random(seed), ["x"])  # never raises on real text


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet="abcd ", min_size=0, max_size=120), min_size=1, max_size=10), st.text(alphabet="abcd ", max_size=120))
def test_the_index_scores_each_candidate_as_the_exact_pairwise_overlap(texts: list[str], query: str) -> None:
    index = TextIndex(threshold=0.01)
    index.extend(((f"k{n}", t) for n, t in enumerate(texts)), batch=3)  # batches of 3: several insertion sessions
    unique = np.unique(shingle_hashes(words(query)))
    for m in index.query(query, threshold=0.01, limit=100):
        similarity, jaccard, shared = overlap(unique, index.sets[index.keys.index(m.key)])
        assert (m.similarity, m.jaccard, m.shared) == (round(similarity, 4), round(jaccard, 4), shared)


def test_words_fold_accents_and_keep_other_scripts() -> None:
    assert words("Naïve CAFÉ — Étude No. 1, foo_bar 中文") == ["naive", "cafe", "etude", "no", "1", "foo_bar", "中文"]
    assert shingle_hashes(["a", "b", "c"]).tolist() == shingle_hashes(["a", "b", "c"]).tolist()
    assert shingle_hashes(["a", "b"])[0] != shingle_hashes(["b", "a"])[0]  # order matters within a shingle
