"""Vectorised parsing of plain delimited text: one block of whole lines into columns with pyarrow.

Pure: bytes in, columns out. A block qualifies only when the csv module would read it line for line
the same way: UTF-8, no quote character (where quoting is on), ``\\r`` only as part of ``\\r\\n``, no
blank line, and every line holding exactly the header's number of fields (checked with numpy). Then
each line is one record and its line number is known; anything else returns None and the caller
reads on with the exact, line-tracking csv reader, so every problem is still reported as before.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any, overload

import numpy as np

BLOCK_BYTES = 1 << 22  # 4 MiB of lines per parse: a few hundred thousand events, a few tens of MB as Python strings


class ColumnRows(Sequence[tuple[int, dict[str, Any]]]):
    """A chunk of rows held as columns (``column → list of cells``) with each row's line; it still reads as
    ``(line, {column: value})`` pairs, built on demand, for code that wants rows."""

    __slots__ = ("lines", "columns")

    def __init__(self, lines: list[int], columns: dict[str, list[Any]]) -> None:
        self.lines = lines
        self.columns = columns

    def __len__(self) -> int:
        return len(self.lines)

    @overload
    def __getitem__(self, i: int) -> tuple[int, dict[str, Any]]: ...
    @overload
    def __getitem__(self, i: slice) -> ColumnRows: ...
    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return ColumnRows(self.lines[i], {k: v[i] for k, v in self.columns.items()})
        return self.lines[i], {k: v[i] for k, v in self.columns.items()}

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        names = list(self.columns)
        for line, values in zip(self.lines, zip(*self.columns.values())):
            yield line, dict(zip(names, values))

    def column(self, name: str) -> list[Any]:
        """One column's cells (not a copy: do not change it); None for each row when the file has no such column."""
        found = self.columns.get(name)
        return found if found is not None else [None] * len(self.lines)


def plain_block(block: bytes, width: int, delimiter: int, quote: int | None) -> bool:
    """Whether every line of ``block`` (whole lines) is one record of ``width`` fields with nothing for the csv
    module to interpret: no quote, no lone carriage return, no blank line."""
    if not block or (quote is not None and quote in block):
        return False
    if block.count(b"\r") != block.count(b"\r\n") or b"\n\n" in block or b"\n\r\n" in block or block[:1] in (b"\n", b"\r"):
        return False
    a = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(a == 10)
    starts = np.concatenate(([0], ends + 1))
    starts = starts[starts < len(a)]
    per_line = np.add.reduceat((a == delimiter).astype(np.int32), starts)
    return bool(np.all(per_line == width - 1))


def parse_block(block: bytes, header: Sequence[str], delimiter: str) -> dict[str, list[str]] | None:
    """The block's columns as lists of text (None when pyarrow finds it is not valid UTF-8 after all).

    Columns are keyed like ``dict(zip(header, fields))``: where a name repeats, the last column wins."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            io.BytesIO(block),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False, block_size=len(block) + 1),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=False, double_quote=False,
                                             newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, check_utf8=True,
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    columns: dict[str, list[str]] = {}
    for name, generated in zip(header, names):
        columns[name] = table.column(generated).to_pylist()
    return columns
