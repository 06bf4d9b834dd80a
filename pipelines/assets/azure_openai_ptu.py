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

import dagster as dg

from ingest.azure_openai_ptu import api_deliveries, landing_deliveries
from ingest.http_client import JsonApiClient
from pipelines.resources import LandingResource, RateCardsResource, WarehouseResource
from pipelines.settings import Settings
from warehouse.azure_openai_load import ensure_tables, migrate_unversioned, store_metrics, store_snapshot
from warehouse.duckdb_store import transaction
from warehouse.rate_card_load import load_ptu_rate_cards

DEPLOYMENTS = dg.AssetKey(["azure_openai", "deployments"])
SNAPSHOTS = dg.AssetKey(["azure_openai", "deployment_snapshots"])
METRICS = dg.AssetKey(["azure_openai", "metrics"])
PTU_PRICES = dg.AssetKey(["rate_cards", "ptu_prices"])
PTU_RESERVATIONS = dg.AssetKey(["rate_cards", "ptu_reservations"])


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
    rate_cards: RateCardsResource,
):
    client = azure_openai.client()
    if client is not None:
        snapshots, metrics = api_deliveries(client, azure_openai.account(), azure_openai.lookback_hours)
    else:
        snapshots, metrics = landing_deliveries(landing.store(), "azure_openai", warn=context.log.warning)
    cards = rate_cards.ptu(default_dir=warehouse.settings.rate_cards_dir / "ptu")
    with warehouse.connect() as con, transaction(con):
        migrate_unversioned(con)
        ensure_tables(con)
        for snapshot in snapshots or []:
            store_snapshot(con, snapshot)
        for delivery in metrics or []:
            store_metrics(con, delivery)
        load_ptu_rate_cards(con, cards)
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
