"""Creator matching Tate <-> MoMA (issue 22): precision, recall and F1 of the name-and-dates matcher, beside the floor
(exact equality of normalised names) in the same run, and the time each takes on the real artist files.

    .venv/bin/python benchmarks/creator_match_bench.py

Ground truth, stated plainly: Tate's artist file carries no Wikidata or ULAN identifier (only tate.org.uk URLs, which
encode a name slug and Tate's own id), so no Tate <-> MoMA pair can be checked against identifier matches. The truth
used instead is a hand-labelled sample (tests/fixtures/heritage/creator_pairs.csv: 200 random Tate artists, each
labelled with its MoMA twin or none, labelling rule in the file); figures count only pairs with a sampled Tate artist.
The shipped threshold was chosen on that same sample, so its figure is in-sample; a two-fold figure (threshold chosen on
one half, measured on the other) is printed beside it. A second check uses what identifiers there are: pairs of MoMA
artists sharing a Wikidata or ULAN id (within MoMA), and whether the matcher proposes them.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

from museion.heritage.creator_match import THRESHOLD, Person, exact_name_match, identifier_pairs, match

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "heritage" / "creator_pairs.csv"
CUTS = (0.7, 0.75, 0.8, 0.82, 0.84, 0.86, 0.9)


def _year(text: str) -> int | None:
    return int(text) if text.strip().isdigit() and text.strip() != "0" else None


def tate() -> list[Person]:
    with (DATA / "tate" / "artist_data.csv").open(encoding="utf-8-sig", newline="") as handle:
        return [Person(f"tate:{r['id']}", "tate", r["name"], _year(r["yearOfBirth"]), _year(r["yearOfDeath"]), r["gender"] or None)
                for r in csv.DictReader(handle)]


def moma() -> list[Person]:
    """As the MoMA adapter loads them: 0 is an unknown year, genders in one spelling, QID and ULAN as identifiers."""
    with (DATA / "moma" / "Artists.csv").open(encoding="utf-8-sig", newline="") as handle:
        return [Person(f"moma:{r['ConstituentID']}", "moma", r["DisplayName"], _year(r["BeginDate"]), _year(r["EndDate"]),
                       r["Gender"].capitalize() if r["Gender"].lower() in ("male", "female") else (r["Gender"] or None),
                       r["Nationality"] or None,
                       tuple((k, v.strip()) for k, v in (("wikidata", r["Wiki QID"]), ("ulan", r["ULAN"])) if v.strip()))
                for r in csv.DictReader(handle)]


def labels() -> tuple[list[str], set[tuple[str, str]]]:
    with FIXTURE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    return [r["tate_key"] for r in rows], {(r["moma_key"], r["tate_key"]) for r in rows if r["moma_key"]}


def figures(predicted: set[tuple[str, str]], sampled: set[str], truth: set[tuple[str, str]]) -> tuple[int, int, int, float, float, float]:
    mine = {p for p in predicted if p[1] in sampled}
    tp = len(mine & truth)
    precision, recall = tp / max(1, len(mine)), tp / max(1, len(truth))
    return tp, len(mine) - tp, len(truth) - tp, precision, recall, 2 * precision * recall / max(1e-9, precision + recall)


def main() -> None:
    left, right = tate(), moma()
    keys, truth = labels()
    sampled = set(keys)
    started = time.perf_counter()
    found = match(left, right, threshold=min(CUTS))
    matcher_s = time.perf_counter() - started
    started = time.perf_counter()
    exact = exact_name_match(left, right)
    exact_s = time.perf_counter() - started
    print(f"Tate artists {len(left):,} · MoMA artists {len(right):,} · labelled Tate artists {len(keys)} "
          f"with {len(truth)} MoMA twins")
    print(f"candidate pairs scored at ≥ {min(CUTS)}: {len(found):,} (matcher {matcher_s:.2f} s, exact names {exact_s:.2f} s)\n")
    print("| matcher | threshold | TP | FP | FN | precision | recall | F1 |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for cut in CUTS:
        tp, fp, fn, p, r, f1 = figures({(x.first, x.second) for x in found if x.score >= cut}, sampled, truth)
        mark = " (shipped)" if cut == THRESHOLD else ""
        print(f"| name and dates{mark} | {cut:.2f} | {tp} | {fp} | {fn} | {p:.3f} | {r:.3f} | {f1:.3f} |")
    ours = figures({(x.first, x.second) for x in found if x.score >= THRESHOLD}, sampled, truth)
    floor = figures(exact, sampled, truth)
    print(f"| exact normalised name (floor) | – | {floor[0]} | {floor[1]} | {floor[2]} | {floor[3]:.3f} | {floor[4]:.3f} | {floor[5]:.3f} |")
    print(f"\nratio matcher/floor: F1 {ours[5] / floor[5]:.3f}, recall {ours[4] / floor[4]:.3f}, precision {ours[3] / floor[3]:.3f}")
    folds = [set(keys[0::2]), set(keys[1::2])]
    held = []
    for choose, measure in ((folds[0], folds[1]), (folds[1], folds[0])):
        best = max(CUTS, key=lambda c: (figures({(x.first, x.second) for x in found if x.score >= c}, choose,
                                                 {t for t in truth if t[1] in choose})[5], c))
        held.append((best, figures({(x.first, x.second) for x in found if x.score >= best}, measure,
                                   {t for t in truth if t[1] in measure})))
    for n, (best, (tp, fp, fn, p, r, f1)) in enumerate(held, 1):
        print(f"two-fold, fold {n}: threshold {best:.2f} chosen on the other half → precision {p:.3f}, recall {r:.3f}, F1 {f1:.3f}")
    ids = identifier_pairs(right)
    proposed = {(x.first, x.second) for x in match(right, threshold=THRESHOLD) if not x.shared_ids}
    print(f"\nwithin MoMA: {len(ids)} pairs share a Wikidata or ULAN id; the name-and-dates matcher proposes "
          f"{len(ids & proposed)} of them (they are proposed anyway, as identifier matches, for a curator to judge):")
    by_key = {p.key: p for p in right}
    for a, b in sorted(ids):
        print(f"  {a} {by_key[a].name} ({by_key[a].birth}) ~ {b} {by_key[b].name} ({by_key[b].birth})")


if __name__ == "__main__":
    main()
