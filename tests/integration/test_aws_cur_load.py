"""AWS CUR through the Dagster asset: a CUR 2.0 export with its manifest in a real S3 endpoint (moto_server),
a restated period that keeps exactly the last delivery, and a crash mid-load that keeps the previous one."""

import json
import random
from decimal import Decimal
from pathlib import Path

import boto3
import dagster as dg
import duckdb
import pyarrow.parquet as pq
import pytest

from ingest.demo.aws_cur import generate
from ingest.demo.world import World
from pipelines.assets.aws_cur import aws_cur_line_items
from pipelines.resources import LandingResource, WarehouseResource
from tests.fixtures_s3 import moto_s3_endpoint  # noqa: F401

pytestmark = pytest.mark.integration
WORLD = World(days=3)


def _materialize(location: str, warehouse: Path, endpoint: str = "", raise_on_error: bool = True):
    return dg.materialize(
        [aws_cur_line_items],
        raise_on_error=raise_on_error,
        resources={
            "landing": LandingResource(location=location, s3_endpoint_url=endpoint),
            "warehouse": WarehouseResource(duckdb_path=str(warehouse)),
        },
    )


def _totals(warehouse: Path) -> tuple:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select count(*), sum(billed_cost), sum(effective_cost) from raw_aws_cur.line_items"
        ).fetchone()


def _parquet_total(path: Path) -> Decimal:
    table = pq.read_table(path)
    return sum((v for v in table.column("line_item_unblended_cost").to_pylist() if v is not None), Decimal(0))


def test_cur2_export_with_manifest_from_s3(tmp_path, moto_s3_endpoint):  # noqa: F811
    generate(tmp_path / "landing", WORLD, random.Random(3))
    s3 = boto3.client("s3", endpoint_url=moto_s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="cur-exports")
    files = [p for p in (tmp_path / "landing").rglob("*") if p.is_file()]
    for path in files:
        s3.put_object(
            Bucket="cur-exports",
            Key="finance/" + path.relative_to(tmp_path / "landing").as_posix(),
            Body=path.read_bytes(),
        )
    # a stray data file the manifest does not list must not be read
    s3.put_object(
        Bucket="cur-exports",
        Key="finance/aws_cur/demo-export/data/BILLING_PERIOD=2026-10/stray.parquet",
        Body=b"not parquet",
    )
    warehouse = tmp_path / "w.duckdb"
    assert _materialize("s3://cur-exports/finance", warehouse, moto_s3_endpoint).success
    (data_file,) = [p for p in files if p.suffix == ".parquet"]
    rows, billed, _ = _totals(warehouse)
    assert rows == pq.read_metadata(data_file).num_rows
    assert billed == _parquet_total(data_file).quantize(Decimal("0.000000001"))


def test_restated_period_keeps_only_the_last_delivery_and_survives_a_crash(tmp_path):
    landing = tmp_path / "landing"
    generate(landing, WORLD, random.Random(3))
    warehouse = tmp_path / "w.duckdb"
    assert _materialize(str(landing), warehouse).success
    first = _totals(warehouse)
    # AWS re-delivers the month to date with different numbers: only the new delivery remains
    generate(landing, World(days=2), random.Random(4))
    assert _materialize(str(landing), warehouse).success
    assert _materialize(str(landing), warehouse).success  # the same delivery again changes nothing
    second = _totals(warehouse)
    (data_file,) = landing.rglob("*.parquet")
    assert second[0] == pq.read_metadata(data_file).num_rows and second != first
    assert second[1] == _parquet_total(data_file).quantize(Decimal("0.000000001"))
    # a broken delivery (manifest points at a file that is not there) replaces nothing and fails a check
    manifest = next(landing.rglob("*-Manifest.json"))
    body = json.loads(manifest.read_text())
    body["dataFiles"] = ["s3://x/cur/demo-export/data/BILLING_PERIOD=2026-10/missing.parquet"]
    manifest.write_text(json.dumps(body))
    result = _materialize(str(landing), warehouse, raise_on_error=False)
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"row_balance": True, "deliveries_loaded": False}
    assert _totals(warehouse) == second
