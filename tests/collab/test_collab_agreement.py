"""Agreement between reviewers against hand-worked values and the libraries' definitions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from museion.collab.agreement import LABELS, alpha, pairs


def test_perfect_agreement_is_one_and_systematic_disagreement_is_negative() -> None:
    same = [(i, r, LABELS[i % 3]) for i in range(6) for r in (1, 2)]
    assert alpha(same) == pytest.approx(1.0)
    assert pairs(same)[0].kappa == pytest.approx(1.0)
    opposite = [(i, 1, "accept" if i % 2 else "reject") for i in range(6)] + \
               [(i, 2, "reject" if i % 2 else "accept") for i in range(6)]
    assert alpha(opposite) < 0
    assert pairs(opposite)[0].observed == 0


def test_a_worked_example() -> None:
    # 3 items: agree, agree, disagree. Cohen: po = 2/3, pe = (2/3*1/3 + 1/3*2/3) = 4/9 -> kappa = (2/3-4/9)/(5/9) = 0.4
    d = [(1, 1, "accept"), (1, 2, "accept"), (2, 1, "reject"), (2, 2, "reject"), (3, 1, "accept"), (3, 2, "reject")]
    assert pairs(d)[0].kappa == pytest.approx(0.4)
    assert alpha(d) == pytest.approx(4 / 9)


def test_undefined_cases_are_none_not_nan() -> None:
    assert alpha([(1, 1, "accept"), (1, 2, "accept")]) is None  # one item
    assert alpha([(i, r, "accept") for i in range(4) for r in (1, 2)]) is None  # no variation
    assert pairs([(i, r, "accept") for i in range(4) for r in (1, 2)])[0].kappa is None
    with pytest.raises(ValueError, match="not one of"):
        alpha([(1, 1, "maybe")])


@given(st.lists(st.tuples(st.integers(0, 8), st.integers(1, 3), st.sampled_from(LABELS)), max_size=40))
def test_agreement_stays_in_range(decisions: list[tuple[int, int, str]]) -> None:
    a = alpha(decisions)
    assert a is None or -1.0 - 1e-9 <= a <= 1.0 + 1e-9
    for p in pairs(decisions):
        assert 0 <= p.observed <= 1 and p.items >= 1
        assert p.kappa is None or -1.0 - 1e-9 <= p.kappa <= 1.0 + 1e-9
