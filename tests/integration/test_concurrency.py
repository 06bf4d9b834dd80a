"""Two real processes on one warehouse: a second `finops run` or a `finops export` waits for the first (with a
message) up to FINOPS_LOCK_TIMEOUT_SECONDS, then stops with a one-line error and exit code 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import PROJECT_ROOT
from tests.showback_fixture import seed_showback

pytestmark = pytest.mark.integration

# what `finops run` does for its whole duration: the warehouse lock, and DuckDB's write lock while it loads
HOLDER = """
import sys, time
from warehouse.duckdb_store import connect
from warehouse.lock import warehouse_lock
warehouse, seconds, take_lock = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "lock"
if take_lock:
    with warehouse_lock(warehouse, exclusive=True, purpose="finops run"):
        con = connect(warehouse)
        print("holding", flush=True)
        time.sleep(seconds)
        con.close()
else:  # a writer that does not know our lock (a Dagster-launched run, a duckdb shell)
    con = connect(warehouse)
    print("holding", flush=True)
    time.sleep(seconds)
    con.close()
"""


def _seed(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        seed_showback(con, [("2026-10", "search", "f", "prod", "t", Decimal("1.5"))])


def _env(timeout_seconds: float) -> dict[str, str]:
    return {**os.environ, "FINOPS_LOCK_TIMEOUT_SECONDS": str(timeout_seconds), "PYTHONPATH": str(PROJECT_ROOT)}


def _hold(warehouse: Path, seconds: float, *, take_lock: bool = True) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse), str(seconds), "lock" if take_lock else "no-lock"],
        cwd=PROJECT_ROOT,
        env=_env(600),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "holding", process.stderr.read()
    return process


def _finops(*args: str, timeout_seconds: float) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=PROJECT_ROOT,
        env=_env(timeout_seconds),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _stop(process: subprocess.Popen) -> None:
    process.kill()  # our own helper, by its handle
    process.wait(timeout=30)


def _one_line_error(completed: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in completed.stderr, completed.stderr
    errors = [line for line in completed.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, completed.stderr
    return errors[0]


def test_export_and_second_run_refuse_cleanly_while_a_run_holds_the_warehouse(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    _seed(warehouse)
    (tmp_path / "landing" / "ledger").mkdir(parents=True)
    holder = _hold(warehouse, 120)
    try:
        started = time.monotonic()
        export = _finops(
            "export", "showback", "--month", "2026-10", "--warehouse", str(warehouse), "--out",
            str(tmp_path / "s.csv"), timeout_seconds=1,
        )  # fmt: skip
        assert export.returncode == 2
        line = _one_line_error(export)
        assert f"warehouse {warehouse} is in use by finops run (pid {holder.pid}" in line
        assert "waits up to 1 s" in export.stderr  # it said it was waiting before giving up
        assert not (tmp_path / "s.csv").exists()

        run = _finops("run", "--landing", str(tmp_path / "landing"), "--warehouse", str(warehouse), timeout_seconds=1)
        assert run.returncode == 2
        assert f"is in use by finops run (pid {holder.pid}" in _one_line_error(run)
        assert time.monotonic() - started < 120  # neither waited for the holder to finish
    finally:
        _stop(holder)


def test_export_waits_for_the_run_then_writes(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    _seed(warehouse)
    holder = _hold(warehouse, 4)
    try:
        export = _finops(
            "export", "showback", "--month", "2026-10", "--warehouse", str(warehouse), "--out",
            str(tmp_path / "s.csv"), timeout_seconds=120,
        )  # fmt: skip
    finally:
        _stop(holder)
    assert export.returncode == 0, export.stderr
    assert "is in use by finops run" in export.stderr and "goes on" in export.stderr
    assert (tmp_path / "s.csv").read_text().splitlines()[1].endswith(",1.500000000")


def test_export_against_a_writer_without_the_lock_is_a_clean_error(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    _seed(warehouse)
    holder = _hold(warehouse, 120, take_lock=False)
    try:
        export = _finops("export", "showback", "--month", "2026-10", "--warehouse", str(warehouse), timeout_seconds=1)
    finally:
        _stop(holder)
    assert export.returncode == 2
    line = _one_line_error(export)
    assert f"warehouse {warehouse} is locked by" in line and f"(PID {holder.pid})" in line
