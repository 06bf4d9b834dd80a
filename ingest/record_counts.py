"""Input records of a file counted without the parser that loads them: the "input" side of a row balance.

A loader that drops a row cannot also shrink this count, so `input = loaded + quarantined` can fail. Each
count follows the format's own record boundary: non-blank lines of JSONL, records of CSV as the standard
`csv` module splits them (a quoted field may hold newlines; a blank line is a record of empty fields, as the
loader reads it), Parquet rows from the row-group metadata (no data pages read).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.common import SourceFormatError

_UTF8_BOM = b"\xef\xbb\xbf"


def count_jsonl_records(path: Path) -> int:
    """Lines holding anything but whitespace (a blank line is not a record)."""
    count = 0
    with path.open("rb") as handle:
        for index, line in enumerate(handle):
            if index == 0 and line.startswith(_UTF8_BOM):
                line = line[len(_UTF8_BOM) :]
            if line.strip():
                count += 1
    return count


def count_csv_records(path: Path) -> int:
    """Records after the header line, by RFC 4180 quoting; 0 for an empty file."""
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        if next(reader, None) is None:
            return 0
        return sum(1 for _ in reader)


def count_parquet_rows(path: Path) -> int:
    """Rows summed over the row groups of the footer."""
    metadata = pq.ParquetFile(path).metadata
    return sum(metadata.row_group(index).num_rows for index in range(metadata.num_row_groups))


def count_records(path: Path, file_format: str) -> int:
    """Input records of one file of `file_format` ('jsonl', 'csv' or 'parquet')."""
    counters = {"jsonl": count_jsonl_records, "csv": count_csv_records, "parquet": count_parquet_rows}
    if file_format not in counters:
        raise SourceFormatError(
            path, f"no record counter for format '{file_format}'; expected one of {sorted(counters)}"
        )
    return counters[file_format](path)


def file_input_records(path: Path, file_format: str) -> int:
    """The input a file stands for in a row balance: its records, or 1 when not even its records can be
    counted (not UTF-8, no Parquet footer, empty Parquet file): such a file is rejected whole, as one
    quarantined row."""
    try:
        return count_records(path, file_format)
    except (OSError, ValueError, UnicodeDecodeError, csv.Error, pa.ArrowException):
        return 1


def quarantined_records(rejected_lines: list[int | None], file_records: int) -> int:
    """Quarantined input of one file: each rejected line is one record; a rejection of the file itself (no
    line) stands for all of the file's records."""
    return file_records if any(line is None for line in rejected_lines) else len(rejected_lines)
