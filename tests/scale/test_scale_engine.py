"""Engine choice and bad input: unknown engine, Ray missing, unreachable or malformed cluster address — each a clear
error before anything runs or is written; the local engine keeps partition order and stops when told."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from museion.cli.main import app as cli
from museion.scale.engine import INSTALL_HINT, LocalEngine, ScaleError, check_address, check_engine, open_engine
from museion.scale.partition import partition_rows
from museion.scale.parts import PartsDir, PartsMismatch


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens here once the socket is closed


def test_local_engine_keeps_partition_order_and_stops_when_told() -> None:
    parts = partition_rows(np.arange(50), 7)
    sums = LocalEngine().map_partitions(lambda shared, p: int(shared[p.rows].sum()), parts, broadcast=np.arange(50) * 2)
    assert sums == [int((np.arange(50) * 2)[p.rows].sum()) for p in parts]
    seen: list[int] = []

    def stop(done: int, total: int) -> None:
        seen.append(done)
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        LocalEngine().map_partitions(lambda _s, p: p.id, parts, progress=stop)
    assert seen == [1, 2, 3]


def test_bad_engine_choices_are_clear() -> None:
    with pytest.raises(ScaleError, match="unknown engine 'spark'; use one of local, ray"):
        open_engine("spark")
    with pytest.raises(ScaleError, match="--ray-address needs --engine ray"):
        check_engine("local", "127.0.0.1:6379")
    with pytest.raises(ScaleError, match="give HOST:PORT"):
        check_address("nowhere")
    port = _closed_port()
    with pytest.raises(ScaleError, match=f"cannot reach the Ray cluster at 127.0.0.1:{port}"):
        check_address(f"127.0.0.1:{port}")


def test_ray_missing_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # as on an installation without museion[scale]
    with pytest.raises(ScaleError, match=r"needs Ray, which is not installed here: pip install 'museion\[scale\]'"):
        open_engine("ray")
    assert "museion[scale]" in INSTALL_HINT


def test_cli_refuses_bad_engines_and_writes_nothing(museion_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    out = tmp_path / "lists.jsonl"
    port = _closed_port()
    for args, message in ((["--engine", "spark"], "unknown engine 'spark'"),
                          (["--engine", "ray", "--ray-address", f"127.0.0.1:{port}"], f"cannot reach the Ray cluster at 127.0.0.1:{port}")):
        result = runner.invoke(cli, ["recommend", "--all", "-o", str(out), *args])
        assert result.exit_code == 1 and message in result.output, result.output
        result = runner.invoke(cli, ["audit", "fairness", "1", *args])
        assert result.exit_code == 1 and message in result.output, result.output
    result = runner.invoke(cli, ["recommend", "--all", "-o", str(tmp_path / "lists.csv")])
    assert result.exit_code == 1 and "name a .jsonl or .parquet file" in result.output
    monkeypatch.setitem(sys.modules, "ray", None)
    result = runner.invoke(cli, ["audit", "fairness", "1", "--engine", "ray"])
    assert result.exit_code == 1 and "pip install 'museion[scale]'" in result.output
    assert not any(p.name.startswith("lists") for p in tmp_path.iterdir())  # no output, no parts folder


def test_parts_of_another_run_are_refused(tmp_path: Path) -> None:
    parts = PartsDir(tmp_path / "out.parts")
    assert parts.begin({"k": 10, "partitions": 4}) == set()
    (parts.path / ".part-00001.parquet.abc.tmp").write_bytes(b"half-written by a killed task")
    assert parts.begin({"k": 10, "partitions": 4}) == set() and not list(parts.path.glob("*.tmp"))
    with pytest.raises(PartsMismatch, match="different k"):
        parts.begin({"k": 5, "partitions": 4})
