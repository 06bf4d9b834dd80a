"""Azure OpenAI provisioned throughput: deployments, hourly metrics, and the PTU price card.

Live: with `account_resource_id` set and an ARM bearer token in the environment variable the resource names
(read at run time, never stored or logged), deployments are listed and the last `lookback_hours` of hourly
metrics fetched, replacing that window only. Offline: recorded ARM / Azure Monitor responses in
`landing/azure_openai/deployments/*.json` and `landing/azure_openai/metrics/*.json` replace the tables whole.
A missing folder is no delivery: that table is left as it was (an existing empty folder empties it).
"""

import os
from datetime import UTC, datetime, timedelta

import dagster as dg
import pyarrow as pa

from ingest.azure_openai_ptu import (
    DEPLOYMENTS_SCHEMA,
    METRICS_SCHEMA,
    fetch_deployments,
    fetch_metrics,
    parse_deployments,
    parse_metrics,
)
from ingest.http_client import JsonApiClient
from pipelines.resources import LandingResource, WarehouseResource
from rate_cards.ptu_cards import load_ptu_cards
from warehouse.duckdb_store import ensure_table, replace_slice, transaction

DEPLOYMENTS = dg.AssetKey(["azure_openai", "deployments"])
METRICS = dg.AssetKey(["azure_openai", "metrics"])
PTU_PRICES = dg.AssetKey(["rate_cards", "ptu_prices"])
PTU_RESERVATIONS = dg.AssetKey(["rate_cards", "ptu_reservations"])


class AzureOpenAiResource(dg.ConfigurableResource):
    """Where PTU deployments and metrics come from: the ARM API when `account_resource_id` is set and the
    token variable is in the environment, else the landing folder."""

    account_resource_id: str = ""
    token_env_var: str = "AZURE_MANAGEMENT_TOKEN"
    base_url: str = "https://management.azure.com"
    lookback_hours: int = 48
    timeout_seconds: float = 30.0

    def client(self) -> JsonApiClient | None:
        token = os.environ.get(self.token_env_var)
        if not (self.account_resource_id and token):
            return None
        return JsonApiClient(
            self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout_seconds=self.timeout_seconds
        )


def _concat(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    return pa.concat_tables(tables) if tables else schema.empty_table()


def _landing_tables(context, store, folder: str, parse, schema: pa.Schema) -> pa.Table | None:
    """The recorded responses in `folder`, or None when the folder does not exist (no delivery)."""
    if not store.exists(folder):
        context.log.warning(f"no delivery: {store.describe(folder)} does not exist; its table is left as it was")
        return None
    return _concat(
        [parse(store.read_bytes(k), store.describe(k)) for k in store.list(folder, pattern="*.json")], schema
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            DEPLOYMENTS, group_name="azure_openai", description="Azure OpenAI deployments (PTUs = sku capacity)."
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
    metrics_where, metrics_params = "true", []
    deployments: pa.Table | None
    metrics: pa.Table | None
    if client is not None:
        end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        start = end - timedelta(hours=azure_openai.lookback_hours)
        deployments = fetch_deployments(client, azure_openai.account_resource_id)
        metrics = fetch_metrics(client, azure_openai.account_resource_id, start, end)
        metrics_where, metrics_params = "hour_start >= ? and hour_start < ?", [start, end]
    else:
        store = landing.store()
        deployments = _landing_tables(context, store, "azure_openai/deployments", parse_deployments, DEPLOYMENTS_SCHEMA)
        metrics = _landing_tables(context, store, "azure_openai/metrics", parse_metrics, METRICS_SCHEMA)
    cards = load_ptu_cards()
    with warehouse.connect() as con, transaction(con):
        for table, rows, schema, where, params in (
            ("raw_azure_openai.deployments", deployments, DEPLOYMENTS_SCHEMA, "true", []),
            ("raw_azure_openai.metrics", metrics, METRICS_SCHEMA, metrics_where, metrics_params),
        ):
            if rows is None:  # no delivery: keep the table, create it if it never existed
                ensure_table(con, table, schema)
            else:
                replace_slice(con, table, rows, where, params)
        replace_slice(con, "raw_rate_cards.ptu_prices", cards.prices, "true")
        replace_slice(con, "raw_rate_cards.ptu_reservations", cards.reservations, "true")
    for key, rows in ((DEPLOYMENTS, deployments), (METRICS, metrics)):
        yield dg.MaterializeResult(
            asset_key=key, metadata={"rows": rows.num_rows} if rows is not None else {"delivery": "none"}
        )
    yield dg.MaterializeResult(asset_key=PTU_PRICES, metadata={"rows": cards.prices.num_rows})
    yield dg.MaterializeResult(asset_key=PTU_RESERVATIONS, metadata={"rows": cards.reservations.num_rows})
