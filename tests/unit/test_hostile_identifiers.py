"""Column names and tag keys from files are data, never SQL: a header crafted to read a local file through
DuckDB must load as an ordinary (oddly named) tag, in every source, and the file's content must appear nowhere."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.aws_cur import Delivery, parse_cur_file
from ingest.azure_exports import parse_azure_export
from ingest.focus import parse_focus_file
from ingest.gcp_billing import parse_export_file
from warehouse.cur_load import TABLE, load_cur_delivery
from warehouse.duckdb_store import connect

SECRET = "sekret-value-that-must-never-load"


@pytest.fixture()
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def _hostile_names(secret_path) -> list[str]:
    """Identifiers that close a double-quoted name, a single-quoted string or a JSON path and read a file."""
    target = str(secret_path)
    return [
        f'resourceTags/user:z") || (select content from read_text($${target}$$)) || trim("resourceTags/user:team',
        f"resourceTags/user:q') || (select content from read_text('{target}')) || ('",
        f"resourceTags/user:j\"}}') || (select content from read_text($${target}$$)) --",
    ]


def _all_text(table: pa.Table) -> str:
    return json.dumps(table.to_pylist(), default=str)


def _cur_csv(path, names: list[str]) -> None:
    header = [
        "bill/BillingPeriodStartDate",
        "lineItem/UsageStartDate",
        "lineItem/LineItemType",
        "lineItem/UnblendedCost",
        "resourceTags/user:team",
        "resourceTags/user:z",
        *names,
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerow(["2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z", "Usage", "1.25", "ml", "z", *(["v"] * len(names))])
    path.write_text(buffer.getvalue())


@pytest.mark.parametrize("which", [0, 1, 2, None])
def test_cur_csv_header_cannot_run_sql(tmp_path, secret_file, which):
    names = _hostile_names(secret_file)
    names = names if which is None else [names[which]]
    path = tmp_path / "cur.csv"
    _cur_csv(path, names)
    result = parse_cur_file(path, str(path))
    assert result.rejected == [] and result.table.num_rows == 1
    assert SECRET not in _all_text(result.table)
    row = result.table.to_pylist()[0]
    assert row["team"] == "ml" and row["billed_cost"] == Decimal("1.25")
    tags = json.loads(row["tags"])
    assert {name.split("/", 1)[1] for name in names} <= set(tags)  # each hostile key kept, literally


def test_cur_parquet_column_and_tag_map_keys_cannot_run_sql(tmp_path, secret_file):
    names = _hostile_names(secret_file)
    table = pa.table(
        {
            "bill_billing_period_start_date": ["2026-10-01T00:00:00Z"],
            "line_item_usage_start_date": ["2026-10-02T00:00:00Z"],
            "line_item_line_item_type": ["Usage"],
            "line_item_unblended_cost": ["2.5"],
            "resource_tags": pa.array(
                [[(name, "v") for name in names] + [("user_team", "ml")]], pa.map_(pa.string(), pa.string())
            ),
            **{f"resource_tags_{name}": ["w"] for name in names},
        }
    )
    path = tmp_path / "cur.parquet"
    pq.write_table(table, path)
    result = parse_cur_file(path, str(path))
    assert result.rejected == [] and result.table.num_rows == 1
    assert SECRET not in _all_text(result.table)
    assert result.table.column("billed_cost").to_pylist() == [Decimal("2.5")]


def test_cur_warehouse_load_of_a_hostile_header_keeps_the_secret_out(tmp_path, secret_file):
    path = tmp_path / "cur.csv"
    _cur_csv(path, _hostile_names(secret_file))
    con = connect(tmp_path / "w.duckdb")
    delivery = Delivery("aws_cur/m.json", "assembly-1", ("aws_cur/cur.csv",), date(2026, 10, 1))
    load = load_cur_delivery(con, delivery, [("aws_cur/cur.csv", path, str(path))])
    assert (load.input_rows, load.loaded_rows) == (1, 1)
    rows = con.execute(f"select * from {TABLE}").fetchall()
    assert SECRET not in json.dumps(rows, default=str)
    con.close()


def test_azure_header_and_tag_keys_stay_data(secret_file):
    names = _hostile_names(secret_file)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["SubscriptionId", "Date", "CostInBillingCurrency", "BillingCurrency", "Tags", *names])
    tags = json.dumps({name: "v" for name in names} | {"team": "ml"})
    writer.writerow(["sub-1", "10/02/2026", "3.75", "USD", tags, *(["x"] * len(names))])
    result = parse_azure_export(buffer.getvalue().encode(), "azure/actual/oct.csv")
    assert result.rejected == [] and result.table.num_rows == 1
    assert SECRET not in _all_text(result.table)
    row = result.table.to_pylist()[0]
    assert row["team"] == "ml" and set(names) <= set(json.loads(row["tags"]))


def test_gcp_label_keys_stay_data(secret_file):
    names = _hostile_names(secret_file)
    record = {
        "billing_account_id": "A-1",
        "invoice": {"month": "202610"},
        "cost": 4.5,
        "currency": "USD",
        "usage_start_time": "2026-10-02T00:00:00Z",
        "usage_end_time": "2026-10-02T01:00:00Z",
        "labels": [{"key": name, "value": "v"} for name in names] + [{"key": "team", "value": "ml"}],
        **{name: "x" for name in names},
    }
    result = parse_export_file((json.dumps(record) + "\n").encode(), "gcp/export.jsonl")
    assert result.rejected == [] and result.table.num_rows == 1
    assert SECRET not in _all_text(result.table)
    row = result.table.to_pylist()[0]
    assert row["team"] == "ml" and set(names) <= set(json.loads(row["tags"]))


def test_focus_header_and_tag_keys_stay_data(secret_file):
    names = _hostile_names(secret_file)
    header = [
        "ProviderName",
        "BillingAccountId",
        "BillingPeriodStart",
        "BillingPeriodEnd",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "ChargeCategory",
        "BilledCost",
        "EffectiveCost",
        "BillingCurrency",
        "Tags",
        *names,
    ]
    tags = json.dumps({name: "v" for name in names} | {"team": "ml"})
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerow(
        [
            "AWS",
            "B-1",
            "2026-10-01T00:00:00Z",
            "2026-11-01T00:00:00Z",
            "2026-10-02T00:00:00Z",
            "2026-10-02T01:00:00Z",
            "Usage",
            "5.5",
            "5.5",
            "USD",
            tags,
            *(["x"] * len(names)),
        ]
    )
    result = parse_focus_file(buffer.getvalue().encode(), "focus/f.csv")
    assert result.rejected == [] and result.table.num_rows == 1
    assert SECRET not in _all_text(result.table)
    row = result.table.to_pylist()[0]
    assert row["team"] == "ml" and set(names) <= set(json.loads(row["tags"]))
