"""The ledger's row balance, taken from outside the loader: input records counted in the landing files
(ingest.record_counts), loaded and quarantined rows counted in the warehouse tables themselves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb

from ingest.ledger import LedgerFile
from ingest.record_counts import file_input_records, quarantined_records
from warehouse.duckdb_store import QUARANTINE_TABLE
from warehouse.ledger_load import REQUESTS_TABLE, SOURCE


@dataclass(frozen=True)
class DayBalance:
    ingest_date: date
    input_rows: int
    loaded_rows: int
    quarantined_rows: int

    @property
    def balanced(self) -> bool:
        return self.input_rows == self.loaded_rows + self.quarantined_rows


def ledger_day_balances(
    con: duckdb.DuckDBPyConnection, files: Sequence[LedgerFile], days: Sequence[date]
) -> list[DayBalance]:
    """One balance per delivery day: records in that day's files vs rows stored for it."""
    input_rows = dict.fromkeys(days, 0)
    records_of_file: dict[str, int] = {}
    for file in files:
        if file.ingest_date in input_rows:
            records_of_file[str(file.path)] = file_input_records(file.path, file.format)
            input_rows[file.ingest_date] += records_of_file[str(file.path)]
    loaded = dict(
        con.execute(
            f"select ingest_date, count(*) from {REQUESTS_TABLE} where ingest_date in (select unnest(?))"
            " group by ingest_date",
            [list(days)],
        ).fetchall()
    )
    # a rejected line is one record; a rejected file (no line) all of the file's records
    lines: dict[tuple[str, str], list[int | None]] = {}
    for scope, source_file, line in con.execute(
        f"select load_scope, source_file, line from {QUARANTINE_TABLE} where source = ?"
        " and load_scope in (select unnest(?))",
        [SOURCE, [day.isoformat() for day in days]],
    ).fetchall():
        lines.setdefault((scope, source_file), []).append(line)
    quarantined: dict[str, int] = {}
    for (scope, source_file), file_lines in lines.items():
        file_records = records_of_file.get(source_file, len(file_lines))
        quarantined[scope] = quarantined.get(scope, 0) + quarantined_records(file_lines, file_records)
    return [DayBalance(day, input_rows[day], loaded.get(day, 0), quarantined.get(day.isoformat(), 0)) for day in days]
