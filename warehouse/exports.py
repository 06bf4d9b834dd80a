"""Showback CSV for finance: one row per team x feature x environment x tenant of a month.

- costs are exact decimal strings (no float artefacts, no exponent), dates ISO;
- the file's total equals the month's bills plus estimated accruals exactly (rpt_cost_conservation) and the
  sum of `fct_costs`, or nothing is written;
- text cells starting with = + - @ (or tab/CR) are prefixed with ' so a spreadsheet never runs them;
- a `.sha256` file beside the CSV lets finance check that what they hold is what the warehouse wrote.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

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
    "direct_cost_usd",
    "shared_allocated_cost_usd",
    "estimated_cost_usd",
    "capitalized_cost_usd",
    "unallocated_cost_usd",
    "total_cost_usd",
    "depreciation_cost_usd",
    "expensed_cost_usd",
)
MONEY_COLUMNS = frozenset(name for name in SHOWBACK_COLUMNS if name.endswith("_usd"))
TEXT_COLUMNS = frozenset({"team", "feature", "environment", "tenant"})
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportError(RuntimeError):
    pass


@dataclass(frozen=True)
class ShowbackExport:
    path: Path
    rows: int
    total_cost_usd: Decimal
    sha256: str


def neutralize(cell: str) -> str:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def money_text(value: Decimal) -> str:
    """Exact fixed-point text: never an exponent, never float."""
    return format(value, "f")


def showback_months(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in con.execute("select distinct usage_month from rpt_showback order by 1").fetchall()]


def export_showback(con: duckdb.DuckDBPyConnection, month: str, out: Path) -> ShowbackExport:
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

    # independent routes to the same total: the bills (+ accruals) and the allocated fact
    bills, accruals = con.execute(
        "select coalesce(sum(bill_effective_cost_usd), 0), coalesce(sum(estimated_accrual_usd), 0)"
        " from rpt_cost_conservation where charge_month = ?",
        [month],
    ).fetchone()
    (fact_total,) = con.execute(
        "select coalesce(sum(x_effective_cost_usd), 0) from fct_costs"
        " where x_charge_month = ? and x_cost_origin <> 'depreciation'",
        [month],
    ).fetchone()
    total = column_total("total_cost_usd")
    if total != bills + accruals:
        raise ExportError(
            f"showback total {total} for {month} does not equal the bills {bills} plus accruals {accruals}"
        )
    if total != fact_total:
        raise ExportError(f"showback total {total} for {month} does not equal fct_costs {fact_total}")
    parts = sum(
        column_total(name)
        for name in ("direct_cost_usd", "shared_allocated_cost_usd", "estimated_cost_usd", "capitalized_cost_usd",
                     "unallocated_cost_usd")
    )
    if total != parts:
        raise ExportError(f"showback total {total} for {month} is not the sum of its parts {parts}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SHOWBACK_COLUMNS)
    for row in rows:
        cells = []
        for name, value in zip(SHOWBACK_COLUMNS, row, strict=True):
            if name in MONEY_COLUMNS:
                cells.append(money_text(value))
            elif name in TEXT_COLUMNS:
                cells.append(neutralize(str(value)))
            else:
                cells.append(str(value))
        writer.writerow(cells)
    content = buffer.getvalue().encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_suffix(out.suffix + ".tmp")
    temporary.write_bytes(content)
    temporary.replace(out)  # readers never see half a file
    digest = hashlib.sha256(content).hexdigest()
    out.with_name(out.name + ".sha256").write_text(f"{digest}  {out.name}\n")
    return ShowbackExport(path=out, rows=len(rows), total_cost_usd=total, sha256=digest)
