"""Showback CSV cells: exact money text and formula neutralization."""

from decimal import Decimal

import duckdb
import pytest

from warehouse.csv_files import neutralize
from warehouse.exports import ExportError, export_showback, money_text


def test_money_text_never_uses_an_exponent():
    assert money_text(Decimal("1E-9")) == "0.000000001"
    assert money_text(Decimal("12345678901234.500000000")) == "12345678901234.500000000"
    assert money_text(Decimal("-0.010000000")) == "-0.010000000"


@pytest.mark.parametrize("cell", ["=SUM(A1:A9)", "+1", "-2+3", "@cmd", "\tx"])
def test_formula_cells_are_neutralized(cell):
    assert neutralize(cell) == "'" + cell


def test_plain_cells_are_untouched():
    assert neutralize("search") == "search"


def _warehouse(rows, fact_total):
    con = duckdb.connect()
    con.execute(
        "create table rpt_showback (usage_month varchar, team varchar, feature varchar, environment varchar,"
        " tenant varchar, requests bigint, prompt_tokens bigint, output_tokens bigint, total_tokens bigint,"
        " llm_cost_usd decimal(38, 9), cloud_direct_cost_usd decimal(38, 9), cloud_untagged_cost_usd decimal(38, 9),"
        " total_cost_usd decimal(38, 9))"
    )
    con.executemany(
        "insert into rpt_showback values (?, ?, ?, ?, ?, 1, 1, 1, 2, ?, 0, 0, ?)", [(*row, row[-1]) for row in rows]
    )
    con.execute("create table fct_requests (request_date date, total_cost_usd decimal(38, 9))")
    con.execute("insert into fct_requests values (date '2026-10-03', ?)", [fact_total])
    con.execute("create table fct_cloud_costs (charge_date date, effective_cost decimal(38, 9))")
    return con


def test_export_writes_exact_rows_and_a_hash(tmp_path):
    con = _warehouse(
        [
            ("2026-10", "=evil", "f", "prod", "t1", Decimal("0.100000001")),
            ("2026-10", "search", "f", "prod", "t1", Decimal("0.2")),
        ],
        Decimal("0.300000001"),
    )
    export = export_showback(con, "2026-10", tmp_path / "s.csv")
    lines = (tmp_path / "s.csv").read_text().splitlines()
    assert lines[1].startswith("2026-10,2026-10-01,'=evil,")
    assert lines[1].endswith(",0.100000001,0E-9,0E-9,0.100000001".replace("0E-9", "0.000000000"))
    assert lines[2].endswith(",0.200000000,0.000000000,0.000000000,0.200000000")
    assert export.total_cost_usd == Decimal("0.300000001")
    assert (tmp_path / "s.csv.sha256").read_text().split()[0] == export.sha256


def test_export_refuses_when_totals_disagree(tmp_path):
    con = _warehouse([("2026-10", "a", "f", "prod", "t", Decimal("1.00"))], Decimal("1.01"))
    with pytest.raises(ExportError, match="LLM total 1.000000000 for 2026-10 does not equal fct_requests total 1.01"):
        export_showback(con, "2026-10", tmp_path / "s.csv")
    assert not (tmp_path / "s.csv").exists()


def test_bad_month_is_a_clear_error(tmp_path):
    with pytest.raises(ExportError, match="expected YYYY-MM"):
        export_showback(duckdb.connect(), "2026-13", tmp_path / "s.csv")
