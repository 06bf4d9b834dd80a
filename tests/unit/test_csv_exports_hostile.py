"""Every CSV the project writes survives hostile text: one record per row, no formula a spreadsheet would
run, money still a number, and the .sha256 beside the file matches its bytes. Read back with the csv module."""

from __future__ import annotations

import csv
import hashlib
from decimal import Decimal
from pathlib import Path

import duckdb

from tests.showback_fixture import fct_costs_from_cloud_lines
from warehouse.exports import SHOWBACK_COLUMNS, export_showback
from warehouse.focus_export import export_focus
from warehouse.month_close import ensure_month_close_table

# the hostile set: formula starters, tab, CR, LF, quotes, commas, and a formula hidden after a line break
HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tcmd",
    "\r=1+1",
    "a\r=cmd|' /C calc'!A0",
    "b\n=1+1",
    'say "hi", then leave',
    "x,y",
    "plain",
]


def expected_text(value: str) -> str:
    """What a spreadsheet must see: the value itself, with an apostrophe when it starts like a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def read_back(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def assert_sha256_matches(path: Path) -> None:
    digest, name = path.with_name(path.name + ".sha256").read_text().split()
    assert name == path.name
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_showback_csv_keeps_one_record_per_row_and_neutralizes_every_formula(tmp_path):
    con = duckdb.connect()
    money_columns = [name for name in SHOWBACK_COLUMNS if name.endswith("_usd")]
    con.execute(
        "create table rpt_showback (usage_month varchar, team varchar, feature varchar, environment varchar,"
        " tenant varchar, requests bigint, prompt_tokens bigint, output_tokens bigint, total_tokens bigint, "
        + ", ".join(f"{name} decimal(38, 9)" for name in money_columns)
        + ")"
    )
    # a credit: negative money must stay a plain number, never get an apostrophe
    costs = [Decimal("-12.5")] + [Decimal(index) / 1000 for index in range(1, len(HOSTILE))]
    for index, (value, cost) in enumerate(zip(HOSTILE, costs, strict=True)):
        amounts = [
            cost if name in ("llm_cost_usd", "direct_cost_usd", "total_cost_usd", "expensed_cost_usd") else 0
            for name in money_columns
        ]
        con.execute(
            f"insert into rpt_showback values ('2026-10', ?, ?, ?, ?, 1, 2, 3, 5, {', '.join('?' * len(amounts))})",
            [value, HOSTILE[-1 - index], "prod", f"t{index:02d}", *amounts],
        )
    ensure_month_close_table(con)
    con.execute(
        "create table rpt_cost_conservation (charge_month varchar, bill_effective_cost_usd decimal(38, 9),"
        " estimated_accrual_usd decimal(38, 9))"
    )
    con.execute("insert into rpt_cost_conservation values ('2026-10', ?, 0)", [sum(costs)])
    con.execute(
        "create table fct_costs (x_charge_month varchar, x_cost_origin varchar, x_effective_cost_usd decimal(38, 9),"
        " x_adjusted_origin varchar)"
    )
    con.execute("insert into fct_costs values ('2026-10', 'billed', ?, null)", [sum(costs)])
    out = tmp_path / "showback_2026-10.csv"

    export = export_showback(con, "2026-10", out)

    records = read_back(out)
    assert export.rows == len(HOSTILE) and len(records) == len(HOSTILE)
    by_tenant = {record["tenant"]: record for record in records}
    for index, (value, cost) in enumerate(zip(HOSTILE, costs, strict=True)):
        record = by_tenant[f"t{index:02d}"]
        assert record["team"] == expected_text(value)
        assert record["feature"] == expected_text(HOSTILE[-1 - index])
        assert record["llm_cost_usd"] == format(cost.quantize(Decimal("0.000000001")), "f")
        assert record["requests"] == "1"
    assert by_tenant["t00"]["total_cost_usd"] == "-12.500000000"
    # no physical line of the file starts with a formula character outside a quoted cell
    for record in records:
        for cell in record.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or cell == "-12.500000000"
    assert_sha256_matches(out)
    assert export.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()


def test_focus_csv_quotes_and_neutralizes_hostile_tags_and_teams(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute(
            "create table fct_cloud_costs (cloud_cost_id varchar, provider_name varchar, billing_account_id varchar,"
            " sub_account_id varchar, sub_account_name varchar, billing_period_start date, billing_period_end date,"
            " invoice_month varchar, charge_period_start timestamp, charge_period_end timestamp,"
            " charge_category varchar, charge_class varchar, charge_description varchar, line_item_type varchar,"
            " service_name varchar, service_category varchar, resource_id varchar, resource_name varchar,"
            " region_id varchar, sku_id varchar, pricing_quantity decimal(38, 9), pricing_unit varchar,"
            " billed_cost decimal(38, 9), effective_cost decimal(38, 9), list_cost decimal(38, 9),"
            " billing_currency varchar, tags varchar, team varchar, feature varchar, environment varchar,"
            " tenant varchar, cost_center varchar, ai_workload varchar)"
        )
        for index, value in enumerate(HOSTILE):
            con.execute(
                "insert into fct_cloud_costs values (?, 'AWS', 'acct', 's1', null, date '2026-10-01',"
                " date '2026-11-01', '2026-10', timestamp '2026-10-02', timestamp '2026-10-03', 'Usage', null,"
                " ?, 'Usage', 'EC2', 'Compute', 'i-1', null, 'us-east-1', 'sku', 1.5, 'Hours', ?, ?, ?, 'USD',"
                " ?, ?, null, 'prod', null, null, 'gpu_compute')",
                [
                    f"id{index:02d}",
                    value,
                    Decimal("-12.5") if index == 0 else Decimal(index),
                    Decimal("-12.5") if index == 0 else Decimal(index),
                    Decimal("-12.5") if index == 0 else Decimal(index),
                    value,  # Tags: raw text as delivered, the worst case
                    value,
                ],
            )
        fct_costs_from_cloud_lines(con)
        export = export_focus(con, tmp_path / "focus")

    records = read_back(export.csv)
    assert export.rows == len(HOSTILE) and len(records) == len(HOSTILE)
    for index, (record, value) in enumerate(zip(records, HOSTILE, strict=True)):
        assert record["x_Team"] == expected_text(value)
        assert record["Tags"] == expected_text(value)
        assert record["ChargeDescription"] == expected_text(value)
        assert record["BilledCost"] == ("-12.500000000" if index == 0 else f"{index}.000000000")
        assert record["ListCost"] == record["BilledCost"]  # an unsplit line keeps its list cost
        assert record["SubAccountName"] == ""
    assert_sha256_matches(export.csv)
    assert export.csv_sha256 == hashlib.sha256(export.csv.read_bytes()).hexdigest()
