"""Which model a catalogue can afford: EASE's dense item × item solve grows with the square of the works.

EASE holds the Gram matrix and its inverse in float64 and the weights in float32, about 20·n² bytes at the
peak (70,000 works ≈ 98 GB). Above what the machine's free memory allows, ``auto`` trains ALS instead (memory
linear in members + works, approximate top-N for large catalogues) and says why; an explicit request for
EASE is refused with the alternatives named.
"""

from __future__ import annotations

from dataclasses import dataclass

import psutil

from museion.errors import MuseionError

AUTO = "auto"
"""The algorithm name that lets Museion choose: EASE when it fits, else :data:`LARGE_CATALOGUE_MODEL`."""
LARGE_CATALOGUE_MODEL = "als"
EASE_BYTES_PER_CELL = 20
"""Peak bytes per item × item cell while fitting EASE (float64 Gram + float64 inverse + float32 weights)."""
MEMORY_SHARE = 0.5
"""EASE may use at most this share of the memory available when training starts."""


class CatalogueTooLarge(MuseionError):
    """EASE was asked for explicitly on a catalogue whose item × item matrix does not fit in memory."""


@dataclass(frozen=True, slots=True)
class Choice:
    """The algorithm to train and, when it differs from what was asked, the reason in plain words."""

    algorithm: str
    reason: str | None = None
    requested: str = ""
    n_items: int = 0
    needed_bytes: int = 0
    available_bytes: int = 0

    def record(self) -> dict[str, object]:
        """The choice as recorded with a model version, so its card can state it in every language."""
        return {"requested": self.requested, "chosen": self.algorithm, "works": self.n_items,
                "needed_gb": round(self.needed_bytes / 1e9, 1), "available_gb": round(self.available_bytes / 1e9, 1),
                "reason": self.reason}


def ease_peak_bytes(n_items: int) -> int:
    """Estimated peak memory of fitting EASE on ``n_items`` works."""
    return EASE_BYTES_PER_CELL * n_items * n_items


def available_memory() -> int:
    """Bytes of memory available to a new allocation now (psutil's ``available``)."""
    return int(psutil.virtual_memory().available)


def _gb(n_bytes: float) -> str:
    return f"{n_bytes / 1e9:,.1f} GB"


def choose_algorithm(requested: str, n_items: int, *, available: int | None = None) -> Choice:
    """``requested`` unless it is EASE (or ``auto``) on a catalogue too large for memory.

    ``auto`` becomes EASE when it fits, else ALS with the reason; ``ease`` that does not fit raises
    :class:`CatalogueTooLarge` naming the alternatives. Other algorithms pass through.
    """
    if requested not in (AUTO, "ease"):
        return Choice(requested)
    free = available_memory() if available is None else available
    needed = ease_peak_bytes(n_items)
    if needed <= MEMORY_SHARE * free:
        return Choice("ease", None if requested == "ease" else
                      f"EASE chosen: its {n_items:,} × {n_items:,} work matrix needs about {_gb(needed)} of the "
                      f"{_gb(free)} available", requested, n_items, needed, free)
    why = (f"EASE's dense {n_items:,} × {n_items:,} work matrix needs about {_gb(needed)} to fit, more than half of "
           f"the {_gb(free)} of memory available")
    if requested == "ease":
        raise CatalogueTooLarge(f"{why}; train als (factors, approximate top-N for large catalogues), rp3beta or itemknn "
                                f"(sparse neighbours) instead, or auto to let Museion choose")
    return Choice(LARGE_CATALOGUE_MODEL, f"{why}, so ALS was trained instead (memory grows with members + works, "
                                         f"and large catalogues are ranked through an approximate index)",
                  requested, n_items, needed, free)
