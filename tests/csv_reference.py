"""The shared CSV writer's rules as they were before it streamed (warehouse/csv_files.py at 0bf5c83: cell_text,
_quoted, csv_bytes), copied and frozen: the reference the streaming writer must match byte for byte."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal


def _reference_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        starts = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
        return "'" + value if value.startswith(starts) else value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _reference_quoted(text: str) -> str:
    if any(mark in text for mark in (",", '"', "\r", "\n")):
        return '"' + text.replace('"', '""') + '"'
    return text


def reference_csv(header: list[str], rows: list[tuple]) -> bytes:
    lines = [",".join(_reference_quoted(_reference_cell(name)) for name in header)]
    lines += [",".join(_reference_quoted(_reference_cell(value)) for value in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")
