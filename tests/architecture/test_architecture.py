"""The shape the build keeps: every package sits in the layer contract, modules stay small, and the contracts
really refuse the imports they exist to refuse."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from helpers import REPO

SRC = REPO / "src" / "museion"
MAX_LINES = 400


def _contracts() -> dict[str, dict]:  # type: ignore[type-arg]
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    return {c["id"]: c for c in config["contracts"]}


def test_every_package_and_top_level_module_has_a_layer() -> None:
    layered = {name.strip() for layer in _contracts()["layers"]["layers"] for name in layer.split("|")}
    present = {f"museion.{p.name}" for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    present |= {f"museion.{p.stem}" for p in SRC.glob("*.py") if p.stem != "__init__"}
    assert present - layered == set(), "a new package needs its place in the layers contract (pyproject.toml)"


def test_no_module_outgrows_one_job() -> None:
    long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py") if "migrations" not in p.parts
            and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


@pytest.mark.parametrize(("additions", "contract"), [
    ({"web/kpis.py": "from museion.privacy.models import Event"}, "Only the privacy package touches the personal-data tables"),
    ({"store/base.py": "import museion.privacy.models"}, "Layers"),
    ({"api/schemas.py": "import museion.web.navigation"}, "The API and the web app"),
    ({"recommend/evaluation/metrics.py": "import sqlalchemy"}, "Pure cores"),
    ({"audit/keys.py": "import museion.audit.query", "audit/query.py": "import museion.audit.keys"}, "No import cycles"),
])
def test_reintroducing_a_finding_breaks_the_build(tmp_path: Path, additions: dict[str, str], contract: str) -> None:
    """A copy of the tree with bad imports added: lint-imports must fail, naming the contract they break."""
    shutil.copytree(REPO / "src", tmp_path / "src")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    for module, line in additions.items():
        target = tmp_path / "src" / "museion" / module
        target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": str(tmp_path / "src"), "PATH": "/usr/bin:/bin"}, timeout=300)
    assert result.returncode != 0, result.stdout[-2000:]
    assert contract in result.stdout.split("Broken contracts", 1)[-1], result.stdout[-2000:]
