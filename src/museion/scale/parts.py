"""Per-partition output files: each written whole (a temporary file renamed into place) by the task that made it,
so a killed worker leaves no part behind, a retried task never duplicates one, and a resumed run skips the parts
already there. A manifest ties the parts to the run they belong to."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from museion.errors import MuseionError
from museion.store.files import private_dir, private_file, write_private

MANIFEST = "_run.json"


class PartsMismatch(MuseionError):
    """A parts folder holds the output of a different run (other model version, k or partitioning)."""


@dataclass(frozen=True)
class PartsDir:
    """A folder of ``part-NNNNN.parquet`` files, one per partition id."""

    path: Path

    def part(self, partition: int) -> Path:
        return self.path / f"part-{partition:05d}.parquet"

    def done(self) -> set[int]:
        """Partitions whose file is complete (only complete files ever carry the final name)."""
        if not self.path.is_dir():
            return set()
        return {int(p.stem.removeprefix("part-")) for p in self.path.glob("part-*.parquet")}

    def write(self, partition: int, table: pa.Table) -> Path:
        """Write one partition's table whole: to a uniquely named temporary file, then renamed into place."""
        final = self.part(partition)
        with private_file(private_dir(self.path) / final.name) as handle:
            pq.write_table(table, handle)
        return final

    def read(self, partitions: list[int]) -> pa.Table:
        """The named partitions' tables, concatenated in the order given."""
        return pa.concat_tables([pq.read_table(self.part(p)) for p in partitions])

    def begin(self, run: dict[str, Any]) -> set[int]:
        """Start or resume the run described by ``run``: a folder left by a different run is refused; stray temporary
        files of killed tasks are removed. Returns the partitions already done."""
        manifest = self.path / MANIFEST
        if manifest.is_file():
            before = json.loads(manifest.read_text(encoding="utf-8"))
            if before != run:
                changed = sorted(k for k in set(before) | set(run) if before.get(k) != run.get(k))
                raise PartsMismatch(f"{self.path} holds parts of another run (different {', '.join(changed)}): remove it or "
                                    "choose another output")
        else:
            private_dir(self.path)
            write_private(manifest, json.dumps(run, sort_keys=True))
        for stray in self.path.glob(".part-*.parquet.*"):
            stray.unlink(missing_ok=True)
        return self.done()
