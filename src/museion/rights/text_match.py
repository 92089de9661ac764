"""Near-copies of texts (pure core): MinHash LSH (datasketch) over word 2-shingles (bigrams) finds candidate documents in
sub-linear time; each candidate is then scored exactly by the overlap of the two shingle sets, |A ∩ B| / min(|A|, |B|)
(floored at ``MIN_SHARED`` shingles), so that a truncated or padded copy scores as high as a lightly edited one, and
the shared runs of words are returned as the matching passages. Shingles are CRC32 hashes (stable across processes)
kept as sorted numpy arrays: 100,000 documents of ~100 words cost tens of MiB, not the GiB of Python sets.

Building is batched: a word is hashed once and its 2-shingles are combined from the word hashes in numpy; MinHashes
come from datasketch's ``MinHash.generator`` (one set of permutations shared by all) and go into the LSH through an
``insertion_session``. 64 permutations: at the LSH threshold datasketch picks the same 28 bands of 2 rows as with 128,
so recall is unchanged and each signature costs half.

No embedding index: an offline sentence-embedding model is not installed by default (see docs/benchmarks.md)."""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

SHINGLE = 2
NUM_PERM = 64
THRESHOLD = 0.4  # the default overlap: measured in benchmarks/rights_bench.py
LSH_THRESHOLD = 0.2  # candidates: Jaccard estimate from here (a half-truncated copy has Jaccard 0.5)
MIN_SHARED = 8  # a query needs at least this many shingles in common to match (short texts cannot match by chance)
MAX_PASSAGES = 5


_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Case, accents and punctuation folded away; what remains split into words."""
    folded = text.casefold()
    if not folded.isascii():  # only where there can be accents; one C-level pass (a Python loop per character was slow)
        folded = unicodedata.normalize("NFKD", folded).translate(_combining())
    return _WORD.findall(folded)


@functools.cache
def _combining() -> dict[int, None]:
    """A translation table deleting every combining mark (built once, ~0.1 s)."""
    return dict.fromkeys(c for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c)))


_MIX = np.uint64(0x9E3779B97F4A7C15)  # a 64-bit odd constant (Fibonacci hashing): spreads the first word of a shingle


def shingle_hashes(tokens: list[str]) -> np.ndarray:
    """A 32-bit hash of each run of ``SHINGLE`` words, one per position (a text shorter than that is one shingle): each
    word's CRC32 (stable across processes), combined position by position in numpy."""
    if not tokens:
        return np.zeros(0, dtype=np.uint32)
    hashed = np.fromiter((zlib.crc32(w.encode()) for w in tokens), dtype=np.uint64, count=len(tokens))
    runs = max(1, len(tokens) - SHINGLE + 1)
    combined = hashed[:runs].copy()
    for offset in range(1, min(SHINGLE, len(tokens))):
        combined = (combined * _MIX) ^ hashed[offset:offset + runs]
    return ((combined >> np.uint64(32)) ^ combined).astype(np.uint32)


@dataclass(frozen=True)
class Passage:
    """A run of words the two texts share: word offsets [start, end) in the query and in the document."""

    query_start: int
    query_end: int
    doc_start: int
    doc_end: int


@dataclass(frozen=True)
class TextMatch:
    key: str
    similarity: float  # |A ∩ B| / min(|A|, |B|), A and B the two shingle sets
    jaccard: float
    shared: int


def overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float, int]:
    """(overlap similarity, Jaccard, shared shingles) of two sorted unique shingle arrays."""
    shared = len(np.intersect1d(a, b, assume_unique=True))
    if not shared:
        return 0.0, 0.0, 0
    return shared / max(min(len(a), len(b)), MIN_SHARED), shared / (len(a) + len(b) - shared), shared


def passages(query: str, document: str, *, limit: int = MAX_PASSAGES) -> list[Passage]:
    """The longest runs of words the two texts share (runs of common shingles), longest first."""
    q_words, d_words = words(query), words(document)
    q_hashes, d_hashes = shingle_hashes(q_words), shingle_hashes(d_words)
    first_at: dict[int, int] = {}
    for n, h in enumerate(d_hashes.tolist()):
        first_at.setdefault(h, n)
    found, n = [], 0
    while n < len(q_hashes):
        start = first_at.get(int(q_hashes[n]))
        if start is None:
            n += 1
            continue
        length = 1
        while n + length < len(q_hashes) and start + length < len(d_hashes) and q_hashes[n + length] == d_hashes[start + length]:
            length += 1
        found.append(Passage(n, n + length + SHINGLE - 1, start, start + length + SHINGLE - 1))
        n += length
    found.sort(key=lambda p: p.query_start - p.query_end)
    return found[:limit]


class TextIndex:
    """Documents indexed for near-copy search; ``query`` returns those a text copies, best first."""

    def __init__(self, threshold: float = THRESHOLD, *, num_perm: int = NUM_PERM) -> None:
        if not 0 < threshold <= 1:
            raise ValueError("threshold must be above 0 and at most 1")
        self.threshold, self.num_perm = threshold, num_perm
        self.keys: list[str] = []
        self.sets: list[np.ndarray] = []
        self.lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=num_perm)
        # the shingles are hashed already (hashfunc=int skips datasketch's per-item SHA-1); permutations drawn once
        template = MinHash(num_perm=num_perm, hashfunc=int)
        self._permutations, self._scheme = template.permutations, template.scheme

    def __len__(self) -> int:
        return len(self.keys)

    def _minhashes(self, sets: list[np.ndarray]) -> list[MinHash]:
        return list(MinHash.generator((s.tolist() for s in sets), num_perm=self.num_perm, hashfunc=int,
                                      permutations=self._permutations, scheme=self._scheme))

    def add(self, key: str, text: str) -> bool:
        """Index ``text`` under ``key``; False (and nothing indexed) when it has no words."""
        return self.extend([(key, text)]) == 1

    def extend(self, documents: Iterable[tuple[str, str]], *, batch: int = 5000) -> int:
        """Index every (key, text), ``batch`` at a time; the number indexed (texts without words are left out)."""
        indexed, pending = 0, []
        for key, text in documents:
            unique = np.unique(shingle_hashes(words(text)))
            if len(unique):
                pending.append((key, unique))
            if len(pending) >= batch:
                indexed, pending = indexed + self._insert(pending), []
        return indexed + self._insert(pending)

    def _insert(self, pending: list[tuple[str, np.ndarray]]) -> int:
        first = len(self.keys)
        with self.lsh.insertion_session() as session:
            for n, minhash in enumerate(self._minhashes([unique for _, unique in pending])):
                session.insert(first + n, minhash, check_duplication=False)  # keys are fresh positions
        self.keys.extend(key for key, _ in pending)
        self.sets.extend(unique for _, unique in pending)
        return len(pending)

    def query(self, text: str, *, threshold: float | None = None, limit: int = 10) -> list[TextMatch]:
        """Indexed documents that ``text`` nearly copies, at or above the threshold, most similar first."""
        unique = np.unique(shingle_hashes(words(text)))
        if not len(unique):
            return []
        cut = self.threshold if threshold is None else threshold
        # every candidate is scored (a cut would drop the original at random), all at once: common words make a
        # thousand candidates at 100,000 documents, and one numpy call each cost ~10 ms
        candidates = list(self.lsh.query(self._minhashes([unique])[0]))
        if not candidates:
            return []
        others = [self.sets[n] for n in candidates]
        sizes = np.fromiter(map(len, others), dtype=np.int64, count=len(others))
        flat = np.concatenate(others)
        at = np.minimum(np.searchsorted(unique, flat), len(unique) - 1)
        shared = np.add.reduceat(unique[at] == flat, np.cumsum(sizes) - sizes)
        similarity = shared / np.maximum(np.minimum(sizes, len(unique)), MIN_SHARED)
        keep = np.flatnonzero((similarity >= cut) & (shared >= min(MIN_SHARED, len(unique))))
        if len(keep) > limit:  # only the best ``limit`` (and any tied with the last) become matches
            keep = keep[similarity[keep] >= np.sort(similarity[keep])[-limit]]
        found = [TextMatch(self.keys[candidates[i]], round(float(similarity[i]), 4),
                           round(float(shared[i] / (len(unique) + sizes[i] - shared[i])), 4), int(shared[i])) for i in keep]
        return sorted(found, key=lambda m: (-m.similarity, m.key))[:limit]
