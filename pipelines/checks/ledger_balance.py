"""The ledger's row balance, taken from outside the loader: input records counted in the landing files
(ingest.record_counts), loaded and quarantined rows counted in the warehouse tables themselves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb

from ingest.ledger import LedgerFile
from ingest.record_counts import count_records
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
    for file in files:
        if file.ingest_date in input_rows:
            input_rows[file.ingest_date] += count_records(file.path, file.format)
    loaded = dict(
        con.execute(
            f"select ingest_date, count(*) from {REQUESTS_TABLE} where ingest_date in (select unnest(?))"
            " group by ingest_date",
            [list(days)],
        ).fetchall()
    )
    quarantined = dict(
        con.execute(
            f"select load_scope, count(*) from {QUARANTINE_TABLE} where source = ? and load_scope in (select unnest(?))"
            " group by load_scope",
            [SOURCE, [day.isoformat() for day in days]],
        ).fetchall()
    )
    return [DayBalance(day, input_rows[day], loaded.get(day, 0), quarantined.get(day.isoformat(), 0)) for day in days]
