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


def test_every_row_of_a_large_gzip_csv_keeps_its_line_under_a_parallel_load(tmp_path):
    """Lines are numbered from the order of the inserted rows, not by a window over the scan: on a file of many
    row groups read by several threads, with a cut row in the middle, each row still carries its own line (its
    resource id names the line it was written on) and the bad rows are quarantined at theirs."""
    import gzip
    from datetime import date

    from ingest.aws_cur import Delivery
    from warehouse.cur_load import TABLE, load_cur_delivery
    from warehouse.duckdb_store import QUARANTINE_TABLE, connect

    data_lines = 300_000
    cut_line, bad_line = 150_001, 290_000
    header = "bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/LineItemType,lineItem/ResourceId,lineItem/UnblendedCost"
    lines = [header]
    for line in range(2, data_lines + 2):
        if line == cut_line:
            lines.append("2026-10-01T00:00:00Z,2026-10-01T00:00:00Z")
        else:
            cost = "n/a" if line == bad_line else f"{line % 1000}.25"
            lines.append(f"2026-10-01T00:00:00Z,2026-10-01T00:00:00Z,Usage,r{line},{cost}")
    path = tmp_path / "big.csv.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=1))
    expected_cost = sum(
        (Decimal(f"{line % 1000}.25") for line in range(2, data_lines + 2) if line not in (cut_line, bad_line)),
        Decimal(0),
    )

    con = connect(tmp_path / "w.duckdb", threads=4)
    delivery = Delivery("aws_cur/m.json", "assembly-1", ("aws_cur/big.csv.gz",), date(2026, 10, 1))
    # the second load deletes the first one's rows before it inserts: its lines must not shift with them
    for _ in range(2):
        load = load_cur_delivery(con, delivery, [("aws_cur/big.csv.gz", path, str(path))])
        assert (load.input_rows, load.loaded_rows, load.quarantined_rows) == (data_lines, data_lines - 2, 2)
        count, misplaced, first, last, total = con.execute(
            f"select count(*), count(*) filter (where resource_id <> 'r' || cast(source_line as varchar)),"
            f" min(source_line), max(source_line), sum(billed_cost) from {TABLE}"
        ).fetchone()
        assert (count, misplaced, first, last, total) == (data_lines - 2, 0, 2, data_lines + 1, expected_cost)
        quarantined = con.execute(
            f"select line, reason from {QUARANTINE_TABLE} where source = 'aws_cur' order by line"
        ).fetchall()
        assert [(line, reason.split(":")[0].split(" (")[0]) for line, reason in quarantined] == [
            (cut_line, "CSV line is not a complete row of the header's columns"),
            (bad_line, "lineItem/UnblendedCost is not a number"),
        ]
    con.close()


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_a_load_interrupted_between_its_transactions_is_undone_by_the_next(tmp_path, file_format):
    """The rows of a delivery commit before their lines are numbered and their problem rows are quarantined
    (warehouse/cur_load.py). A crash between the two leaves CSV rows without a line and problem rows in the
    table: one without a billing period and one outside the manifest's period, which the period's delete
    cannot reach. The next load of the report removes them."""
    from datetime import date

    import pyarrow as pa

    from ingest.aws_cur import Delivery
    from warehouse.cur_load import TABLE, _replace_period_rows, ensure_cur_table, load_cur_delivery
    from warehouse.duckdb_store import QUARANTINE_TABLE, connect, transaction

    header = [
        "bill/BillingPeriodStartDate",
        "lineItem/UsageStartDate",
        "lineItem/LineItemType",
        "lineItem/UnblendedCost",
    ]
    rows = [
        ["2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z", "Usage", "1.50"],
        ["not a date", "2026-10-02T00:00:00Z", "Usage", "2.25"],
        ["2026-09-01T00:00:00Z", "2026-09-03T00:00:00Z", "Usage", "7.00"],
        ["2026-10-01T00:00:00Z", "2026-10-03T00:00:00Z", "Usage", "4.00"],
    ]
    path = tmp_path / f"cur.{file_format}"
    if file_format == "csv":
        path.write_text("\n".join(",".join(row) for row in [header, *rows]) + "\n")
    else:
        pq.write_table(pa.table({name: [row[i] for row in rows] for i, name in enumerate(header)}), path)
    key = f"aws_cur/{path.name}"
    delivery = Delivery("aws_cur/m.json", "assembly-1", (key,), date(2026, 10, 1))
    files = [(key, path, str(path))]
    con = connect(tmp_path / "w.duckdb")
    con.execute("set TimeZone = 'UTC'")
    ensure_cur_table(con)
    with transaction(con):  # the first transaction of a load, then the crash
        _replace_period_rows(con, delivery, files, None)
    assert con.execute(f"select count(*), count(load_problem) from {TABLE}").fetchone() == (4, 2)

    load = load_cur_delivery(con, delivery, files)
    assert (load.input_rows, load.loaded_rows, load.quarantined_rows) == (4, 2, 2)
    first_line = 2 if file_format == "csv" else 1
    loaded = con.execute(f"select source_line, billed_cost, load_problem from {TABLE} order by source_line").fetchall()
    assert loaded == [(first_line, Decimal("1.500000000"), None), (first_line + 3, Decimal("4.000000000"), None)]
    reasons = con.execute(
        f"select line, reason from {QUARANTINE_TABLE} where source = 'aws_cur' order by line"
    ).fetchall()
    assert reasons == [
        (first_line + 1, "bill/BillingPeriodStartDate is not a timestamp"),
        (first_line + 2, "billing period 2026-09-01 is not the manifest's 2026-10-01"),
    ]
    con.close()
