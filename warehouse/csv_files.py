"""The one CSV writer every export uses: safe for spreadsheets, exact for money, checkable by finance.

- every field that holds a delimiter, a quote, CR or LF is quoted (RFC 4180); Python's csv module alone
  leaves a bare CR unquoted when the line terminator is LF, which splits the record in most readers;
- text cells starting with = + - @ tab or CR (and their full-width forms, which some spreadsheets also
  read as formulas) get a leading apostrophe, so a spreadsheet never runs them. Only text is touched:
  numbers, Decimals and timestamps are written as they are, so -12.5 stays a number;
- Decimals are fixed-point text (never an exponent), timestamps ISO 8601 with Z for UTC, null is empty;
- the file appears atomically (temporary file, then rename) with a `.sha256` beside it;
- `bom=True` starts the file with a UTF-8 byte-order mark: Excel on Windows reads a CSV without one in the
  local ANSI code page and garbles non-ASCII text (tags such as `équipe` or `検索`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

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


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> tuple[bytes, int]:
    """UTF-8 CSV (LF line ends) of the header and rows; returns (content, data row count)."""
    lines = [",".join(_quoted(cell_text(name)) for name in header)]
    count = 0
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"CSV row {count + 1} has {len(row)} values for {len(header)} columns")
        lines.append(",".join(_quoted(cell_text(value)) for value in row))
        count += 1
    return ("\n".join(lines) + "\n").encode("utf-8"), count


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = False) -> CsvFile:
    """Write the CSV atomically and its `<name>.sha256` (sha256sum format) beside it; `bom`: Excel-friendly."""
    data, count = csv_bytes(header, rows)
    content = UTF8_BOM + data if bom else data
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(content)
    temporary.replace(path)  # readers never see half a file
    digest = hashlib.sha256(content).hexdigest()
    sidecar = path.with_name(path.name + ".sha256")
    sidecar_tmp = path.with_name(path.name + ".sha256.tmp")
    sidecar_tmp.write_text(f"{digest}  {path.name}\n")
    sidecar_tmp.replace(sidecar)
    return CsvFile(path=path, rows=count, sha256=digest, data_sha256=hashlib.sha256(data).hexdigest())
