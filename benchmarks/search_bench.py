"""Catalogue search (issue 17): BM25F over the 78,944 sample works against the old title match, measured in one run.

    .venv/bin/python benchmarks/search_bench.py [--data ../shared/data] [--db PATH] [--queries 120] [--known 300] [--seed 7]

The sample (Tate + MoMA + MovieLens latest-small) is loaded through the dataset adapters into a temporary SQLite
database (``--db`` reuses one already loaded). Evaluation sets are built from the catalogue, honestly:

* subject queries: Tate subject names (leaves with 20+ works) and the middle level of Tate's subject hierarchy
  (``nature > seascapes and coasts > harbour`` → "seascapes and coasts"), read from artworks.jsonl.gz; a work is
  relevant when it carries the subject (or one under the category). The index built for this set LEAVES OUT the
  subjects field, so it measures finding works by their titles, creators, mediums and other words — not matching the
  label; nDCG@10 (binary gains) and Recall@100;
* Chinese queries: the curated table's Chinese words whose English is a Tate subject name, the same relevance;
* known-item queries: a sampled Tate work's creator surname + the first half of its title (at least three words), and
  the same with its longest word misspelt (a letter dropped; generated, seeded); any work with the same title and
  creator counts; MRR over the top 100.

The peer is the title match the catalogue used before (``museion.catalog.queries.list_works``: title LIKE, titles
starting with the words first), run on the same queries in the same database. Dense embeddings: none — no offline
sentence-embedding model is installed (DEPENDENCIES.md), so no fused run. Tag suggestions: the studio's subject
suggester's precision@5 on held-out Tate works beside the most-frequent-subjects floor. Exhibitions: the drafter
(``museion.studio.exhibition``) against the top 20 by search relevance on 20 Tate subject themes (same candidates).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from museion.catalog import queries
from museion.catalog.models import Creator, Credit, Work
from museion.fairness.groups import attribute_labels
from museion.datasets.registry import get_dataset
from museion.datasets.service import load_dataset
from museion.store.engine import make_engine
from museion.store.migrate import upgrade
from museion.studio import ranking, search
from museion.studio.exhibition import Candidate, draft, measure, medium_family
from museion.studio.analysis import query_terms
from museion.studio.records import Feedback, work_records
from museion.studio.subjects import Params
from museion.studio.suggestions import evaluate as suggester_evaluation
from museion.studio.zh_subjects import ZH_TO_EN

DATASETS = (("tate", "tate"), ("moma", "moma"), ("movielens-latest-small", "movielens-latest-small"))


def load(db: Path, data: Path) -> None:
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    for name, folder in DATASETS:
        load_dataset(engine, get_dataset(name), data / folder)


def ndcg10(ranked: list[int], relevant: set[int]) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:10]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
    return dcg / ideal if ideal else 0.0


def recall100(ranked: list[int], relevant: set[int]) -> float:
    return len(set(ranked[:100]) & relevant) / len(relevant) if relevant else 0.0


def rr(ranked: list[int], relevant: set[int]) -> float:
    return next((1 / (i + 1) for i, d in enumerate(ranked[:100]) if d in relevant), 0.0)


def subject_sets(data: Path, ids: dict[str, int], n: int, seed: int) -> tuple[list[tuple[str, set[int]]], dict[str, set[int]]]:
    """(query, relevant work ids) from Tate subject leaves and hierarchy categories; and every leaf's works."""
    leaves: dict[str, set[int]] = defaultdict(set)
    middles: dict[str, set[int]] = defaultdict(set)
    with gzip.open(data / "tate" / "artworks.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            a = json.loads(line)
            wid = ids.get(f"tate:{a['id']}")
            if wid is None:
                continue
            for path in a.get("subjectPaths") or ():
                parts = [p.strip() for p in path.split(">")]
                leaves[parts[-1]].add(wid)
                if len(parts) == 3:
                    middles[parts[1]].add(wid)
    rng = random.Random(seed)
    common = sorted(s for s, w in leaves.items() if len(w) >= 20)
    cats = sorted(s for s, w in middles.items() if len(w) >= 20)
    chosen = rng.sample(common, min(n, len(common))) + rng.sample(cats, min(n // 3, len(cats)))
    return [(q, leaves.get(q) or middles[q]) for q in chosen], leaves


def known_items(engine, n: int, seed: int) -> list[tuple[str, str, set[int]]]:
    """(query, misspelt query, relevant ids): creator surname + the title's first half."""
    from museion.catalog.models import Creator, Credit

    with engine.connect() as conn:
        rows = list(conn.execute(select(Work.id, Work.title, Creator.name).join(Credit, Credit.work_id == Work.id)
                                 .join(Creator, Creator.id == Credit.creator_id).where(Work.source == "tate")))
    same: dict[tuple[str, str], set[int]] = defaultdict(set)
    for r in rows:
        same[(r.title, r.name)].add(int(r.id))
    rng = random.Random(seed)
    out = []
    for r in rng.sample(rows, len(rows)):
        words = r.title.split()
        surname = r.name.split(",")[0].strip()
        if len(words) < 2 or not surname:
            continue
        picked = words[:max(3, (len(words) + 1) // 2)]  # the title's beginning, as people type it
        query = f"{surname} {' '.join(picked)}"
        long = max([surname, *[w for w in picked if w.isalpha()]], key=len)
        cut = rng.randrange(1, len(long) - 1)
        typo = query.replace(long, long[:cut] + long[cut + 1:], 1)  # generated misspelling: one letter dropped
        out.append((query, typo, same[(r.title, r.name)]))
        if len(out) == n:
            break
    return out


def run_bm25(index: ranking.Index, q: str, k: int = 100) -> list[int]:
    return [h.id for h in ranking.search(index, query_terms(q), limit=k, facets=search.FACETS, text=q).hits]


def run_like(session: Session, q: str, k: int = 100) -> list[int]:
    return [w.id for w in queries.list_works(session, queries.WorkFilter(q=q), limit=k).items]


def table(rows: list[tuple], head: tuple) -> None:
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(f"{c:.3f}" if isinstance(c, float) else str(c) for c in r) + " |")


def creator_groups(conn) -> dict[str, tuple[tuple[str, str], ...]]:
    """Each work's (dimension, group) pairs as the exhibition builder reads them (``museion.studio.plans``): its first
    creator's gender and nationality (the fairness audit's labels) and its half-century."""
    first: dict[str, tuple] = {}
    for key, gender, nationality in conn.execute(select(Work.key, Creator.gender, Creator.nationality)
                                                 .join(Credit, Credit.work_id == Work.id).join(Creator, Creator.id == Credit.creator_id)
                                                 .order_by(Work.id, Credit.position)):
        first.setdefault(key, (gender, nationality))
    years = dict(conn.execute(select(Work.key, Work.year)).all())
    out = {}
    for key, year in years.items():
        gender, nationality = (str(x) for x in attribute_labels(list(first.get(key, (None, None)))))
        out[key] = (("gender", gender.casefold()), ("nationality", nationality), *(("era", e) for e in search.era(year)))
    return out


def theme_targets(cands: list[Candidate], size: int) -> dict[tuple[str, str], int]:
    """A curator's representation targets for a theme, set the same way for every theme: a third of the show by women
    creators, and a quarter each from the theme's second most common nationality and its least common era (of those
    with enough works), each capped by how many such works the theme has."""
    targets: dict[tuple[str, str], int] = {}
    counts = Counter(g for c in cands for g in set(c.groups))
    targets[("gender", "female")] = min(size // 3, counts[("gender", "female")])
    for dimension, pick in (("nationality", lambda xs: xs[1] if len(xs) > 1 else None),
                            ("era", lambda xs: xs[-1] if xs else None)):
        ranked_groups = [g for g, n in counts.most_common() if g[0] == dimension and g[1] != "unknown" and n >= size // 4]
        if (group := pick(ranked_groups)) is not None:
            targets[group] = size // 4
    return {g: n for g, n in targets.items() if n > 0}


def exhibition_table(works: list, groups: dict, index: ranking.Index, key_of: dict[int, str], seed: int, themes: int = 20,
                     size: int = 20) -> None:
    """The exhibition builder against the top ``size`` works by search relevance for the theme (the same candidates:
    works carrying the theme's subject): sub-themes, creators, mediums and decades each set of works covers, and how
    many of the curator's representation targets it meets (``theme_targets``)."""
    by_subject: dict[str, list] = defaultdict(list)
    for w in works:
        for subject in w.subjects:
            by_subject[subject].append(w)
    pool = sorted(s for s, ws in by_subject.items() if len(ws) >= 100)
    chosen = random.Random(seed).sample(pool, min(themes, len(pool)))
    measures = {"builder with targets": defaultdict(list), "builder, no targets": defaultdict(list),
                "top-N by relevance": defaultdict(list)}
    met_all = defaultdict(int)
    for theme in chosen:
        cands = by_subject[theme]
        keys = {w.key for w in cands}
        hits = ranking.search(index, query_terms(theme), limit=len(index.ids), text=theme).hits
        scored = {k: h.score for h in hits if (k := key_of.get(h.id)) in keys}
        top = max(scored.values(), default=1.0) or 1.0
        cand = {w.key: Candidate(w.key, w.title, w.year, w.creators, w.medium, w.subjects, groups.get(w.key, ()),
                                 scored.get(w.key, 0.0) / top) for w in cands}
        baseline = [cand[k] for k in sorted(scored, key=lambda k: -scored[k])[:size]]
        targets = theme_targets(list(cand.values()), size)
        with_targets = [p.work for p in draft(list(cand.values()), theme, size, targets=targets).picks]
        plain = [p.work for p in draft(list(cand.values()), theme, size).picks]
        for name, picked in (("builder with targets", with_targets), ("builder, no targets", plain), ("top-N by relevance", baseline)):
            m = measures[name]
            subs, met, wanted = measure(picked, theme, targets)
            m["sub-themes"].append(subs)
            m["creators"].append(len({w.creators[0] for w in picked if w.creators}))
            m["mediums"].append(len({medium_family(w.medium) for w in picked if w.medium}))
            m["decades"].append(len({w.year // 10 for w in picked if w.year}))
            m["largest creator share"].append(max(Counter(w.creators[0] for w in picked if w.creators).values(), default=0) / max(len(picked), 1))
            m["targets met"].append(met / wanted if wanted else 1.0)
            met_all[name] += met == wanted
    rows = [(name, *(statistics.mean(m[k]) for k in ("sub-themes", "creators", "mediums", "decades", "largest creator share",
                                                      "targets met")), f"{met_all[name]}/{len(chosen)}")
            for name, m in measures.items()]
    print(f"\nexhibitions of {size} works on {len(chosen)} Tate subject themes (means per theme)")
    table(rows, ("method", "sub-themes", "creators", "mediums", "decades", "largest creator share", "share of targets met",
                 "themes with every target met"))


def run_exhibitions(engine, index: ranking.Index, ids: dict[str, int], seed: int) -> list:
    """The exhibition table; returns the works read, for the suggester's evaluation."""
    with engine.connect() as conn:
        works, _ = work_records(conn)
        groups = creator_groups(conn)
    exhibition_table(works, groups, index, {i: k for k, i in ids.items()}, seed)
    return works


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    p.add_argument("--db", type=Path, help="an SQLite database with the sample already loaded")
    p.add_argument("--queries", type=int, default=120)
    p.add_argument("--known", type=int, default=300)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--only", choices=("all", "exhibitions"), default="all", help="exhibitions: only the builder's table")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="search-bench-"))
    db = args.db
    if db is None:
        db = tmp / "bench.db"
        t = time.perf_counter()
        load(db, args.data)
        print(f"loaded the sample in {time.perf_counter() - t:.0f} s")
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        ids = {k: int(i) for k, i in conn.execute(select(Work.key, Work.id))}
        t = time.perf_counter()
        docs = search.work_docs(conn)
        read_s = time.perf_counter() - t
    t = time.perf_counter()
    full = ranking.build(docs)
    build_s = time.perf_counter() - t + read_s
    size = sum(len(content) for content in ranking.save(full).values())
    blind = ranking.build(docs, {k: v for k, v in ranking.BOOSTS.items() if k != "subjects"})
    print(f"works {len(docs):,}; index build {build_s:.1f} s (reading the store {read_s:.1f} s); size {size / 1e6:.1f} MB; "
          f"terms {len(full.vocabulary):,}\n")
    if args.only == "exhibitions":
        run_exhibitions(engine, full, ids, args.seed)
        return 0

    subject_q, leaves = subject_sets(args.data, ids, args.queries, args.seed)
    chinese = [(zh, leaves[en]) for zh, en in sorted(ZH_TO_EN.items()) if len(leaves.get(en, ())) >= 20]
    known = known_items(engine, args.known, args.seed)
    with Session(engine) as session:
        rows = []
        for name, qs in (("subject queries (subjects left out of the index)", subject_q), ("Chinese subject queries", chinese)):
            b = [run_bm25(blind, q) for q, _ in qs]
            like = [run_like(session, q) for q, _ in qs]
            for engine_name, runs in (("BM25F", b), ("title LIKE (peer)", like)):
                rows.append((name, engine_name, len(qs), statistics.mean(ndcg10(r, rel) for r, (_, rel) in zip(runs, qs)),
                             statistics.mean(recall100(r, rel) for r, (_, rel) in zip(runs, qs))))
        table(rows, ("set", "engine", "queries", "nDCG@10", "Recall@100"))
        print()
        rows = []
        for label, pick in (("creator + first half of title", 0), ("same, one word misspelt", 1)):
            b = [rr(run_bm25(full, k[pick]), k[2]) for k in known]
            like = [rr(run_like(session, k[pick]), k[2]) for k in known]
            ratio = f"{statistics.mean(b) / statistics.mean(like):.1f}×" if statistics.mean(like) else "peer finds none"
            rows.append((label, len(known), statistics.mean(b), statistics.mean(like), ratio))
        table(rows, ("known-item set", "queries", "BM25F MRR", "title LIKE MRR", "ratio"))
        print()
        every = [q for q, _ in subject_q] + [q for q, _ in chinese] + [k[0] for k in known] + [k[1] for k in known]
        for q in every[:50]:
            run_bm25(full, q)  # warm up (jieba's dictionary, caches)
        lat_b, lat_like = [], []
        for q in every:
            t = time.perf_counter()
            run_bm25(full, q, 20)
            lat_b.append((time.perf_counter() - t) * 1000)
        for q in every[:200]:
            t = time.perf_counter()
            run_like(session, q, 20)
            lat_like.append((time.perf_counter() - t) * 1000)
    pct = lambda xs, p: float(np.percentile(xs, p))  # noqa: E731
    table([("BM25F (with facet counts)", len(lat_b), pct(lat_b, 50), pct(lat_b, 99)),
           ("title LIKE (peer)", len(lat_like), pct(lat_like, 50), pct(lat_like, 99))],
          ("latency, top 20", "queries", "p50 ms", "p99 ms"))
    print(f"\np99 ratio title LIKE / BM25F: {pct(lat_like, 99) / pct(lat_b, 99):.1f}×; load average (1, 5, 15 min) "
          f"after the latency runs: {', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")

    works = run_exhibitions(engine, full, ids, args.seed)
    t = time.perf_counter()
    evaluation, _ = suggester_evaluation(works, Feedback([], [], [], [], 0), Params(), args.seed)
    print(f"\ntag suggestions on {evaluation['held_out']:,} held-out works ({time.perf_counter() - t:.0f} s): precision@5 "
          f"{evaluation['precision_at_5']:.3f} vs most-frequent-subjects {evaluation['popularity_precision_at_5']:.3f} "
          f"(ratio {evaluation['precision_at_5'] / evaluation['popularity_precision_at_5']:.1f}×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
