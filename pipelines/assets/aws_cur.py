"""AWS CUR (legacy and CUR 2.0 / Data Exports) from landing/aws_cur/ or an S3 bucket/prefix: every period
manifest found is a complete month-to-date delivery of one report, and that report's billing period is
replaced atomically with exactly the files the manifest lists. CUR data files that no manifest covers are
read as one delivery per folder (with a warning). A delivery that cannot be used (a listed file missing, a
manifest that is not JSON) replaces nothing, is quarantined with its reason and fails the
`deliveries_loaded` check; the other deliveries still load."""

import dagster as dg

from ingest.aws_cur import local_files, scan_deliveries
from pipelines.resources import LandingResource, WarehouseResource
from pipelines.unchanged import SourceStep
from warehouse.cur_load import SOURCE as CUR_SOURCE
from warehouse.cur_load import TABLE as CUR_TABLE
from warehouse.cur_load import ensure_cur_table, load_cur_delivery, record_rejected_delivery
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
        ),
        dg.AssetCheckSpec(
            "deliveries_loaded",
            asset=AWS_CUR,
            description="every delivery found was loaded (a rejected one kept its period's previous rows)",
        ),
    ],
    description="AWS Cost and Usage Report line items, one report x billing period per manifest, replaced atomically.",
)
def aws_cur_line_items(context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource):
    step = SourceStep(context, landing, warehouse, folders=["aws_cur"], tables=[CUR_TABLE], sources=[CUR_SOURCE])
    yield from step.run(lambda: _load_cur(context, landing, warehouse))


def _load_cur(
    context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    import tempfile
    from pathlib import Path

    store = landing.store()
    if not store.list("aws_cur"):
        context.log.info(f"no delivery: {store.describe('aws_cur')} is missing or empty; raw_aws_cur left as it was")
    scan = scan_deliveries(store)
    for warning in scan.warnings:
        context.log.warning(warning)
    for rejected in scan.rejected:
        context.log.error(f"delivery not loaded, previous rows kept: {rejected.reason}")
    loads = []
    with tempfile.TemporaryDirectory(prefix="finops-cur-") as scratch, warehouse.connect() as con:
        for delivery in scan.deliveries:
            files = [(key, path, store.describe(key)) for key, path in local_files(store, delivery, Path(scratch))]
            loads.append(load_cur_delivery(con, delivery, files, tag_mapping=landing.tag_mapping()))
        for rejected in scan.rejected:
            record_rejected_delivery(con, rejected)
        ensure_cur_table(con)  # no delivery at all still leaves a (possibly empty) table to read
        keys = [key for load in loads for key in load.files] + [rejected.manifest_key for rejected in scan.rejected]
        balance = load_balance(con, "aws_cur", keys)
    return dg.MaterializeResult(
        metadata={
            "periods_replaced": sum(len(load.periods) for load in loads),
            "deliveries_rejected": len(scan.rejected),
            "deliveries_without_manifest": sum(1 for delivery in scan.deliveries if delivery.manifest_key is None),
            "files": sum(len(load.files) for load in loads),
            "input_rows": sum(load.input_rows for load in loads),
            "loaded_rows": sum(load.loaded_rows for load in loads),
            "quarantined_rows": sum(load.quarantined_rows for load in loads),
            "warnings": "; ".join(scan.warnings)[:2000],
        },
        check_results=[
            dg.AssetCheckResult(check_name="row_balance", passed=all(row[5] for row in balance)),
            dg.AssetCheckResult(
                check_name="deliveries_loaded",
                passed=not scan.rejected,
                metadata={"rejected": "; ".join(rejected.reason for rejected in scan.rejected)[:2000]},
            ),
        ],
    )
