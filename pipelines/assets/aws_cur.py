"""AWS CUR (legacy and CUR 2.0 / Data Exports) from landing/aws_cur/ or an S3 bucket/prefix: every period
manifest found is a complete month-to-date delivery, and the billing period is replaced atomically with
exactly the files the manifest lists."""

import dagster as dg

from ingest.aws_cur import find_deliveries, parse_delivery
from ingest.cloud_schema import CLOUD_COST_SCHEMA
from pipelines.resources import LandingResource, WarehouseResource
from warehouse.billing_periods import load_deliveries
from warehouse.duckdb_store import load_balance

AWS_CUR = dg.AssetKey(["aws_cur", "line_items"])


@dg.asset(
    key=AWS_CUR,
    group_name="cloud_billing",
    check_specs=[
        dg.AssetCheckSpec(
            "row_balance",
            asset=AWS_CUR,
            blocking=True,
            description="input rows = loaded + quarantined, per delivered file",
        )
    ],
    description="AWS Cost and Usage Report line items, one billing period per manifest, replaced atomically.",
)
def aws_cur_line_items(landing: LandingResource, warehouse: WarehouseResource):
    store = landing.store()
    deliveries = [parsed for delivery in find_deliveries(store) for parsed in parse_delivery(store, delivery)]
    with warehouse.connect() as con:
        load = load_deliveries(
            con,
            "raw_aws_cur.line_items",
            deliveries,
            source="aws_cur",
            slice_columns=("billing_period_start",),
            schema=CLOUD_COST_SCHEMA,
        )
        balance = load_balance(con, "aws_cur", [key for key, _ in deliveries])
    return dg.MaterializeResult(
        metadata={
            "files": len(deliveries),
            "input_rows": load.input_rows,
            "loaded_rows": load.loaded_rows,
            "quarantined_rows": load.quarantined_rows,
            "periods_replaced": len(load.slices),
        },
        check_results=[dg.AssetCheckResult(check_name="row_balance", passed=all(row[5] for row in balance))],
    )
