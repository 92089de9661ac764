"""The pure search core: BM25F field boosts, Chinese queries through the subject table, typo correction, facets, the
empty-search order, more-like-this and the saved index. Records here are generated (not collection data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from museion.studio import ranking
from museion.studio.analysis import query_terms, terms


def doc(i: int, title: str, creators: tuple[str, ...] = (), subjects: tuple[str, ...] = (), medium: str = "",
        kind: str = "artwork", prior: float = 1.0) -> ranking.Doc:
    return ranking.Doc(i, {"title": title, "creators": creators, "subjects": subjects, "medium": medium},
                       {"kind": [kind], "subject": list(subjects), "creator": list(creators)}, prior)


TURNER = "Turner, Joseph Mallord William"
DOCS = [doc(1, "Turner & Hooch", ("Spottiswoode, Roger",), kind="film", prior=3)]
DOCS += [doc(10 + n, f"Study of clouds {n}", (TURNER,), ("sky", "clouds"), "Watercolour on paper") for n in range(30)]
DOCS += [doc(100 + n, f"Harbour with boats {n}", ("Constable, John",), ("harbour", "boat, sailing"), "Oil paint on canvas")
         for n in range(10)]
DOCS += [doc(200, "! 1971", prior=0), doc(201, "中国山水画", ("佚名",), ("landscape",), "Ink on silk")]


@pytest.fixture(scope="module")
def index() -> ranking.Index:
    return ranking.build(DOCS)


def ids(found: ranking.Found) -> list[int]:
    return [h.id for h in found.hits]


def test_a_creator_name_outranks_the_same_word_in_a_title(index: ranking.Index) -> None:
    found = ranking.search(index, query_terms("Turner"), limit=40)
    assert found.total == 31 and ids(found)[:30] == sorted(ids(found)[:30]) and set(ids(found)[:30]) == set(range(10, 40))
    assert ids(found)[-1] == 1  # the film matches on its title only, so it comes after every work by Turner


def test_a_creators_name_finds_the_most_prominent_creator_first_not_a_portrait_named_after_them() -> None:
    portrait = doc(5, "Portrait of J.M.W. Turner", ("Turner, Charles",), ("portrait",), "Mezzotint on paper")
    rose = [doc(300 + n, f"Rose {n}", ("Smith, Ann",), ("flower",)) for n in range(5)] + [doc(310, "Still life", ("Rose, Ann",))]
    index = ranking.build(DOCS + [portrait] + rose)
    assert ranking.scores(index, {"turner": 1.0})[index.rows[5]] > ranking.scores(index, {"turner": 1.0})[index.rows[10]]
    found = ranking.search(index, query_terms("Turner"), limit=40, text="Turner")
    assert set(ids(found)[:30]) == set(range(10, 40)) and ids(found)[30:] == [5, 1]  # J. M. W., then Charles, then the film
    rose_scores = ranking.scores(index, {"rose": 1.0})
    assert ranking.creator_prior(index, ["rose"], rose_scores, rose_scores > 0) is None  # a word that is also a name: as before
    assert set(ids(ranking.search(index, query_terms("Turner clouds"), limit=30))) == set(range(10, 40))


def test_misspelt_terms_are_corrected_and_said(index: ranking.Index) -> None:
    found = ranking.search(index, query_terms("Constabel harbr"))
    assert found.corrections == {"constabel": "constabl", "harbr": "harbour"} and set(ids(found)) == set(range(100, 110))


def test_chinese_queries_reach_english_records_and_chinese_text(index: ranking.Index) -> None:
    assert set(ids(ranking.search(index, query_terms("港口")))) == set(range(100, 110))  # 港口 → harbour
    assert ids(ranking.search(index, query_terms("山水画")))[0] == 201  # jieba segments the Chinese title
    assert "山水" in terms("中国山水画")


def test_an_empty_search_lists_well_described_works_first(index: ranking.Index) -> None:
    found = ranking.search(index, [], limit=len(DOCS))
    assert found.total == len(DOCS) and ids(found)[0] == 1 and ids(found)[-1] == 200


def test_facets_filter_and_count(index: ranking.Index) -> None:
    found = ranking.search(index, query_terms("Turner"), filters={"kind": "film"}, facets=("kind", "subject"))
    assert ids(found) == [1] and found.facets["kind"] == [("film", 1)]
    counted = ranking.search(index, [], facets=("subject",)).facets["subject"]
    assert ("sky", 30) in counted and ("harbour", 10) in counted
    assert ranking.search(index, [], filters={"subject": "no such subject"}).total == 0
    with pytest.raises(ranking.UnknownFacet):
        ranking.search(index, [], filters={"colour": "red"})
    keep = np.ones(len(DOCS), dtype=bool)
    keep[index.rows[1]] = False
    assert 1 not in ids(ranking.search(index, query_terms("Turner"), keep=keep, limit=50))


def test_more_like_this_finds_the_same_kind_of_work_not_itself(index: ranking.Index) -> None:
    alike = [h.id for h in ranking.like_this(index, index.rows[100], limit=5)]
    assert 100 not in alike and all(100 < i < 110 for i in alike)


def test_a_saved_index_answers_the_same(index: ranking.Index, tmp_path: Path) -> None:
    for name, content in ranking.save(index).items():
        (tmp_path / name).write_bytes(content)
    loaded = ranking.load(tmp_path)
    for q in ("Turner", "harbour boats", "港口", ""):
        assert ids(ranking.search(loaded, query_terms(q), facets=("kind",))) == ids(ranking.search(index, query_terms(q), facets=("kind",)))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_a_query_never_a_syntax_error(index: ranking.Index, text: str) -> None:
    found = ranking.search(index, query_terms(text + ' AND "x" OR NEAR(* -y) ^2 {col}:z'), limit=5)
    assert len(found.hits) <= 5 and found.total >= len(found.hits)
