"""Stream AWS CUR deliveries into `raw_aws_cur.line_items`, one billing period per transaction.

Each file is read once by DuckDB and inserted straight into the table (a 10M-line month never passes
through Python); the rare rows that failed typing carry their reason in `load_problem` and are moved to the
quarantine before the transaction commits, so the table never shows them. Delete of the period, insert of
every listed file, quarantine and audit commit together: a crash leaves the previous delivery in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest.aws_cur import Delivery, cur_file_query
from ingest.cloud_schema import CLOUD_COST_SCHEMA
from ingest.common import Rejected, SourceFormatError
from warehouse.duckdb_store import ensure_table, record_load, replace_quarantine, transaction

TABLE = "raw_aws_cur.line_items"
SOURCE = "aws_cur"
RAW_SCHEMA = pa.schema(list(CLOUD_COST_SCHEMA) + [pa.field("load_problem", pa.string())])


@dataclass(frozen=True)
class CurLoad:
    files: list[str]
    input_rows: int
    loaded_rows: int
    quarantined_rows: int


def load_cur_delivery(
    con: duckdb.DuckDBPyConnection, delivery: Delivery, files: list[tuple[str, Path, str]]
) -> CurLoad:
    """Replace the delivery's billing period with its files (store key, local path, description)."""
    con.execute("set TimeZone = 'UTC'")
    ensure_table(con, TABLE, RAW_SCHEMA)
    period = delivery.billing_period_start
    input_total = loaded_total = quarantined_total = 0
    with transaction(con):
        con.execute(f"delete from {TABLE} where billing_period_start = ?", [period])
        for key, path, source in files:
            query = cur_file_query(con, path, source, delivery_id=delivery.delivery_id)
            try:
                (inserted,) = con.execute(
                    f"insert into {TABLE} by name select * exclude (problem), problem as load_problem from ({query})"
                ).fetchone()
            except duckdb.Error as exc:  # e.g. a CSV that is not UTF-8: the delivery fails naming the file
                raise SourceFormatError(source, f"unreadable CUR file: {str(exc).splitlines()[0]}") from None
            con.execute(
                f"""update {TABLE} set load_problem = 'billing period ' || cast(billing_period_start as varchar)
                        || ' is not the manifest''s ' || cast(cast(? as date) as varchar)
                    where source_file = ? and load_problem is null and billing_period_start <> cast(? as date)""",
                [period, source, period],
            )
            bad = con.execute(
                f"select source_line, load_problem from {TABLE} where source_file = ? and load_problem is not null"
                " order by source_line",
                [source],
            ).fetchall()
            if bad:
                con.execute(f"delete from {TABLE} where source_file = ? and load_problem is not null", [source])
            replace_quarantine(con, SOURCE, key, [Rejected(source, line, reason) for line, reason in bad])
            record_load(
                con,
                SOURCE,
                key,
                input_rows=inserted,
                loaded_rows=inserted - len(bad),
                quarantined_rows=len(bad),
                detail=f"delivery {delivery.delivery_id}",
            )
            input_total += inserted
            loaded_total += inserted - len(bad)
            quarantined_total += len(bad)
    return CurLoad([key for key, _, _ in files], input_total, loaded_total, quarantined_total)
