"""Where partitions run: ``local`` (in this process, one after another) or ``ray`` (tasks on a Ray cluster, the
broadcast value put in the object store once). Both return results in partition order, so they agree exactly."""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from museion.errors import MuseionError
from museion.scale.partition import Partition

ENGINES = ("local", "ray")
INSTALL_HINT = "pip install 'museion[scale]'"
ADDRESS_ENV = "MUSEION_RAY_ADDRESS"
"""The cluster the ray engine joins when no address is given (jobs started from the web or the API use this one:
people starting jobs never name a network address)."""
RETRIES = 3
"""A task whose worker dies is run again up to this many times (Ray's ``max_retries``)."""

R = TypeVar("R")
PartitionFn = Callable[[Any, Partition], R]
Progress = Callable[[int, int], None]
"""Called with (partitions done, partitions in all) as partitions finish; may raise to stop the run."""


class ScaleError(MuseionError):
    """The engine cannot run: unknown name, Ray not installed, a cluster that cannot be reached."""


class Engine(Protocol):
    name: str

    @property
    def workers(self) -> int:
        """How many partitions can run at the same time."""

    def map_partitions(self, fn: PartitionFn[R], partitions: Sequence[Partition], *, broadcast: Any = None,
                       progress: Progress | None = None) -> list[R]:
        """``fn(broadcast, partition)`` for every partition; results in the order of ``partitions``."""


class LocalEngine:
    """Partitions one after another in this process: the reference the Ray engine must agree with."""

    name = "local"
    workers = 1

    def map_partitions(self, fn: PartitionFn[R], partitions: Sequence[Partition], *, broadcast: Any = None,
                       progress: Progress | None = None) -> list[R]:
        results = []
        for done, part in enumerate(partitions, 1):
            results.append(fn(broadcast, part))
            if progress:
                progress(done, len(partitions))
        return results


def _import_ray() -> Any:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # never report usage to anyone
    try:
        import ray
    except ImportError:
        raise ScaleError(f"the ray engine needs Ray, which is not installed here: {INSTALL_HINT}") from None
    return ray


def check_address(address: str, timeout: float = 5.0) -> None:
    """Fail fast and clearly when nothing listens at a Ray address (``host:port`` or ``ray://host:port``)."""
    bare = address.removeprefix("ray://")
    host, sep, port = bare.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ScaleError(f"--ray-address {address!r}: give HOST:PORT of the cluster's head (e.g. 10.0.0.5:6379 or "
                         "ray://10.0.0.5:10001), or leave it out to start a local Ray on this machine")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError as exc:
        raise ScaleError(f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}; nothing was run or written") from None


class RayEngine:
    """Tasks on a Ray cluster: the one at ``address``, or a local one started with ``num_cpus`` workers
    (loopback only, no dashboard, no usage statistics) when there is no address and Ray is not running yet."""

    name = "ray"

    def __init__(self, address: str | None = None, *, num_cpus: int | None = None, retries: int = RETRIES) -> None:
        ray = _import_ray()
        self.ray, self.retries = ray, retries
        if not ray.is_initialized():
            if address:
                check_address(address)
                try:
                    ray.init(address=address, log_to_driver=False, configure_logging=False)
                except Exception as exc:  # noqa: BLE001 - Ray raises many kinds; the user needs the reason, not a trace
                    raise ScaleError(f"cannot join the Ray cluster at {address}: {exc}") from None
            else:
                start_local(ray, num_cpus)

    @property
    def workers(self) -> int:
        return max(1, int(self.ray.cluster_resources().get("CPU", 1)))

    def map_partitions(self, fn: PartitionFn[R], partitions: Sequence[Partition], *, broadcast: Any = None,
                       progress: Progress | None = None) -> list[R]:
        ray = self.ray
        shared = ray.put(broadcast)  # once: every task gets the reference, not a copy in its arguments
        task = ray.remote(num_cpus=1, max_retries=self.retries)(_run)
        pending = {task.remote(fn, shared, part): i for i, part in enumerate(partitions)}
        results: list[Any] = [None] * len(partitions)
        waiting = list(pending)
        try:
            while waiting:
                ready, waiting = ray.wait(waiting, num_returns=1)
                for ref in ready:
                    results[pending[ref]] = ray.get(ref)
                if progress:
                    progress(len(partitions) - len(waiting), len(partitions))
        except BaseException:
            for ref in waiting:  # a stop or a failure cancels what has not run yet
                ray.cancel(ref, force=False)
            raise
        return results


def _run(fn: PartitionFn[R], shared: Any, part: Partition) -> R:
    """One partition on a worker (Ray resolves ``shared`` from the object store before the call)."""
    return fn(shared, part)


_started: list[str] = []


def start_local(ray: Any, num_cpus: int | None) -> None:
    """A single-machine Ray for this process: loopback only, a short temporary directory (Unix sockets have a
    108-byte path limit), no dashboard and no usage statistics."""
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp" if os.path.isdir("/tmp") else None)
    _started.append(temp)
    # Ray on Linux takes the machine's outward address as the node's; a machine of its own talks over loopback only
    # (this is the switch Ray itself uses on macOS and Windows)
    ray._private.ray_constants.ENABLE_RAY_CLUSTER = False
    ray.init(num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=False, _temp_dir=temp, _node_ip_address="127.0.0.1",
             ignore_reinit_error=True, log_to_driver=False, configure_logging=False)


def stop_local() -> None:
    """Shut down the Ray this process started (and remove its temporary directory); a joined cluster is only left."""
    if "ray" in sys.modules and sys.modules["ray"].is_initialized():
        sys.modules["ray"].shutdown()
    while _started:
        shutil.rmtree(_started.pop(), ignore_errors=True)


def ray_available() -> bool:
    """Whether the scale extra (Ray) is installed."""
    try:
        _import_ray()
    except ScaleError:
        return False
    return True


def check_engine(name: str, address: str | None = None) -> None:
    """Validate an engine choice before anything runs: known name, Ray installed for ``ray``, address only with ray."""
    if name not in ENGINES:
        raise ScaleError(f"unknown engine {name!r}; use one of {', '.join(ENGINES)}")
    if name == "local" and address:
        raise ScaleError("--ray-address needs --engine ray")
    if name == "ray" and not ray_available():
        raise ScaleError(f"the ray engine needs Ray, which is not installed here: {INSTALL_HINT}")
    if address:
        check_address(address)


def open_engine(name: str, address: str | None = None, *, num_cpus: int | None = None) -> Engine:
    """The engine called ``name`` ("local" or "ray"), checked first (see :func:`check_engine`)."""
    address = address or (os.environ.get(ADDRESS_ENV) or None if name == "ray" else None)
    check_engine(name, address)
    return LocalEngine() if name == "local" else RayEngine(address, num_cpus=num_cpus)
