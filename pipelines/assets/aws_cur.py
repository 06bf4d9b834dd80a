"""AWS CUR (legacy and CUR 2.0 / Data Exports) from landing/aws_cur/ or an S3 bucket/prefix: every period
manifest found is a complete month-to-date delivery, and the billing period is replaced atomically with
exactly the files the manifest lists."""

import dagster as dg

from ingest.aws_cur import find_deliveries, local_files
from pipelines.resources import LandingResource, WarehouseResource
from warehouse.cur_load import RAW_SCHEMA, TABLE, load_cur_delivery
from warehouse.duckdb_store import ensure_table, load_balance

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
    import tempfile
    from pathlib import Path

    store = landing.store()
    deliveries = find_deliveries(store)
    loads = []
    with tempfile.TemporaryDirectory(prefix="finops-cur-") as scratch, warehouse.connect() as con:
        for delivery in deliveries:
            files = [(key, path, store.describe(key)) for key, path in local_files(store, delivery, Path(scratch))]
            loads.append(load_cur_delivery(con, delivery, files))
        if not deliveries:
            ensure_table(con, TABLE, RAW_SCHEMA)  # an empty landing folder still leaves a (empty) table to read
        keys = [key for load in loads for key in load.files]
        balance = load_balance(con, "aws_cur", keys)
    return dg.MaterializeResult(
        metadata={
            "periods_replaced": len(deliveries),
            "files": len(keys),
            "input_rows": sum(load.input_rows for load in loads),
            "loaded_rows": sum(load.loaded_rows for load in loads),
            "quarantined_rows": sum(load.quarantined_rows for load in loads),
        },
        check_results=[dg.AssetCheckResult(check_name="row_balance", passed=all(row[5] for row in balance))],
    )
