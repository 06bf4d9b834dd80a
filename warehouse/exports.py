"""Showback CSV for finance: one row per team x feature x environment x tenant of a month.

- costs are exact decimal strings (no float artefacts, no exponent), dates ISO;
- the file's total equals the sum of `fct_requests` for the month to the cent, or nothing is written;
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
    "cloud_untagged_cost_usd",
    "total_cost_usd",
)
MONEY_COLUMNS = frozenset({"llm_cost_usd", "cloud_direct_cost_usd", "cloud_untagged_cost_usd", "total_cost_usd"})
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
