"""Run every benchmark and print its tables (each names its peer and the ratio against it).

    .venv/bin/python benchmarks/run.py [ingest|recommend ...]

Results and the exact commands are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
BENCHMARKS = {"ingest": "ingest_bench.py", "recommend": "recommend_bench.py", "privacy": "privacy_bench.py",
              "gate": "gate_bench.py", "security": "security_bench.py", "fairness": "fairness_bench.py", "dp": "dp_bench.py",
              "accuracy": "accuracy_bench.py", "large_catalogue": "large_catalogue_bench.py"}


def main(names: list[str]) -> int:
    status = 0
    for name in names or list(BENCHMARKS):
        if name not in BENCHMARKS:
            print(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
            return 2
        print(f"\n## {name}\n", flush=True)
        status |= subprocess.call([sys.executable, str(HERE / BENCHMARKS[name])])
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
