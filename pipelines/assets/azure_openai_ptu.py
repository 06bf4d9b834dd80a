"""Azure OpenAI provisioned throughput: deployments, hourly metrics, and the PTU price card.

Live: with `account_resource_id` set and an ARM bearer token in the environment variable the resource names
(read at run time, never stored or logged), deployments are listed (one snapshot, timed now) and the last
`lookback_hours` of hourly metrics fetched, replacing that window only. Offline: recorded ARM / Azure Monitor
responses in `landing/azure_openai/deployments/*.json` (one file = one complete snapshot, timed by its
`snapshot_at` field, else its modification time) and `landing/azure_openai/metrics/*.json` (each replaces the
window it covers, for the deployments it names).

History never moves: every snapshot is kept (`raw_azure_openai.deployments` one row per deployment per
snapshot, `raw_azure_openai.deployment_snapshots` one row per snapshot, empty ones included) and dbt derives
each deployment's validity periods from them; metrics hours outside a delivery's window are never deleted.
A missing folder, or an empty one, delivers nothing: the tables are left as they were.
"""

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg
import pyarrow as pa

from ingest.azure_openai_ptu import (
    DEPLOYMENTS_SCHEMA,
    METRICS_SCHEMA,
    SNAPSHOTS_SCHEMA,
    MetricsCoverage,
    fetch_deployments,
    fetch_metrics,
    metrics_coverage,
    parse_deployments,
    parse_metrics,
    snapshot_at,
)
from ingest.common import EARLIEST_TIMESTAMP
from ingest.http_client import JsonApiClient
from pipelines.resources import LandingResource, WarehouseResource
from pipelines.settings import Settings
from rate_cards.ptu_cards import load_ptu_cards
from warehouse.duckdb_store import ensure_table, replace_slice, transaction

DEPLOYMENTS = dg.AssetKey(["azure_openai", "deployments"])
SNAPSHOTS = dg.AssetKey(["azure_openai", "deployment_snapshots"])
METRICS = dg.AssetKey(["azure_openai", "metrics"])
PTU_PRICES = dg.AssetKey(["rate_cards", "ptu_prices"])
PTU_RESERVATIONS = dg.AssetKey(["rate_cards", "ptu_reservations"])
DEPLOYMENTS_TABLE = "raw_azure_openai.deployments"
SNAPSHOTS_TABLE = "raw_azure_openai.deployment_snapshots"
METRICS_TABLE = "raw_azure_openai.metrics"


class AzureOpenAiResource(dg.ConfigurableResource):
    """Where PTU deployments and metrics come from: the ARM API when `account_resource_id` is set and the
    token variable is in the environment, else the landing folder."""

    account_resource_id: str = ""  # empty = [sources.azure_openai] account_resource_id in finops.toml
    token_env_var: str = ""  # empty = [sources.azure_openai] token_env, else AZURE_MANAGEMENT_TOKEN
    base_url: str = "https://management.azure.com"
    lookback_hours: int = 48
    timeout_seconds: float = 30.0
    config_file: str = ""  # finops.toml to fall back on (empty: FINOPS_CONFIG or ./finops.toml)

    def account(self) -> str:
        return self.account_resource_id or self._settings().azure_openai_account_resource_id

    def token_env(self) -> str:
        return self.token_env_var or self._settings().azure_openai_token_env

    def _settings(self) -> Settings:
        return Settings.resolve(config_file=self.config_file or None)

    def client(self) -> JsonApiClient | None:
        token = os.environ.get(self.token_env())  # the secret, read when the run needs it, never stored
        if not (self.account() and token):
            return None
        return JsonApiClient(
            self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout_seconds=self.timeout_seconds
        )


@dataclass(frozen=True)
class DeploymentSnapshot:
    taken_at: datetime
    source: str
    rows: pa.Table


@dataclass(frozen=True)
class MetricsDelivery:
    source: str
    rows: pa.Table
    coverage: MetricsCoverage


def _landing_snapshots(store, folder: str) -> list[DeploymentSnapshot]:
    """One snapshot per file, timed by its own `snapshot_at`, else its modification time (S3 LastModified)."""
    snapshots = []
    for key in store.list(folder, pattern="*.json"):
        content, source = store.read_bytes(key), store.describe(key)
        taken_at = snapshot_at(content, source) or store.modified_at(key).replace(tzinfo=UTC)
        snapshots.append(DeploymentSnapshot(taken_at, source, parse_deployments(content, source, taken_at)))
    return snapshots


def _landing_metrics(store, folder: str) -> list[MetricsDelivery]:
    """Each file with the window it covers, oldest delivery first so a newer fetch of the same hours wins."""
    deliveries = []
    for key in sorted(store.list(folder, pattern="*.json"), key=lambda k: (store.modified_at(k), k)):
        content, source = store.read_bytes(key), store.describe(key)
        rows = parse_metrics(content, source)
        deliveries.append(MetricsDelivery(source, rows, metrics_coverage(content, source, rows)))
    return deliveries


def _store_snapshot(con, snapshot: DeploymentSnapshot) -> None:
    """Add one snapshot (re-loading the same file at the same time replaces it: idempotent); earlier
    snapshots are kept, so the validity periods derived from them never move."""
    key, params = "source = ? and snapshot_at = ?", [snapshot.source, snapshot.taken_at]
    replace_slice(con, DEPLOYMENTS_TABLE, snapshot.rows, key, params)
    marker = pa.Table.from_pylist(
        [{"snapshot_at": snapshot.taken_at, "source": snapshot.source, "deployments": snapshot.rows.num_rows}],
        schema=SNAPSHOTS_SCHEMA,
    )
    replace_slice(con, SNAPSHOTS_TABLE, marker, key, params)


def _store_metrics(con, delivery: MetricsDelivery) -> None:
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


def _migrate_unversioned(con) -> None:
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


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            DEPLOYMENTS,
            group_name="azure_openai",
            description="Azure OpenAI deployments, every snapshot kept (PTUs = sku capacity).",
        ),
        dg.AssetSpec(
            SNAPSHOTS,
            group_name="azure_openai",
            description="One row per deployments snapshot kept (time, file or API call, deployment count).",
        ),
        dg.AssetSpec(
            METRICS, group_name="azure_openai", description="Hourly utilization and token metrics per deployment."
        ),
        dg.AssetSpec(PTU_PRICES, group_name="rate_cards", description="PTU prices from rate_cards/ptu/*.toml."),
        dg.AssetSpec(PTU_RESERVATIONS, group_name="rate_cards", description="Deployments covered by PTU reservations."),
    ]
)
def azure_openai_ptu(
    context: dg.AssetExecutionContext,
    landing: LandingResource,
    warehouse: WarehouseResource,
    azure_openai: AzureOpenAiResource,
):
    client = azure_openai.client()
    snapshots: list[DeploymentSnapshot] | None
    metrics: list[MetricsDelivery] | None
    if client is not None:
        taken_at = datetime.now(UTC)
        end = taken_at.replace(minute=0, second=0, microsecond=0)
        start = end - timedelta(hours=azure_openai.lookback_hours)
        account = azure_openai.account()
        snapshots = [
            DeploymentSnapshot(taken_at, f"arm:{account}/deployments", fetch_deployments(client, account, taken_at))
        ]
        rows = fetch_metrics(client, account, start, end)
        # the fetch is account-wide: it speaks for every deployment in its window
        metrics = [MetricsDelivery(f"monitor:{account}", rows, MetricsCoverage(start, end, None))]
    else:
        store = landing.store()
        snapshots = metrics = None
        for folder in ("azure_openai/deployments", "azure_openai/metrics"):
            if not store.exists(folder):
                context.log.warning(
                    f"no delivery: {store.describe(folder)} does not exist; its table is left as it was"
                )
        if store.exists("azure_openai/deployments"):
            snapshots = _landing_snapshots(store, "azure_openai/deployments")
        if store.exists("azure_openai/metrics"):
            metrics = _landing_metrics(store, "azure_openai/metrics")
    cards = load_ptu_cards(warehouse.settings.rate_cards_dir / "ptu")
    with warehouse.connect() as con, transaction(con):
        _migrate_unversioned(con)
        for table, schema in (
            (DEPLOYMENTS_TABLE, DEPLOYMENTS_SCHEMA),
            (SNAPSHOTS_TABLE, SNAPSHOTS_SCHEMA),
            (METRICS_TABLE, METRICS_SCHEMA),
        ):
            ensure_table(con, table, schema)  # dbt reads them even before the first delivery
        for snapshot in snapshots or []:
            _store_snapshot(con, snapshot)
        for delivery in metrics or []:
            _store_metrics(con, delivery)
        for table, rows in (
            ("raw_rate_cards.ptu_prices", cards.prices),
            ("raw_rate_cards.ptu_reservations", cards.reservations),
        ):
            # the card is the whole truth: recreate the table so a new card column (reservation dates) fits
            con.execute(f"drop table if exists {table}")
            replace_slice(con, table, rows, "true")
    yield dg.MaterializeResult(
        asset_key=DEPLOYMENTS,
        metadata={"delivery": "none"}
        if snapshots is None
        else {"snapshots": len(snapshots), "rows": sum(snapshot.rows.num_rows for snapshot in snapshots)},
    )
    yield dg.MaterializeResult(
        asset_key=SNAPSHOTS,
        metadata={"delivery": "none"} if snapshots is None else {"snapshots": len(snapshots)},
    )
    yield dg.MaterializeResult(
        asset_key=METRICS,
        metadata={"delivery": "none"}
        if metrics is None
        else {"files": len(metrics), "rows": sum(delivery.rows.num_rows for delivery in metrics)},
    )
    yield dg.MaterializeResult(asset_key=PTU_PRICES, metadata={"rows": cards.prices.num_rows})
    yield dg.MaterializeResult(asset_key=PTU_RESERVATIONS, metadata={"rows": cards.reservations.num_rows})
