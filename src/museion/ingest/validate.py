"""Turn a chunk of raw rows into typed columns, column by column, collecting every problem.

Pure: rows in, columns and problems out. Columnar conversion keeps the common path fast; a
problem names the row's line, the file's column and the reason. Values a mapping renames
(``--map kind=loan:borrow``) are renamed before they are converted.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from museion.errors import Problem
from museion.ingest.fastcsv import ColumnRows
from museion.ingest.readers import Row
from museion.ingest.schema import EntitySpec, FieldSpec

EARLIEST_EVENT = -2_208_988_800  # 1900-01-01: older activity records are almost surely unit mistakes
FUTURE_SLACK = 86_400

Converter = Callable[[Any], Any]


@dataclass(slots=True)
class Chunk:
    """Validated rows of one chunk, as columns, with the line each row came from."""

    lines: list[int]
    columns: dict[str, list[Any]]

    def __len__(self) -> int:
        return len(self.lines)

    def rows(self) -> list[dict[str, Any]]:
        names = list(self.columns)
        return [dict(zip(names, values)) for values in zip(*self.columns.values())]


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        raise ValueError("expected text, found a nested structure")
    return str(value)


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a whole number, found true/false")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(f"expected a whole number, found {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected a whole number, found {value!r}") from None


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number, found true/false")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected a number, found {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, found {value!r}")
    return number


def timestamp_converter(fmt: str) -> Converter:
    """Epoch seconds (int) from epoch numbers, ISO 8601 text, or a strptime pattern; naive times are UTC."""

    def parse_text(text: str) -> datetime:
        if fmt == "auto":
            return datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        return datetime.strptime(text, fmt)

    def convert(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError("expected a time, found true/false")
        if isinstance(value, (int, float)):
            return int(_to_float(value))
        if isinstance(value, datetime):
            moment = value
        else:
            text = _to_str(value).strip()
            if fmt == "auto" and text.lstrip("-").replace(".", "", 1).isdigit():
                return int(float(text))
            try:
                moment = parse_text(text)
            except ValueError:
                expected = "epoch seconds or ISO 8601" if fmt == "auto" else f"the pattern {fmt!r}"
                raise ValueError(f"expected a time as {expected}, found {value!r}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp())

    return convert


def list_converter(separator: str) -> Converter:
    def convert(value: Any) -> list[str]:
        items = value if isinstance(value, list) else _to_str(value).split(separator)
        out: list[str] = []
        for item in items:
            text = _to_str(item).strip()
            if text and text not in out:
                out.append(text)
        return out

    return convert


def credits_converter(separator: str, default_role: str) -> Converter:
    """Creator references: "k1|k2", a JSON list of keys, or a list of {"key"|"id", "role"} objects."""
    as_list = list_converter(separator)

    def convert(value: Any) -> list[tuple[str, str]]:
        if isinstance(value, list) and any(isinstance(v, dict) for v in value):
            out: list[tuple[str, str]] = []
            for item in value:
                if not isinstance(item, dict) or _blank(item.get("key", item.get("id"))):
                    raise ValueError("each creator object needs a key (or id)")
                pair = (_to_str(item.get("key", item.get("id"))), _to_str(item.get("role") or default_role))
                if pair not in out:
                    out.append(pair)
            return out
        return [(key, default_role) for key in as_list(value)]

    return convert


def _bound(value: float | None, open_end: str) -> str:
    return open_end if value is None else f"{value:g}"


def _on_step(values: Sequence[float], low: float, step: float) -> bool:
    """Whether every value lies on the scale low + k·step, within float rounding; one vectorised pass."""
    q = (np.asarray(values, dtype=float) - low) / step
    return bool(np.all(np.abs(q - np.rint(q)) <= 1e-9 * np.maximum(1.0, np.abs(q))))


def _range_reason(spec: FieldSpec, value: Any) -> str | None:
    if spec.type in ("int", "float") and (
        (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high)
    ):
        return f"{value} is out of range [{_bound(spec.low, '-∞')}, {_bound(spec.high, '∞')}]"
    if spec.step is not None and not _on_step([value], spec.low or 0.0, spec.step):
        return f"{value:g} is not on the scale {_bound(spec.low, '')}..{_bound(spec.high, '')} in steps of {spec.step:g}"
    if spec.type == "timestamp" and not EARLIEST_EVENT <= value <= time.time() + FUTURE_SLACK:
        return f"time {value} is before 1900 or in the future"
    if spec.choices is not None and value not in spec.choices:
        return f"{value!r} is not one of: {', '.join(sorted(spec.choices))} (rename it with --map {spec.name}={value}:VALUE)"
    if spec.max_length is not None and len(value) > spec.max_length:
        return f"longer than {spec.max_length} characters"
    return None


class ChunkValidator:
    """Validates chunks for one entity, one file and one mapping."""

    def __init__(
        self,
        spec: EntitySpec,
        fields: dict[str, str],
        constants: dict[str, str],
        label: str,
        *,
        list_separator: str = "|",
        timestamp_format: str = "auto",
        creator_role: str = "creator",
        value_maps: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.spec = spec
        self.fields = fields  # target field (or external_ids.X) → column
        self.constants = constants
        self.label = label
        self.value_maps = value_maps or {}
        self._converters: dict[str, Converter] = {
            "str": _to_str,
            "int": _to_int,
            "float": _to_float,
            "timestamp": timestamp_converter(timestamp_format),
            "list": list_converter(list_separator),
            "credits": credits_converter(list_separator, creator_role),
        }
        self._epoch_text = timestamp_format == "auto"
        self._constant_values: dict[str, Any] = {}
        problems: list[Problem] = []
        for target, raw in constants.items():
            value, reason = self._convert_one(target, self._renamed(target, [raw])[0])
            if reason:
                problems.append(Problem(label, None, f"constant {target}", reason))
            self._constant_values[target] = value
        self.constant_problems = problems

    def _renamed(self, target: str, raw: list[Any]) -> list[Any]:
        """Cells with the mapping's renames applied (JSON numbers match by their text)."""
        renames = self.value_maps.get(target)
        if not renames:
            return raw
        return [v if v is None else renames.get(v if isinstance(v, str) else str(v), v) for v in raw]

    def _field(self, target: str) -> FieldSpec:
        if target.startswith("external_ids."):
            return FieldSpec(target, max_length=255)
        return self.spec.field(target)

    def _convert_one(self, target: str, raw: Any) -> tuple[Any, str | None]:
        spec = self._field(target)
        if _blank(raw):
            return None, (f"{target} is required" if spec.required else None)
        try:
            value = self._converters[spec.type](raw)
        except ValueError as exc:
            return None, str(exc)
        return value, _range_reason(spec, value) if spec.type not in ("list", "credits") else None

    def _fast_column(self, spec: FieldSpec, raw: list[Any], text: bool = False) -> list[Any]:
        """Convert a whole column in C-speed passes; ValueError when any cell needs a closer look.
        ``text`` says every cell is known to be a string (a column the CSV reader parsed)."""
        has_blanks = "" in raw or None in raw
        if has_blanks and spec.required:
            raise ValueError
        convert = self._converters[spec.type]
        text = not has_blanks and (text or all(type(v) is str for v in raw))
        if spec.type == "str" and text:
            out = raw
        elif spec.type == "timestamp" and self._epoch_text and not has_blanks:
            out = list(map(int, raw))  # MovieLens-style epoch seconds; anything else falls back
        elif spec.type in ("int", "float") and text:
            out = list(map(int if spec.type == "int" else float, raw))  # what _to_int/_to_float do for text
            if spec.type == "float" and not np.all(np.isfinite(out)):
                raise ValueError
        elif has_blanks:
            out = [None if v is None or v == "" else convert(v) for v in raw]
        else:
            out = [convert(v) for v in raw]
        if spec.type in ("list", "credits"):
            return out
        present = [v for v in out if v is not None] if has_blanks else out
        if not present:
            return out
        if spec.type in ("int", "float"):
            if (spec.low is not None and min(present) < spec.low) or (spec.high is not None and max(present) > spec.high):
                raise ValueError
            if spec.step is not None and not _on_step(present, spec.low or 0.0, spec.step):
                raise ValueError
        elif spec.type == "timestamp":
            if min(present) < EARLIEST_EVENT or max(present) > time.time() + FUTURE_SLACK:
                raise ValueError
        if spec.choices is not None and not set(present) <= spec.choices:
            raise ValueError
        if spec.max_length is not None and max(map(len, present)) > spec.max_length:
            raise ValueError
        return out

    def validate(self, rows: Sequence[Row]) -> tuple[Chunk, list[Problem]]:
        """Convert every field of every row; rows with any problem are left out of the chunk."""
        n = len(rows)
        bad: dict[int, None] = {}
        problems: list[Problem] = []
        columns: dict[str, list[Any]] = {}
        for target, column in self.fields.items():
            columnar = isinstance(rows, ColumnRows) and column in rows.columns
            raw = self._renamed(target, rows.column(column) if columnar else [values.get(column) for _line, values in rows])
            try:
                out = self._fast_column(self._field(target), raw, text=columnar and target not in self.value_maps)
            except (ValueError, TypeError):
                out = []
                for i, v in enumerate(raw):
                    value, reason = self._convert_one(target, v)
                    if reason:
                        bad[i] = None
                        problems.append(Problem(self.label, rows[i][0], column, reason))
                    out.append(value)
            columns[target] = out
        for target, value in self._constant_values.items():
            columns[target] = [value] * n
        for spec in self.spec.fields:  # required fields a JSON line left out
            if spec.name not in columns:
                columns[spec.name] = [None] * n
        problems.sort(key=lambda p: p.line or 0)
        if bad:
            keep = [i for i in range(n) if i not in bad]
            columns = {k: [v[i] for i in keep] for k, v in columns.items()}
            lines = [rows[i][0] for i in keep]
        else:
            lines = list(rows.lines) if isinstance(rows, ColumnRows) else [line for line, _values in rows]
        return Chunk(lines, columns), problems
