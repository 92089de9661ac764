"""The `--engine local|ray`, `--ray-address` and `--partitions` options shared by the heavy commands (museion.scale)."""

from __future__ import annotations

from typing import Annotated

import typer

EngineOpt = Annotated[str, typer.Option("--engine", help="local: partitions in this process; ray: partitions as tasks on a "
                                                          "Ray cluster (needs `pip install 'museion[scale]'`).")]
RayAddressOpt = Annotated[str | None, typer.Option("--ray-address", help="HOST:PORT (or ray://HOST:PORT) of a running Ray "
                                                                         "cluster's head [default: start Ray on this machine]")]
