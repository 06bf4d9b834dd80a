"""Spark event logs parsed by several processes (issue 12): the result is the sequential one, exactly.

The folder mixes good logs, corrupt and empty ones, lines cut mid-way, a refused codec, a rolling directory, a
Databricks folder and the same application twice (its quarantine row comes where the merge order puts it).
The store records which process opened each file, so a test can prove that worker processes did parse part of
the folder (a small folder is otherwise parsed by this process before a worker has started)."""

from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import zstandard

from ingest import spark_eventlog
from ingest.spark_eventlog import parse_landing
from ingest.storage import LocalStore

T0 = 1_790_812_800_000  # 2026-10-01T00:00:00Z in epoch ms
GOOD_LOGS = 24


@dataclass(frozen=True)
class _WatchedStore(LocalStore):
    """A LocalStore that notes the process opening each file. In the parent process, until a worker process
    has opened a file, each open waits up to `pause` seconds (the pool gets work between two files parsed
    here): however slow the workers' start, the folder lasts long enough for them to get part of it. With
    `worker_dies`, a worker process exits abruptly at its first open (a killed worker)."""

    marks: Path = Path()
    parent_pid: int = 0
    pause: float = 1.0
    worker_dies: bool = False

    def path_text(self, key: str) -> str:  # what the parser opens a file through (LocalStore.path calls it too)
        pid = os.getpid()
        (self.marks / f"{pid}-{key.replace('/', '_')}").touch()
        if pid != self.parent_pid and self.worker_dies:
            os._exit(3)
        if pid == self.parent_pid:
            deadline = time.monotonic() + self.pause
            while not self.worker_pids() and time.monotonic() < deadline:
                time.sleep(0.05)
        return super().path_text(key)

    def worker_pids(self) -> set[int]:
        pids = {int(mark.name.split("-", 1)[0]) for mark in self.marks.iterdir()}
        return pids - {self.parent_pid}


def _log(app_id: str, *, gpus: int, finished: bool = True, cut_line: int | None = None) -> bytes:
    events = [
        {"Event": "SparkListenerLogStart", "Spark Version": "3.5.1"},
        {
            "Event": "SparkListenerEnvironmentUpdate",
            "Spark Properties": {"spark.executor.resource.gpu.amount": str(gpus), "spark.finops.team": "search"},
        },
        {"Event": "SparkListenerApplicationStart", "App Name": "etl", "App ID": app_id, "Timestamp": T0, "User": "u"},
        {
            "Event": "SparkListenerExecutorAdded",
            "Timestamp": T0 + 10_000,
            "Executor ID": "1",
            "Executor Info": {"Host": "h1", "Resource Profile Id": 0},
        },
        {"Event": "SparkListenerExecutorRemoved", "Timestamp": T0 + 70_000, "Executor ID": "1"},
    ]
    if finished:
        events.append({"Event": "SparkListenerApplicationEnd", "Timestamp": T0 + 100_000})
    lines = [json.dumps(event) for event in events]
    if cut_line is not None:
        lines[cut_line - 1] = lines[cut_line - 1][:25]
    return ("\n".join(lines) + "\n").encode()


def _landing(root: Path) -> None:
    """24 good logs (one in six with a cut line), 2 corrupt, 2 empty, 1 refused codec, 1 garbage, a rolling
    directory, a Databricks folder, and app-dup twice (the final log sorts after its in-progress copy)."""
    folder = root / "spark"
    folder.mkdir(parents=True)
    zstd = zstandard.ZstdCompressor()
    for number in range(GOOD_LOGS):
        app_id = f"app-{number:02d}"
        cut = 5 if number % 6 == 0 else None  # the ExecutorRemoved line: the executor then ends with the app
        (folder / f"{app_id}.zstd").write_bytes(zstd.compress(_log(app_id, gpus=number % 4 + 1, cut_line=cut)))
    (folder / "app-90.zstd").write_bytes(b"\x28\xb5\x2f\xfd not really zstd")
    (folder / "app-91.gz").write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    (folder / "app-92").write_bytes(b"")
    (folder / "app-93.zstd").write_bytes(zstd.compress(b""))
    (folder / "app-94.lz4").write_bytes(b"LZ4Block" + bytes(20))
    (folder / "app-95").write_bytes(b"\x00\x01 not an event log\n")
    rolling = folder / "eventlog_v2_app-96"
    rolling.mkdir()
    lines = _log("app-96", gpus=2).decode().splitlines(keepends=True)
    (rolling / "events_1_app-96").write_text("".join(lines[:3]))
    (rolling / "events_2_app-96.zstd").write_bytes(zstd.compress("".join(lines[3:]).encode()))
    (rolling / "appstatus_app-96").write_text("")
    databricks = folder / "cluster-1" / "eventlog" / "abc"
    databricks.mkdir(parents=True)
    lines = _log("app-97", gpus=8).decode().splitlines(keepends=True)
    (databricks / "eventlog-2026-10-01--00-00.gz").write_bytes(gzip.compress("".join(lines[:4]).encode()))
    (databricks / "eventlog").write_text("".join(lines[4:]))
    (folder / "app-dup.inprogress").write_bytes(_log("app-dup", gpus=1, finished=False))
    (folder / "app-dup.zz").write_bytes(_log("app-dup", gpus=1))


def _snapshot(results: dict) -> dict:
    return {
        name: (result.table.to_pylist(), result.table.schema, result.rejected, result.input_rows)
        for name, result in results.items()
    }


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    _landing(tmp_path / "landing")
    (tmp_path / "marks").mkdir()
    return tmp_path / "landing"


def test_sequential_result_is_what_the_folder_holds(landing: Path) -> None:
    """The reference the parallel runs are compared with, checked against counts worked out by hand."""
    results = parse_landing(LocalStore(landing), "spark", workers=1)
    apps, executors = results["spark_apps"], results["spark_executors"]
    apps.check_balance()
    executors.check_balance()
    ids = apps.table.column("app_id").to_pylist()
    assert set(ids) == {f"app-{n:02d}" for n in range(GOOD_LOGS)} | {"app-96", "app-97", "app-dup"}
    assert len(ids) == GOOD_LOGS + 3  # app-dup once
    # each executor lives 60 s (90 s to the app's end when its removal line is cut) with 1..4 GPUs (app-NN:
    # NN % 4 + 1); rolling 2 GPUs, Databricks 8, app-dup 1
    lives = [90 if n % 6 == 0 else 60 for n in range(GOOD_LOGS)]
    expected = sum(lives[n] * (n % 4 + 1) for n in range(GOOD_LOGS)) + 60 * 2 + 60 * 8 + 60 * 1
    assert sum(apps.table.column("executor_gpu_seconds").to_pylist()) == Decimal(expected)
    reasons = {(Path(r.source_file).name, r.line): r.reason for r in apps.rejected}
    cut = {(f"app-{n:02d}.zstd", 5) for n in range(0, GOOD_LOGS, 6)}
    whole = {(name, None) for name in ("app-90.zstd", "app-91.gz", "app-92", "app-93.zstd", "app-94.lz4", "app-95")}
    assert set(reasons) == cut | whole | {("app-dup.inprogress", None)}
    assert reasons[("app-90.zstd", None)].startswith("cannot decompress")
    assert reasons[("app-92", None)].startswith("log rejected: not a Spark event log")
    assert "was kept" in reasons[("app-dup.inprogress", None)]
    assert apps.input_rows == len(ids) + len(reasons)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_parallel_result_equals_the_sequential_one_exactly(landing: Path, workers: int) -> None:
    sequential = _snapshot(parse_landing(LocalStore(landing), "spark", workers=1))
    marks = landing.parent / "marks"
    store = _WatchedStore(landing, marks=marks, parent_pid=os.getpid() if workers > 1 else -1)
    parallel = _snapshot(parse_landing(store, "spark", workers=workers, min_parallel_logs=1))
    assert parallel == sequential  # same rows in the same order, same quarantine rows in the same order, totals
    if workers > 1:
        assert store.worker_pids(), "no worker process parsed any log"
        assert len(store.worker_pids()) <= workers - 1  # this process parses too: workers counts it
        opened = {mark.name.split("-", 1)[1] for mark in marks.iterdir()}
        assert len(opened) == len(list(marks.iterdir()))  # every file opened once, by one process


def test_a_worker_that_dies_leaves_the_rest_to_this_process(landing: Path) -> None:
    sequential = _snapshot(parse_landing(LocalStore(landing), "spark", workers=1))
    store = _WatchedStore(landing, marks=landing.parent / "marks", parent_pid=os.getpid(), worker_dies=True)
    assert _snapshot(parse_landing(store, "spark", workers=2, min_parallel_logs=1)) == sequential
    assert store.worker_pids()  # a worker did start on the folder before it died


def test_a_small_folder_is_parsed_without_a_pool(landing: Path) -> None:
    """Under `min_parallel_logs` (33 logs here) no worker process is started at all."""
    deadline = time.monotonic() + 60
    while multiprocessing.active_children() and time.monotonic() < deadline:  # earlier tests' workers leaving
        time.sleep(0.05)
    sequential = _snapshot(parse_landing(LocalStore(landing), "spark", workers=1))
    assert _snapshot(parse_landing(LocalStore(landing), "spark", workers=3)) == sequential
    assert multiprocessing.active_children() == []
    assert _snapshot(parse_landing(LocalStore(landing), "spark", workers=3, min_parallel_logs=1)) == sequential
    assert multiprocessing.active_children() != []  # the check above can fail: a pool leaves children behind


@pytest.mark.parametrize(
    ("cpus", "load", "running", "expected"),
    [
        (1, 0.0, 0, 1),
        (2, 0.4, 0, 2),
        (2, 0.6, 1, 1),
        (2, 0.9, 0, 2),  # the average holds this process's own past work; nothing else runs now
        (2, 1.5, 2, 1),
        (2, 3.5, None, 1),  # no /proc/loadavg: the average alone
        (2, 0.2, 3, 2),  # a burst now, idle on average: the average
        (8, 0.5, 0, 8),
        (8, 6.2, 7, 2),
        (8, None, 7, 8),  # no load average at all: every CPU
    ],
)
def test_default_workers_are_the_cpus_other_work_leaves_idle(monkeypatch, cpus, load, running, expected) -> None:
    from ingest import spark_eventlog

    def loadavg() -> tuple[float, float, float]:
        if load is None:
            raise OSError("no load average")
        return (load, 0.0, 0.0)

    monkeypatch.setattr(spark_eventlog.os, "sched_getaffinity", lambda pid: set(range(cpus)), raising=False)
    monkeypatch.setattr(spark_eventlog.os, "getloadavg", loadavg)
    monkeypatch.setattr(
        spark_eventlog, "_running_elsewhere", lambda default: default if running is None else float(running)
    )
    assert spark_eventlog.default_workers() == expected


def test_running_elsewhere_reads_proc_loadavg() -> None:
    from ingest import spark_eventlog

    running = spark_eventlog._running_elsewhere(-1.0)
    if Path("/proc/loadavg").exists():
        assert running >= 0  # this test's own process is not counted
    else:
        assert running == -1.0


def test_a_worker_imports_the_parser_without_pyarrow() -> None:
    """A spawned worker imports the parser module only: pyarrow (~0.7 s of CPU per worker) stays out of it."""
    import subprocess
    import sys

    code = "import sys, ingest.spark_eventlog; print('pyarrow' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    output = subprocess.run([sys.executable, "-c", code], cwd=root, check=True, capture_output=True, text=True)
    assert output.stdout.strip() == "False"


@pytest.mark.parametrize("batch", [1, 2, 5])
def test_tables_built_in_batches_are_the_tables_of_one_build(landing: Path, batch: int, monkeypatch) -> None:
    """parse_landing builds its Arrow tables a batch of applications at a time while logs are parsed (issue 12):
    the result is that of one build over all of them, with an application replaced by a later copy after its batch
    was built (app-dup, with batches of 1) and rows that cannot be stored rejected in their place."""
    (landing / "spark" / "app-50").write_bytes(
        _log("app-50", gpus=1).replace(b'"App Name": "etl"', b'"App Name": "\\ud800"')
    )
    (landing / "spark" / "app-51").write_bytes(_log("app-51", gpus=2))

    def snapshot(results: dict) -> dict:
        chunks = {name: [column.num_chunks for column in result.table.columns] for name, result in results.items()}
        return {"chunks": chunks, **_snapshot(results)}

    whole = snapshot(parse_landing(LocalStore(landing), "spark", workers=1))
    assert any("cannot be stored" in r.reason and r.source_file.endswith("app-50") for r in whole["spark_apps"][2])
    monkeypatch.setattr(spark_eventlog, "_TABLE_BATCH", batch)
    assert snapshot(parse_landing(LocalStore(landing), "spark", workers=1)) == whole
