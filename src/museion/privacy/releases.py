"""De-identified releases wired to the store: differentially private activity histograms charged to a
persisted per-dataset budget, and k-anonymous creator tables. Each release enters the audit chain.

A DP release reserves its epsilon under the budget's lock before computing and gives it back if it fails,
so concurrent releases can never spend more than the budget; a crash after reserving leaves it spent (safe)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Connection, Engine, delete, insert, select

from museion import audit
from museion.catalog.models import Creator, Work, WorkTerm
from museion.errors import MuseionError, NotFound
from museion.privacy.access import gated
from museion.privacy.dp import BudgetExceeded, PrivacyBudget, Release, Spend, dp_histogram_of_codes
from museion.privacy.gate import read_activity
from museion.privacy.models import PrivacyBudgetRecord, PrivacySpend

if TYPE_CHECKING:
    import pandas as pd

GROUPINGS = ("genre", "kind")


class NoBudget(NotFound):
    """The dataset has no differential-privacy budget yet."""


class BudgetRefused(MuseionError):
    """A release would spend more epsilon than the dataset's budget has left; nothing was released."""


def set_budget(conn: Connection, dataset: str, total_epsilon: float) -> None:
    """Set a dataset's total epsilon once; it can only be read afterwards, never raised."""
    existing = conn.scalar(select(PrivacyBudgetRecord.total_epsilon).where(PrivacyBudgetRecord.dataset == dataset))
    if existing is not None:
        raise MuseionError(f"{dataset} already has a budget; a budget is never raised")
    PrivacyBudget(total_epsilon)  # validates the value
    conn.execute(insert(PrivacyBudgetRecord).values(dataset=dataset, total_epsilon=total_epsilon))


def budget(conn: Connection, dataset: str) -> PrivacyBudget:
    total = conn.scalar(select(PrivacyBudgetRecord.total_epsilon).where(PrivacyBudgetRecord.dataset == dataset))
    if total is None:
        raise NoBudget(f"{dataset} has no privacy budget: set one with `museion privacy release budget {dataset} --total EPS`")
    spends = [Spend(e, q) for e, q in conn.execute(select(PrivacySpend.epsilon, PrivacySpend.query)
                                                   .where(PrivacySpend.dataset == dataset).order_by(PrivacySpend.id))]
    return PrivacyBudget(total, spends)


def budgets(conn: Connection) -> list[dict[str, Any]]:
    """Each dataset's total epsilon, what releases spent (exact, from the ledger), what remains, how many releases."""
    rows = []
    for dataset in conn.scalars(select(PrivacyBudgetRecord.dataset).order_by(PrivacyBudgetRecord.dataset)):
        ledger = budget(conn, dataset)
        rows.append({"dataset": dataset, "total": ledger.total_epsilon, "spent": ledger.spent, "remaining": ledger.remaining,
                     "releases": len(ledger.spends)})
    return rows


def _reserve(engine: Engine, dataset: str, epsilon: float, query: str, actor: str) -> tuple[int, float]:
    """Charge ``epsilon`` before anything is computed, in one short transaction holding the budget's lock
    (row lock on PostgreSQL, SQLite's write lock taken at BEGIN), so concurrent releases cannot overspend.
    Returns the spend's id and the epsilon left after it."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        conn.scalar(select(PrivacyBudgetRecord.dataset).where(PrivacyBudgetRecord.dataset == dataset).with_for_update())
        ledger = budget(conn, dataset)
        try:
            ledger.charge(epsilon, query)
        except BudgetExceeded as exc:
            raise BudgetRefused(f"refused: {exc}") from None
        spend_id = conn.execute(insert(PrivacySpend).values(dataset=dataset, epsilon=epsilon, query=query, actor=actor)
                                ).inserted_primary_key[0]
        conn.commit()
    return spend_id, ledger.remaining


def _activity(conn: Connection, dataset: str, by: str, actor: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Each analytics event's category codes (one row per genre of its work, or its work's kind), whose row each is,
    and the categories (the catalogue's, sorted), as arrays: rows stay in event order, a work's genres in stored order."""
    events = read_activity(conn, purpose="analytics", actor=actor, source=dataset)
    table = (select(Work.id, Work.kind) if by == "kind"
             else select(WorkTerm.work_id, WorkTerm.term).where(WorkTerm.vocabulary == "genre"))
    rows = conn.execute(table).all()
    works = np.fromiter((w for w, _ in rows), dtype=np.int64, count=len(rows))
    categories, codes = np.unique(np.array([c for _, c in rows], dtype=str), return_inverse=True)
    order = np.argsort(works, kind="stable")
    works, codes = works[order], codes.reshape(-1)[order]
    first = np.searchsorted(works, events.work_ids, side="left")
    per_event = np.searchsorted(works, events.work_ids, side="right") - first
    position = np.repeat(first - np.cumsum(per_event) + per_event, per_event) + np.arange(per_event.sum())
    return codes[position], np.repeat(events.member_ids, per_event), tuple(categories.tolist())


@gated
def activity_histogram(engine: Engine, dataset: str, by: str, *, epsilon: float, actor: str,
                       max_contributions: int = 50, progress: Callable[[float, str], None] | None = None) -> Release:
    """Noisy count of activity per genre or per work kind for one member source.

    Categories are the catalogue's own (public, not derived from members); each member counts at most
    ``max_contributions`` times. The spend is reserved first and removed again if the release fails (or
    ``progress``, a job's reporter, raises to cancel it), so no database lock is held while events are counted
    and noised.
    """
    if by not in GROUPINGS:
        raise MuseionError(f"cannot group by {by!r}; use one of {', '.join(GROUPINGS)}")
    query = f"activity per {by}, max {max_contributions} per member"
    spend_id, remaining = _reserve(engine, dataset, epsilon, query, actor)
    try:
        if progress:
            progress(0.1, "budget reserved; reading activity")
        with engine.begin() as conn:
            codes, members, categories = _activity(conn, dataset, by, actor)
        if progress:
            progress(0.6, f"counting and noising {len(codes):,} rows")
        release = dp_histogram_of_codes(codes, members, categories, epsilon=epsilon, max_contributions=max_contributions)
        with engine.begin() as conn:
            audit.record(conn, actor=actor, action="release.dp_histogram", target=audit.ref("dataset", dataset),
                         details={"by": by, "epsilon": epsilon, "max_contributions": max_contributions, "remaining": remaining})
    except BaseException:
        with engine.begin() as conn:  # nothing was released: give the reserved epsilon back
            conn.execute(delete(PrivacySpend).where(PrivacySpend.id == spend_id))
        raise
    return release


def k_anonymous_creators(conn: Connection, source: str, *, k: int, l: int = 1, max_suppression: float = 0.05,  # noqa: E741
                         output: Path | None = None, actor: str = "system") -> tuple[dict[str, Any], pd.DataFrame]:
    """Release a source's creators (nationality, gender, birth year) k-anonymised: (report, released table)."""
    import pandas as pd

    from museion.privacy.deidentify import anonymise, moma_artist_hierarchies

    rows = conn.execute(select(Creator.nationality, Creator.gender, Creator.birth_year).where(Creator.source == source)).all()
    if not rows:
        raise MuseionError(f"no creators from source {source!r}")
    frame = pd.DataFrame(rows, columns=["Nationality", "Gender", "BeginDate"]).fillna({"BeginDate": 0, "Nationality": "",
                                                                                        "Gender": ""})
    result = anonymise(frame, moma_artist_hierarchies(), k=k, l=l, max_suppression=max_suppression)
    if output is not None:
        result.frame.to_csv(output, index=False)
    audit.record(conn, actor=actor, action="release.k_anonymous", target=audit.ref("source", source),
                 details={"k": result.k, "l": l, "rows": result.rows, "suppressed": result.suppressed})
    return {"rows": result.rows, "suppressed": result.suppressed, "suppressed_pct": result.suppressed_pct,
            "information_loss": result.information_loss, "levels": result.level_names,
            "classes": len(result.class_sizes), "k": result.k}, result.frame
