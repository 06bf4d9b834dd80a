"""The run history a new DAGSTER_HOME gets (pipelines/dagster_home.yaml, pipelines/run_history.py): Dagster's own
SQLite files, written with one engine per file and commits that do not flush to disk, and readable by Dagster's
default storage."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from pipelines.run_history import DAGSTER_HOME_CONFIG, RunHistoryEventLogStorage
from pipelines.settings import PROJECT_ROOT


@dg.asset
def upstream() -> int:
    return 1


@dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="downstream")])
def downstream(upstream: int):
    yield dg.Output(upstream + 1)
    yield dg.AssetCheckResult(passed=upstream + 1 > 0)


@pytest.fixture
def instance(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(DAGSTER_HOME_CONFIG, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        yield instance


def test_a_new_dagster_home_keeps_its_history_with_our_storage(instance):
    assert type(instance.event_log_storage) is RunHistoryEventLogStorage
    assert Path(instance.event_log_storage._base_dir) == Path(instance.root_directory) / "history" / "runs"


def test_runs_are_stored_with_one_engine_per_file_and_no_disk_flush(instance):
    storage = instance.event_log_storage
    runs = [dg.materialize([upstream, downstream], instance=instance) for _ in range(2)]
    assert all(run.success for run in runs)
    # the index and each run's file: one engine each, however many events were written and read
    assert set(storage._engines) == {"index", *(run.run_id for run in runs)}
    engine = storage._engines[runs[0].run_id]
    with storage.run_connection(runs[0].run_id) as conn:
        assert conn.engine is engine
        assert conn.exec_driver_sql("pragma synchronous").fetchall() == [(0,)]


def test_the_history_is_dagsters_own(instance):
    """Dagster's default storage (what a dagster.yaml without our class gives) reads the same events."""
    run = dg.materialize([upstream, downstream], instance=instance)
    ours = [entry.dagster_event_type for entry in instance.all_logs(run.run_id)]
    default = SqliteEventLogStorage(instance.event_log_storage._base_dir)
    assert [entry.dagster_event_type for entry in default.get_logs_for_run(run.run_id)] == ours
    assert dg.DagsterEventType.ASSET_MATERIALIZATION in ours
    assert default.get_latest_materialization_events([dg.AssetKey("downstream")])[dg.AssetKey("downstream")]


def test_bootstrap_gives_a_new_home_this_config():
    assert "cp pipelines/dagster_home.yaml" in (PROJECT_ROOT / "bootstrap.sh").read_text()
