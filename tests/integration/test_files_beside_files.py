"""Files beside files (issue 8, item 8): a billing period re-delivered as a new file next to the old one is
replaced by the newest delivery, never summed; the numbered parts of one export run still load together.
Real Dagster assets into a temporary DuckDB; totals added up by hand from the lines written here."""

import json
import os
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.assets.cloud_billing import (
    azure_cost_details,
    focus_cost_rows,
    gcp_billing_export,
)
from tests.cloud_billing_fixture import AZURE_HEADER, materialize_cloud_asset

pytestmark = pytest.mark.integration
FOCUS_HEADER = (
    "BillingAccountId,BillingCurrency,BillingPeriodStart,ChargePeriodStart,ChargeCategory,ProviderName,"
    "ServiceName,BilledCost\n"
)


def _write(path: Path, text: str, day: int) -> None:
    """Write a file whose modification time is 2026-11-<day> (the order deliveries arrived in)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    stamp = (datetime(2026, 11, day) - datetime(1970, 1, 1)).total_seconds()
    os.utime(path, (stamp, stamp))


def _materialize(asset, landing: Path, warehouse: Path):
    result = materialize_cloud_asset(asset, landing, warehouse)
    assert all(evaluation.passed for evaluation in result.get_asset_check_evaluations())
    return result


def _totals(warehouse: Path, table: str, group: str) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(con.execute(f"select {group}, sum(billed_cost) from {table} group by all").fetchall())


def test_azure_flat_folder_keeps_the_newest_file_of_a_period_and_all_parts_of_a_run(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    flat = landing / "azure" / "subscription-exports"
    _write(
        flat / "export_20261105.csv",
        AZURE_HEADER + "s1,10/1/2026,10.00,Usage,VM,10/1/2026,\ns1,10/2/2026,5.50,Usage,VM,10/1/2026,\n",
        day=5,
    )
    _write(flat / "export_20261106.csv", AZURE_HEADER + "s1,10/1/2026,11.00,Usage,VM,10/1/2026,\n", day=6)
    _write(flat / "export_september.csv", AZURE_HEADER + "s1,9/30/2026,1.25,Usage,VM,9/1/2026,\n", day=1)
    # another subscription in the same folder is another account: never superseded by s1's files
    _write(flat / "export_s2.csv", AZURE_HEADER + "s2,10/3/2026,2.00,Usage,VM,10/1/2026,\n", day=2)
    run = landing / "azure" / "actual" / "20261001-20261031" / "run-1"
    _write(run / "part_0_0001.csv", AZURE_HEADER + "s3,10/1/2026,3.00,Usage,VM,10/1/2026,\n", day=7)
    _write(run / "part_0_0002.csv", AZURE_HEADER + "s3,10/2/2026,4.00,Usage,VM,10/1/2026,\n", day=7)
    results = []
    for _ in range(2):  # a re-run gives the same rows (the second finds nothing changed and keeps them)
        results.append(_materialize(azure_cost_details, landing, warehouse))
        assert _totals(warehouse, "raw_azure.cost_details", "sub_account_id || ' ' || invoice_month") == {
            "s1 2026-10": Decimal("11.00"),  # the 6 Nov delivery, not 10 + 5.50 + 11
            "s1 2026-09": Decimal("1.25"),
            "s2 2026-10": Decimal("2.00"),
            "s3 2026-10": Decimal("7.00"),  # both parts of the run
        }
    (materialization,) = results[0].get_asset_materialization_events()
    assert "export_20261105.csv (by " in materialization.materialization.metadata["superseded_files"].value


def test_gcp_invoice_month_redelivered_beside_the_old_file_keeps_the_newest_export(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"

    def line(account: str, cost: str, export_time: str) -> str:
        return json.dumps(
            {
                "billing_account_id": account,
                "usage_start_time": "2026-10-02T00:00:00Z",
                "cost": cost,
                "credits": [{"amount": "-1.00"}],
                "invoice": {"month": "202610"},
                "export_time": export_time,
            }
        )

    folder = landing / "gcp"
    # the newer export has the older file time (copied later from a backup): export_time decides
    _write(
        folder / "billing-a.jsonl",
        line("A", "4.00", "2026-11-05T00:00:00Z") + "\n" + line("A", "6.00", "2026-11-05T00:00:00Z") + "\n",
        day=9,
    )
    _write(folder / "billing-a-restated.jsonl", line("A", "3.00", "2026-11-06T00:00:00Z") + "\n", day=8)
    _write(folder / "billing-b.jsonl", line("B", "5.00", "2026-11-01T00:00:00Z") + "\n", day=1)
    _materialize(gcp_billing_export, landing, warehouse)
    assert _totals(warehouse, "raw_gcp.billing_export", "billing_account_id") == {
        "A": Decimal("2.00"),  # 3 - 1 credit, not (4 - 1) + (6 - 1) + (3 - 1)
        "B": Decimal("4.00"),
    }


def test_focus_period_redelivered_beside_the_old_file_keeps_the_newest(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"

    def row(provider: str, period: str, cost: str) -> str:
        return f"000111,USD,{period}-01 00:00:00,{period}-05 00:00:00,Usage,{provider},GPU,{cost}\n"

    folder = landing / "focus"
    _write(folder / "oracle" / "2026-10.csv", FOCUS_HEADER + row("Oracle", "2026-10", "120.50"), day=3)
    _write(folder / "oracle" / "2026-10-final.csv", FOCUS_HEADER + row("Oracle", "2026-10", "119.00"), day=4)
    _write(folder / "oracle" / "2026-09.csv", FOCUS_HEADER + row("Oracle", "2026-09", "80.00"), day=1)
    _write(folder / "aws" / "part-0.csv", FOCUS_HEADER + row("AWS", "2026-10", "10.00"), day=2)
    _write(folder / "aws" / "part-1.csv", FOCUS_HEADER + row("AWS", "2026-10", "0.25"), day=2)
    _materialize(focus_cost_rows, landing, warehouse)
    assert _totals(warehouse, "raw_focus.cost_rows", "provider_name || ' ' || invoice_month") == {
        "Oracle 2026-10": Decimal("119.00"),
        "Oracle 2026-09": Decimal("80.00"),
        "AWS 2026-10": Decimal("10.25"),
    }
