"""k-anonymity and distinct l-diversity for person tables by full-domain generalisation and suppression.

Each quasi-identifier (QI) has a generalisation hierarchy: level 0 is the value as given (normalised),
the top level is ``"*"``, and every level must nest in the next. A *node* picks one level per QI; the
search visits the lattice of nodes and keeps the one with the least information loss whose classes
of size < k (or with < l distinct sensitive values) fit within the suppression budget; those rows are
suppressed (removed).

Information loss is 1 - Prec (Sweeney 2002, "Achieving k-anonymity privacy protection using
generalization and suppression"): the mean, over rows and QIs, of level / height of the hierarchy,
with suppressed rows counted as fully generalised. 0 = the data as given, 1 = nothing left. The
discernibility metric (Bayardo & Agrawal 2005: sum of squared class sizes, plus rows x n for every
suppressed row) is reported alongside.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from museion.errors import MuseionError

SUPPRESSED = "*"
UNKNOWN = "unknown"
OTHER = "Other"
DEFAULT_MISSING = frozenset({"", "unknown", "n/a", "none", "nan"})

Generaliser = Callable[[object], str]


class NotAnonymisable(MuseionError):
    """No node of the lattice reaches k (and l) within the suppression budget."""


@dataclass(frozen=True)
class Hierarchy:
    """Generalisation ladder of one QI column: ``levels[i]`` maps an original value to its level-i label."""

    column: str
    levels: tuple[Generaliser, ...]
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.levels) < 2:
            raise ValueError(f"hierarchy for {self.column!r} needs at least two levels (the value and '*')")
        if self.names and len(self.names) != len(self.levels):
            raise ValueError(f"hierarchy for {self.column!r}: {len(self.names)} names for {len(self.levels)} levels")

    @property
    def height(self) -> int:
        return len(self.levels) - 1

    def level_name(self, level: int) -> str:
        return self.names[level] if self.names else f"level {level}"

    def encode(self, values: pd.Series) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per level: an integer class code for every row and the labels the codes index.

        Labels are computed once per distinct value. Raises ValueError when a level splits a group of
        the level below (the lattice search relies on nesting) or the top level is not a single value.
        """
        row_codes, uniques = pd.factorize(values, use_na_sentinel=False)
        encoded: list[tuple[np.ndarray, np.ndarray]] = []
        previous: np.ndarray | None = None
        for level, generalise in enumerate(self.levels):
            codes, labels = pd.factorize(np.array([generalise(v) for v in uniques], dtype=object))
            if previous is not None:
                parents = pd.DataFrame({"child": previous, "parent": codes}).drop_duplicates()
                if parents["child"].duplicated().any():
                    raise ValueError(f"level {level} of {self.column!r} splits a group of level {level - 1}: "
                                     "a generalisation hierarchy must nest (e.g. 10-year bands in 20-year bands)")
            previous = codes
            encoded.append((codes[row_codes], np.asarray(labels, dtype=object)))
        if len(encoded[-1][1]) > 1:
            raise ValueError(f"the top level of {self.column!r} must map every value to one label")
        return encoded


def _is_missing(value: object, missing: Collection[str]) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value))) or \
        str(value).strip().casefold() in missing


def _suppress(_: object) -> str:
    return SUPPRESSED


def year_hierarchy(column: str, bands: Sequence[int] = (5, 10, 20, 100), *,
                   unknown: Collection[int] = (0,)) -> Hierarchy:
    """Year -> bands of the given widths (each must divide the next, so they nest) -> '*'.

    Missing, non-numeric and ``unknown`` years (MoMA writes 0) stay ``"unknown"`` until '*'.
    """
    if any(b <= 0 for b in bands) or any(wide % narrow for narrow, wide in itertools.pairwise((1, *bands))):
        raise ValueError(f"year bands {tuple(bands)} must be positive and each divide the next")

    def year(value: object) -> int | None:
        if _is_missing(value, DEFAULT_MISSING):
            return None
        try:
            number = int(float(str(value)))
        except ValueError:
            return None
        return None if number in unknown else number

    def exact(value: object) -> str:
        y = year(value)
        return UNKNOWN if y is None else str(y)

    def band(width: int) -> Generaliser:
        def generalise(value: object) -> str:
            y = year(value)
            if y is None:
                return UNKNOWN
            low = y // width * width
            return f"{low}-{low + width - 1}"
        return generalise

    names = ("year", *(f"{b}-year band" for b in bands), SUPPRESSED)
    return Hierarchy(column, (exact, *(band(b) for b in bands), _suppress), names)


def mapping_hierarchy(column: str, steps: Sequence[Mapping[str, str]] = (), *, names: Sequence[str] = (),
                      canonical: Callable[[str], str] = str.strip,
                      missing: Collection[str] = DEFAULT_MISSING) -> Hierarchy:
    """Value -> steps[0][value] -> steps[1][that] ... -> '*'.

    Values are stripped and passed through ``canonical`` (e.g. ``str.title`` so 'male' = 'Male');
    values in ``missing`` (compared case-insensitively) become ``"unknown"``; a value a step does not
    map becomes ``"Other"``. Both stay as they are until '*'.
    """
    missing = frozenset(m.casefold() for m in missing)

    def level(depth: int) -> Generaliser:
        def generalise(value: object) -> str:
            if _is_missing(value, missing):
                return UNKNOWN
            label = canonical(str(value).strip())
            for step in steps[:depth]:
                label = label if label == OTHER else step.get(label, OTHER)
            return label
        return generalise

    return Hierarchy(column, (*(level(d) for d in range(len(steps) + 1)), _suppress),
                     tuple(names) if names else ())


# UN M49 sub-regions (and their regions) for every nationality in MoMA's Artists.csv; historical
# states go where their capital was. 'Various' and anything unlisted become "Other".
NATIONALITY_REGION: dict[str, str] = {
    **dict.fromkeys(["American", "Canadian", "Canadian Inuit", "Native American"], "Northern America"),
    **dict.fromkeys(["Mexican", "Guatemalan", "Costa Rican", "Panamanian", "Nicaraguan"], "Central America"),
    **dict.fromkeys(["Cuban", "Haitian", "Puerto Rican", "Bahamian"], "Caribbean"),
    **dict.fromkeys(["Brazilian", "Argentine", "Chilean", "Colombian", "Venezuelan", "Peruvian", "Uruguayan",
                     "Ecuadorian", "Bolivian", "Paraguayan", "Guyanese"], "South America"),
    **dict.fromkeys(["British", "Scottish", "Welsh", "Irish", "Swedish", "Danish", "Finnish", "Norwegian",
                     "Icelandic", "Estonian", "Latvian", "Lithuanian"], "Northern Europe"),
    **dict.fromkeys(["German", "French", "Swiss", "Austrian", "Dutch", "Belgian", "Luxembourgish"],
                    "Western Europe"),
    **dict.fromkeys(["Italian", "Spanish", "Catalan", "Portuguese", "Greek", "Croatian", "Yugoslav", "Bosnian",
                     "Serbian", "Slovenian", "Macedonian", "Albanian"], "Southern Europe"),
    **dict.fromkeys(["Russian", "Polish", "Czech", "Czechoslovakian", "Slovak", "Hungarian", "Romanian",
                     "Bulgarian", "Ukrainian"], "Eastern Europe"),
    **dict.fromkeys(["Chinese", "Japanese", "Korean", "Taiwanese"], "Eastern Asia"),
    **dict.fromkeys(["Vietnamese", "Thai", "Filipino", "Malaysian", "Singaporean", "Cambodian", "Indonesian"],
                    "South-eastern Asia"),
    **dict.fromkeys(["Indian", "Pakistani", "Iranian", "Afghan"], "Southern Asia"),
    **dict.fromkeys(["Kazakhstani", "Kyrgyzstani", "Tajik"], "Central Asia"),
    **dict.fromkeys(["Israeli", "Turkish", "Lebanese", "Iraqi", "Georgian", "Palestinian", "Kuwaiti", "Emirati",
                     "Cypriot", "Azerbaijani", "Syrian", "Saudi Arabian"], "Western Asia"),
    **dict.fromkeys(["Egyptian", "Moroccan", "Algerian", "Tunisian", "Sudanese"], "Northern Africa"),
    **dict.fromkeys(["South African", "Zimbabwean", "Senegalese", "Malian", "Nigerian", "Congolese", "Kenyan",
                     "Namibian", "Ghanaian", "Tanzanian", "Ethiopian", "Ivorian", "Ugandan", "Cameroonian",
                     "Mauritanian", "Rwandan", "Burkinabe", "Mozambican", "Angolan"], "Sub-Saharan Africa"),
    **dict.fromkeys(["Australian", "New Zealander"], "Australia and New Zealand"),
}
REGION_CONTINENT: dict[str, str] = {
    **dict.fromkeys(["Northern America", "Central America", "Caribbean", "South America"], "Americas"),
    **dict.fromkeys(["Northern Europe", "Western Europe", "Southern Europe", "Eastern Europe"], "Europe"),
    **dict.fromkeys(["Eastern Asia", "South-eastern Asia", "Southern Asia", "Central Asia", "Western Asia"], "Asia"),
    **dict.fromkeys(["Northern Africa", "Sub-Saharan Africa"], "Africa"),
    "Australia and New Zealand": "Oceania",
}


def moma_artist_hierarchies(nationality: str = "Nationality", gender: str = "Gender",
                            birth_year: str = "BeginDate") -> list[Hierarchy]:
    """QI hierarchies for MoMA's Artists.csv: nationality -> sub-region -> region -> '*', gender -> '*',
    birth year (0 = unknown) -> 5/10/20/100-year bands -> '*'."""
    return [
        mapping_hierarchy(nationality, (NATIONALITY_REGION, REGION_CONTINENT), canonical=str.title,
                          names=("nationality", "sub-region", "region", SUPPRESSED),
                          missing=DEFAULT_MISSING | {"nationality unknown"}),
        mapping_hierarchy(gender, canonical=str.title, names=("gender", SUPPRESSED)),
        year_hierarchy(birth_year),
    ]


@dataclass(frozen=True)
class Anonymisation:
    """The released table and how it was made: levels, suppression, class sizes and information loss."""

    frame: pd.DataFrame
    levels: dict[str, int]
    level_names: dict[str, str]
    k: int
    l: int  # noqa: E741 - the standard name in l-diversity
    rows: int
    suppressed: int
    information_loss: float
    discernibility: int
    class_sizes: np.ndarray = field(repr=False)
    nodes_evaluated: int
    nodes_total: int

    @property
    def suppressed_pct(self) -> float:
        return 100.0 * self.suppressed / self.rows if self.rows else 0.0


@dataclass(frozen=True)
class _Node:
    levels: tuple[int, ...]
    keep: np.ndarray
    suppressed: int
    loss: float
    class_sizes: np.ndarray


def anonymise(frame: pd.DataFrame, hierarchies: Sequence[Hierarchy], *, k: int, l: int = 1,  # noqa: E741
              sensitive: str | None = None, max_suppression: float = 0.05,
              passthrough: Sequence[str] = ()) -> Anonymisation:
    """Release ``frame`` k-anonymous on the hierarchies' columns (and distinct l-diverse in ``sensitive``).

    Only the QI columns (generalised), ``sensitive`` and ``passthrough`` columns are released, sorted by
    their values with a fresh index so row order cannot be linked back; drop direct identifiers anyway.
    At most ``max_suppression`` x rows (rounded down) are suppressed. Raises NotAnonymisable if no node
    of the lattice gets there.
    """
    # ARX (Java) and sdcMicro (R) do this search; pycanon only measures the result, and no maintained
    # Python package searches a generalisation lattice under a suppression budget, so it is written here.
    if k < 1 or l < 1:
        raise ValueError(f"k and l must be at least 1 (got k={k}, l={l})")
    if l > 1 and sensitive is None:
        raise ValueError("l-diversity needs a sensitive column")
    if not 0.0 <= max_suppression < 1.0:
        raise ValueError(f"max_suppression is a fraction of rows in [0, 1), got {max_suppression}")
    wanted = [h.column for h in hierarchies] + ([sensitive] if sensitive else []) + list(passthrough)
    if absent := [c for c in wanted if c not in frame.columns]:
        raise ValueError(f"columns not in the table: {absent}")

    n = len(frame)
    encoded = [h.encode(frame[h.column]) for h in hierarchies]
    heights = np.array([h.height for h in hierarchies], dtype=float)
    sensitive_codes = pd.factorize(frame[sensitive], use_na_sentinel=False)[0] if l > 1 else None
    n_sensitive = int(sensitive_codes.max()) + 1 if sensitive_codes is not None and n else 1
    budget = math.floor(max_suppression * n)

    def generalisation(levels: tuple[int, ...]) -> float:
        return float(np.mean(np.array(levels) / heights))

    def evaluate(levels: tuple[int, ...]) -> _Node:
        key = np.zeros(n, dtype=np.int64)
        for codes, labels in (e[lv] for e, lv in zip(encoded, levels, strict=True)):
            key = pd.factorize(key * len(labels) + codes)[0]  # stays < n, so never overflows
        sizes = np.bincount(key)
        ok = sizes >= k
        if sensitive_codes is not None:
            pairs = np.unique(key * n_sensitive + sensitive_codes)
            ok &= np.bincount(pairs // n_sensitive, minlength=len(sizes)) >= l
        keep = ok[key]
        suppressed = n - int(keep.sum())
        loss = ((n - suppressed) * generalisation(levels) + suppressed) / n if n else 0.0
        return _Node(levels, keep, suppressed, loss, np.sort(sizes[ok]))

    # Nodes in order of their generalisation (a lower bound on their loss): stop once it passes the
    # best loss found. Suppression never grows up the lattice (classes only merge), so a node below
    # one that exceeds the budget exceeds it too and is skipped unevaluated.
    lattice = sorted(itertools.product(*(range(h.height + 1) for h in hierarchies)),
                     key=lambda levels: (generalisation(levels), levels))
    best: _Node | None = None
    failing: list[tuple[int, ...]] = []
    evaluated = 0
    for levels in lattice:
        if best is not None and generalisation(levels) > best.loss:
            break
        if any(all(a <= b for a, b in zip(levels, f, strict=True)) for f in failing):
            continue
        node = evaluate(levels)
        evaluated += 1
        if node.suppressed > budget:
            failing.append(levels)
        elif best is None or (node.loss, node.suppressed) < (best.loss, best.suppressed):
            best = node
    if best is None:
        extra = f" and {l} distinct {sensitive!r} values" if l > 1 else ""
        raise NotAnonymisable(f"no generalisation of {n} rows gives classes of at least {k}{extra} "
                              f"with at most {budget} rows ({max_suppression:.1%}) suppressed")

    released = pd.DataFrame({h.column: e[lv][1][e[lv][0][best.keep]]
                             for h, e, lv in zip(hierarchies, encoded, best.levels, strict=True)})
    for column in ([sensitive] if sensitive else []) + list(passthrough):
        released[column] = frame[column].to_numpy()[best.keep]
    released = released.sort_values(list(released.columns), kind="stable", key=lambda s: s.astype(str))
    return Anonymisation(
        frame=released.reset_index(drop=True),
        levels={h.column: lv for h, lv in zip(hierarchies, best.levels, strict=True)},
        level_names={h.column: h.level_name(lv) for h, lv in zip(hierarchies, best.levels, strict=True)},
        k=k, l=l, rows=n, suppressed=best.suppressed, information_loss=best.loss,
        discernibility=int(np.sum(best.class_sizes.astype(np.int64) ** 2)) + best.suppressed * n,
        class_sizes=best.class_sizes, nodes_evaluated=evaluated, nodes_total=len(lattice),
    )
