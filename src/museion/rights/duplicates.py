"""Near-duplicate catalogue records (pure core): MinHash LSH (datasketch) over character shingles of each record's
normalised title and creators finds candidate pairs in sub-linear time; each candidate is then scored field by field
with rapidfuzz — the titles' edit similarity (word order ignored), the creators' (so "Wood, Christopher" is
"Christopher Wood") and the mediums' — because one string of all fields let a shared creator and medium outweigh a
different title. Pairs whose years are far apart are dropped (a re-catalogued record keeps its date, a later work with
the same title does not). Titles a creator used for a whole series ("Untitled", "[title not known]") carry no signal:
records whose title and creators recur more than ``MAX_REPEAT`` times are left out rather than paired."""

from __future__ import annotations

import re
from collections import Counter
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH
from rapidfuzz import fuzz

SHINGLE = 4
NUM_PERM = 64
THRESHOLD = 0.85  # the default similarity: measured in benchmarks/rights_bench.py
CANDIDATE_JACCARD = 0.3  # LSH candidates: shingle Jaccard from here, then scored by field
WEIGHTS = (0.6, 0.3, 0.1)  # title, creators, medium
MIN_TITLE = 0.8  # whatever the rest, titles this different are different works
MAX_YEAR_GAP = 2
MAX_REPEAT = 3  # more records than this with one title and creator are a series, not duplicates
MAX_CANDIDATES = 20  # LSH candidates examined per record


@dataclass(frozen=True)
class Record:
    key: str
    title: str
    creators: tuple[str, ...]
    year: int | None
    medium: str | None = None


@dataclass(frozen=True)
class Match:
    first: str
    second: str
    similarity: float  # weighted title, creators and medium similarity (rapidfuzz, 0–1)
    shared: int  # shingles in common
    year_gap: int | None


def normalise(text: str) -> str:
    """Case, accents, punctuation and spacing folded away: 'Étude No. 1 —' and 'etude no 1' read alike."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", folded).split())


def shingles(record: Record) -> set[bytes]:
    """Character 4-grams of the normalised title, of the creators' names sorted (their order never matters) and of the
    medium."""
    found: set[bytes] = set()
    for part in (normalise(record.title), " ".join(sorted(normalise(c) for c in record.creators)), normalise(record.medium or "")):
        if not part:
            continue
        padded = f" {part} "
        found.update(padded[i:i + SHINGLE].encode() for i in range(max(1, len(padded) - SHINGLE + 1)))
    return found


def _identity(record: Record) -> tuple[str, tuple[str, ...]]:
    return normalise(record.title), tuple(sorted(normalise(c) for c in record.creators))


def _year_gap(a: Record, b: Record) -> int | None:
    return abs(a.year - b.year) if a.year is not None and b.year is not None else None


def _fields(record: Record) -> tuple[str, str, str]:
    return normalise(record.title), " ".join(sorted(normalise(c) for c in record.creators)), normalise(record.medium or "")


def similarity(a: tuple[str, str, str], b: tuple[str, str, str]) -> float:
    """Weighted field similarity of two records' normalised (title, creators, medium); 0 when the titles differ by
    more than ``MIN_TITLE`` allows. A field empty on either side counts its weight as the titles' score."""
    title = fuzz.token_sort_ratio(a[0], b[0]) / 100
    if title < MIN_TITLE:
        return 0.0
    scores = [title] + [fuzz.token_sort_ratio(x, y) / 100 if x and y else title for x, y in zip(a[1:], b[1:])]
    return sum(w * s for w, s in zip(WEIGHTS, scores))


class DuplicateIndex:
    """Records indexed for near-duplicate search: within the catalogue (``pairs``) or for an incoming record
    (``query``). Series titles are left out of the index (see the module docstring)."""

    def __init__(self, records: Sequence[Record], threshold: float = THRESHOLD, *, num_perm: int = NUM_PERM) -> None:
        if not 0 < threshold <= 1:
            raise ValueError("threshold must be above 0 and at most 1")
        series = Counter(_identity(r) for r in records)
        self.records = [r for r in records if series[_identity(r)] <= MAX_REPEAT]
        self.threshold, self.num_perm = threshold, num_perm
        self.sets = [shingles(r) for r in self.records]
        self.fields = [_fields(r) for r in self.records]
        self.hashes = list(MinHash.bulk([list(s) for s in self.sets], num_perm=num_perm))
        self.lsh = MinHashLSH(threshold=CANDIDATE_JACCARD, num_perm=num_perm)
        for n, minhash in enumerate(self.hashes):
            self.lsh.insert(n, minhash)

    def _scored(self, record: Record, own: set[bytes], minhash: MinHash) -> list[tuple[float, int, int]]:
        """(similarity, shared shingles, index) of the candidates at or above the threshold, best first."""
        found = []
        fields = _fields(record)
        for other in self.lsh.query(minhash):
            gap = _year_gap(record, self.records[other])
            if gap is not None and gap > MAX_YEAR_GAP:
                continue
            score = similarity(fields, self.fields[other])
            if score >= self.threshold:
                found.append((round(score, 4), len(own & self.sets[other]), other))
        return sorted(found, reverse=True)[:MAX_CANDIDATES]

    def query(self, record: Record) -> list[Match]:
        """Indexed records that ``record`` (a submission, not in the index) nearly duplicates, most similar first."""
        own = shingles(record)
        minhash = next(iter(MinHash.bulk([list(own)], num_perm=self.num_perm)))
        return [Match(record.key, self.records[n].key, sim, common, _year_gap(record, self.records[n]))
                for sim, common, n in self._scored(record, own, minhash)]

    def pairs(self, pairs_seen: set[tuple[str, str]] | None = None) -> list[Match]:
        """Pairs within the index, most similar first; ``pairs_seen`` (sorted key pairs) are skipped."""
        return ordered(self.pairs_from(range(len(self.records)), pairs_seen))

    def pairs_from(self, rows: Iterable[int], pairs_seen: set[tuple[str, str]] | None = None) -> list[Match]:
        """The pairs whose first indexed record is one of ``rows`` (positions in ``records``), unordered: the pairs of
        disjoint sets of rows put together and :func:`ordered` are :meth:`pairs`."""
        seen = pairs_seen or set()
        found = []
        for n in rows:
            record = self.records[n]
            for similarity, common, other in self._scored(record, self.sets[n], self.hashes[n]):
                if other <= n:
                    continue
                pair = tuple(sorted((record.key, self.records[other].key)))
                if pair not in seen:
                    found.append(Match(pair[0], pair[1], similarity, common, _year_gap(record, self.records[other])))
        return found


def ordered(matches: Iterable[Match]) -> list[Match]:
    """Matches most similar first (then by keys), the order every scan reports."""
    return sorted(matches, key=lambda m: (-m.similarity, m.first, m.second))


def find_matches(records: Sequence[Record], threshold: float = THRESHOLD, *, num_perm: int = NUM_PERM,
                 pairs_seen: set[tuple[str, str]] | None = None) -> list[Match]:
    """Near-duplicate pairs among ``records`` at or above ``threshold`` similarity, most similar first."""
    return DuplicateIndex(records, threshold, num_perm=num_perm).pairs(pairs_seen)
