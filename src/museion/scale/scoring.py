"""Batch scoring of every member the deployed model knows: top-k with the re-ranker its version names and a
reason for every item, mapped over member partitions on the local or the Ray engine. The fitted model goes to the
workers once (the engine's broadcast); each partition's lists are written whole by the task that made them, so a
killed worker's partition is redone, never duplicated, and a resumed run skips the partitions already written."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.sparse import csr_matrix
from sqlalchemy import Engine

from museion.errors import MuseionError
from museion.fairness.serving import open_recommender
from museion.privacy import gate
from museion.recommend.explain import explanation
from museion.recommend.interactions import Interactions
from museion.recommend.models import ContentBased, Recommender
from museion.recommend.serve import Fallback, recommend_for_member
from museion.rights.availability import unavailable
from museion.scale.engine import Engine as ComputeEngine
from museion.scale.partition import Partition, check_partitions, partition_rows
from museion.scale.parts import PartsDir
from museion.store.files import private_file

FORMATS = {".jsonl": "jsonl", ".parquet": "parquet"}
BATCH = 1024
SCHEMA = pa.schema([("member", pa.string()), ("rank", pa.int16()), ("work", pa.string()), ("score", pa.float32()),
                    ("reason", pa.string()), ("because", pa.string())])


@dataclass(frozen=True, eq=False)
class Scorer:
    """What every scoring task needs, shipped to the workers once: the served model and its training matrix,
    work keys and titles, the licensed candidates, the fallback list and the member keys (None: erased)."""

    model: Recommender
    matrix: csr_matrix
    work_ids: np.ndarray
    work_keys: np.ndarray
    titles: np.ndarray
    member_keys: np.ndarray
    candidates: np.ndarray | None
    fallback: Fallback
    verb: str
    k: int
    parts: str

    def title(self, index: int) -> str:
        return str(self.titles[index])


def _explained(scorer: Scorer, row: int, items: np.ndarray, scores: np.ndarray | None) -> list[tuple[int, float | None, str, str]]:
    """(item, score, reason, because-JSON) for one member's list: the model's own explanation of each item."""
    start, end = scorer.matrix.indptr[row], scorer.matrix.indptr[row + 1]
    history = csr_matrix((scorer.matrix.data[start:end], scorer.matrix.indices[start:end], np.array([0, end - start])),
                         shape=(1, scorer.matrix.shape[1]))
    if history.nnz == 0 or scores is None:  # no history: the labelled non-personalised list, as served
        listed = recommend_for_member(scorer.model, _interactions(scorer), row, scorer.k, fallback=scorer.fallback,
                                      candidates=scorer.candidates, title=scorer.title, verb=scorer.verb)
        return [(r.item, r.score, r.explanation.reason, "[]") for r in listed.items]
    why = scorer.model.explain_many(row, history, items)
    aspect = "genre" if isinstance(scorer.model, ContentBased) else None
    out = []
    for item, score, contributions in zip(items, scores, why, strict=True):
        said = explanation(scorer.model.name, scorer.model.rule, contributions, scorer.title, verb=scorer.verb, aspect=aspect)
        because = [{"work": str(scorer.work_keys[i]), "weight": round(float(w), 6)} for i, w in contributions]
        out.append((int(item), float(score), said.reason, json.dumps(because, ensure_ascii=False)))
    return out


def _interactions(scorer: Scorer) -> Interactions:
    return Interactions(scorer.matrix, np.arange(scorer.matrix.shape[0], dtype=np.int64), scorer.work_ids)


def score_partition(scorer: Scorer, part: Partition) -> int:
    """Top-k lists with reasons for one partition's members, written as its part file; returns the members written."""
    rows = np.array([r for r in part.rows if scorer.member_keys[r] is not None], dtype=np.int64)
    columns: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]
        items, scores = scorer.model.recommend(batch, scorer.matrix[batch], scorer.k, candidates=scorer.candidates)
        for i, row in enumerate(batch):
            valid = items[i] >= 0
            for rank, (item, score, reason, because) in enumerate(_explained(scorer, int(row), items[i][valid], scores[i][valid]), 1):
                columns["member"].append(scorer.member_keys[row])
                columns["rank"].append(rank)
                columns["work"].append(str(scorer.work_keys[item]))
                columns["score"].append(score)
                columns["reason"].append(reason)
                columns["because"].append(because)
    PartsDir(Path(scorer.parts)).write(part.id, pa.table(columns, schema=SCHEMA))
    return len(rows)


def output_format(output: Path) -> str:
    """jsonl or parquet, from the output's name; anything else is refused before any work."""
    fmt = FORMATS.get(output.suffix.lower())
    if fmt is None:
        raise MuseionError(f"--output {output}: name a .jsonl or .parquet file")
    return fmt


def parts_dir(output: Path) -> PartsDir:
    """Where a run's part files wait until the whole output is written (kept if the run stops, for resuming)."""
    return PartsDir(output.with_name(output.name + ".parts"))


def score_all(engine: Engine, home: Path, output: Path, compute: ComputeEngine, *, k: int, actor: str,
              partitions: int = 16, version: int | None = None,
              progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    """Score every member of the deployed version (or ``version``, when deployed) into ``output`` (.jsonl or .parquet),
    licensed works only; a run stopped half-way resumes from its finished partitions."""
    fmt, n = output_format(output), check_partitions(partitions)
    report = progress or (lambda _f, _w: None)
    service = open_recommender(engine, home, version)
    with engine.connect() as conn:
        allowed = unavailable(conn, "display")
    with engine.begin() as conn:  # the gate records the look-up of the keys
        keys = gate.member_keys(conn, service.interactions.member_ids.tolist(), purpose=gate.PERSONALISATION, actor=actor)
    ids = service.interactions.member_ids
    work_ids = service.interactions.work_ids
    scorer = Scorer(service.model, service.interactions.matrix, work_ids,
                    np.array([service.works[int(w)][0] for w in work_ids], dtype=object),
                    np.array([service.works[int(w)][1] for w in work_ids], dtype=object),
                    np.array([keys.get(int(m)) for m in ids], dtype=object), service.candidates(None, allowed),
                    service.fallback, service.verb, k, "")
    blocked = hashlib.sha256(",".join(map(str, sorted(allowed.blocked))).encode()).hexdigest()[:16]
    store = parts_dir(output)
    run = {"model_version": service.version.id, "artifact": service.version.artifact, "k": k, "partitions": n,
           "members": len(ids), "blocked_works": blocked, "day": str(allowed.day)}
    done = store.begin(run)
    scorer = replace(scorer, parts=str(store.path.resolve()))
    every = partition_rows(ids, n)
    todo = [p for p in every if p.id not in done]
    report(0.05, f"scoring {len(ids):,} members in {len(every)} partitions on the {compute.name} engine"
           + (f" ({len(every) - len(todo)} already done)" if len(todo) < len(every) else ""))
    compute.map_partitions(score_partition, todo, broadcast=scorer,
                           progress=lambda d, t: report(0.05 + 0.85 * d / max(t, 1), f"{d} of {t} partitions scored"))
    report(0.92, f"writing {output}")
    _write_whole(output, store, [p.id for p in every], fmt)
    shutil.rmtree(store.path)
    return {"output": str(output), "members": int(sum(k is not None for k in scorer.member_keys)), "partitions": len(every),
            "resumed": len(every) - len(todo), "engine": compute.name, "model_version": service.version.id, "k": k}


def _write_whole(output: Path, store: PartsDir, partitions: list[int], fmt: str) -> None:
    """The output file whole or not at all, streamed part by part in partition order; JSON Lines hold one line per
    member (works, scores, reasons in rank order)."""
    with private_file(output) as out:  # every member's list: owner-only, and renamed into place only when whole
        if fmt == "parquet":
            with pq.ParquetWriter(out, SCHEMA) as writer:
                for p in partitions:
                    writer.write_table(store.read([p]))
        else:
            for p in partitions:
                out.write("".join(line + "\n" for line in jsonl_lines(store.read([p]))).encode("utf-8"))


def jsonl_lines(table: pa.Table) -> list[str]:
    """One JSON line per member, in the table's order: member key, works, scores (null: not personalised), reasons."""
    data = table.to_pydict()
    lines: list[str] = []
    current: dict[str, Any] | None = None
    for member, work, score, reason, because in zip(data["member"], data["work"], data["score"], data["reason"],
                                                    data["because"], strict=True):
        if current is None or current["member"] != member:
            if current is not None:
                lines.append(json.dumps(current, ensure_ascii=False))
            current = {"member": member, "works": [], "scores": [], "reasons": [], "because": []}
        current["works"].append(work)
        current["scores"].append(None if score is None else round(float(score), 6))
        current["reasons"].append(reason)
        current["because"].append(json.loads(because))
    if current is not None:
        lines.append(json.dumps(current, ensure_ascii=False))
    return lines
