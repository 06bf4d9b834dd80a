"""Dagster's run history on SQLite, as Dagster keeps it under DAGSTER_HOME, without two costs it pays per event.

Dagster's `SqliteEventLogStorage` builds a new SQLAlchemy engine for every read and write, and every write
commits with the disk flushes SQLite makes by default. A night's run stores ~700 events (each asset, check and
step): measured on the empty night, the history on SQLite took ~10 s more than an in-memory one, about half of
that night. `RunHistoryEventLogStorage` keeps one engine per database file (the run's and the index) and commits
without waiting for the disk (`PRAGMA synchronous = OFF`). The files, tables and what the UI reads are
Dagster's own. A crash of finops loses nothing; a crash of the machine itself can lose the last events of a run
history (never a warehouse row: the warehouse is DuckDB).

`bootstrap.sh` names it in the `dagster.yaml` it writes (`DAGSTER_HOME_CONFIG`).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy
from dagster import Field, StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

# the dagster.yaml of a new DAGSTER_HOME (bootstrap.sh, the nightly bench)
DAGSTER_HOME_CONFIG = Path(__file__).with_name("dagster_home.yaml")
# engines kept at once: a run writes two files; the UI reads the runs it shows
ENGINES_KEPT = 32


def _commit_without_flush(dbapi_connection: object, _record: object) -> None:
    dbapi_connection.execute("pragma synchronous = off")  # type: ignore[attr-defined]


class RunHistoryEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` with one engine per database file and commits that do not flush to disk."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls) -> dict:
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: dict
    ) -> RunHistoryEventLogStorage:
        # Dagster's own default place for the event log: $DAGSTER_HOME/history/runs
        base_dir = config_value.get("base_dir") or os.path.join(os.environ["DAGSTER_HOME"], "history", "runs")
        return cls(base_dir, inst_data=inst_data)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=NullPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            sqlalchemy.event.listen(engine, "connect", _commit_without_flush)
        self._engines[shard] = engine  # the most recently used last
        while len(self._engines) > ENGINES_KEPT:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # as Dagster's own _connect (one lock around each connection), with the engine kept
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        super().dispose()
