"""Stream AWS CUR deliveries into `raw_aws_cur.line_items`, one (report, billing period) per delivery.

Each file is read once by DuckDB and inserted straight into the table (a 10M-line month never passes
through Python); the rare rows that failed typing carry their reason in `load_problem` and are moved to the
quarantine. CSV lines DuckDB cannot split into the header's columns (a row cut mid-line) are quarantined
from its reject table.

Two transactions per delivery. The first deletes the report's period and inserts every listed file: a file
that cannot be read rolls it back and leaves the previous delivery in place. The second numbers the CSV rows'
lines, moves the problem rows to the quarantine and writes the audit. Numbering rows in the transaction that
inserted them made DuckDB rewrite them all at commit. A crash between the two leaves rows without a line
(and problem rows) for one run: the step's state is unrecorded, so the next run reloads the delivery, and
its first transaction also deletes the report's rows that have no line or a problem.

A delivery replaces (report, billing period), never the period alone: two reports of one month (two payer
accounts, a second report with other columns) each keep their rows. Rows loaded before the report column
existed (`cur_report` null) belong to no known report and are replaced by the next delivery of their period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest.aws_cur import (
    Delivery,
    RejectedDelivery,
    clear_csv_rejects,
    csv_rejects,
    cur_file_query,
    number_csv_rows,
)
from ingest.cloud_schema import CLOUD_COST_SCHEMA
from ingest.common import Rejected, SourceFormatError, sql_literal
from ingest.tags import TagMapping
from warehouse.duckdb_store import (
    LOAD_AUDIT_TABLE,
    duckdb_settings,
    ensure_table,
    record_load,
    replace_quarantine,
    transaction,
)

TABLE = "raw_aws_cur.line_items"
SOURCE = "aws_cur"
RAW_SCHEMA = pa.schema(
    list(CLOUD_COST_SCHEMA) + [pa.field("load_problem", pa.string()), pa.field("cur_report", pa.string())]
)


@dataclass(frozen=True)
class CurLoad:
    files: list[str]
    input_rows: int
    loaded_rows: int
    quarantined_rows: int
    periods: tuple[date, ...] = ()


def ensure_cur_table(con: duckdb.DuckDBPyConnection) -> None:
    """The raw table, with the report column added to a table created before it existed."""
    ensure_table(con, TABLE, RAW_SCHEMA)
    con.execute(f"alter table {TABLE} add column if not exists cur_report varchar")


def _periods_in_files(
    con: duckdb.DuckDBPyConnection, files: list[tuple[str, Path, str]], tag_mapping: TagMapping | None
) -> list[date]:
    """The billing periods the rows of manifest-less files belong to (the periods such a delivery replaces)."""
    periods: set[date] = set()
    for _, path, source in files:
        query = cur_file_query(con, path, source, tag_mapping=tag_mapping)
        periods.update(
            row[0]
            for row in con.execute(
                f"select distinct billing_period_start from ({query}) where problem is null"
            ).fetchall()
        )
    return sorted(periods)


def load_cur_delivery(
    con: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    files: list[tuple[str, Path, str]],
    *,
    tag_mapping: TagMapping | None = None,
) -> CurLoad:
    """Replace the delivery's report x billing period with its files (store key, local path, description);
    tags are normalized by `tag_mapping` (default: ingest/tag_mapping.toml)."""
    con.execute("set TimeZone = 'UTC'")
    ensure_cur_table(con)
    # the rows of a CSV file are numbered by their order in the table (number_csv_rows): keep the file's order
    with duckdb_settings(con, preserve_insertion_order=True):
        with transaction(con):
            periods, inserted = _replace_period_rows(con, delivery, files, tag_mapping)
        # numbered in a second transaction (see the module's docstring): numbering the rows in the transaction
        # that inserted them cost 4-7.6 s at commit on a 10M-line file, against ~0.5 s once they are committed
        with transaction(con):
            totals = [_settle_file(con, delivery, key, source, *inserted[source]) for key, _, source in files]
            if delivery.manifest_key is not None:  # a delivery rejected on an earlier night is now loaded
                replace_quarantine(con, SOURCE, delivery.manifest_key, [])
                con.execute(
                    f"delete from {LOAD_AUDIT_TABLE} where source = ? and load_scope = ?",
                    [SOURCE, delivery.manifest_key],
                )
    return CurLoad(
        [key for key, _, _ in files],
        sum(total[0] for total in totals),
        sum(total[1] for total in totals),
        sum(total[2] for total in totals),
        tuple(periods),
    )


def _replace_period_rows(
    con: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    files: list[tuple[str, Path, str]],
    tag_mapping: TagMapping | None,
) -> tuple[list[date], dict[str, tuple[int, list[Rejected]]]]:
    """In the caller's transaction: the report's billing periods emptied (and the rows a load interrupted
    between its transactions left behind), then every file inserted, its problem rows marked (rows outside
    the manifest's period among them), lines not yet numbered. Returns the periods and, per file, the rows
    inserted and the CSV lines DuckDB could not split into the header's columns."""
    if delivery.billing_period_start is not None:
        periods = [delivery.billing_period_start]
    else:
        periods = _periods_in_files(con, files, tag_mapping)
    for period in periods:
        con.execute(
            f"delete from {TABLE} where billing_period_start = ? and (cur_report = ? or cur_report is null)",
            [period, delivery.report],
        )
    # rows without a line or with a problem exist only between the two transactions of a load
    con.execute(
        f"delete from {TABLE} where cur_report = ? and (source_line is null or load_problem is not null)",
        [delivery.report],
    )
    problem = "problem"
    if delivery.billing_period_start is not None:
        manifest_period = f"cast({sql_literal(delivery.billing_period_start.isoformat())} as date)"
        problem = f"""coalesce(problem, case when billing_period_start <> {manifest_period}
            then 'billing period ' || cast(billing_period_start as varchar) || ' is not the manifest''s '
                || cast({manifest_period} as varchar) end)"""
    inserted: dict[str, tuple[int, list[Rejected]]] = {}
    for _, path, source in files:
        query = cur_file_query(con, path, source, delivery_id=delivery.delivery_id, tag_mapping=tag_mapping)
        clear_csv_rejects(con)
        try:
            (rows,) = con.execute(
                f"insert into {TABLE} by name select * exclude (problem), {problem} as load_problem,"
                f" cast(? as varchar) as cur_report from ({query})",
                [delivery.report],
            ).fetchone()
        except duckdb.Error as exc:  # e.g. a CSV that is not UTF-8: the delivery fails naming the file
            raise SourceFormatError(source, f"unreadable CUR file: {str(exc).splitlines()[0]}") from None
        inserted[source] = (rows, [Rejected(source, line, reason, raw) for line, reason, raw in csv_rejects(con)])
    return periods, inserted


def _settle_file(
    con: duckdb.DuckDBPyConnection, delivery: Delivery, key: str, source: str, inserted: int, cut_rows: list[Rejected]
) -> tuple[int, int, int]:
    """In the caller's transaction: one inserted file's rows get their lines, its problem rows move to the
    quarantine and its audit row is written. Returns (input, loaded, quarantined) rows."""
    (present,) = con.execute(
        f"select count(*) from {TABLE} where cur_report = ? and source_file = ?", [delivery.report, source]
    ).fetchone()
    if present != inserted:  # rows of this file from an earlier load: the lines and the counts would be wrong
        raise AssertionError(f"{source}: {present} rows in {TABLE} but {inserted} inserted")
    number_csv_rows(
        con,
        TABLE,
        "cur_report = ? and source_file = ?",
        [delivery.report, source],
        [row.line for row in cut_rows if row.line is not None],
    )
    bad = con.execute(
        f"select source_line, load_problem from {TABLE}"
        " where cur_report = ? and source_file = ? and load_problem is not null order by source_line",
        [delivery.report, source],
    ).fetchall()
    if bad:
        con.execute(
            f"delete from {TABLE} where cur_report = ? and source_file = ? and load_problem is not null",
            [delivery.report, source],
        )
    rejected = [Rejected(source, line, reason) for line, reason in bad] + cut_rows
    replace_quarantine(con, SOURCE, key, rejected)
    record_load(
        con,
        SOURCE,
        key,
        input_rows=inserted + len(cut_rows),
        loaded_rows=inserted - len(bad),
        quarantined_rows=len(rejected),
        detail=f"delivery {delivery.delivery_id} of report {delivery.report}",
    )
    return inserted + len(cut_rows), inserted - len(bad), len(rejected)


def record_rejected_delivery(con: duckdb.DuckDBPyConnection, rejected: RejectedDelivery) -> None:
    """A delivery that cannot be loaded replaces nothing; it is recorded as one quarantined input (scope: its
    manifest) so the audit and the quarantine say why that report's period was left as it was."""
    ensure_cur_table(con)
    with transaction(con):
        replace_quarantine(
            con,
            SOURCE,
            rejected.manifest_key,
            [Rejected(rejected.error.source, None, f"delivery not loaded, previous rows kept: {rejected.reason}")],
        )
        record_load(
            con,
            SOURCE,
            rejected.manifest_key,
            input_rows=1,
            loaded_rows=0,
            quarantined_rows=1,
            detail=f"rejected delivery of report {rejected.report}",
        )
