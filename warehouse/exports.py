"""Showback CSV for finance: one row per team x feature x environment x tenant of a month.

- costs are exact decimal strings (no float artefacts, no exponent), dates ISO;
- the file's total equals the month's bills plus estimated accruals exactly (rpt_cost_conservation) and the
  sum of `fct_costs`, or nothing is written;
- written by the shared `warehouse.csv_files.write_csv`: fields quoted where needed, text cells starting
  with = + - @ (or tab/CR) prefixed with ' so a spreadsheet never runs them, a `.sha256` beside the CSV;
- `excel=True`: the same CSV with a UTF-8 byte-order mark, so Excel on Windows shows non-ASCII tags right.
  The same checks run first; a closed month's hash is compared on the data without the mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from warehouse.csv_files import write_csv

# total_cost_usd is exactly the sum of these parts (rpt_showback): the export checks every file for it
TOTAL_COST_PARTS = (
    "direct_cost_usd",
    "shared_allocated_cost_usd",
    "estimated_cost_usd",
    "capitalized_cost_usd",
    "unallocated_cost_usd",
    "adjustment_cost_usd",
)
SHOWBACK_COLUMNS = (
    "usage_month",
    "month_start_date",
    "team",
    "feature",
    "environment",
    "tenant",
    "requests",
    "prompt_tokens",
    "output_tokens",
    "total_tokens",
    "llm_cost_usd",
    "cloud_direct_cost_usd",
    *TOTAL_COST_PARTS,
    "total_cost_usd",
    "depreciation_cost_usd",
    "expensed_cost_usd",
)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class ExportError(RuntimeError):
    pass


@dataclass(frozen=True)
class ShowbackExport:
    path: Path
    rows: int
    total_cost_usd: Decimal
    sha256: str


def money_text(value: Decimal) -> str:
    """Exact fixed-point text: never an exponent, never float."""
    return format(value, "f")


def showback_months(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in con.execute("select distinct usage_month from rpt_showback order by 1").fetchall()]


def export_showback(con: duckdb.DuckDBPyConnection, month: str, out: Path, *, excel: bool = False) -> ShowbackExport:
    if not _MONTH.match(month):
        raise ExportError(f"--month {month!r}: expected YYYY-MM, e.g. 2026-10")
    rows = con.execute(
        f"""
        select {", ".join("usage_month || '-01'" if name == "month_start_date" else name for name in SHOWBACK_COLUMNS)}
        from rpt_showback
        where usage_month = ?
        order by team, feature, environment, tenant
        """,
        [month],
    ).fetchall()
    if not rows:
        raise ExportError(
            f"no showback rows for {month}: is the month loaded? (months available: "
            f"{', '.join(showback_months(con)) or 'none'})"
        )

    def column_total(name: str) -> Decimal:
        return sum((row[SHOWBACK_COLUMNS.index(name)] for row in rows), Decimal(0))

    from warehouse.month_close import month_status

    status = month_status(con, month)
    closed = status is not None and status.is_closed
    total = column_total("total_cost_usd")
    # independent routes to the same total: the allocated fact, and (open months) the bills + accruals
    (fact_total,) = con.execute(
        "select coalesce(sum(x_effective_cost_usd), 0) from fct_costs"
        " where x_charge_month = ? and coalesce(x_adjusted_origin, x_cost_origin) <> 'depreciation'",
        [month],
    ).fetchone()
    if total != fact_total:
        raise ExportError(f"showback total {total} for {month} does not equal fct_costs {fact_total}")
    if not closed:  # a closed month's bills may since be restated: the difference is an adjustment elsewhere
        bills, accruals = con.execute(
            "select coalesce(sum(bill_effective_cost_usd), 0), coalesce(sum(estimated_accrual_usd), 0)"
            " from rpt_cost_conservation where charge_month = ?",
            [month],
        ).fetchone()
        (adjustments,) = con.execute(
            "select coalesce(sum(x_effective_cost_usd), 0) from fct_costs where x_charge_month = ?"
            " and x_cost_origin = 'adjustment' and x_adjusted_origin <> 'depreciation'",
            [month],
        ).fetchone()
        if total != bills + accruals + adjustments:
            raise ExportError(
                f"showback total {total} for {month} does not equal the bills {bills} plus accruals {accruals}"
                f" plus posted adjustments {adjustments}"
            )
    parts = sum(column_total(name) for name in TOTAL_COST_PARTS)
    if total != parts:
        raise ExportError(f"showback total {total} for {month} is not the sum of its parts {parts}")
    written = write_csv(out, SHOWBACK_COLUMNS, rows, bom=excel)
    if closed and status.showback_sha256 and written.data_sha256 != status.showback_sha256:
        out.unlink(missing_ok=True)
        out.with_name(out.name + ".sha256").unlink(missing_ok=True)
        raise ExportError(
            f"{month} is closed, but its showback export now hashes to {written.data_sha256}, not the"
            f" {status.showback_sha256} recorded at close by {status.actor}: the closed month has moved"
        )
    return ShowbackExport(path=out, rows=written.rows, total_cost_usd=total, sha256=written.sha256)
