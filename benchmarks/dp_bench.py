"""DP release benchmark: wall time of `museion privacy release histogram` on ml-latest-small (100,836 ratings,
3,683 tags; 284,368 event-genre rows), one at a time and four at once, as a user or a server worker meets it.

Usage: ``.venv/bin/python benchmarks/dp_bench.py [--data DIR] [--repeats N]``. DIR holds
``movielens-latest-small`` and defaults to ``$MUSEION_DATASETS_DIR``, else ``../shared/data`` beside the
repository. Each run is a fresh process (a CLI call; a server worker's first release pays the same imports),
on a fresh SQLite store in a temporary MUSEION_HOME; the figure is the median of ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from museion.datasets.registry import get_dataset
from museion.datasets.service import load_dataset
from museion.privacy import releases
from museion.store.engine import make_engine
from museion.store.migrate import upgrade

REPO = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).parent / "museion")


def release(env: dict[str, str], by: str) -> tuple[float, str]:
    """Wall seconds of one CLI release (epsilon 0.001 of a budget large enough for every run), and its error if it failed."""
    start = time.perf_counter()
    done = subprocess.run([CLI, "privacy", "release", "histogram", "movielens", "--by", by, "--epsilon", "0.001", "--json"],
                          env=env, capture_output=True, text=True)
    return time.perf_counter() - start, (done.stdout + done.stderr).strip().splitlines()[-1] if done.returncode else ""


def cpu_seconds(run: Callable[[], object]) -> float:
    """CPU seconds (user + system) the child processes started by ``run`` used: steadier than wall time on a busy machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("MUSEION_DATASETS_DIR") or REPO.parent / "shared" / "data"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'museion.db'}"
        engine = make_engine(url)
        upgrade(engine)
        load_dataset(engine, get_dataset("movielens-latest-small"), args.data / "movielens-latest-small")
        with engine.begin() as conn:
            releases.set_budget(conn, "movielens", 1000.0)
        engine.dispose()
        env = {**os.environ, "MUSEION_DATABASE_URL": url, "MUSEION_HOME": str(Path(tmp) / "home")}
        for by in ("genre", "kind"):
            one = statistics.median(release(env, by)[0] for _ in range(args.repeats))
            cpu = statistics.median(cpu_seconds(lambda: release(env, by)) for _ in range(args.repeats))  # noqa: B023
            with ThreadPoolExecutor(4) as pool:
                start = time.perf_counter()
                failures = [error for _, error in pool.map(release, [env] * 4, [by] * 4) if error]
                four = time.perf_counter() - start
            print(f"by {by}: one release {one:.2f} s wall, {cpu:.2f} s CPU (medians of {args.repeats}); four at once {four:.2f} s, "
                  f"{len(failures)} failed {sorted(set(failures))}")
    for what, command in (("museion --help", [CLI, "--help"]), ("import opendp.prelude", [sys.executable, "-c", "import opendp.prelude"])):
        print(f"{what} alone: {cpu_seconds(lambda: subprocess.run(command, check=True, capture_output=True)):.2f} s CPU")  # noqa: B023


if __name__ == "__main__":
    main()
