"""Near-copies of texts and images (issue 16), run from benchmarks/rights_bench.py.

Texts: paragraphs of CPython's bundled language reference (pydoc_data, PSF licence) and real Tate records rendered as
text (../shared/data/tate, CC0); half of each indexed, the other half held out as true negatives of the same genre;
edited copies (museion.rights.evalsets: insert, delete, reorder, truncate, substitute, mixed) at graded strengths.
A copy counts as found when its best match is its original; any other match is a false positive. Peer: the same
exact overlap scored against every document (no LSH), on the same queries: what the LSH index loses and gains.
Latency at ``scale`` documents, padded with generated word sequences (labelled as such).

Images: pictures scikit-image ships and seeded generated compositions; transforms at graded strengths; distinct
pictures (held out) as negatives. Multi-hash voting with tiles beside single pHash at distance 10 (the peer).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import resource
import statistics
import time
from pathlib import Path

import numpy as np

from museion.rights import text_match
from museion.rights.evalsets import (IMAGE_TRANSFORMS, TEXT_EDITS, generated_picture, reference_paragraphs,
                                     skimage_pictures, text_cases, transform_image)
from museion.rights.image_match import LIMITS, TILE_LIMITS, VOTES, ImageIndex, fingerprint, query_hashes

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tate" / "artworks.jsonl.gz"
TEXT_STRENGTHS = (0.05, 0.1, 0.2, 0.3, 0.5)
IMAGE_STRENGTHS = (0.1, 0.3, 0.5)


def tate_texts(limit: int = 1500, seed: int = 11) -> list[tuple[str, str]]:
    """Tate records as the catalogue indexes them (title, creators, date, medium, credit line, subjects)."""
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    random.Random(seed).shuffle(rows)
    out, seen = [], set()
    for r in rows:
        text = " ".join(p for p in (r.get("title"), ", ".join(c["name"] for c in r.get("contributors") or []), r.get("dateText"),
                                    r.get("medium"), r.get("creditLine"), ", ".join(r.get("subjects") or [])) if p)
        normal = " ".join(text_match.words(text))
        if len(normal.split()) >= 12 and normal not in seen:  # identical records would be duplicates labelled negatives
            seen.add(normal)
            out.append((f"tate:{r['id']}", text))
        if len(out) >= limit:
            break
    return out


def _score(found: list[str], original: str | None) -> tuple[int, int, int]:
    """(true positive, false positive, false negative) of one query's best match."""
    if original is None:
        return 0, int(bool(found)), 0
    hit = bool(found) and found[0] == original
    return int(hit), int(bool(found) and not hit), int(not hit)


def _scan(index: text_match.TextIndex, text: str) -> list[str]:
    """The peer: exact overlap against every indexed document."""
    unique = np.unique(text_match.shingle_hashes(text_match.words(text)))
    best = [(sim, key) for key, other in zip(index.keys, index.sets)
            for sim, _, shared in [text_match.overlap(unique, other)]
            if sim >= index.threshold and shared >= min(text_match.MIN_SHARED, len(unique))]
    return [key for _, key in sorted(best, reverse=True)[:1]]


def text_bench(tate: list[tuple[str, str]], *, seed: int) -> None:
    rng = random.Random(seed)
    reference = reference_paragraphs()
    rng.shuffle(reference)
    sets = {"reference": (reference[:len(reference) // 2], reference[len(reference) // 2:]),
            "tate": (tate[:len(tate) * 2 // 3], tate[len(tate) * 2 // 3:])}
    index = text_match.TextIndex()
    for indexed, _ in sets.values():
        index.extend(indexed)
    print(f"\nTEXT near-copies: {len(index):,} indexed ({len(sets['reference'][0])} reference paragraphs, "
          f"{len(sets['tate'][0]):,} Tate records); threshold {text_match.THRESHOLD}; seed {seed}")
    print(f"{'source':<10} {'strength':>8} {'method':<22} {'precision':>9} {'recall':>7}  recall by edit ({', '.join(TEXT_EDITS)})")
    totals = {"MinHash LSH": [0, 0, 0], "full scan (peer)": [0, 0, 0]}
    for name, (indexed, held_out) in sets.items():
        cases = text_cases(indexed, held_out, TEXT_STRENGTHS, seed=seed, per_edit=40)
        negatives = [c for c in cases if c.original is None]
        for method, find in (("MinHash LSH", lambda t: [m.key for m in index.query(t, limit=1)]),
                             ("full scan (peer)", lambda t: _scan(index, t))):
            fp_negatives = sum(_score(find(c.text), None)[1] for c in negatives)
            totals[method][1] += fp_negatives if name == "reference" else 0
            for strength in TEXT_STRENGTHS:
                tp = fp = fn = 0
                by_edit = []
                for edit in TEXT_EDITS:
                    scored = [_score(find(c.text), c.original) for c in cases if c.strength == strength and c.edit == edit]
                    by_edit.append(sum(s[0] for s in scored) / len(scored))
                    tp, fp, fn = tp + sum(s[0] for s in scored), fp + sum(s[1] for s in scored), fn + sum(s[2] for s in scored)
                for n, value in enumerate((tp, fp, fn) if name == "reference" else ()):
                    totals[method][n] += value
                # precision charges every false positive on the held-out negatives to each strength
                print(f"{name:<10} {strength:>8} {method:<22} {tp / max(1, tp + fp + fp_negatives):9.3f} {tp / (tp + fn):7.3f}  "
                      + " ".join(f"{r:.2f}" for r in by_edit))
            print(f"{name:<10} {'negatives':>8} {method:<22} false positives on {len(negatives)} held-out texts: {fp_negatives}")
    for method, (tp, fp, fn) in totals.items():
        print(f"ALL edited reference paragraphs, {method}: precision {tp / max(1, tp + fp):.3f}, recall {tp / max(1, tp + fn):.3f} "
              f"({tp + fn} copies; false positives include the held-out negatives)")


def latency_bench(tate: list[tuple[str, str]], *, seed: int, scale: int, peer_queries: int = 20, runs: int = 3) -> None:
    """Query latency (best of ``runs`` passes over every query) and build cost at ``scale`` documents: the real texts,
    padded with generated word sequences (generated before the clock starts). Memory: the growth of the process's peak
    resident set while building (tracemalloc is left off: it slowed the build tenfold)."""
    rng = random.Random(seed)
    real = reference_paragraphs() + tate
    queries = [c.text for c in text_cases(real, [], (0.2,), seed=seed + 1, per_edit=170)]
    words = [w for q in queries for w in q.split()]
    padding = [(f"generated:{n}", " ".join(rng.choices(words, k=rng.randint(30, 120)))) for n in range(max(0, scale - len(real)))]
    before = _rss_mib()
    start = time.perf_counter()
    big = text_match.TextIndex()
    big.extend(real + padding)
    build = time.perf_counter() - start
    memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    print(f"\nindex build at {len(big):,} documents ({len(padding):,} generated): {build:.1f} s, peak resident memory +{memory:.0f} MiB "
          f"(load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs)")
    for name, find in (("MinHash LSH", lambda t: big.query(t, limit=1)), ("full scan (peer)", lambda t: _scan(big, t))):
        sample = queries if name == "MinHash LSH" else queries[:peer_queries]
        best = []
        for _ in range(runs if name == "MinHash LSH" else 1):
            times, cpu = [], []
            for q in sample:
                t0, c0 = time.perf_counter(), time.thread_time()
                find(q)
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.thread_time() - c0) * 1000)
            times.sort()
            cpu.sort()
            best.append((statistics.median(times), times[int(len(times) * .99)], cpu[int(len(cpu) * .99)]))
        p50, p99, cpu99 = (min(b[i] for b in best) for i in range(3))
        # CPU time leaves out the time the shared machine's scheduler gave to other processes mid-query
        print(f"query latency at {len(big):,} documents, {name}: p50 {p50:.2f} ms, p99 {p99:.2f} ms wall, {cpu99:.2f} ms CPU "
              f"({len(sample)} queries, best of {len(best)}; load average {os.getloadavg()[0]:.1f})")


def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _image_split(seed: int, part: str) -> tuple[list, list]:
    """(indexed, held-out negatives) of one split. The pictures scikit-image ships are halved (seeded) between the
    tuning and the test split; the generated ones are drawn from disjoint seeds, so nothing tuned on is tested on."""
    shipped = skimage_pictures()
    random.Random(seed).shuffle(shipped)
    half = len(shipped) // 2
    if part == "tuning":
        pictures = shipped[:half] + [(f"generated:{500_000 + n}", generated_picture(500_000 + n)) for n in range(60)]
    else:
        pictures = shipped[half:] + [(f"generated:{n}", generated_picture(seed * 1000 + n)) for n in range(110)]
    random.Random(seed + len(part)).shuffle(pictures)
    cut = round(len(pictures) * 0.7)
    return pictures[:cut], pictures[cut:]


def _image_queries(indexed: list, rng: random.Random, per: int) -> list[tuple[str, float, list, str]]:
    """(transform, strength, query hashes, original key) for ``per`` indexed pictures per transform and strength."""
    out = []
    for transform in IMAGE_TRANSFORMS:
        for strength in IMAGE_STRENGTHS if transform != "flip" else (1.0,):
            for key, picture in rng.sample(indexed, min(per, len(indexed))):
                out.append((transform, strength, query_hashes(transform_image(picture, transform, strength, rng)), key))
    return out


def _image_scores(index: ImageIndex, queries: list, negatives: list, *, peer: bool = False) -> tuple[dict, int]:
    """Recall per (transform, strength) and per transform, precision overall, and negatives matched."""
    by: dict = {}
    for transform, strength, variants, key in queries:
        found = [m.key for m in index.query_variants(variants[:1] if peer else variants, peer=peer, limit=1)]
        for group in ((transform, strength), transform):
            by.setdefault(group, []).append(_score(found, key))
    false = sum(bool(index.query_variants(v[:1] if peer else v, peer=peer)) for v in negatives)
    return {g: (sum(s[0] for s in r) / max(1, sum(s[0] + s[1] for s in r)), sum(s[0] for s in r) / len(r)) for g, r in by.items()}, false


def _indexed(prints: list, **settings: object) -> ImageIndex:
    index = ImageIndex(**settings)  # type: ignore[arg-type]
    for key, print_ in prints:
        index.add(key, print_)
    return index


TUNING_GRID = [dict(votes=v, limits={k: round(x * s) for k, x in LIMITS.items()}, tile_limits=t)
               for v in (2, 3) for s in (1.0, 0.8, 0.6) for t in ((10, 12), (8, 10), (6, 8), (4, 6))]


def image_tuning(*, seed: int) -> None:
    """The voting and distance settings on the tuning split: fewest negatives matched among the settings whose crop
    and flip recall stay within 0.05 of the previous defaults' (votes 2 of 4, pHash/dHash/wHash/colour 10/12/10/4
    bits, tiles 10/12)."""
    rng = random.Random(seed + 1)
    indexed, negatives = _image_split(seed, "tuning")
    prints = [(key, fingerprint(p)) for key, p in indexed]
    queries = _image_queries(indexed, rng, 15)
    negative_hashes = [query_hashes(p) for _, p in negatives]
    print(f"\nIMAGE TUNING split: {len(prints)} indexed, {len(negatives)} negatives, {len(queries)} transformed queries "
          f"(seed {seed}; disjoint from the test split)")
    print(f"{'votes':>5} {'whole limits':<18} {'tiles':<8} {'negatives matched':>17} {'mean recall':>11} "
          + " ".join(f"{t:>8}" for t in IMAGE_TRANSFORMS))
    rows = []
    for setting in TUNING_GRID:
        scores, false = _image_scores(_indexed(prints, **setting), queries, negative_hashes)
        recall = {t: scores[t][1] for t in IMAGE_TRANSFORMS}
        rows.append((setting, false, statistics.mean(recall.values()), recall))
        limits = "/".join(str(x) for x in setting["limits"].values())  # type: ignore[union-attr]
        print(f"{setting['votes']:>5} {limits:<18} {'/'.join(map(str, setting['tile_limits'])):<8} {false:>17} "  # type: ignore[arg-type]
              f"{rows[-1][2]:11.3f} " + " ".join(f"{recall[t]:8.2f}" for t in IMAGE_TRANSFORMS))
    base = rows[0]
    allowed = [r for r in rows if all(r[3][t] >= base[3][t] - 0.05 for t in ("crop", "flip"))]
    best = min(allowed, key=lambda r: (r[1], -r[2]))
    print(f"chosen: {best[0]} ({best[1]} negatives matched, mean recall {best[2]:.3f}; previous {base[1]}, {base[2]:.3f})")


def image_bench(*, seed: int) -> None:
    rng = random.Random(seed)
    indexed, negatives = _image_split(seed, "test")
    start = time.perf_counter()
    prints = [(key, fingerprint(p)) for key, p in indexed]
    build = time.perf_counter() - start
    queries = _image_queries(indexed, rng, 30)
    negative_hashes = [query_hashes(p) for _, p in negatives]
    methods = {"multi-hash+tiles (defaults)": (_indexed(prints), False),
               "previous defaults": (_indexed(prints, **TUNING_GRID[0]), False),
               "single pHash (peer)": (_indexed(prints), True)}
    results = {name: _image_scores(index, queries, negative_hashes, peer=peer) for name, (index, peer) in methods.items()}
    print(f"\nIMAGES test split: {len(prints)} indexed ({sum(k.startswith('skimage') for k, _ in indexed)} scikit-image, the "
          f"rest generated), {len(negatives)} distinct held-out negatives; fingerprinting {build / len(prints) * 1000:.0f} ms "
          f"per picture; defaults: votes {VOTES}, whole limits {LIMITS}, tiles {TILE_LIMITS}")
    print(f"{'transform':<10} {'strength':>8} | " + " | ".join(f"{name[:22]:>22} P    R" for name in methods) + " | recall ratio")
    for transform in IMAGE_TRANSFORMS:
        for strength in IMAGE_STRENGTHS if transform != "flip" else (1.0,):
            row = [results[name][0][(transform, strength)] for name in methods]
            ratio = f"{row[0][1] / row[2][1]:.1f}" if row[2][1] else "—"
            print(f"{transform:<10} {strength:>8} | " + " | ".join(f"{p:>24.2f} {r:4.2f}" for p, r in row) + f" | {ratio}")
    for name in methods:
        print(f"negatives matched, {name}: {results[name][1]} of {len(negatives)}")
