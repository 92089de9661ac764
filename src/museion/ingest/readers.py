"""Stream rows from CSV/TSV, JSON Lines and Parquet files in chunks, with line numbers.

Rows come out as ``(line, {column: value})``. CSV lines are decoded one at a time so an encoding
error names its line; a chunk never holds more than ``chunk_rows`` rows, so files larger than
memory stream through. Tab-separated files are read without quote processing unless asked, as
most published TSVs do not quote (an artist named ``"Weird Al" Yankovic`` is a value, not a quote).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from museion.errors import InputRejected, Problem
from museion.ingest.fastcsv import BLOCK_BYTES, ColumnRows, parse_block, plain_block

Format = Literal["csv", "tsv", "jsonl", "parquet"]
FORMATS: tuple[str, ...] = ("csv", "tsv", "jsonl", "parquet")
Row = tuple[int, dict[str, Any]]
RowOrProblem = Row | Problem
Progress = Callable[[int], None]

csv.field_size_limit(1 << 24)


@dataclass(frozen=True, slots=True)
class ReadOptions:
    format: Format | None = None  # guessed from the file name when None
    delimiter: str | None = None
    encoding: str = "utf-8"
    chunk_rows: int = 50_000
    columns: tuple[str, ...] | None = None  # names for a file without a header row
    quote: str = "auto"  # "auto" (CSV: '"', TSV: none), "none", or the one character that quotes values


def read_option_problems(options: ReadOptions, label: str) -> list[Problem]:
    """Settings that cannot work (unknown format, a delimiter or quote that is not one character), before any row is read."""
    problems = []
    if options.format is not None and options.format not in FORMATS:
        problems.append(Problem(label, None, "format", f"unknown format {options.format!r}; use one of {', '.join(FORMATS)}"))
    if options.delimiter and len(_unescape(options.delimiter)) != 1:
        problems.append(Problem(label, None, "delimiter", f"expected one character (or '\\t'), found {options.delimiter!r}"))
    if options.quote not in ("auto", "none") and len(options.quote) != 1:
        problems.append(Problem(label, None, "quote", f"expected 'auto', 'none' or one character, found {options.quote!r}"))
    return problems


def guess_format(path: Path) -> Format:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    last = suffixes[-1] if suffixes else ""
    return {
        ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".dat": "tsv", ".txt": "csv",
        ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet",
    }.get(last, "csv")  # type: ignore[return-value]


class _Source:
    """A file opened for binary reading (gunzipped when it ends in .gz); ``position`` is in on-disk bytes."""

    def __init__(self, path: Path) -> None:
        self._disk = path.open("rb")
        self.stream: IO[bytes] = gzip.GzipFile(fileobj=self._disk) if path.suffix.lower() == ".gz" else self._disk  # type: ignore[assignment]

    @property
    def position(self) -> int:
        return self._disk.tell()

    def __enter__(self) -> _Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()
        self._disk.close()


def _check_encoding(label: str, encoding: str) -> str:
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise InputRejected([Problem(label, None, None, f"unknown encoding {encoding!r}")]) from None
    if "\n".encode(info.name) != b"\n":
        raise InputRejected(
            [Problem(label, None, None, f"encoding {encoding!r} is not line-compatible; convert the file to UTF-8")]
        )
    # A UTF-8 byte-order mark is not part of the first column's name.
    return "utf-8-sig" if info.name == "utf-8" else info.name


def _decoding_problem(path: Path, encoding: str, label: str) -> Problem:
    """Find the first line that does not decode (the slow, exact scan that runs only after a failure)."""
    decode = codecs.getincrementaldecoder(encoding)(errors="strict").decode
    with _Source(path) as src:
        for number, chunk in enumerate(src.stream, start=1):
            try:
                decode(chunk)
            except UnicodeDecodeError as exc:
                return Problem(label, number, None, f"not valid {exc.encoding}: byte {chunk[exc.start]:#04x} at position {exc.start + 1}")
    return Problem(label, None, None, f"not valid {encoding}")


def _text(stream: IO[bytes], encoding: str) -> io.TextIOWrapper:
    # newline="" hands line endings to the csv module, which then counts lines itself (reader.line_num).
    return io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="")  # type: ignore[type-var]


def read_header(path: Path, options: ReadOptions, label: str) -> list[str] | None:
    """The column names of a file without reading its rows; None for JSON Lines (keys vary per line)."""
    fmt = options.format or guess_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            return list(pq.ParquetFile(path).schema_arrow.names)
        except Exception as exc:  # pyarrow raises several types for a corrupt file
            raise InputRejected([Problem(label, None, None, f"not a readable Parquet file: {exc}")]) from None
    if fmt == "jsonl":
        return None
    if options.columns:
        return list(options.columns)
    encoding = _check_encoding(label, options.encoding)
    try:
        with _Source(path) as src:
            return next(csv.reader(_text(src.stream, encoding), **_dialect(fmt, options), strict=True), [])
    except csv.Error as exc:
        raise InputRejected([_malformed(label, 1, exc, options)]) from None
    except UnicodeDecodeError:
        raise InputRejected([_decoding_problem(path, encoding, label)]) from None
    except (OSError, EOFError) as exc:
        raise InputRejected([Problem(label, None, None, f"cannot read the file: {exc}")]) from None


def _unescape(text: str) -> str:
    """A delimiter as typed ('\\t' for a tab), with any other character, '§' or '，', kept as it is."""
    try:
        return text.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:  # a lone backslash
        return text


def _dialect(fmt: Format, options: ReadOptions) -> dict[str, Any]:
    """csv.reader settings: the delimiter, and quoting as chosen (by default none for TSV, '"' for CSV)."""
    delimiter = _unescape(options.delimiter) if options.delimiter else ("\t" if fmt == "tsv" else ",")
    quote = options.quote if options.quote != "auto" else ("none" if fmt == "tsv" else '"')
    if quote == "none":
        return {"delimiter": delimiter, "quoting": csv.QUOTE_NONE}
    return {"delimiter": delimiter, "quotechar": quote}


def _malformed(label: str, line: int, exc: csv.Error, options: ReadOptions) -> Problem:
    hint = "; if the file does not quote its values, read it with --quote none" if options.quote != "none" else ""
    return Problem(label, line, None, f"malformed CSV: {exc}{hint}")


def _csv_rows(path: Path, options: ReadOptions, label: str, progress: Progress | None) -> Iterator[RowOrProblem]:
    fmt = options.format or guess_format(path)
    encoding = _check_encoding(label, options.encoding)
    with _Source(path) as src:
        yield from _csv_records(path, src, src.stream, options, label, progress, encoding, None, 1, 0)


def _csv_records(path: Path, src: _Source, stream: IO[bytes], options: ReadOptions, label: str, progress: Progress | None,
                 encoding: str, header: list[str] | None, start: int, reported: int) -> Iterator[RowOrProblem]:
    """Records of ``stream`` with their lines, counting from ``start``; the header is read first unless given."""
    fmt = options.format or guess_format(path)
    reader = csv.reader(_text(stream, encoding), **_dialect(fmt, options), strict=True)
    offset = start - 1
    try:
        if header is None:
            if options.columns:
                header = list(options.columns)
            else:
                header = next(reader, None)
                if header is None:
                    raise InputRejected([Problem(label, 1, None, "the file is empty; expected a header row")])
                start = reader.line_num + 1
        width = len(header)
        for fields in reader:
            if len(fields) == width:
                yield start, dict(zip(header, fields))
            elif fields:  # csv yields [] for blank lines; those are skipped
                kind = "truncated row?" if len(fields) < width else "unquoted delimiter in a value?"
                yield Problem(label, start, None, f"expected {width} fields, found {len(fields)} ({kind})")
            start = offset + reader.line_num + 1
            if progress and start % 8192 == 0:
                progress(src.position - reported)
                reported = src.position
        if progress:
            progress(src.position - reported)
    except csv.Error as exc:
        raise InputRejected([_malformed(label, start, exc, options)]) from None
    except UnicodeDecodeError:
        raise InputRejected([_decoding_problem(path, encoding, label)]) from None
    except (OSError, EOFError) as exc:  # e.g. a truncated .gz
        raise InputRejected([Problem(label, start, None, f"cannot read the file: {exc}")]) from None


class _Prefixed(io.RawIOBase):
    """``prefix`` followed by the rest of ``stream``: where the vectorised reader hands over to the csv module."""

    def __init__(self, prefix: bytes, stream: IO[bytes]) -> None:
        self._prefix, self._stream = prefix, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n], self._prefix = self._prefix[:n], self._prefix[n:]
            return n
        data = self._stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _grouped(items: Iterator[RowOrProblem], size: int) -> Iterator[tuple[Sequence[Row], list[Problem]]]:
    rows: list[Row] = []
    problems: list[Problem] = []
    for item in items:
        if isinstance(item, Problem):
            problems.append(item)
            continue
        rows.append(item)
        if len(rows) >= size:
            yield rows, problems
            rows, problems = [], []
    if rows or problems:
        yield rows, problems


def _plain_settings(options: ReadOptions, fmt: Format, encoding: str) -> tuple[str, int | None] | None:
    """The delimiter and quote byte when the vectorised reader may read the file (UTF-8, one-byte delimiter)."""
    dialect = _dialect(fmt, options)
    delimiter, quote = dialect["delimiter"], dialect.get("quotechar")
    if encoding != "utf-8-sig" or options.columns or len(delimiter.encode()) != 1 or delimiter in '\r\n"':
        return None
    if quote is not None and len(quote.encode()) != 1:
        return None
    return delimiter, (quote.encode()[0] if quote is not None else None)


def _csv_chunks(path: Path, options: ReadOptions, label: str, progress: Progress | None) -> Iterator[tuple[Sequence[Row], list[Problem]]]:
    """CSV/TSV chunks: blocks of plain lines parsed by pyarrow into columns; from the first block that is not
    plain (quotes, blank lines, a wrong field count, bad bytes) on, the csv module reads exactly as before."""
    fmt = options.format or guess_format(path)
    encoding = _check_encoding(label, options.encoding)
    settings = _plain_settings(options, fmt, encoding)
    if settings is None:
        yield from _grouped(_csv_rows(path, options, label, progress), options.chunk_rows)
        return
    delimiter, quote = settings
    with _Source(path) as src:
        header: list[str] | None = None
        line, reported, pending = 2, 0, b""
        while True:
            try:
                data, failed = src.stream.read(BLOCK_BYTES), False
            except (OSError, EOFError):  # e.g. a truncated .gz: the csv module below meets it again and names the line
                data, failed = b"", True
            buf = pending + data
            cut = buf.rfind(b"\n") + 1 if data else len(buf)
            if data and cut == 0:
                pending = buf
                continue
            block, pending = buf[:cut], buf[cut:]
            if header is None:
                header = _plain_header(block, delimiter, quote)
                if header is None:
                    break
                block = block[block.index(b"\n") + 1:] if b"\n" in block else b""
            plain = not failed and plain_block(block, len(header), ord(delimiter), quote)
            columns = parse_block(block, header, delimiter) if plain else None
            if columns is None:
                if block or pending or data or failed:
                    rest = io.BufferedReader(_Prefixed(block + pending, src.stream))
                    yield from _grouped(_csv_records(path, src, rest, options, label, progress, encoding, header, line, reported),
                                        options.chunk_rows)
                elif progress:
                    progress(src.position - reported)
                return
            n = len(next(iter(columns.values())))
            lines = list(range(line, line + n))
            line += n
            for s in range(0, n, options.chunk_rows):
                yield ColumnRows(lines[s:s + options.chunk_rows], {k: v[s:s + options.chunk_rows] for k, v in columns.items()}), []
            if progress:
                progress(src.position - reported)
                reported = src.position
            if not data:
                return
    yield from _grouped(_csv_rows(path, options, label, progress), options.chunk_rows)


def _plain_header(block: bytes, delimiter: str, quote: int | None) -> list[str] | None:
    """The header's names when its line is plain text (else None: the csv module reads the whole file)."""
    end = block.find(b"\n")
    first = block[:end] if end >= 0 else block
    first = first.removeprefix(b"\xef\xbb\xbf").removesuffix(b"\r")
    if not first or b"\r" in first or (quote is not None and quote in first):
        return None
    try:
        return first.decode("utf-8").split(delimiter)
    except UnicodeDecodeError:
        return None


def _jsonl_rows(path: Path, options: ReadOptions, label: str, progress: Progress | None) -> Iterator[RowOrProblem]:
    encoding = _check_encoding(label, options.encoding)
    with _Source(path) as src:
        reported = 0
        number = 0
        try:
            for number, text in enumerate(_text(src.stream, encoding), start=1):
                if not text.strip():
                    continue
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError as exc:
                    yield Problem(label, number, None, f"invalid JSON: {exc.msg} at character {exc.pos + 1}")
                    continue
                if not isinstance(obj, dict):
                    yield Problem(label, number, None, "each line must be a JSON object")
                    continue
                yield number, obj
                if progress and number % 8192 == 0:
                    progress(src.position - reported)
                    reported = src.position
        except UnicodeDecodeError:
            raise InputRejected([_decoding_problem(path, encoding, label)]) from None
        except (OSError, EOFError) as exc:
            raise InputRejected([Problem(label, number + 1, None, f"cannot read the file: {exc}")]) from None
        if progress:
            progress(src.position - reported)


def _parquet_rows(path: Path, options: ReadOptions, label: str, progress: Progress | None) -> Iterator[RowOrProblem]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise InputRejected([Problem(label, None, None, f"not a readable Parquet file: {exc}")]) from None
    total = path.stat().st_size
    rows = pf.metadata.num_rows or 1
    n = 0
    for batch in pf.iter_batches(batch_size=options.chunk_rows):
        for record in batch.to_pylist():
            n += 1
            yield n, record
        if progress:
            progress(total * batch.num_rows // rows)


def iter_rows(path: Path, options: ReadOptions, label: str, progress: Progress | None = None) -> Iterator[Row | Problem]:
    """Yield rows, or a Problem for a row that cannot be parsed, and keep going."""
    fmt = options.format or guess_format(path)
    reader = {"parquet": _parquet_rows, "jsonl": _jsonl_rows}.get(fmt, _csv_rows)
    return reader(path, options, label, progress)


def iter_chunks(
    path: Path, options: ReadOptions, label: str, progress: Progress | None = None
) -> Iterator[tuple[Sequence[Row], list[Problem]]]:
    """Group rows into chunks of at most ``chunk_rows``; unparseable rows come back as problems. Plain CSV/TSV
    lines are parsed vectorised into column chunks (``ColumnRows``), which read as rows too."""
    if (options.format or guess_format(path)) in ("csv", "tsv"):
        return _csv_chunks(path, options, label, progress)
    return _grouped(iter_rows(path, options, label, progress), options.chunk_rows)
