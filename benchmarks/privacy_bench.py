"""Privacy benchmark: k-anonymity of MoMA's artists, and PII detection against Presidio's stock set-up.

Usage: ``.venv/bin/python benchmarks/privacy_bench.py [--data DIR]``. DIR holds ``moma/Artists.csv``
and defaults to ``$MUSEION_DATASETS_DIR``, else ``../shared/data`` beside the repository.

k-anonymity: k=5 on (Nationality, Gender, BeginDate) with at most 5% of rows suppressed, information
loss 1 - Prec; pycanon measures k (and l) of the released table independently. PII: exact-span
precision/recall per entity type on ``tests/privacy/data/pii_labelled.jsonl`` (split "dev": the set the
recognizers were tuned on; "heldout": written afterwards, scored once; "cjk": entities pressed against
Chinese characters; "zh as en": every Chinese sentence read with the language left at "en", the CLI's
default). The peer is Presidio's stock English pattern recognizers (spaCy NER removed as it needs a
model download; email domains checked offline) with the same threshold and overlap resolution; it has
no Chinese, so it reads every sentence as English, as a stock deployment would.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from pycanon import anonymity

from museion.privacy.deidentify import Anonymisation, anonymise, moma_artist_hierarchies
from museion.privacy.pii import EntityScores, Span, default_detector, evaluate, stock_detector

REPO = Path(__file__).resolve().parents[1]
LABELLED = REPO / "tests" / "privacy" / "data" / "pii_labelled.jsonl"
QIS = ["Nationality", "Gender", "BeginDate"]
REPEATS = 5


def timed_anonymise(artists: pd.DataFrame, **options: Any) -> tuple[Anonymisation, float]:
    """The release and the median wall time of REPEATS runs."""
    seconds = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = anonymise(artists, moma_artist_hierarchies(), **options)
        seconds.append(time.perf_counter() - start)
    return result, statistics.median(seconds)


def f1(scores: EntityScores) -> float:
    p, r = scores.precision, scores.recall
    return 0.0 if math.isnan(p) or math.isnan(r) or p + r == 0 else 2 * p * r / (p + r)


def fmt(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def pii_scores(detector: Callable[[str, str], list[Span]], rows: list[dict]) -> tuple[dict[str, EntityScores], float]:
    """Scores and milliseconds per sentence."""
    start = time.perf_counter()
    scores = evaluate(rows, detector)
    return scores, 1000 * (time.perf_counter() - start) / len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("MUSEION_DATASETS_DIR") or REPO.parent / "shared" / "data"))
    path = parser.parse_args().data / "moma" / "Artists.csv"
    if not path.is_file():
        print(f"MoMA artists table not found at {path}; pass --data or set MUSEION_DATASETS_DIR", file=sys.stderr)
        return 2

    print(f"# Privacy benchmark (Python {sys.version.split()[0]}, pandas {pd.__version__})\n")
    artists = pd.read_csv(path, encoding="utf-8-sig")
    died = artists["EndDate"].fillna(0).gt(0).map({True: "dead", False: "alive"})
    artists = artists.assign(died=died)
    anon_rows = []
    for label, options in (("k=5", {"k": 5}), ("k=5, l=2 on died", {"k": 5, "l": 2, "sensitive": "died"})):
        result, seconds = timed_anonymise(artists, **options)
        pycanon_k = anonymity.k_anonymity(result.frame, QIS)
        pycanon_l = anonymity.l_diversity(result.frame, QIS, ["died"]) if "sensitive" in options else None
        levels = ", ".join(f"{c}={name}" for c, name in result.level_names.items())
        print(f"MoMA artists {label}: {result.rows} rows, levels {levels}; suppressed {result.suppressed} "
              f"({result.suppressed_pct:.2f}%), 1-Prec {result.information_loss:.4f}, discernibility "
              f"{result.discernibility:,}, {len(result.class_sizes)} classes (smallest {result.class_sizes.min()}), "
              f"{result.nodes_evaluated}/{result.nodes_total} lattice nodes evaluated, {seconds:.3f} s; "
              f"pycanon k={pycanon_k}" + (f", l={pycanon_l}" if pycanon_l is not None else ""))
        anon_rows.append((label, levels, result, seconds, pycanon_k, pycanon_l))

    labelled = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    museion, stock = default_detector(), stock_detector()
    detectors: dict[str, Callable[[str, str], list[Span]]] = {
        "museion": lambda text, language: museion.detect(text, language),
        "stock": lambda text, language: stock.detect(text, "en"),
    }
    for warm_up in detectors.values():
        warm_up("warm-up", "en")
    splits = {split: [r for r in labelled if split in ("all", r["split"])] for split in ("dev", "heldout", "cjk", "all")}
    splits["zh as en"] = [{**r, "language": "en"} for r in labelled if r["language"] == "zh"]
    pii_rows = []
    for split, rows in splits.items():
        (ours, ours_ms), (peer, peer_ms) = (pii_scores(detectors[name], rows) for name in ("museion", "stock"))
        entities = sum(len(r["entities"]) for r in rows)
        print(f"\nPII, {split}: {len(rows)} sentences ({sum(r['language'] == 'zh' for r in rows)} read as Chinese), "
              f"{entities} entities; Museion {ours_ms:.1f} ms/sentence, stock {peer_ms:.1f} ms/sentence")
        for kind in sorted(set(ours) | set(peer)):
            o, p = ours.get(kind, EntityScores(0, 0, 0)), peer.get(kind, EntityScores(0, 0, 0))
            print(f"  {kind:15} Museion P {fmt(o.precision)} R {fmt(o.recall)} (tp {o.true_positives}, fp "
                  f"{o.false_positives}, fn {o.false_negatives}) | stock P {fmt(p.precision)} R {fmt(p.recall)} "
                  f"(tp {p.true_positives}, fp {p.false_positives}, fn {p.false_negatives})")
            pii_rows.append((split, kind, o, p))

    print(f"\n| MoMA artists ({len(artists):,} rows) | levels chosen | suppressed | 1 − Prec | classes (smallest) | seconds | pycanon |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    for label, levels, result, seconds, pycanon_k, pycanon_l in anon_rows:
        measured = f"k={pycanon_k}" + (f", l={pycanon_l}" if pycanon_l is not None else "")
        print(f"| {label} | {levels} | {result.suppressed} ({result.suppressed_pct:.2f}%) | {result.information_loss:.4f} "
              f"| {len(result.class_sizes)} ({result.class_sizes.min()}) | {seconds:.3f} | {measured} |")
    print("\n| split | entity | Museion P | Museion R | stock P | stock R | F1 Museion ÷ stock |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for split, kind, o, p in pii_rows:
        ratio = "∞" if f1(p) == 0 and f1(o) > 0 else ("n/a" if f1(p) == 0 else f"{f1(o) / f1(p):.2f}×")
        print(f"| {split} | {kind} | {fmt(o.precision)} | {fmt(o.recall)} | {fmt(p.precision)} | {fmt(p.recall)} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
