"""Showback CSV cells: exact money text and formula neutralization."""

import hashlib
from decimal import Decimal

import duckdb
import pytest

from warehouse.csv_files import neutralize
from warehouse.exports import SHOWBACK_COLUMNS, ExportError, export_showback, money_text
from warehouse.month_close import close_month, ensure_month_close_table


def test_money_text_never_uses_an_exponent():
    assert money_text(Decimal("1E-9")) == "0.000000001"
    assert money_text(Decimal("12345678901234.500000000")) == "12345678901234.500000000"
    assert money_text(Decimal("-0.010000000")) == "-0.010000000"


@pytest.mark.parametrize("cell", ["=SUM(A1:A9)", "+1", "-2+3", "@cmd", "\tx"])
def test_formula_cells_are_neutralized(cell):
    assert neutralize(cell) == "'" + cell


def test_plain_cells_are_untouched():
    assert neutralize("search") == "search"


def _warehouse(rows, bills_total, fact_total=None):
    """rows: (month, team, feature, environment, tenant, direct cost); total = direct."""
    con = duckdb.connect()
    money = " decimal(38, 9)"
    money_columns = [name for name in SHOWBACK_COLUMNS if name.endswith("_usd")]
    con.execute(
        "create table rpt_showback (usage_month varchar, team varchar, feature varchar, environment varchar,"
        " tenant varchar, requests bigint, prompt_tokens bigint, output_tokens bigint, total_tokens bigint, "
        + ", ".join(name + money for name in money_columns)
        + ")"
    )
    for month, team, feature, environment, tenant, direct in rows:
        values = {name: Decimal(0) for name in money_columns}
        values.update(direct_cost_usd=direct, total_cost_usd=direct, expensed_cost_usd=direct, llm_cost_usd=direct)
        con.execute(
            f"insert into rpt_showback values (?, ?, ?, ?, ?, 1, 1, 1, 2, {', '.join('?' * len(money_columns))})",
            [month, team, feature, environment, tenant, *(values[name] for name in money_columns)],
        )
    ensure_month_close_table(con)
    con.execute(
        "create table rpt_cost_conservation (charge_month varchar, bill_effective_cost_usd decimal(38, 9),"
        " estimated_accrual_usd decimal(38, 9))"
    )
    con.execute("insert into rpt_cost_conservation values ('2026-10', ?, 0)", [bills_total])
    con.execute(
        "create table fct_costs (x_charge_month varchar, x_cost_origin varchar, x_effective_cost_usd decimal(38, 9),"
        " x_adjusted_origin varchar)"
    )
    con.execute(
        "insert into fct_costs values ('2026-10', 'billed', ?, null)",
        [bills_total if fact_total is None else fact_total],
    )
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
    assert lines[0] == ",".join(SHOWBACK_COLUMNS)
    assert lines[1].startswith("2026-10,2026-10-01,'=evil,")
    assert lines[1].endswith(",0.100000001,0.000000000,0.100000001")
    assert lines[2].endswith(",0.200000000,0.000000000,0.200000000")
    assert export.total_cost_usd == Decimal("0.300000001")
    assert (tmp_path / "s.csv.sha256").read_text().split()[0] == export.sha256


def test_export_refuses_when_totals_disagree_with_the_bills(tmp_path):
    con = _warehouse([("2026-10", "a", "f", "prod", "t", Decimal("1.00"))], Decimal("1.01"), Decimal("1.00"))
    with pytest.raises(ExportError, match="total 1.000000000 for 2026-10 does not equal the bills 1.010000000"):
        export_showback(con, "2026-10", tmp_path / "s.csv")
    assert not (tmp_path / "s.csv").exists()


def test_export_refuses_when_the_fact_disagrees(tmp_path):
    con = _warehouse([("2026-10", "a", "f", "prod", "t", Decimal("1.00"))], Decimal("1.00"), Decimal("0.99"))
    with pytest.raises(ExportError, match="does not equal fct_costs 0.990000000"):
        export_showback(con, "2026-10", tmp_path / "s.csv")


def test_bad_month_is_a_clear_error(tmp_path):
    with pytest.raises(ExportError, match="expected YYYY-MM"):
        export_showback(duckdb.connect(), "2026-13", tmp_path / "s.csv")


def test_excel_variant_is_the_same_csv_with_a_byte_order_mark(tmp_path):
    """Issue 13 item 11: Excel on Windows reads a CSV without a BOM in the ANSI code page and garbles non-ASCII
    tags. The --excel file is the plain one with UTF-8's BOM in front; same rows, same reconciled total."""
    rows = [
        ("2026-10", "équipe-données", "検索", "prod", "t1", Decimal("0.100000001")),
        ("2026-10", "search", "f", "prod", "t1", Decimal("0.2")),
    ]
    con = _warehouse(rows, Decimal("0.300000001"))
    plain = export_showback(con, "2026-10", tmp_path / "plain.csv")
    excel = export_showback(con, "2026-10", tmp_path / "excel.csv", excel=True)
    raw = (tmp_path / "excel.csv").read_bytes()
    assert raw[:3] == b"\xef\xbb\xbf"
    assert raw[3:] == (tmp_path / "plain.csv").read_bytes()
    lines = raw.decode("utf-8-sig").splitlines()
    assert any(line.startswith("2026-10,2026-10-01,équipe-données,検索,prod,t1,") for line in lines)
    assert excel.total_cost_usd == plain.total_cost_usd == Decimal("0.300000001")
    assert excel.rows == plain.rows == 2
    # the hash beside the file is the file's own, so finance can check the bytes they hold
    assert (tmp_path / "excel.csv.sha256").read_text().split()[0] == excel.sha256 == hashlib.sha256(raw).hexdigest()


def test_excel_variant_of_a_closed_month_matches_the_hash_recorded_at_close(tmp_path):
    con = _warehouse([("2026-10", "équipe", "f", "prod", "t", Decimal("1.00"))], Decimal("1.00"))
    plain = export_showback(con, "2026-10", tmp_path / "plain.csv")
    con.execute("alter table fct_costs add column cost_id varchar")  # close_month hashes fct_costs by cost_id
    close_month(con, "2026-10", showback_sha256=plain.sha256, actor="test", note=None)
    excel = export_showback(con, "2026-10", tmp_path / "excel.csv", excel=True)
    assert excel.total_cost_usd == Decimal("1.00")
    assert (tmp_path / "excel.csv").read_bytes()[3:] == (tmp_path / "plain.csv").read_bytes()


def test_excel_variant_refuses_totals_that_do_not_reconcile(tmp_path):
    con = _warehouse([("2026-10", "équipe", "f", "prod", "t", Decimal("1.00"))], Decimal("1.01"), Decimal("1.00"))
    with pytest.raises(ExportError, match="does not equal the bills"):
        export_showback(con, "2026-10", tmp_path / "excel.csv", excel=True)
    assert not (tmp_path / "excel.csv").exists()
