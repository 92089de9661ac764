"""Near-copy detection (issue 16): texts and images (benchmarks/rights_media_bench.py) and near-duplicate catalogue
records: precision and recall of the MinHash index on edited copies of real Tate records, beside exact matching of
normalised title and creators (the peer a naive de-duplication uses), and query latency.

    .venv/bin/python benchmarks/rights_bench.py [--part text|latency|image-tuning|images|metadata|all] [--originals 2000] [--negatives 2000]
        [--seed 7] [--scale 100000]

The evaluation set is built honestly from ../shared/data/tate/artworks.jsonl.gz (CC0): ``--originals`` records stay in
the index and an edited copy of each is submitted (edits at graded strengths: typos, dropped and swapped words, case
and punctuation, "Last, First" creator names, a year off by one, a shortened medium); ``--negatives`` other records by
creators who have other works in the index are held out of the index and submitted unedited — true negatives of the
same genre. A submission counts as found when its best match is its original; any match of a negative is a false
positive. The edits are generated (seeded); the records they start from are real. Latency is measured at the real
index size and at 100,000 records (padded with generated records, labelled as such).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

from museion.rights.duplicates import MAX_REPEAT, MAX_YEAR_GAP, THRESHOLD, DuplicateIndex, Record, _identity
from rights_media_bench import image_bench, image_tuning, latency_bench, tate_texts, text_bench

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tate" / "artworks.jsonl.gz"
STRENGTHS = (0.1, 0.2, 0.3, 0.5)


def tate() -> list[Record]:
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        return [Record(f"tate:{r['id']}", r.get("title") or "", tuple(c["name"] for c in r.get("contributors") or []),
                       r.get("year"), r.get("medium")) for r in map(json.loads, handle)]


def edited(record: Record, strength: float, rng: random.Random) -> Record:
    """A re-catalogued copy: ``strength`` of the title's words touched by typos, drops and swaps, plus free changes."""
    words = record.title.split()
    for _ in range(max(1, round(strength * len(words)))):
        if not words:
            break
        n, op = rng.randrange(len(words)), rng.choice(("typo", "drop", "swap", "case"))
        if op == "typo" and len(words[n]) > 2:
            i = rng.randrange(len(words[n]))
            words[n] = words[n][:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + words[n][i + 1:]
        elif op == "drop" and len(words) > 2:
            del words[n]
        elif op == "swap" and n + 1 < len(words):
            words[n], words[n + 1] = words[n + 1], words[n]
        else:
            words[n] = words[n].upper() if rng.random() < .5 else words[n].strip(".,:;()")
    creators = tuple(f"{c.split()[-1]}, {' '.join(c.split()[:-1])}" if len(c.split()) > 1 and rng.random() < .5 else c
                     for c in record.creators)
    year = record.year + rng.choice((-1, 0, 1)) if record.year is not None else None
    medium = record.medium.split(",")[0] if record.medium and rng.random() < .3 else record.medium
    return Record(record.key + "#copy", " ".join(words), creators, year, medium)


def evaluate(index: DuplicateIndex, exact: dict, positives: list[tuple[Record, str]], negatives: list[Record]) -> dict:
    out = {}
    for name, find in (("MinHash index", lambda r: [m.second for m in index.query(r)][:1]),
                       ("exact title+creators (peer)", lambda r: exact.get(_identity(r), [])[:1])):
        tp = fp = 0
        for record, original in positives:
            best = find(record)
            tp += bool(best) and best[0] == original
            fp += bool(best) and best[0] != original
        fp += sum(bool(find(r)) for r in negatives)
        out[name] = (tp / max(1, tp + fp), tp / len(positives))
    return out


def ambiguous(indexed: list[Record], originals: list[Record], negatives: list[Record]) -> tuple[int, int]:
    """Negatives with an indexed record of the same normalised title and creators within the year gap (a duplicate
    by every field the matcher sees, labelled distinct), and originals with such a twin besides themselves."""
    same: dict = {}
    for r in indexed:
        same.setdefault(_identity(r), []).append(r)

    def twin(record: Record) -> bool:
        return any(o.key != record.key and (o.year is None or record.year is None or abs(o.year - record.year) <= MAX_YEAR_GAP)
                   for o in same.get(_identity(record), []))

    return sum(map(twin, negatives)), sum(map(twin, originals))


def latency(index: DuplicateIndex, queries: list[Record]) -> tuple[float, float]:
    samples = []
    for record in queries:
        start = time.perf_counter()
        index.query(record)
        samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples) * 1000, samples[int(len(samples) * .99)] * 1000


def metadata_bench(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    records = tate()
    repeats: dict = {}
    for r in records:
        repeats[_identity(r)] = repeats.get(_identity(r), 0) + 1
    usable = [r for r in records if repeats[_identity(r)] <= MAX_REPEAT and len(r.title) >= 8 and r.creators]
    by_creator: dict[str, list[Record]] = {}
    for r in usable:
        by_creator.setdefault(r.creators[0], []).append(r)
    candidates = [r for r in usable if len(by_creator[r.creators[0]]) > 1]
    picked = rng.sample(candidates, args.originals + args.negatives)
    originals, negatives = picked[:args.originals], picked[args.originals:]
    held_out = {r.key for r in negatives}
    indexed = [r for r in records if r.key not in held_out]
    tracemalloc.start()
    start = time.perf_counter()
    index = DuplicateIndex(indexed, args.threshold)
    build = time.perf_counter() - start
    memory = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    exact: dict = {}
    for r in index.records:
        exact.setdefault(_identity(r), []).append(r.key)
    print(f"Tate: {len(records):,} records, {len(index.records):,} indexed (series titles left out); "
          f"{args.originals} edited copies, {args.negatives} held-out same-creator negatives; threshold {args.threshold}")
    print(f"index build {build:.1f} s, peak Python memory {memory:.0f} MiB")
    twins = ambiguous(index.records, originals, negatives)
    print(f"metadata cannot tell apart: {twins[0]} negatives have an indexed record with the same title and creators within "
          f"{MAX_YEAR_GAP} years; {twins[1]} originals have such a twin besides themselves")
    print(f"{'edit strength':>13} {'method':<30} {'precision':>9} {'recall':>7} {'recall / peer':>14}")
    for strength in STRENGTHS:
        positives = [(edited(r, strength, rng), r.key) for r in originals]
        found = evaluate(index, exact, positives, negatives)
        peer_recall = found["exact title+creators (peer)"][1]
        for name, (precision, recall) in found.items():
            ratio = f"{recall / peer_recall:.1f}" if peer_recall else "—"
            print(f"{strength:>13} {name:<30} {precision:9.3f} {recall:7.3f} {ratio:>14}")
    queries = [edited(r, 0.2, rng) for r in originals[:500]]
    p50, p99 = latency(index, queries)
    print(f"query latency at {len(index.records):,} indexed: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    padding = [Record(f"generated:{n}", " ".join(rng.sample(r.title.split(), len(r.title.split()))) + f" {n}",
                      r.creators, r.year, r.medium) for n, r in enumerate(rng.choices(usable, k=100_000 - len(index.records)))]
    big = DuplicateIndex(index.records + padding, args.threshold)
    p50, p99 = latency(big, queries)
    print(f"query latency at {len(big.records):,} indexed (incl. {len(padding):,} generated): p50 {p50:.2f} ms, p99 {p99:.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("metadata", "text", "latency", "image-tuning", "images", "all"), default="all")
    parser.add_argument("--originals", type=int, default=2000)
    parser.add_argument("--negatives", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--scale", type=int, default=100_000, help="documents in the text latency test")
    args = parser.parse_args()
    if args.part in ("text", "all"):
        text_bench(tate_texts(), seed=args.seed)
    if args.part in ("latency", "all"):
        latency_bench(tate_texts(), seed=args.seed, scale=args.scale)
    if args.part in ("image-tuning", "all"):
        image_tuning(seed=args.seed)
    if args.part in ("images", "all"):
        image_bench(seed=args.seed)
    if args.part in ("metadata", "all"):
        metadata_bench(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
