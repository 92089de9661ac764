"""The one place that decides whether a work may be used: for a use (display, stream, download…), in a territory, on
a day. Recommendations, the catalogue API and pages, exports and the public pages all ask here.

Policy: a work with licences recorded is available only where one of them covers the use, territory and day
(``museion.rights.terms.available``); a work with none recorded is not under licence management and stays available
(its published rights statement applies; the gaps report lists such works that were served or exported).
``MUSEION_RIGHTS_ENFORCE=false`` records licences without letting them decide. A request that names no territory
uses ``MUSEION_RIGHTS_TERRITORY`` (members carry no territory attribute).

Cheap on the serving path: the set of unavailable works is computed once per (use, territory, day) and kept until the
licences change (a count and latest change time of the licences table, read per call, tell).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, func, select

from museion.config import get_settings
from museion.rights.licence_models import Licence, LicenceWork
from museion.rights.terms import Terms, available, territory, use_names
from museion.store.base import utcnow


@dataclass(frozen=True, slots=True)
class Availability:
    """Which works may not be used for ``use`` in ``territory`` on ``day``."""

    use: str
    territory: str
    day: date
    blocked: frozenset[int]

    def allows(self, work_id: int) -> bool:
        return work_id not in self.blocked


_cache: dict[tuple[str, str, str, date], tuple[tuple[int, object], Availability]] = {}
_lock = threading.Lock()


def today() -> date:
    return utcnow().date()


def unavailable(conn: Connection, use: str, where: str | None = None, day: date | None = None) -> Availability:
    """The works that may not be used for ``use`` in ``where`` (default: the configured territory) on ``day``
    (default: today, UTC). Every path that serves, shows or exports works filters through this."""
    settings = get_settings()
    use = use_names([use])[0]
    where = territory(where or settings.rights_territory)
    day = day or today()
    if not settings.rights_enforce:
        return Availability(use, where, day, frozenset())
    stamp = tuple(conn.execute(select(func.count(), func.max(Licence.updated_at)).select_from(Licence)).one())
    key = (str(conn.engine.url), use, where, day)
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    result = Availability(use, where, day, _blocked(conn, use, where, day))
    with _lock:
        if len(_cache) > 512:
            _cache.clear()
        _cache[key] = (stamp, result)  # type: ignore[assignment]
    return result


def may_use(conn: Connection, work_id: int, use: str, where: str | None = None, day: date | None = None) -> bool:
    """Whether one work may be used (the same decision as :func:`unavailable`)."""
    return unavailable(conn, use, where, day).allows(work_id)


def _blocked(conn: Connection, use: str, where: str, day: date) -> frozenset[int]:
    per_work: dict[int, list[Terms]] = defaultdict(list)
    rows = conn.execute(select(LicenceWork.work_id, Licence.id, Licence.territories, Licence.uses, Licence.starts,
                               Licence.ends, Licence.exclusive).join(Licence, Licence.id == LicenceWork.licence_id))
    for work_id, lid, places, uses, starts, ends, exclusive in rows:
        per_work[int(work_id)].append(Terms(int(lid), tuple(places), tuple(uses), starts, ends, bool(exclusive)))
    return frozenset(w for w, terms in per_work.items() if not available(terms, use, where, day))
