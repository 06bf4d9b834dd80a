"""The one CSV writer every export uses: safe for spreadsheets, exact for money, checkable by finance.

- every field that holds a delimiter, a quote, CR or LF is quoted (RFC 4180); Python's csv module alone
  leaves a bare CR unquoted when the line terminator is LF, which splits the record in most readers;
- text cells starting with = + - @ tab or CR (and their full-width forms, which some spreadsheets also
  read as formulas) get a leading apostrophe, so a spreadsheet never runs them. Only text is touched:
  numbers, Decimals and timestamps are written as they are, so -12.5 stays a number;
- Decimals are fixed-point text (never an exponent), timestamps ISO 8601 with Z for UTC, null is empty;
- the file appears atomically (temporary file, then rename) with a `.sha256` beside it;
- `bom=True` starts the file with a UTF-8 byte-order mark: Excel on Windows reads a CSV without one in the
  local ANSI code page and garbles non-ASCII text (tags such as `équipe` or `検索`);
- it streams (`CsvWriter`): rows or Arrow batches go to the file as they come, the hash is computed as it is
  written, so a 10M-row export holds one batch, not the file. Arrow batches are turned into text a column at
  a time by the same rules (`write_batch`); `write_csv` is the one-call form for small exports.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NEEDS_QUOTES = (",", '"', "\r", "\n")
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class CsvFile:
    path: Path
    rows: int
    sha256: str  # of the file's bytes, as in the `.sha256` beside it
    data_sha256: str  # of the CSV without the byte-order mark: the same data whichever variant was written


def neutralize(cell: str) -> str:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def cell_text(value: object) -> str:
    """The CSV text of one value. Only `str` values are text and get neutralized."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralize(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _quoted(text: str) -> str:
    if any(mark in text for mark in _NEEDS_QUOTES):
        return '"' + text.replace('"', '""') + '"'
    return text


def _row_text(row: Sequence[object]) -> str:
    return ",".join(_quoted(cell_text(value)) for value in row)


# Arrow text of a whole column at once, by the same rules as `cell_text` + `_quoted` (tests/unit/test_csv_files.py
# holds the two to the same bytes); a type without a fast path goes through `cell_text` value by value
_FORMULA_PATTERN = "^[" + "".join(f"\\x{{{ord(mark):04x}}}" for mark in FORMULA_START) + "]"
_NEEDS_QUOTES_PATTERN = "[" + "".join(f"\\x{{{ord(mark):04x}}}" for mark in _NEEDS_QUOTES) + "]"
_TEXT = pa.large_string()  # 64-bit offsets: a batch's joined lines may pass 2 GB


def _literal(text: str) -> pa.Scalar:
    return pa.scalar(text, _TEXT)


def _string_text(column: pa.Array) -> pa.Array:
    text = column.cast(_TEXT)
    formula = pc.match_substring_regex(text, _FORMULA_PATTERN)
    if pc.any(formula).as_py():
        text = pc.if_else(formula, pc.binary_join_element_wise(_literal("'"), text, _literal("")), text)
    needs_quotes = pc.match_substring_regex(text, _NEEDS_QUOTES_PATTERN)
    if pc.any(needs_quotes).as_py():
        quoted = pc.binary_join_element_wise(
            _literal('"'), pc.replace_substring(text, '"', '""'), _literal('"'), _literal("")
        )
        text = pc.if_else(needs_quotes, quoted, text)
    return text


def _decimal_text(column: pa.Array) -> pa.Array:
    """Fixed-point text. Arrow writes small values with an exponent (`0E-9`, `1.0E-8`): those few distinct
    strings are rewritten by Python's `format(Decimal, "f")`, which is what `cell_text` does."""
    text = column.cast(_TEXT)
    exponent = pc.match_substring(text, "E")
    if pc.any(exponent).as_py():
        distinct = pc.unique(pc.filter(text, exponent))
        fixed = pa.array([format(Decimal(value), "f") for value in distinct.to_pylist()], _TEXT)
        text = pc.if_else(exponent, pc.take(fixed, pc.index_in(text, value_set=distinct)), text)
    return text


def _timestamp_text(column: pa.Array) -> pa.Array:
    """`datetime.isoformat()` (microseconds only when not zero) with Z for UTC. Through a naive timestamp: Arrow
    formats a zoned one many times slower, and a UTC instant's wall clock is its naive value."""
    naive = column.cast(pa.timestamp("us", tz=column.type.tz)).cast(pa.timestamp("us"))
    text = pc.replace_substring(naive.cast(_TEXT), " ", "T", max_replacements=1)  # 2026-10-02 00:00:00.000000
    text = pc.replace_substring_regex(text, r"\.000000$", "")
    return pc.binary_join_element_wise(text, _literal("Z"), _literal("")) if column.type.tz == "UTC" else text


def _python_text(column: pa.Array) -> pa.Array:
    return pa.array([_quoted(cell_text(value)) for value in column.to_pylist()], _TEXT)


def _formatter(kind: pa.DataType) -> Callable[[pa.Array], pa.Array] | None:
    """The vectorized form of `cell_text` + `_quoted` for an Arrow type, None where there is none."""
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _string_text
    if pa.types.is_decimal(kind) and kind.scale >= 0:
        return _decimal_text
    if pa.types.is_timestamp(kind) and kind.unit in ("s", "ms", "us") and kind.tz in (None, "UTC"):
        return _timestamp_text
    if pa.types.is_integer(kind) or pa.types.is_date32(kind) or pa.types.is_null(kind):
        return lambda column: column.cast(_TEXT)  # str(int), date.isoformat(), null
    if pa.types.is_boolean(kind):
        return lambda column: pc.if_else(column, _literal("True"), _literal("False"))
    return None  # floats, other time zones, nested types...: the value-by-value rules themselves


_SAMPLE_ROWS, _FEW_DISTINCT = 256, 64


def _column_text(column: pa.Array) -> pa.Array:
    """The CSV cells of one Arrow column (null as empty text). A column whose first rows repeat a few values
    (currency, provider, charge period...) is formatted once per distinct value, then spread by index."""
    formatter = _formatter(column.type)
    if formatter is None:
        return _python_text(column)
    if (
        len(column) >= 4 * _SAMPLE_ROWS
        and formatter in (_string_text, _decimal_text, _timestamp_text)
        and pc.count_distinct(column.slice(0, _SAMPLE_ROWS)).as_py() <= _FEW_DISTINCT
    ):
        encoded = column.dictionary_encode()
        text = pc.take(formatter(encoded.dictionary), encoded.indices)
    else:
        text = formatter(column)
    return text.fill_null("")


class CsvWriter:
    """Writes one CSV in bounded memory: the header, then rows (`write_rows`) or Arrow batches (`write_batch`),
    hashing as it goes; on a clean exit the file appears atomically with its `.sha256`, on an error the
    temporary file is removed and nothing appears. `result` holds the `CsvFile` after the `with` block."""

    def __init__(self, path: Path, header: Sequence[str], *, bom: bool = False) -> None:
        self.path = path
        self.header = tuple(header)
        self.bom = bom
        self.rows = 0
        self.result: CsvFile | None = None
        self._temporary = path.with_name(path.name + ".tmp")
        self._file_hash = hashlib.sha256()
        self._data_hash = hashlib.sha256()
        self._handle: BinaryIO | None = None

    def __enter__(self) -> CsvWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self._temporary.open("wb")
        if self.bom:
            self._handle.write(UTF8_BOM)
            self._file_hash.update(UTF8_BOM)
        self._write((_row_text(self.header) + "\n").encode("utf-8"))
        return self

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        assert self._handle is not None
        self._handle.close()
        if error is not None:
            self._temporary.unlink(missing_ok=True)
            return
        self._temporary.replace(self.path)  # readers never see half a file
        digest = self._file_hash.hexdigest()
        sidecar = self.path.with_name(self.path.name + ".sha256")
        sidecar_tmp = self.path.with_name(self.path.name + ".sha256.tmp")
        sidecar_tmp.write_text(f"{digest}  {self.path.name}\n")
        sidecar_tmp.replace(sidecar)
        self.result = CsvFile(path=self.path, rows=self.rows, sha256=digest, data_sha256=self._data_hash.hexdigest())

    def _write(self, data: bytes | memoryview) -> None:
        assert self._handle is not None, "use CsvWriter in a with block"
        self._handle.write(data)
        self._file_hash.update(data)
        self._data_hash.update(data)

    def write_rows(self, rows: Iterable[Sequence[object]], *, flush_every: int = 10_000) -> None:
        """Python rows (tuples from DuckDB's fetchall, lists...), value by value."""
        lines: list[str] = []
        for row in rows:
            if len(row) != len(self.header):
                raise ValueError(f"CSV row {self.rows + 1} has {len(row)} values for {len(self.header)} columns")
            lines.append(_row_text(row))
            self.rows += 1
            if len(lines) >= flush_every:
                self._write(("\n".join(lines) + "\n").encode("utf-8"))
                lines.clear()
        if lines:
            self._write(("\n".join(lines) + "\n").encode("utf-8"))

    def write_batch(self, batch: pa.RecordBatch | pa.Table) -> None:
        """An Arrow batch, a column at a time: the same bytes `write_rows` writes for its `to_pylist()` rows."""
        if batch.num_columns != len(self.header):
            raise ValueError(f"CSV batch has {batch.num_columns} columns for {len(self.header)} columns")
        if batch.num_rows == 0:
            return
        if isinstance(batch, pa.Table):
            batch = batch.combine_chunks().to_batches()[0]
        cells = [_column_text(column) for column in batch.columns]
        lines = pc.binary_join_element_wise(*cells, _literal(","))
        lines = pc.binary_join_element_wise(lines, _literal(""), _literal("\n"))  # every line ends with LF
        offsets = memoryview(lines.buffers()[1]).cast("q")  # int64 (large_string), native = Arrow's byte order
        start, end = offsets[lines.offset], offsets[lines.offset + len(lines)]
        self._write(memoryview(lines.buffers()[2])[start:end])  # the lines' UTF-8 bytes, end to end
        self.rows += batch.num_rows


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = False) -> CsvFile:
    """Write the CSV atomically and its `<name>.sha256` (sha256sum format) beside it; `bom`: Excel-friendly."""
    with CsvWriter(path, header, bom=bom) as writer:
        writer.write_rows(rows)
    assert writer.result is not None
    return writer.result
