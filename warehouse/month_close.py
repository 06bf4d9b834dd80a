"""Month close: `finops close --month YYYY-MM` freezes a month's rows of fct_costs and rpt_showback; `finops
reopen` unfreezes it. Both are recorded in `audit.month_close` with who and when.

The freezing itself lives in the dbt models (incremental models that never rewrite a closed month); this
module keeps the register, and at close time records a content hash of the month's fct_costs rows and of its
showback CSV, so every later export of the month can prove it is byte-identical.
"""

from __future__ import annotations

import getpass
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

MONTH_CLOSE_TABLE = "audit.month_close"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class MonthCloseError(RuntimeError):
    pass


@dataclass(frozen=True)
class MonthStatus:
    month: str
    is_closed: bool
    actor: str
    at: datetime
    fct_costs_sha256: str | None
    showback_sha256: str | None


def ensure_month_close_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists audit")
    con.execute(
        f"""
        create table if not exists {MONTH_CLOSE_TABLE} (
            month varchar not null,
            action varchar not null,
            actor varchar not null,
            acted_at timestamp not null,
            fct_costs_sha256 varchar,
            showback_sha256 varchar,
            note varchar
        )
        """
    )


def current_actor(configured: str | None = None) -> str:
    """Who acts: the configured actor (FINOPS_ACTOR, via pipelines.settings: CI, a service account), else the
    operating-system user."""
    return configured or getpass.getuser()


def check_month(month: str) -> str:
    if not _MONTH.match(month):
        raise MonthCloseError(f"--month {month!r}: expected YYYY-MM, e.g. 2026-10")
    return month


def month_status(con: duckdb.DuckDBPyConnection, month: str) -> MonthStatus | None:
    row = con.execute(
        f"select month, action, actor, acted_at, fct_costs_sha256, showback_sha256 from {MONTH_CLOSE_TABLE}"
        " where month = ? order by acted_at desc, action limit 1",
        [month],
    ).fetchone()
    if row is None:
        return None
    return MonthStatus(row[0], row[1] == "close", row[2], row[3], row[4], row[5])


def closed_months(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            f"""
            select month from (
                select month, action, row_number() over (partition by month order by acted_at desc) as latest
                from {MONTH_CLOSE_TABLE}
            ) where latest = 1 and action = 'close' order by month
            """
        ).fetchall()
    ]


def fct_costs_month_sha256(con: duckdb.DuckDBPyConnection, month: str) -> str:
    """A content hash of the month's fct_costs rows (every column, rows in cost_id order)."""
    digest = hashlib.sha256()
    result = con.execute("select * from fct_costs where x_charge_month = ? order by cost_id", [month])
    while batch := result.fetchmany(10_000):
        for row in batch:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def _record(con: duckdb.DuckDBPyConnection, month: str, action: str, actor: str, note: str | None, **hashes) -> None:
    con.execute(
        f"insert into {MONTH_CLOSE_TABLE} values (?, ?, ?, ?, ?, ?, ?)",
        [
            month,
            action,
            actor,
            datetime.now(UTC).replace(tzinfo=None),
            hashes.get("fct_costs_sha256"),
            hashes.get("showback_sha256"),
            note,
        ],
    )


def close_month(
    con: duckdb.DuckDBPyConnection, month: str, *, showback_sha256: str, actor: str, note: str | None = None
) -> MonthStatus:
    """Record the close of `month` (its rows are frozen from the next run on; they already are what they are)."""
    check_month(month)
    ensure_month_close_table(con)
    status = month_status(con, month)
    if status and status.is_closed:
        raise MonthCloseError(f"{month} is already closed (by {status.actor} at {status.at:%Y-%m-%d %H:%M} UTC)")
    (rows,) = con.execute("select count(*) from fct_costs where x_charge_month = ?", [month]).fetchone()
    if rows == 0:
        raise MonthCloseError(f"{month} has no rows in fct_costs: run the month before closing it")
    _record(
        con, month, "close", actor, note, fct_costs_sha256=fct_costs_month_sha256(con, month),
        showback_sha256=showback_sha256,
    )  # fmt: skip
    return month_status(con, month)


def reopen_month(con: duckdb.DuckDBPyConnection, month: str, *, actor: str, note: str | None = None) -> MonthStatus:
    check_month(month)
    ensure_month_close_table(con)
    status = month_status(con, month)
    if not (status and status.is_closed):
        raise MonthCloseError(f"{month} is not closed")
    _record(con, month, "reopen", actor, note)
    return month_status(con, month)
