"""Restatement-safe loading of billing exports: every delivery replaces the slices it covers, atomically.

Billing exports re-deliver whole periods (CUR and Azure rewrite the month to date; GCP restates by invoice
month; FOCUS files carry their billing period). A load deletes each slice present in the delivery (e.g.
one billing period, or one period of one export kind) and inserts the delivery's rows in one transaction:
delivering a period N times leaves exactly the last delivery, and a crash leaves the previous version.
Slices the delivery does not mention are left untouched.

Files beside files: a landing folder can hold a period's old file next to its re-delivery. `newest_deliveries`
groups files into deliveries (the parts of one export run are one delivery) and, for each slice, keeps only
the rows of the newest delivery that holds it, so a re-delivered period is replaced, never summed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from ingest.common import ParseResult
from warehouse.duckdb_store import ensure_table, record_load, replace_quarantine, transaction

# `part_0_0001`, `part-3`, `export-00001`: numbered parts of one export run (dates such as 20261005 are not)
_PART_SUFFIX = re.compile(r"(?i)(?:[-_.]?part[-_]?\d+(?:[-_]\d+)*|[-_]0\d{3,4})$")


def delivery_unit(key: str) -> str:
    """The delivery a landing file belongs to: its folder plus its name without extensions and part number.
    The parts of one run (`run1/part_0_0001.csv`, `run1/part_0_0002.csv`) share a unit; two files of one folder
    with different names (`export_20261005.csv`, `export_20261006.csv`) are two deliveries."""
    folder, _, name = key.rpartition("/")
    stem = name.split(".", 1)[0]
    return f"{folder}/{_PART_SUFFIX.sub('', stem)}"


@dataclass
class Selection:
    """What `newest_deliveries` kept, and what it set aside as superseded (file -> by which delivery)."""

    files: list[tuple[str, ParseResult]]
    superseded: dict[str, str] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)


def newest_deliveries(
    files: Sequence[tuple[str, ParseResult]],
    *,
    slice_columns: Sequence[str],
    order: Callable[[str, ParseResult], tuple],
) -> Selection:
    """For every slice (distinct values of `slice_columns`), keep only the rows of the newest delivery holding
    it. `order(key, result)` ranks a file (greater = newer); a delivery ranks as its newest file. A file none
    of whose slices it still owns is superseded as a whole (not loaded, not counted as input); a file that
    keeps some slices loads those, and its audit detail names the rows it gave up."""
    units: dict[str, list[tuple[str, ParseResult]]] = {}
    for key, result in files:
        units.setdefault(delivery_unit(key), []).append((key, result))
    rank = {unit: max((order(key, result), key) for key, result in members) for unit, members in units.items()}
    owner: dict[tuple, str] = {}
    slices_of: dict[str, list[tuple]] = {}
    for key, result in files:
        rows = result.table.select(list(slice_columns)).to_pylist()
        slices_of[key] = [tuple(row[c] for c in slice_columns) for row in rows]
        unit = delivery_unit(key)
        for value in set(slices_of[key]):
            if value not in owner or rank[unit] > rank[owner[value]]:
                owner[value] = unit
    selection = Selection([])
    for key, result in files:
        unit = delivery_unit(key)
        keep = [owner[value] == unit for value in slices_of[key]]
        dropped = keep.count(False)
        if not dropped:
            selection.files.append((key, result))
            continue
        newer = sorted({owner[value] for value, kept in zip(slices_of[key], keep, strict=True) if not kept})
        if dropped == len(keep) and not result.rejected:
            selection.superseded[key] = ", ".join(newer)
            continue
        table = result.table.filter(pa.array(keep, pa.bool_()))
        selection.files.append((key, ParseResult(table, result.rejected, result.input_rows - dropped)))
        selection.details[key] = f"{dropped} row(s) of periods re-delivered later by {', '.join(newer)} not loaded"
    return selection


def forget_superseded(con: duckdb.DuckDBPyConnection, source: str, keys: Sequence[str], by: dict[str, str]) -> None:
    """A superseded file's quarantine rows go and its audit row says why it is no longer loaded."""
    with transaction(con):
        for key in keys:
            replace_quarantine(con, source, key, [])
            record_load(
                con, source, key, input_rows=0, loaded_rows=0, quarantined_rows=0, detail=f"superseded by {by[key]}"
            )


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
    details: dict[str, str] | None = None,
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
                detail=(details or {}).get(name),
            )
    return DeliveryLoad(
        slices=slices,
        input_rows=sum(result.input_rows for _, result in deliveries),
        loaded_rows=sum(result.table.num_rows for _, result in deliveries),
        quarantined_rows=sum(len(result.rejected) for _, result in deliveries),
    )
