"""Feedback loop of the subject suggester on Tate (real data): precision@5 before and after 1, 2 and 5 rounds of
simulated reviewer decisions, and the expected calibration error before and after isotonic recalibration, beside
the popularity floor (the five most frequent subjects) measured in the same run.

Usage: ``.venv/bin/python benchmarks/collab_feedback_bench.py [--data DIR] [--test N] [--batch N] [--collection N] [--seed S]``.
DIR holds ``tate`` (default ``$MUSEION_DATASETS_DIR``, else ``../shared/data`` beside the repository).

Two scenarios, each measured on test works that are never decided:
- **A new collection**: every work of some artists (10 to 1,500 works each, ``--collection`` works in all) arrives
  without subjects, as when a collection is catalogued; 30% of each artist's works are test works, the rest are
  decided over the rounds. The suggester cannot lean on the artist's other works until people decide some.
- **Random works**: ``--test`` test works and batches of ``--batch`` works drawn from the whole catalogue.
The suggester is trained on every other work with subjects. Each round it proposes five subjects for the next
batch; a simulated reviewer accepts those in the work's true set and rejects the others, recorded as the service
records decisions (``Decision``: accepted = positive label, rejected = negative label); a new version is trained on
the catalogue plus every decision so far. Calibration: the last version proposes for one more batch, an isotonic
recalibrator is fitted on those (score, accepted?) pairs, and the ECE of the five suggestions per test work is
compared raw and recalibrated. Ablations retrain the 5-round version without the rejections and without the
per-subject multiplier.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from museion.collab.calibration import expected_calibration_error, fit_recalibrator
from museion.studio import subjects as core

REPO = Path(__file__).resolve().parents[1]
ROUNDS = 5
Split = tuple[list[core.WorkRecord], list[list[core.WorkRecord]]]  # test works, feedback batches (the last recalibrates)


def tate_works(folder: Path) -> list[core.WorkRecord]:
    """Tate's artworks as the suggester reads them (the same fields the Tate import writes to the catalogue)."""
    out = []
    with gzip.open(folder / "artworks.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            out.append(core.WorkRecord(key=f"tate:{r['id']}", title=r.get("title") or "", medium=r.get("medium"),
                                       creators=tuple(str(c.get("name") or "") for c in r.get("contributors") or ()),
                                       year=r["year"] if isinstance(r.get("year"), int) else None,
                                       genres=(r["classification"],) if r.get("classification") else (),
                                       subjects=tuple(r.get("subjects") or ())))
    return out


def proposals(model: core.SubjectModel, works: list[core.WorkRecord]) -> list[list[core.Suggestion]]:
    return [found.suggestions for found in core.suggest_many(model, core.hide_subjects(works), top=5)]


def decide(works: list[core.WorkRecord], suggested: list[list[core.Suggestion]]) -> list[core.Decision]:
    """The simulated reviewer: accept a suggested subject that the work truly has, reject the others."""
    return [core.Decision(w.key, s.subject, s.subject in set(w.subjects)) for w, ss in zip(works, suggested) for s in ss]


def p_at_5(model: core.SubjectModel, test: list[core.WorkRecord]) -> float:
    return core.precision_at([[s.subject for s in ss] for ss in proposals(model, test)], [w.subjects for w in test])


def pairs(model: core.SubjectModel, works: list[core.WorkRecord]) -> tuple[np.ndarray, np.ndarray]:
    decided = decide(works, suggested := proposals(model, works))
    return np.array([s.score for ss in suggested for s in ss]), np.array([d.accepted for d in decided])


def random_split(labelled: list[core.WorkRecord], rng: random.Random, test: int, batch: int) -> Split:
    """Scenario "random works": test works and feedback batches drawn from the whole catalogue."""
    shuffled = labelled[:]
    rng.shuffle(shuffled)
    return shuffled[:test], [shuffled[test + i * batch:test + (i + 1) * batch] for i in range(ROUNDS + 1)]


def collection_split(labelled: list[core.WorkRecord], rng: random.Random, size: int) -> Split:
    """Scenario "a new collection": every work of some artists (10 to 1,500 works each, about ``size`` in all) arrives
    without subjects; 30% of each artist's works are test works, the rest are decided over the rounds."""
    by_artist: dict[str, list[core.WorkRecord]] = defaultdict(list)
    for w in labelled:
        by_artist[w.creators[0] if w.creators else ""].append(w)
    artists = sorted(a for a, ws in by_artist.items() if a and 10 <= len(ws) <= 1500)
    rng.shuffle(artists)
    test: list[core.WorkRecord] = []
    pool: list[core.WorkRecord] = []
    for artist in artists:
        if len(test) + len(pool) >= size:
            break
        works = by_artist[artist][:]
        rng.shuffle(works)
        cut = max(1, int(len(works) * 0.3))
        test, pool = test + works[:cut], pool + works[cut:]
    rng.shuffle(pool)
    batch = len(pool) // (ROUNDS + 1)
    return test, [pool[i * batch:(i + 1) * batch] for i in range(ROUNDS + 1)]


def run(name: str, labelled: list[core.WorkRecord], test: list[core.WorkRecord], batches: list[list[core.WorkRecord]]) -> None:
    """One scenario: train without the held-out works' subjects, five rounds of decisions, the tables."""
    held = {w.key for w in test} | {w.key for b in batches for w in b}
    catalogue = [w for w in labelled if w.key not in held] + core.hide_subjects(w for b in batches for w in b)
    print(f"\n### {name}: {len(test):,} test works, {ROUNDS} feedback batches and a recalibration batch of "
          f"{len(batches[0]):,}, trained on {len(catalogue) - sum(map(len, batches)):,} works with subjects")
    start = time.perf_counter()
    model = core.fit(catalogue)
    floor = core.precision_at([list(model.popularity[:5])] * len(test), [w.subjects for w in test])
    rows = [(0, 0, p_at_5(model, test))]
    decisions: list[core.Decision] = []
    for r in range(1, ROUNDS + 1):
        decisions += decide(batches[r - 1], proposals(model, batches[r - 1]))
        model = core.fit(catalogue, decisions)
        if r in (1, 2, 5):
            rows.append((r, len(decisions), p_at_5(model, test)))
    print("\n| rounds of feedback | decisions | precision@5 | popularity floor | ratio to floor | change from no feedback |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for r, n, p in rows:
        print(f"| {r} | {n:,} | {p:.4f} | {floor:.4f} | {p / floor:.2f}x | {(p - rows[0][2]) / rows[0][2]:+.1%} |")
    accepted_only = p_at_5(core.fit(catalogue, [d for d in decisions if d.accepted]), test)
    no_multiplier = p_at_5(core.fit(catalogue, decisions, core.Params(prior_strength=1e9)), test)
    print(f"\nablations after 5 rounds: accepted subjects only (rejections ignored) {accepted_only:.4f}; "
          f"without the per-subject multiplier {no_multiplier:.4f}")

    conf_fit, acc_fit = pairs(model, batches[ROUNDS])
    recalibrator = fit_recalibrator(conf_fit, acc_fit)
    conf, acc = pairs(model, test)
    before, after = expected_calibration_error(conf, acc), expected_calibration_error(recalibrator(conf), acc)
    print("\n| calibration of the suggested subjects (after 5 rounds) | ECE (10 bins) | suggestions |")
    print("| --- | ---: | ---: |")
    print(f"| raw vote score | {before:.4f} | {len(conf):,} |")
    print(f"| isotonic recalibration on {len(conf_fit):,} decisions of the recalibration batch | {after:.4f} | {len(conf):,} |")
    print(f"\nECE recalibrated / raw: {after / before:.2f}; scenario took {time.perf_counter() - start:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("MUSEION_DATASETS_DIR") or REPO.parent / "shared" / "data"))
    parser.add_argument("--test", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--collection", type=int, default=12000, help="works of the new-collection scenario")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    works = tate_works(args.data / "tate")
    labelled = [w for w in works if w.subjects]
    print(f"Tate: {len(works):,} works, {len(labelled):,} with subjects; seed {args.seed}")
    run("A new collection (held-out artists)", labelled, *collection_split(labelled, random.Random(args.seed), args.collection))
    run("Random works", labelled, *random_split(labelled, random.Random(args.seed), args.test, args.batch))


if __name__ == "__main__":
    main()
