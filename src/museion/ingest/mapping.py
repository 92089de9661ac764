"""Column mappings: which column of a file feeds which Museion field, from a TOML file or CLI flags.

A mapping file looks like::

    entity = "events"            # works | creators | members | events
    source = "lastfm"            # key namespace: keys are stored as "<source>:<value>"
    format = "tsv"               # csv | tsv | jsonl | parquet (default: from the file name)
    delimiter = "\\t"
    encoding = "latin-1"
    list_separator = "|"         # how list fields (genres, subjects…) are separated in one cell
    timestamp_format = "auto"    # auto (epoch seconds or ISO 8601) or a strptime pattern
    [columns]                    # field = "column in the file"
    member = "userID"
    work = "artistID"
    value = "weight"
    "external_ids.imdb" = "imdbId"
    [constants]                  # field = fixed value for every row
    kind = "play"

Fields not mentioned are taken from a column of the same name when the file has one.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from museion.errors import InputRejected, Problem
from museion.ingest.readers import ReadOptions
from museion.ingest.schema import ENTITIES, EntitySpec

EXTERNAL_PREFIX = "external_ids."


@dataclass(frozen=True)
class ColumnMapping:
    """How one file maps onto one entity. Immutable; ``with_overrides`` layers CLI flags on a file."""

    entity: str
    source: str = "local"
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    list_separator: str = "|"
    timestamp_format: str = "auto"
    creator_role: str = "creator"
    read: ReadOptions = field(default_factory=ReadOptions)

    @property
    def spec(self) -> EntitySpec:
        return ENTITIES[self.entity]

    @classmethod
    def from_file(cls, path: Path, entity: str | None = None) -> ColumnMapping:
        label = str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputRejected([Problem(label, None, None, "mapping file not found")]) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputRejected([Problem(label, None, None, f"not a valid TOML mapping: {exc}")]) from None
        allowed = {"entity", "source", "columns", "constants", "list_separator", "timestamp_format",
                   "creator_role", "format", "delimiter", "encoding"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise InputRejected([Problem(label, None, k, "unknown mapping setting") for k in unknown])
        file_entity = data.get("entity")
        if entity and file_entity and file_entity != entity:
            raise InputRejected(
                [Problem(label, None, "entity", f"mapping is for {file_entity!r}, but {entity!r} are being imported")]
            )
        read = ReadOptions(
            format=data.get("format"), delimiter=data.get("delimiter"), encoding=data.get("encoding", "utf-8")
        )
        mapping = cls(
            entity=entity or file_entity or "",
            source=str(data.get("source", "local")),
            columns={str(k): str(v) for k, v in data.get("columns", {}).items()},
            constants={str(k): str(v) for k, v in data.get("constants", {}).items()},
            list_separator=str(data.get("list_separator", "|")),
            timestamp_format=str(data.get("timestamp_format", "auto")),
            creator_role=str(data.get("creator_role", "creator")),
            read=read,
        )
        mapping.check_fields(label)
        return mapping

    def with_overrides(self, **changes: Any) -> ColumnMapping:
        """Layer non-empty CLI flags over this mapping (dicts merge key by key)."""
        merged: dict[str, Any] = {}
        read_changes: dict[str, Any] = {}
        for name, value in changes.items():
            if value in (None, {}, ""):
                continue
            if name in ("format", "delimiter", "encoding", "chunk_rows"):
                read_changes[name] = value
            elif name in ("columns", "constants"):
                merged[name] = {**getattr(self, name), **value}
            else:
                merged[name] = value
        if read_changes:
            merged["read"] = replace(self.read, **read_changes)
        return replace(self, **merged)

    def check_fields(self, label: str) -> None:
        """Reject unknown entity or field names before any row is read."""
        if self.entity not in ENTITIES:
            raise InputRejected(
                [Problem(label, None, "entity", f"unknown entity {self.entity!r}; use one of {', '.join(ENTITIES)}")]
            )
        names = set(self.spec.names)
        bad = [
            Problem(label, None, target, f"{self.entity} have no field {target!r}; fields: {', '.join(sorted(names))}")
            for target in [*self.columns, *self.constants]
            if target not in names and not (target.startswith(EXTERNAL_PREFIX) and self.entity in ("works", "creators"))
        ]
        if bad:
            raise InputRejected(bad)

    def resolve(self, header: list[str] | None, label: str) -> dict[str, str]:
        """Field → column for this file; reports mapped columns the file lacks and unmapped required fields."""
        self.check_fields(label)
        resolved = dict(self.columns)
        if header is not None:
            for name in self.spec.names:
                if name not in resolved and name not in self.constants and name in header:
                    resolved[name] = name
            missing = [
                Problem(label, 1, column, f"column not found (mapped to field {target!r}); the file has: {', '.join(header)}")
                for target, column in resolved.items()
                if column not in header
            ]
            unmapped = [
                Problem(label, 1, None, f"required field {f.name!r} has no column; add --column {f.name}=COLUMN")
                for f in self.spec.fields
                if f.required and f.name not in resolved and f.name not in self.constants
            ]
            if missing or unmapped:
                raise InputRejected(missing + unmapped)
        else:  # JSON Lines: keys of the same name count, per line
            for name in self.spec.names:
                if name not in self.constants:
                    resolved.setdefault(name, name)
        return resolved
