"""DuckDB warehouse I/O: one connection helper, atomic replace of a slice, quarantine and load audit.

Every load replaces a well-defined slice (a ledger day, a billing period, a provider day) inside one
transaction: a crash leaves the previous version visible, a re-run leaves identical rows.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest.common import Rejected, sql_identifier, sql_literal
from warehouse.lock import DEFAULT_LOCK_TIMEOUT_SECONDS, WarehouseBusy

QUARANTINE_TABLE = "quarantine.rejected_rows"
LOAD_AUDIT_TABLE = "audit.loads"
_LOCK_HOLDER = re.compile(r"held in (.*?\(PID \d+\))")


def connect(
    path: str | Path,
    *,
    read_only: bool = False,
    timeout_seconds: float | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file (creating its folder). `memory_limit` (e.g. '2GB') caps memory so large loads
    spill instead of failing; `threads` caps threads (pipelines.settings passes both from the settings).

    While another process holds DuckDB's file lock, wait (saying so once) up to `timeout_seconds` (default
    600), then raise WarehouseBusy with a one-line message instead of DuckDB's IOException."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    timeout = DEFAULT_LOCK_TIMEOUT_SECONDS if timeout_seconds is None else timeout_seconds
    con = _connect_waiting(path, read_only, timeout)
    con.execute("set enable_progress_bar = false")
    if memory_limit:
        con.execute(f"set memory_limit = {sql_literal(memory_limit)}")
    if threads:
        con.execute(f"set threads = {int(threads)}")
    if not read_only:
        _ensure_bookkeeping(con)
    return con


def _connect_waiting(path: Path, read_only: bool, timeout: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + timeout
    waited = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "could not set lock" not in str(exc).lower():
                raise
            holder_match = _LOCK_HOLDER.search(str(exc))
            holder = holder_match.group(1) if holder_match else "another process"
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"warehouse {path} is locked by {holder} for more than {timeout:.0f} s; try again when it ends "
                    "(or raise FINOPS_LOCK_TIMEOUT_SECONDS)"
                ) from None
            if not waited:
                print(
                    f"warehouse {path} is locked by {holder}; waiting up to {timeout:.0f} s (FINOPS_LOCK_TIMEOUT_SECONDS)",
                    file=sys.stderr,
                    flush=True,
                )
                waited = True
            time.sleep(0.5)


@contextmanager
def duckdb_settings(con: duckdb.DuckDBPyConnection, **values: bool | int) -> Iterator[None]:
    """DuckDB settings changed for the statements inside, and the caller's values put back on the way out,
    whatever happens (a load that fails must not leave the connection writing differently)."""
    previous = {name: con.execute(f"select current_setting({sql_literal(name)})").fetchone()[0] for name in values}

    def apply(settings: dict[str, bool | int]) -> None:
        for name, value in settings.items():
            con.execute(f"set {name} = {str(value).lower() if isinstance(value, bool) else int(value)}")

    apply(values)
    try:
        yield
    finally:
        apply(previous)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: on any exception the transaction rolls back and the previous rows stay visible."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def _ensure_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    from warehouse.month_close import ensure_month_close_table

    ensure_month_close_table(con)
    con.execute("create schema if not exists quarantine")
    con.execute("create schema if not exists audit")
    con.execute(
        f"""
        create table if not exists {QUARANTINE_TABLE} (
            source varchar not null,
            load_scope varchar not null,
            source_file varchar,
            line bigint,
            reason varchar not null,
            raw varchar,
            records bigint default 1
        )
        """
    )
    # warehouses from before `records` existed: every earlier row stood for one input record
    con.execute(f"alter table {QUARANTINE_TABLE} add column if not exists records bigint default 1")
    con.execute(
        f"""
        create table if not exists {LOAD_AUDIT_TABLE} (
            source varchar not null,
            load_scope varchar not null,
            input_rows bigint not null,
            loaded_rows bigint not null,
            quarantined_rows bigint not null,
            detail varchar
        )
        """
    )


def ensure_table(con: duckdb.DuckDBPyConnection, table: str, schema: pa.Schema) -> None:
    """Create `schema.table` with the Arrow schema's column types if it does not exist yet, and add the
    schema's columns an older table lacks (e.g. the count of a token kind added to the cards), null for the
    rows already there."""
    schema_name = table.split(".")[0]
    con.execute(f"create schema if not exists {schema_name}")
    empty = pa.Table.from_batches([], schema=schema)
    con.register("_finops_empty", empty)
    try:
        con.execute(f"create table if not exists {table} as select * from _finops_empty")
        present = {row[0] for row in con.execute(f"describe {table}").fetchall()}
        for name, kind, *_ in con.execute("describe _finops_empty").fetchall():
            if name not in present:
                con.execute(f"alter table {table} add column {sql_identifier(name)} {kind}")
    finally:
        con.unregister("_finops_empty")


def replace_slice(
    con: duckdb.DuckDBPyConnection,
    table: str,
    data: pa.Table,
    where_sql: str,
    params: Sequence[object] = (),
) -> int:
    """Delete the rows of `table` matching `where_sql` and insert `data`, in the caller's transaction.

    Columns are inserted by name, so new columns in `data` must exist in the table (schema drift is
    handled by the parser, which keeps an explicit schema). Returns the number of rows inserted.
    """
    ensure_table(con, table, data.schema)
    con.execute(f"delete from {table} where {where_sql}", list(params))
    con.register("_finops_slice", data)
    try:
        con.execute(f"insert into {table} by name select * from _finops_slice")
    finally:
        con.unregister("_finops_slice")
    return data.num_rows


def replace_quarantine(
    con: duckdb.DuckDBPyConnection, source: str, load_scope: str, rejected: Sequence[Rejected]
) -> None:
    """Replace the quarantined rows of one source's load scope (same transaction as the load)."""
    con.execute(f"delete from {QUARANTINE_TABLE} where source = ? and load_scope = ?", [source, load_scope])
    if not rejected:
        return
    rows = pa.table(
        {
            "source": pa.array([source] * len(rejected), pa.string()),
            "load_scope": pa.array([load_scope] * len(rejected), pa.string()),
            "source_file": pa.array([r.source_file for r in rejected], pa.string()),
            "line": pa.array([r.line for r in rejected], pa.int64()),
            "reason": pa.array([r.reason for r in rejected], pa.string()),
            "raw": pa.array([r.raw for r in rejected], pa.string()),
            "records": pa.array([r.records for r in rejected], pa.int64()),
        }
    )
    con.register("_finops_rejected", rows)
    try:
        con.execute(f"insert into {QUARANTINE_TABLE} by name select * from _finops_rejected")
    finally:
        con.unregister("_finops_rejected")


def record_load(
    con: duckdb.DuckDBPyConnection,
    source: str,
    load_scope: str,
    *,
    input_rows: int,
    loaded_rows: int,
    quarantined_rows: int,
    detail: str | None = None,
) -> None:
    """One audit row per (source, scope), replaced on each load: the row balance the checks verify."""
    con.execute(f"delete from {LOAD_AUDIT_TABLE} where source = ? and load_scope = ?", [source, load_scope])
    con.execute(
        f"insert into {LOAD_AUDIT_TABLE} values (?, ?, ?, ?, ?, ?)",
        [source, load_scope, input_rows, loaded_rows, quarantined_rows, detail],
    )


def load_balance(con: duckdb.DuckDBPyConnection, source: str, scopes: Sequence[str]) -> list[tuple]:
    """(scope, input, loaded, quarantined, input records the stored quarantine rows stand for, ok) for the
    given scopes (a file rejected whole is one row standing for all its records)."""
    if not scopes:
        return []
    return con.execute(
        f"""
        select
            audit.load_scope,
            audit.input_rows,
            audit.loaded_rows,
            audit.quarantined_rows,
            coalesce(stored.n, 0) as stored_quarantine,
            audit.input_rows = audit.loaded_rows + audit.quarantined_rows
                and audit.quarantined_rows = coalesce(stored.n, 0) as ok
        from {LOAD_AUDIT_TABLE} as audit
        left join (
            select load_scope, sum(records) as n from {QUARANTINE_TABLE} where source = ? group by load_scope
        ) as stored on stored.load_scope = audit.load_scope
        where audit.source = ? and audit.load_scope in (select unnest(?))
        order by audit.load_scope
        """,
        [source, source, list(scopes)],
    ).fetchall()
