"""De-identified releases wired to the store: differentially private activity histograms charged to a
persisted per-dataset budget, and k-anonymous creator tables. Each release enters the audit chain."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select

from museion import audit
from museion.catalog.models import Creator, Work, WorkTerm
from museion.errors import MuseionError, NotFound
from museion.privacy.access import gated
from museion.privacy.dp import BudgetExceeded, PrivacyBudget, Release, Spend, dp_histogram
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


@gated
def activity_histogram(conn: Connection, dataset: str, by: str, *, epsilon: float, actor: str,
                       max_contributions: int = 50) -> Release:
    """Noisy count of activity per genre or per work kind for one member source.

    Categories are the catalogue's own (public, not derived from members); each member counts at most
    ``max_contributions`` times. The spend is recorded only if the release is made.
    """
    if by not in GROUPINGS:
        raise MuseionError(f"cannot group by {by!r}; use one of {', '.join(GROUPINGS)}")
    ledger = budget(conn, dataset)
    query = f"activity per {by}, max {max_contributions} per member"
    try:
        ledger.charge(epsilon, query)
    except BudgetExceeded as exc:
        raise BudgetRefused(f"refused: {exc}") from None
    events = read_activity(conn, purpose="analytics", actor=actor, source=dataset)
    if by == "genre":
        categories = sorted(set(conn.scalars(select(WorkTerm.term).where(WorkTerm.vocabulary == "genre"))))
        genre_of: dict[int, list[str]] = {}
        for work_id, term in conn.execute(select(WorkTerm.work_id, WorkTerm.term).where(WorkTerm.vocabulary == "genre")):
            genre_of.setdefault(work_id, []).append(term)
        pairs = [(g, m) for w, m in zip(events.work_ids.tolist(), events.member_ids.tolist()) for g in genre_of.get(w, [])]
        keys, members = [g for g, _ in pairs], [m for _, m in pairs]
    else:
        kind_of = {work_id: kind for work_id, kind in conn.execute(select(Work.id, Work.kind))}
        categories = sorted(set(kind_of.values()))
        keys, members = [kind_of[w] for w in events.work_ids.tolist()], events.member_ids.tolist()
    release = dp_histogram(keys, members, categories, epsilon=epsilon, max_contributions=max_contributions)
    conn.execute(insert(PrivacySpend).values(dataset=dataset, epsilon=epsilon, query=query, actor=actor))
    audit.record(conn, actor=actor, action="release.dp_histogram", target=audit.ref("dataset", dataset),
                 details={"by": by, "epsilon": epsilon, "max_contributions": max_contributions,
                          "remaining": ledger.remaining})
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
