"""Azure OpenAI PTU deliveries into the warehouse: deployment snapshots are added (history never moves),
metrics replace the window and deployments their delivery covers, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from ingest.azure_openai_ptu import (
    DEPLOYMENTS_SCHEMA,
    METRICS_SCHEMA,
    SNAPSHOTS_SCHEMA,
    DeploymentSnapshot,
    MetricsDelivery,
)
from ingest.common import EARLIEST_TIMESTAMP
from warehouse.duckdb_store import ensure_table, replace_slice

DEPLOYMENTS_TABLE = "raw_azure_openai.deployments"
SNAPSHOTS_TABLE = "raw_azure_openai.deployment_snapshots"
METRICS_TABLE = "raw_azure_openai.metrics"


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The raw tables exist even before the first delivery: dbt reads them."""
    for table, schema in (
        (DEPLOYMENTS_TABLE, DEPLOYMENTS_SCHEMA),
        (SNAPSHOTS_TABLE, SNAPSHOTS_SCHEMA),
        (METRICS_TABLE, METRICS_SCHEMA),
    ):
        ensure_table(con, table, schema)


def store_snapshot(con: duckdb.DuckDBPyConnection, snapshot: DeploymentSnapshot) -> None:
    """Add one snapshot (re-loading the same file at the same time replaces it: idempotent); earlier
    snapshots are kept, so the validity periods derived from them never move."""
    key, params = "source = ? and snapshot_at = ?", [snapshot.source, snapshot.taken_at]
    replace_slice(con, DEPLOYMENTS_TABLE, snapshot.rows, key, params)
    marker = pa.Table.from_pylist(
        [{"snapshot_at": snapshot.taken_at, "source": snapshot.source, "deployments": snapshot.rows.num_rows}],
        schema=SNAPSHOTS_SCHEMA,
    )
    replace_slice(con, SNAPSHOTS_TABLE, marker, key, params)


def store_metrics(con: duckdb.DuckDBPyConnection, delivery: MetricsDelivery) -> None:
    """Replace the delivery's window for the deployments it names, nothing else."""
    coverage = delivery.coverage
    ensure_table(con, METRICS_TABLE, METRICS_SCHEMA)
    if coverage.start is not None and coverage.deployments is None:
        con.execute(
            f"delete from {METRICS_TABLE} where hour_start >= ? and hour_start < ?", [coverage.start, coverage.end]
        )
    elif coverage.start is not None:
        named = sorted(name for name in coverage.deployments if name is not None)
        con.execute(
            f"delete from {METRICS_TABLE} where hour_start >= ? and hour_start < ?"
            " and (list_contains(cast(? as varchar[]), deployment) or (deployment is null and ?))",
            [coverage.start, coverage.end, named, None in coverage.deployments],
        )
    replace_slice(con, METRICS_TABLE, delivery.rows, "false")


def migrate_unversioned(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse from before snapshots were kept holds one undated deployment list: keep it as the oldest
    snapshot (at the earliest accepted time), so it still prices the hours before the first dated one."""
    columns = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'raw_azure_openai' and table_name = 'deployments'"
        ).fetchall()
    }
    if not columns or "snapshot_at" in columns:
        return
    oldest = datetime(EARLIEST_TIMESTAMP.year, 1, 1, tzinfo=UTC)
    con.execute(f"alter table {DEPLOYMENTS_TABLE} add column snapshot_at timestamptz")
    con.execute(f"update {DEPLOYMENTS_TABLE} set snapshot_at = ?", [oldest])
    ensure_table(con, SNAPSHOTS_TABLE, SNAPSHOTS_SCHEMA)
    con.execute(
        f"insert into {SNAPSHOTS_TABLE} select ?, 'unversioned deployments table', count(*) from {DEPLOYMENTS_TABLE}",
        [oldest],
    )
