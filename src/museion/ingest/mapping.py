"""Column mappings: which column of a file feeds which Museion field, from a TOML file or CLI flags.

A mapping file looks like::

    entity = "events"            # works | creators | members | events
    source = "lastfm"            # key namespace: keys are stored as "<source>:<value>"
    format = "tsv"               # csv | tsv | jsonl | parquet (default: from the file name)
    delimiter = "\\t"
    quote = "none"               # auto (CSV: '"', TSV: none) | none | one character
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
    [domains]                    # field = the values this file may hold: LOW..HIGH, LOW..HIGH/STEP or A|B|C
    value = "1..5/1"
    [map.kind]                   # field: a value in the file = the value to store
    scrobble = "play"

Fields not mentioned are taken from a column of the same name when the file has one.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from museion.errors import InputRejected, Problem
from museion.ingest.readers import ReadOptions, read_option_problems
from museion.ingest.schema import ENTITIES, Domain, EntitySpec

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
    domains: dict[str, Domain] = field(default_factory=dict)  # field → the values this file may hold
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)  # field → {value in the file: value to store}

    @property
    def spec(self) -> EntitySpec:
        """The entity's fields, narrowed to this mapping's domains (call ``check_fields`` first)."""
        return ENTITIES[self.entity].with_domains(self.domains)

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
                   "creator_role", "format", "delimiter", "encoding", "quote", "domains", "map"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise InputRejected([Problem(label, None, k, "unknown mapping setting") for k in unknown])
        file_entity = data.get("entity")
        if entity and file_entity and file_entity != entity:
            raise InputRejected(
                [Problem(label, None, "entity", f"mapping is for {file_entity!r}, but {entity!r} are being imported")]
            )
        read = ReadOptions(format=data.get("format"), delimiter=data.get("delimiter"), encoding=data.get("encoding", "utf-8"),
                           quote=str(data.get("quote", "auto")))
        maps = data.get("map", {})
        if not isinstance(maps, dict) or not all(isinstance(m, dict) for m in maps.values()):
            raise InputRejected([Problem(label, None, "map", 'expected tables such as [map.kind] with "value in file" = "value"')])
        mapping = cls(
            entity=entity or file_entity or "",
            source=str(data.get("source", "local")),
            columns={str(k): str(v) for k, v in data.get("columns", {}).items()},
            constants={str(k): str(v) for k, v in data.get("constants", {}).items()},
            list_separator=str(data.get("list_separator", "|")),
            timestamp_format=str(data.get("timestamp_format", "auto")),
            creator_role=str(data.get("creator_role", "creator")),
            read=read,
            domains=parse_domains({str(k): str(v) for k, v in data.get("domains", {}).items()}, label),
            value_maps={str(f): {str(k): str(v) for k, v in m.items()} for f, m in maps.items()},
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
            if name in ("format", "delimiter", "encoding", "chunk_rows", "quote"):
                read_changes[name] = value
            elif name in ("columns", "constants", "domains"):
                merged[name] = {**getattr(self, name), **value}
            elif name == "value_maps":
                merged[name] = {**self.value_maps, **{f: {**self.value_maps.get(f, {}), **m} for f, m in value.items()}}
            else:
                merged[name] = value
        if read_changes:
            merged["read"] = replace(self.read, **read_changes)
        return replace(self, **merged)

    def check_fields(self, label: str) -> None:
        """Reject unknown entity or field names, domains that do not fit their field, and read settings that
        cannot work, before any row is read."""
        if self.entity not in ENTITIES:
            raise InputRejected(
                [Problem(label, None, "entity", f"unknown entity {self.entity!r}; use one of {', '.join(ENTITIES)}")]
            )
        base = ENTITIES[self.entity]
        names = set(base.names)
        bad = [
            Problem(label, None, target, f"{self.entity} have no field {target!r}; fields: {', '.join(sorted(names))}")
            for target in dict.fromkeys([*self.columns, *self.constants, *self.value_maps])
            if target not in names and not (target.startswith(EXTERNAL_PREFIX) and self.entity in ("works", "creators"))
        ]
        for target, domain in self.domains.items():
            try:
                if target not in names:
                    raise ValueError(f"{self.entity} have no field {target!r} to limit; fields: {', '.join(sorted(names))}")
                domain.narrow(base.field(target))
            except ValueError as exc:
                bad.append(Problem(label, None, f"domain {target}", str(exc)))
        bad += read_option_problems(self.read, label)
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
                Problem(label, 1, column, f"column not found (mapped to field {target!r}){_did_you_mean(column, header, target)}; "
                                          f"the file has: {', '.join(header)}")
                for target, column in resolved.items()
                if column not in header
            ]
            unmapped = [
                Problem(label, 1, None, f"required field {f.name!r} has no column; {_how_to_fill(f.name, f.choices, header)}")
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


def parse_domains(texts: dict[str, str], label: str) -> dict[str, Domain]:
    """Field → Domain from ``LOW..HIGH[/STEP]`` or ``A|B|C`` texts; every unreadable one is a problem."""
    domains, problems = {}, []
    for target, text in texts.items():
        try:
            domains[target] = Domain.parse(text)
        except ValueError as exc:
            problems.append(Problem(label, None, f"domain {target}", str(exc)))
    if problems:
        raise InputRejected(problems)
    return domains


def _closest(name: str, header: list[str]) -> str | None:
    by_lower = {h.lower(): h for h in header}
    match = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[match[0]] if match else None


def _did_you_mean(column: str, header: list[str], target: str) -> str:
    near = _closest(column, header)
    return f"; did you mean --column {target}={near}?" if near else ""


def _how_to_fill(name: str, choices: frozenset[str] | None, header: list[str]) -> str:
    """The flags that would fill a required field: a column of the file (the likeliest named), or one value for every row."""
    near = _closest(name, header)
    column = f"--column {name}={near}" if near else f"--column {name}=COLUMN"
    if choices is None:
        return f"add {column} (the file has: {', '.join(header)})"
    constant = "--kind VALUE" if name == "kind" else f"--const {name}=VALUE"
    return (f"give every row the same one with {constant} (one of: {', '.join(sorted(choices))}), "
            f"or take it from a column with {column} (the file has: {', '.join(header)})")
