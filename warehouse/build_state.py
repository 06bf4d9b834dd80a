"""What each build step last built from, so a night with no new data does not rebuild what cannot change.

A step (a dbt invocation, an export) records a *state* after it succeeds: a digest of everything its output is
a function of (the tables it reads, the dbt project's files, its settings). The next run computes the state
again; when it is the same and the step's outputs are still there, the step has nothing to do. Anything that
differs — a reloaded bill with one cent changed, a new ledger day, a closed month, an edited model, another
memory limit in the vars — gives another state, and the step builds as before.

Table digests are `count(*)` and the sum of a 64-bit hash of every whole row: order-free, and sensitive to any
value in any column. They read every row, so they cost a scan of the tables (not a rebuild of what reads them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingest.common import sql_identifier

BUILD_STATE_TABLE = "audit.build_state"


def ensure_build_state_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists audit")
    con.execute(
        f"""
        create table if not exists {BUILD_STATE_TABLE} (
            step varchar not null,
            state varchar not null,
            run_id varchar,
            recorded_at timestamp not null,
            detail varchar
        )
        """
    )


def _relation(qualified: str) -> str:
    return ".".join(sql_identifier(part) for part in qualified.split("."))


def existing_relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    """`schema.name` of every table and view of the warehouse, lower case."""
    rows = con.execute(
        "select lower(table_schema || '.' || table_name) from information_schema.tables"
        " where table_catalog = current_database()"
    ).fetchall()
    return {name for (name,) in rows}


def table_digest(con: duckdb.DuckDBPyConnection, qualified: str, existing: set[str] | None = None) -> str:
    """`rows:hashsum` of a table (or view), or `absent`."""
    existing = existing_relations(con) if existing is None else existing
    if qualified.lower() not in existing:
        return "absent"
    rows, hash_sum = con.execute(f"select count(*), sum(hash(t)) from {_relation(qualified)} as t").fetchone()
    return f"{rows}:{hash_sum or 0}"


def tables_digest(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> dict[str, str]:
    """`schema.table` -> its digest, for each table (sorted)."""
    existing = existing_relations(con)
    return {table: table_digest(con, table, existing) for table in sorted(set(tables))}


def files_digest(root: Path, patterns: Iterable[str]) -> str:
    """sha256 over the relative path and bytes of every file under `root` matching one of `patterns`."""
    digest = hashlib.sha256()
    for path in sorted({p for pattern in patterns for p in root.glob(pattern) if p.is_file()}):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def state_of(parts: Mapping[str, object]) -> str:
    """One string for the state of a step: sha256 of its parts as canonical JSON."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def recorded_state(con: duckdb.DuckDBPyConnection, step: str) -> tuple[str, str | None, str | None] | None:
    """(state, run_id, detail) the step recorded at its last success, or None."""
    ensure_build_state_table(con)
    return con.execute(f"select state, run_id, detail from {BUILD_STATE_TABLE} where step = ?", [step]).fetchone()


def record_state(
    con: duckdb.DuckDBPyConnection, step: str, state: str, run_id: str | None, detail: str | None = None
) -> None:
    ensure_build_state_table(con)
    con.execute("begin transaction")
    con.execute(f"delete from {BUILD_STATE_TABLE} where step = ?", [step])
    con.execute(
        f"insert into {BUILD_STATE_TABLE} values (?, ?, ?, ?, ?)",
        [step, state, run_id, datetime.now(UTC).replace(tzinfo=None), detail],
    )
    con.execute("commit")


def forget_state(con: duckdb.DuckDBPyConnection, step: str) -> None:
    """The step builds next time whatever its inputs (e.g. before it starts writing: a failure half-way leaves
    no state that could claim its outputs are up to date)."""
    ensure_build_state_table(con)
    con.execute(f"delete from {BUILD_STATE_TABLE} where step = ?", [step])
