"""Azure OpenAI provisioned throughput: deployments, hourly metrics, and the PTU price card.

Reads recorded ARM / Azure Monitor responses from `landing/azure_openai/deployments/*.json` and
`landing/azure_openai/metrics/*.json` (a folder or S3) and replaces the tables whole on each run.
"""

import dagster as dg
import pyarrow as pa

from ingest.azure_openai_ptu import DEPLOYMENTS_SCHEMA, METRICS_SCHEMA, parse_deployments, parse_metrics
from pipelines.resources import LandingResource, WarehouseResource
from rate_cards.ptu_cards import load_ptu_cards
from warehouse.duckdb_store import replace_slice, transaction

DEPLOYMENTS = dg.AssetKey(["azure_openai", "deployments"])
METRICS = dg.AssetKey(["azure_openai", "metrics"])
PTU_PRICES = dg.AssetKey(["rate_cards", "ptu_prices"])
PTU_RESERVATIONS = dg.AssetKey(["rate_cards", "ptu_reservations"])


def _concat(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    return pa.concat_tables(tables) if tables else schema.empty_table()


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
def azure_openai_ptu(landing: LandingResource, warehouse: WarehouseResource):
    store = landing.store()
    deployments = _concat(
        [
            parse_deployments(store.read_bytes(k), store.describe(k))
            for k in store.list("azure_openai/deployments", pattern="*.json")
        ],
        DEPLOYMENTS_SCHEMA,
    )
    metrics = _concat(
        [
            parse_metrics(store.read_bytes(k), store.describe(k))
            for k in store.list("azure_openai/metrics", pattern="*.json")
        ],
        METRICS_SCHEMA,
    )
    cards = load_ptu_cards()
    with warehouse.connect() as con, transaction(con):
        replace_slice(con, "raw_azure_openai.deployments", deployments, "true")
        replace_slice(con, "raw_azure_openai.metrics", metrics, "true")
        replace_slice(con, "raw_rate_cards.ptu_prices", cards.prices, "true")
        replace_slice(con, "raw_rate_cards.ptu_reservations", cards.reservations, "true")
    yield dg.MaterializeResult(asset_key=DEPLOYMENTS, metadata={"rows": deployments.num_rows})
    yield dg.MaterializeResult(asset_key=METRICS, metadata={"rows": metrics.num_rows})
    yield dg.MaterializeResult(asset_key=PTU_PRICES, metadata={"rows": cards.prices.num_rows})
    yield dg.MaterializeResult(asset_key=PTU_RESERVATIONS, metadata={"rows": cards.reservations.num_rows})
