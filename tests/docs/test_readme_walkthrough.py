"""The README's own-data walkthrough, taken from the README and run verbatim in a clean home on each backend:
it must end with ten recommendations, each with its reason, for a member named by the library's own card."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

from helpers import REPO

MARKER = "<!-- walkthrough: the block below is run verbatim by tests/docs/test_readme_walkthrough.py -->"


def walkthrough() -> str:
    """The bash block that follows the marker in README.md."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(re.escape(MARKER) + r"\n```bash\n(.*?)\n```", readme, re.S)
    assert found, "README.md lost its walkthrough block (or its marker)"
    return found.group(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_readme_walkthrough_serves_ten_explained_books_for_a_card(db_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "MUSEION_HOME": str(tmp_path / "home"), "MUSEION_DATABASE_URL": db_url, "PORT": str(free_port()),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "200"}
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", walkthrough()], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "all in place: a reviewed recommender serves lists" in result.stdout  # museion doctor
    served = json.loads(result.stdout.strip().splitlines()[-1])  # the HTTP answer, the block's last output
    assert served["member"] == "library:M01" and served["personalised"] and served["model_version"] == 1
    assert len(served["items"]) == 10 and all(item["reason"].startswith("Because you") for item in served["items"])
    listed = re.findall(r"│\s+(\d+) │ (.+?) +│ (Because you .+?) +│", result.stdout)  # `museion recommend`'s table
    assert [int(n) for n, _title, _why in listed] == list(range(1, 11))
    assert [title for _n, title, _why in listed] == [item["title"] for item in served["items"]]
