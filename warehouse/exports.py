"""Showback CSV for finance: one row per team x feature x environment x tenant of a month.

- costs are exact decimal strings (no float artefacts, no exponent), dates ISO;
- the file's total equals the sum of `fct_requests` for the month to the cent, or nothing is written;
- written by the shared `warehouse.csv_files.write_csv`: fields quoted where needed, text cells starting
  with = + - @ (or tab/CR) prefixed with ' so a spreadsheet never runs them, a `.sha256` beside the CSV.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from warehouse.csv_files import write_csv

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
    "cloud_untagged_cost_usd",
    "total_cost_usd",
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


def export_showback(con: duckdb.DuckDBPyConnection, month: str, out: Path) -> ShowbackExport:
    if not _MONTH.match(month):
        raise ExportError(f"--month {month!r}: expected YYYY-MM, e.g. 2026-10")
    rows = con.execute(
        """
        select usage_month, usage_month || '-01' as month_start_date, team, feature, environment, tenant,
               requests, prompt_tokens, output_tokens, total_tokens, llm_cost_usd,
               cloud_direct_cost_usd, cloud_untagged_cost_usd, total_cost_usd
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

    (llm_fact,) = con.execute(
        "select coalesce(sum(total_cost_usd), 0) from fct_requests where strftime(request_date, '%Y-%m') = ?",
        [month],
    ).fetchone()
    (cloud_fact,) = con.execute(
        "select coalesce(sum(effective_cost), 0) from fct_cloud_costs where strftime(charge_date, '%Y-%m') = ?",
        [month],
    ).fetchone()
    llm_total = column_total("llm_cost_usd")
    cloud_total = column_total("cloud_direct_cost_usd") + column_total("cloud_untagged_cost_usd")
    if llm_total != llm_fact:
        raise ExportError(f"showback LLM total {llm_total} for {month} does not equal fct_requests total {llm_fact}")
    if cloud_total != cloud_fact:
        raise ExportError(f"showback cloud total {cloud_total} for {month} does not equal fct_cloud_costs {cloud_fact}")
    total = column_total("total_cost_usd")
    if total != llm_total + cloud_total:
        raise ExportError(f"showback total {total} for {month} is not LLM {llm_total} + cloud {cloud_total}")
    written = write_csv(out, SHOWBACK_COLUMNS, rows)
    return ShowbackExport(path=out, rows=written.rows, total_cost_usd=total, sha256=written.sha256)
