"""Access-gate overhead: a full training read of ml-latest-small through the privacy gate (purpose,
consent filter, access record) against the same events read by a direct query, in the same run.

    .venv/bin/python benchmarks/gate_bench.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from museion.datasets.registry import get_dataset
from museion.datasets.service import load_dataset
from museion.privacy.access import gate_context
from museion.privacy.activity import event_arrays
from museion.privacy.consent import grant_to_undecided
from museion.privacy.gate import read_activity
from museion.recommend.interactions import DEFAULT_KINDS
from museion.store.engine import make_engine
from museion.store.migrate import upgrade

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("MUSEION_DATASETS_DIR", REPO.parent / "shared" / "data")) / "movielens-latest-small"
REPEATS = 9


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/gate.db")
        upgrade(engine)
        load_dataset(engine, get_dataset("movielens-latest-small"), DATA)
        with engine.begin() as conn:  # every member consents, so both reads return the same rows
            grant_to_undecided(conn, "movielens", "personalisation", notice_version="bench", channel="bench", actor="bench")
        direct, gated = [], []
        for _ in range(REPEATS):  # alternate so drift on a shared machine hits both alike
            with engine.connect() as conn, gate_context():  # the floor: the same read with no purpose, filter or record
                start = time.perf_counter()
                everyone = event_arrays(conn, source="movielens", kinds=DEFAULT_KINDS)
                direct.append(time.perf_counter() - start)
            with engine.begin() as conn:
                start = time.perf_counter()
                consenting = read_activity(conn, purpose="personalisation", actor="bench", source="movielens",
                                           kinds=DEFAULT_KINDS)
                gated.append(time.perf_counter() - start)
    d, g = statistics.median(direct), statistics.median(gated)
    print("| read of ml-latest-small ratings | rows | median s (of 9) |")
    print("| --- | ---: | ---: |")
    print(f"| direct query | {len(everyone):,} | {d:.3f} |")
    print(f"| through the gate (consent filter + access record) | {len(consenting):,} | {g:.3f} |")
    print(f"\ngate ÷ direct: {g / d:.2f}× (aim ≤ 1.2×)")


if __name__ == "__main__":
    main()
