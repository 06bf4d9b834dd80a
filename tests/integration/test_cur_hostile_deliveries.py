"""AWS CUR deliveries that went wrong in the field (issue 8, items 2, 3 and 7), through the real Dagster asset
into a temporary DuckDB: two reports of one month, a manifest listing a missing file, CSV files without a
manifest, empty costs and rows cut mid-line. Expected numbers are summed here from the CSV text itself."""

import json
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.assets.aws_cur import aws_cur_line_items
from pipelines.resources import LandingResource, WarehouseResource

pytestmark = pytest.mark.integration
HEADER = (
    "identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,bill/BillingPeriodEndDate,"
    "lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/ProductCode,"
    "lineItem/UnblendedCost"
)


def _lines(period: str, account: str, costs: list[str]) -> list[str]:
    start = f"{period}-01T00:00:00Z"
    year, month = int(period[:4]), int(period[5:])
    end = f"{year + month // 12}-{month % 12 + 1:02d}-01T00:00:00Z"
    return [
        f"id{n},{account},{start},{end},{account},Usage,{period}-02T00:00:00Z,AmazonEC2,{cost}"
        for n, cost in enumerate(costs)
    ]


def _legacy_delivery(landing: Path, report: str, period: str, assembly: str, files: dict[str, list[str]]) -> Path:
    """landing/aws_cur/cur/<report>/<yyyymmdd-yyyymmdd>/<assembly>/<file> plus the period manifest."""
    year, month = int(period[:4]), int(period[5:])
    folder_name = f"{year}{month:02d}01-{year + month // 12}{month % 12 + 1:02d}01"
    folder = landing / "aws_cur" / "cur" / report / folder_name
    (folder / assembly).mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        (folder / assembly / name).write_text(HEADER + "\n" + "\n".join(lines) + "\n")
    manifest = {
        "assemblyId": assembly,
        "account": "123456789012",
        "reportName": report,
        "bucket": "billing",
        "billingPeriod": {"start": f"{year}{month:02d}01T000000.000Z"},
        "reportKeys": [f"cur/{report}/{folder_name}/{assembly}/{name}" for name in files],
    }
    path = folder / f"{report}-Manifest.json"
    path.write_text(json.dumps(manifest))
    return path


def _materialize(landing: Path, warehouse: Path):
    return dg.materialize(
        [aws_cur_line_items],
        raise_on_error=False,
        resources={
            "landing": LandingResource(location=str(landing)),
            "warehouse": WarehouseResource(duckdb_path=str(warehouse)),
        },
    )


def _checks(result) -> dict[str, bool]:
    return {evaluation.check_name: evaluation.passed for evaluation in result.get_asset_check_evaluations()}


def _by_account_period(warehouse: Path) -> dict[tuple[str, str], tuple[int, Decimal]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select billing_account_id, strftime(billing_period_start, '%Y-%m'), count(*), sum(billed_cost)"
            " from raw_aws_cur.line_items group by all"
        ).fetchall()
    return {(account, period): (count, total) for account, period, count, total in rows}


def _audit(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select load_scope, input_rows, loaded_rows, quarantined_rows from audit.loads where source = 'aws_cur'"
            " order by load_scope"
        ).fetchall()


def _quarantine(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select source_file, line, reason from quarantine.rejected_rows where source = 'aws_cur' order by all"
        ).fetchall()


def _sum(costs: list[str]) -> Decimal:
    return sum((Decimal(cost) for cost in costs), Decimal(0))


def test_two_reports_of_one_period_keep_each_other(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    costs_a, costs_b = ["18000.50", "814.25"], ["300.00", "49.75", "0.00"]
    _legacy_delivery(landing, "report-a", "2026-10", "asm-a1", {"report-a-1.csv": _lines("2026-10", "111", costs_a)})
    _legacy_delivery(landing, "report-b", "2026-10", "asm-b1", {"report-b-1.csv": _lines("2026-10", "222", costs_b)})
    result = _materialize(landing, warehouse)
    assert result.success
    expected = {("111", "2026-10"): (2, _sum(costs_a)), ("222", "2026-10"): (3, _sum(costs_b))}
    assert _by_account_period(warehouse) == expected
    assert _materialize(landing, warehouse).success
    assert _by_account_period(warehouse) == expected  # a re-run changes nothing

    # report A restates October: only A's rows change, B's stay
    restated = ["100.00"]
    _legacy_delivery(landing, "report-a", "2026-10", "asm-a2", {"report-a-1.csv": _lines("2026-10", "111", restated)})
    assert _materialize(landing, warehouse).success
    assert _by_account_period(warehouse) == {
        ("111", "2026-10"): (1, Decimal("100")),
        ("222", "2026-10"): (3, _sum(costs_b)),
    }


def test_manifest_listing_a_missing_file_replaces_nothing_and_never_binds_another_periods_file(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    september, october = ["10.00", "20.00"], ["1.00", "2.00", "3.00"]
    _legacy_delivery(landing, "report-a", "2026-09", "asm-9", {"report-a-1.csv": _lines("2026-09", "111", september)})
    manifest = _legacy_delivery(
        landing, "report-a", "2026-10", "asm-10", {"report-a-1.csv": _lines("2026-10", "111", october)}
    )
    assert _materialize(landing, warehouse).success
    before = _by_account_period(warehouse)
    assert before == {("111", "2026-09"): (2, Decimal("30")), ("111", "2026-10"): (3, Decimal("6"))}

    # October's restatement lists a file that never arrived; September holds a file of the same name
    body = json.loads(manifest.read_text())
    body["assemblyId"] = "asm-10b"
    body["reportKeys"] = ["cur/report-a/20261001-20261101/asm-10b/report-a-1.csv"]
    manifest.write_text(json.dumps(body))
    # and another report delivers the same night: it must still load
    other = ["5.00"]
    _legacy_delivery(landing, "report-b", "2026-10", "asm-b", {"report-b-1.csv": _lines("2026-10", "222", other)})
    result = _materialize(landing, warehouse)
    assert _by_account_period(warehouse) == {**before, ("222", "2026-10"): (1, Decimal("5"))}
    assert _checks(result) == {"row_balance": True, "deliveries_loaded": False}
    audit = _audit(warehouse)
    assert all(value >= 0 for row in audit for value in row[1:])
    assert all(inputs == loaded + quarantined for _, inputs, loaded, quarantined in audit)
    (quarantined,) = _quarantine(warehouse)
    assert quarantined[0].endswith("report-a-Manifest.json") and quarantined[1] is None
    assert "asm-10b/report-a-1.csv" in quarantined[2] and "not in the landing area" in quarantined[2]

    # the file arrives: the delivery loads and its quarantine row goes away
    folder = manifest.parent / "asm-10b"
    folder.mkdir()
    (folder / "report-a-1.csv").write_text(HEADER + "\n" + "\n".join(_lines("2026-10", "111", ["7.00"])) + "\n")
    result = _materialize(landing, warehouse)
    assert _checks(result) == {"row_balance": True, "deliveries_loaded": True}
    assert _by_account_period(warehouse)[("111", "2026-10")] == (1, Decimal("7"))
    assert _quarantine(warehouse) == []


def test_cur_csv_without_manifest_is_read_as_one_delivery_with_a_warning(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    folder = landing / "aws_cur" / "manual-export"
    folder.mkdir(parents=True)
    costs = ["12.50", "7.25", "0.25"]
    (folder / "cur-2026-10.csv").write_text(HEADER + "\n" + "\n".join(_lines("2026-10", "333", costs)) + "\n")
    result = _materialize(landing, warehouse)
    assert result.success
    assert _by_account_period(warehouse) == {("333", "2026-10"): (3, _sum(costs))}
    (materialization,) = result.get_asset_materialization_events()
    warnings = materialization.materialization.metadata["warnings"].value
    assert "manual-export: 1 CUR data file(s) without a manifest" in warnings
    # the folder re-delivered with one row fewer: the period is replaced, not summed
    (folder / "cur-2026-10.csv").write_text(HEADER + "\n" + "\n".join(_lines("2026-10", "333", costs[:2])) + "\n")
    assert _materialize(landing, warehouse).success
    assert _by_account_period(warehouse) == {("333", "2026-10"): (2, _sum(costs[:2]))}


def test_empty_cost_and_a_row_cut_mid_line_are_quarantined_not_loaded(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    good = _lines("2026-10", "444", ["4.00", "6.00"])
    empty_cost = _lines("2026-10", "444", [""])[0].replace("id0", "id-empty")
    cut = good[1][: good[1].index(",Usage,")]  # the download stopped in the middle of a row
    body = HEADER + "\n" + "\n".join([good[0], empty_cost, good[1], cut])
    _legacy_delivery(landing, "report-c", "2026-10", "asm-c", {"report-c-1.csv": []})
    data = next(landing.rglob("report-c-1.csv"))
    data.write_text(body)
    data_lines = len(body.splitlines()) - 1  # counted from the file: every line after the header is a row
    result = _materialize(landing, warehouse)
    assert _by_account_period(warehouse) == {("444", "2026-10"): (2, Decimal("10"))}
    assert _checks(result) == {"row_balance": True, "deliveries_loaded": True}
    quarantined = _quarantine(warehouse)
    assert [(line, reason.split(" (")[0].split(":")[0]) for _, line, reason in quarantined] == [
        (3, "lineItem/UnblendedCost is empty"),
        (5, "CSV line is not a complete row of the header's columns"),
    ]
    ((_, inputs, loaded, rejected),) = _audit(warehouse)
    assert (inputs, loaded, rejected) == (data_lines, 2, 2)
