"""Restatement-safe loading of billing exports: every delivery replaces the slices it covers, atomically.

Billing exports re-deliver whole periods (CUR and Azure rewrite the month to date; GCP restates by invoice
month; FOCUS files carry their billing period). A load deletes each slice present in the delivery (e.g.
one billing period, or one period of one export kind) and inserts the delivery's rows in one transaction:
delivering a period N times leaves exactly the last delivery, and a crash leaves the previous version.
Slices the delivery does not mention are left untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from ingest.common import ParseResult
from warehouse.duckdb_store import ensure_table, record_load, replace_quarantine, transaction


@dataclass(frozen=True)
class DeliveryLoad:
    slices: list[tuple]
    input_rows: int
    loaded_rows: int
    quarantined_rows: int


def load_deliveries(
    con: duckdb.DuckDBPyConnection,
    table: str,
    deliveries: Sequence[tuple[str, ParseResult]],
    *,
    source: str,
    slice_columns: Sequence[str],
    schema: pa.Schema,
) -> DeliveryLoad:
    """Replace, in `table`, every slice (distinct values of `slice_columns`) found in the parsed files,
    with those files' rows; quarantine and audit per file (the file name is the load scope). `schema`
    creates the table when it does not exist yet."""
    tables = [result.table for _, result in deliveries if result.table.num_rows]
    combined = pa.concat_tables(tables) if tables else None
    slices: list[tuple] = []
    with transaction(con):
        ensure_table(con, table, schema)  # an empty landing folder still leaves a (empty) table to read
        if combined is not None:
            slices = sorted(
                {tuple(row[c] for c in slice_columns) for row in combined.select(list(slice_columns)).to_pylist()},
                key=str,
            )
            predicate = " and ".join(f"{column} is not distinct from ?" for column in slice_columns)
            for values in slices:
                con.execute(f"delete from {table} where {predicate}", list(values))
            con.register("_billing_delivery", combined)
            try:
                con.execute(f"insert into {table} by name select * from _billing_delivery")
            finally:
                con.unregister("_billing_delivery")
        for name, result in deliveries:
            replace_quarantine(con, source, name, result.rejected)
            record_load(
                con,
                source,
                name,
                input_rows=result.input_rows,
                loaded_rows=result.table.num_rows,
                quarantined_rows=len(result.rejected),
            )
    return DeliveryLoad(
        slices=slices,
        input_rows=sum(result.input_rows for _, result in deliveries),
        loaded_rows=sum(result.table.num_rows for _, result in deliveries),
        quarantined_rows=sum(len(result.rejected) for _, result in deliveries),
    )
