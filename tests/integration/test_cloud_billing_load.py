"""Cloud billing loads through the real Dagster assets: restatement replaces, a crash mid-load leaves the
previous version, FOCUS files from S3 (moto_server), and the FOCUS 1.2 export round trip."""

from datetime import date
from decimal import Decimal

import boto3
import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.cloud_schema import CLOUD_COST_SCHEMA
from ingest.common import ParseResult
from pipelines.assets.cloud_billing import (
    azure_cost_details,
    focus_cost_rows,
    gcp_billing_export,
)
from pipelines.resources import LandingResource, WarehouseResource
from tests.cloud_billing_fixture import AZURE_HEADER, materialize_cloud_asset
from tests.fixtures_s3 import moto_s3_endpoint  # noqa: F401
from tests.showback_fixture import fct_costs_from_cloud_lines
from warehouse.billing_periods import load_deliveries
from warehouse.duckdb_store import connect
from warehouse.focus_export import export_focus

pytestmark = pytest.mark.integration


def _total(warehouse_path, table: str, column: str = "billed_cost") -> Decimal:
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        return con.execute(f"select coalesce(sum({column}), 0) from {table}").fetchone()[0]


def test_azure_restated_period_keeps_exactly_the_last_delivery(tmp_path):
    folder = tmp_path / "landing" / "azure" / "actual" / "20261001-20261031"
    folder.mkdir(parents=True)
    export = folder / "export.csv"
    export.write_text(AZURE_HEADER + "s1,10/1/2026,10.00,Usage,VM,10/1/2026,\ns1,10/2/2026,5.50,Usage,VM,10/1/2026,\n")
    september = tmp_path / "landing" / "azure" / "actual" / "20260901-20260930" / "export.csv"
    september.parent.mkdir(parents=True)
    september.write_text(AZURE_HEADER + "s1,9/30/2026,1.25,Usage,VM,9/1/2026,\n")
    warehouse = tmp_path / "w.duckdb"
    materialize_cloud_asset(azure_cost_details, tmp_path / "landing", warehouse)
    assert _total(warehouse, "raw_azure.cost_details") == Decimal("16.75")
    # the month is re-delivered with changed numbers (and one line fewer): October is replaced, September kept
    export.write_text(AZURE_HEADER + "s1,10/1/2026,11.00,Usage,VM,10/1/2026,\n")
    materialize_cloud_asset(azure_cost_details, tmp_path / "landing", warehouse)
    materialize_cloud_asset(azure_cost_details, tmp_path / "landing", warehouse)  # and again: nothing doubles
    assert _total(warehouse, "raw_azure.cost_details") == Decimal("12.25")


def test_gcp_restated_invoice_month_is_replaced(tmp_path):
    folder = tmp_path / "landing" / "gcp"
    folder.mkdir(parents=True)
    line = (
        '{{"billing_account_id": "B", "usage_start_time": "2026-10-0{day}T00:00:00Z", "cost": "{cost}", '
        '"credits": [{{"amount": "-1.00"}}], "invoice": {{"month": "202610"}}}}'
    )
    (folder / "export.jsonl").write_text(
        line.format(day=1, cost="4.00") + "\n" + line.format(day=2, cost="6.00") + "\n"
    )
    warehouse = tmp_path / "w.duckdb"
    materialize_cloud_asset(gcp_billing_export, tmp_path / "landing", warehouse)
    assert _total(warehouse, "raw_gcp.billing_export") == Decimal("8.00")  # 4 + 6 - 2 credits
    (folder / "export.jsonl").write_text(line.format(day=1, cost="3.00") + "\n")
    materialize_cloud_asset(gcp_billing_export, tmp_path / "landing", warehouse)
    assert _total(warehouse, "raw_gcp.billing_export") == Decimal("2.00")


def test_crash_mid_load_leaves_the_previous_version(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    row = {name: None for name in CLOUD_COST_SCHEMA.names}
    good = pa.Table.from_pylist(
        [
            {
                **row,
                "provider_name": "X",
                "billing_period_start": date(2026, 10, 1),
                "billed_cost": Decimal("7.00"),
            }
        ],
        schema=CLOUD_COST_SCHEMA,
    )
    with connect(warehouse) as con:
        load_deliveries(
            con,
            "raw_x.costs",
            [("a.csv", ParseResult(good, [], 1))],
            source="x",
            slice_columns=("billing_period_start",),
            schema=CLOUD_COST_SCHEMA,
        )
        # the second delivery of the same period fails after its delete ran: the insert meets a column the
        # table does not have, as a crash between delete and insert would leave it
        broken = good.append_column("unexpected_column", pa.array(["boom"]))
        with pytest.raises(duckdb.Error):
            load_deliveries(
                con,
                "raw_x.costs",
                [("a.csv", ParseResult(broken, [], 1))],
                source="x",
                slice_columns=("billing_period_start",),
                schema=CLOUD_COST_SCHEMA,
            )
    assert _total(warehouse, "raw_x.costs") == Decimal("7.00")


def test_focus_files_from_an_s3_bucket(tmp_path, moto_s3_endpoint):  # noqa: F811
    s3 = boto3.client("s3", endpoint_url=moto_s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="billing-exports")
    body = (
        "BillingAccountId,BillingCurrency,BillingPeriodStart,ChargePeriodStart,ChargeCategory,ProviderName,"
        "ServiceName,BilledCost,EffectiveCost,InvoiceId\n"
        "000111,USD,2026-10-01 00:00:00,2026-10-05 00:00:00,Usage,Oracle,GPU,120.50,100.00,INV-9\n"
        "000111,USD,2026-10-01 00:00:00,2026-10-06 00:00:00,Tax,Oracle,GPU,9.64,9.64,INV-9\n"
    )
    s3.put_object(Bucket="billing-exports", Key="prod/focus/oracle/2026-10.csv", Body=body.encode())
    warehouse = tmp_path / "w.duckdb"
    # the landing resource points at S3: same asset, same code path as a folder
    result = dg.materialize(
        [focus_cost_rows],
        resources={
            "landing": LandingResource(location="s3://billing-exports/prod", s3_endpoint_url=moto_s3_endpoint),
            "warehouse": WarehouseResource(duckdb_path=str(warehouse)),
        },
    )
    assert result.success
    assert _total(warehouse, "raw_focus.cost_rows") == Decimal("130.14")
    assert _total(warehouse, "raw_focus.cost_rows", "effective_cost") == Decimal("109.64")


def test_focus_export_round_trip(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        con.execute(
            "create table fct_cloud_costs as select * from (values ('id1', 'AWS', 'acct', 's1', null, date '2026-10-01',"
            " date '2026-11-01', '2026-10', timestamp '2026-10-02', timestamp '2026-10-03', 'Usage', null, 'x', 'Usage',"
            " 'EC2', 'Compute', 'i-1', null, 'us-east-1', 'sku', 1.5, 'Hours', cast(12.345678901 as decimal(38,9)),"
            " cast(10 as decimal(38,9)), cast(15 as decimal(38,9)), 'USD', '{}', 'search', null, 'prod', null, null,"
            " 'gpu_compute')) as t(cloud_cost_id, provider_name, billing_account_id, sub_account_id, sub_account_name,"
            " billing_period_start, billing_period_end, invoice_month, charge_period_start, charge_period_end,"
            " charge_category, charge_class, charge_description, line_item_type, service_name, service_category,"
            " resource_id, resource_name, region_id, sku_id, pricing_quantity, pricing_unit, billed_cost, effective_cost,"
            " list_cost, billing_currency, tags, team, feature, environment, tenant, cost_center, ai_workload)"
        )
        fct_costs_from_cloud_lines(con)
        export = export_focus(con, tmp_path / "focus")
    parquet = pq.read_table(export.parquet)
    assert parquet.column("BilledCost").to_pylist() == [Decimal("12.345678901")]
    assert "ProviderName" in parquet.column_names and "AllocatedMethodId" in parquet.column_names
    lines = export.csv.read_text().splitlines()
    header, row = lines[0].split(","), lines[1].split(",")
    assert row[header.index("BilledCost")] == "12.345678901"
    assert row[header.index("ChargePeriodStart")].startswith("2026-10-02T00:00:00")
