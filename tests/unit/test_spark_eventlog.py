"""Spark event log parser on the shared samples and on synthetic logs of the same kinds (resource profiles, a
rolling directory, compressed, malformed and truncated logs)."""

from __future__ import annotations

import gzip
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
import zstandard

from ingest import spark_eventlog
from ingest.common import SourceFormatError
from ingest.spark_eventlog import parse_eventlog_path, parse_landing, rolling_parts
from ingest.storage import LocalStore
from tests.conftest import sample


def _independent_executor_gpu_seconds(lines: list[str]) -> tuple[Decimal, Decimal]:
    """GPU-seconds recomputed without the parser: a second, deliberately naive pass over the raw lines.

    Executor GPUs = the `gpu` request of its resource profile; lifetime = removed, else application end.
    Task GPU time = (finish - launch) x the task `gpu` request of the executor's profile."""
    events = []
    for text in lines:
        try:
            events.append(json.loads(text))
        except json.JSONDecodeError:
            pass
    exec_req, task_req = {}, {}
    for e in events:
        if e["Event"] == "SparkListenerResourceProfileAdded":
            exec_req[e["Resource Profile Id"]] = e["Executor Resource Requests"].get("gpu", {}).get("Amount", 0)
            task_req[e["Resource Profile Id"]] = str(e["Task Resource Requests"].get("gpu", {}).get("Amount", 0))
    app_end = [e["Timestamp"] for e in events if e["Event"] == "SparkListenerApplicationEnd"][0]
    added = {
        e["Executor ID"]: (e["Timestamp"], e["Executor Info"]["Resource Profile Id"])
        for e in events
        if e["Event"] == "SparkListenerExecutorAdded" and e["Executor ID"] != "driver"
    }
    removed = {e["Executor ID"]: e["Timestamp"] for e in events if e["Event"] == "SparkListenerExecutorRemoved"}
    executor_ms = 0
    for executor, (start, profile) in added.items():
        executor_ms += (removed.get(executor, app_end) - start) * exec_req[profile]
    task_total = Decimal(0)
    for e in events:
        if e["Event"] == "SparkListenerTaskEnd" and e["Task Info"]["Executor ID"] in added:
            info = e["Task Info"]
            profile = added[info["Executor ID"]][1]
            task_total += (info["Finish Time"] - info["Launch Time"]) * Decimal(task_req[profile])
    return Decimal(executor_ms) / 1000, task_total / 1000


def test_rp_nosql_gpu_seconds_match_an_independent_count() -> None:
    path = sample("spark", "rp_nosql_eventlog")
    result = parse_eventlog_path(str(path))
    expected_executor, expected_task = _independent_executor_gpu_seconds(path.read_text().splitlines())
    app = result.app
    assert app["executor_gpu_seconds"] == expected_executor == Decimal("86.658")
    assert app["task_gpu_seconds"] == expected_task
    assert sum(row["gpu_seconds"] for row in result.executors) == expected_executor
    assert app["app_id"] == "application_1603128018386_7756" and app["is_complete"] is True
    assert app["spark_version"] == "3.1.1" and app["malformed_lines"] == 0
    assert {row["executor_id"]: row["gpu_amount"] for row in result.executors} == {"1": 1, "3": 2, "4": 2}
    assert app["max_concurrent_gpus"] == Decimal(5)


def test_malformed_zstd_log_skips_line_4_and_parses_the_rest() -> None:
    path = sample("spark", "malformed_json_eventlog.zstd")
    result = parse_eventlog_path(str(path))
    assert result.app["malformed_lines"] == 1
    assert [(r.line, r.source_file) for r in result.rejected] == [(4, str(path))]
    text = zstandard.ZstdDecompressor().stream_reader(path.open("rb")).read().decode()
    expected_executor, expected_task = _independent_executor_gpu_seconds(text.splitlines())
    assert result.app["executor_gpu_seconds"] == expected_executor
    assert result.app["task_gpu_seconds"] == expected_task
    assert result.app["is_complete"] is True and len(result.executors) == 9
    # line 4 is the EnvironmentUpdate: the GPU amounts still come from the resource profiles
    assert result.app["app_name"] == "Spark shell"


def test_truncated_log_is_incomplete_and_ends_at_last_event() -> None:
    path = sample("spark", "truncated_eventlog")
    lines = path.read_text().splitlines()
    starts = sum('"Event":"SparkListenerTaskStart"' in line for line in lines)
    ends = sum('"Event":"SparkListenerTaskEnd"' in line for line in lines)
    assert (starts, ends) == (24, 21)
    result = parse_eventlog_path(str(path))
    assert result.app["is_complete"] is False
    last_times = []
    for line in lines:
        event = json.loads(line)
        for key in ("Timestamp", "Submission Time", "Completion Time", "time"):
            if isinstance(event.get(key), int):
                last_times.append(event[key])
        info = event.get("Task Info") or event.get("Stage Info") or {}
        for key in ("Launch Time", "Finish Time", "Submission Time", "Completion Time"):
            if isinstance(info.get(key), int) and info[key] > 0:
                last_times.append(info[key])
    assert result.app["ended_at"].timestamp() * 1000 == pytest.approx(max(last_times))  # naive = UTC
    assert result.app["ended_at"] > result.app["started_at"]


def test_rolling_directory_reads_parts_in_numeric_order(samples_dir: Path) -> None:
    folder = samples_dir / "spark" / "eventlog_v2_local-1623876083964"
    result = parse_eventlog_path(str(folder))
    assert result.app["app_id"] == "local-1623876083964"
    assert result.app["is_complete"] is True  # ApplicationEnd is in part 2
    assert result.app["source_file"] == str(folder)
    names = ["events_10_a.zstd", "appstatus_a", "events_2_a.zstd", "events_1_a.zstd"]
    assert rolling_parts(names) == ["events_1_a.zstd", "events_2_a.zstd", "events_10_a.zstd"]
    compacted = ["events_1_a.compact", "events_2_a.compact", "events_1_a", "events_3_a", "events_2_a"]
    assert rolling_parts(compacted) == ["events_2_a.compact", "events_3_a"]


T0 = 1_790_000_000_000  # 2026-09-21 UTC: event times must lie in the accepted range (ingest.common)


def _gpu_log(app_id: str, *, finished: bool) -> list[str]:
    events = [
        {"Event": "SparkListenerLogStart", "Spark Version": "3.5.1"},
        {
            "Event": "SparkListenerEnvironmentUpdate",
            "Spark Properties": {
                "spark.executor.resource.gpu.amount": "2",
                "spark.task.resource.gpu.amount": "0.5",
                "spark.executor.instances": "2",
                "spark.finops.team": "search",
                "spark.finops.model_version": "m-v1",
            },
        },
        {
            "Event": "SparkListenerApplicationStart",
            "App Name": "embed",
            "App ID": app_id,
            "Timestamp": T0 + 1_000_000,
            "User": "ana",
            "App Attempt ID": "1",
        },
        {
            "Event": "SparkListenerExecutorAdded",
            "Timestamp": T0 + 1_010_000,
            "Executor ID": "1",
            "Executor Info": {"Host": "h1", "Resource Profile Id": 0},
        },
        {"Event": "com.example.PluginEvent", "Timestamp": 9_999_999_999},  # unknown: ignored entirely
        {
            "Event": "SparkListenerTaskEnd",
            "Stage ID": 0,
            "Stage Attempt ID": 0,
            "Task Info": {"Executor ID": "1", "Launch Time": T0 + 1_020_000, "Finish Time": T0 + 1_020_333},
        },
        {
            "Event": "SparkListenerExecutorAdded",
            "Timestamp": T0 + 1_015_000,
            "Executor ID": "2",
            "Executor Info": {"Host": "h2", "Resource Profile Id": 0},
        },
        {"Event": "SparkListenerExecutorRemoved", "Timestamp": T0 + 1_070_000, "Executor ID": "1"},
    ]
    if finished:
        events.append({"Event": "SparkListenerApplicationEnd", "Timestamp": T0 + 1_100_000})
    return [json.dumps(e) for e in events]


def test_defaults_from_properties_tags_and_compressions(tmp_path: Path) -> None:
    text = "\n".join(_gpu_log("app-1", finished=True)) + "\n"
    (tmp_path / "spark").mkdir()
    (tmp_path / "spark" / "app-1.gz").write_bytes(gzip.compress(text.encode()))
    partial = "\n".join(_gpu_log("app-2", finished=False)) + '\n{"Event":"SparkListenerTas'
    (tmp_path / "spark" / "app-2.zstd.inprogress").write_bytes(zstandard.ZstdCompressor().compress(partial.encode()))
    (tmp_path / "spark" / "app-3.lz4").write_bytes(b"LZ4Block\x10\x00")
    results = parse_landing(LocalStore(tmp_path), "spark")
    apps = {row["app_id"]: row for row in results["spark_apps"].table.to_pylist()}
    results["spark_apps"].check_balance()
    results["spark_executors"].check_balance()
    done, running = apps["app-1"], apps["app-2"]
    # executor 1: 60 s x 2 GPUs; executor 2: never removed, closed at app end 85 s x 2 GPUs
    assert done["executor_gpu_seconds"] == Decimal(60 * 2 + 85 * 2)
    assert done["task_gpu_seconds"] == Decimal("0.1665")  # 333 ms x 0.5 GPU
    assert (done["job_id"], done["attempt_id"], done["team"], done["model_version"]) == (
        "app-1/1",
        "1",
        "search",
        "m-v1",
    )
    assert done["gpu_count_requested"] == 4 and done["max_concurrent_gpus"] == Decimal(4)
    assert json.loads(done["properties"])["spark.finops.team"] == "search"
    # in progress: no ApplicationEnd, last bill-relevant event is the removal at 1 070 000 ms; partial line rejected
    assert running["is_complete"] is False and running["malformed_lines"] == 1
    assert running["executor_gpu_seconds"] == Decimal(60 * 2 + 55 * 2)
    rejected = results["spark_apps"].rejected
    assert any("app-3.lz4" in r.source_file and "lz4" in r.reason for r in rejected)
    assert any(r.line == 9 and "app-2" in r.source_file for r in rejected)


def test_lz4_file_is_refused_with_the_file_and_codec(tmp_path: Path) -> None:
    path = tmp_path / "application_1.lz4"
    path.write_bytes(b"LZ4Block" + bytes(20))
    with pytest.raises(SourceFormatError, match=r"application_1\.lz4.*lz4"):
        parse_eventlog_path(str(path))


def test_databricks_rotation_duplicates_and_tag_prefix(tmp_path: Path) -> None:
    lines = _gpu_log("app-db", finished=True)
    # Databricks: the first part rotated (gzip, dated), the live `eventlog` holds the rest
    folder = tmp_path / "spark" / "cluster-1" / "eventlog" / "abc"
    folder.mkdir(parents=True)
    (folder / "eventlog-2026-10-03--10-00.gz").write_bytes(gzip.compress(("\n".join(lines[:4]) + "\n").encode()))
    (folder / "eventlog").write_text("\n".join(lines[4:]) + "\n")
    # the same application twice: a stale in-progress copy beside the final log
    full = "\n".join(_gpu_log("app-dup", finished=True)) + "\n"
    (tmp_path / "spark" / "app-dup").write_text(full)
    (tmp_path / "spark" / "app-dup.inprogress").write_text("\n".join(_gpu_log("app-dup", finished=False)) + "\n")
    results = parse_landing(LocalStore(tmp_path), "spark", tag_prefix="spark.other.")
    results["spark_apps"].check_balance()
    apps = {row["app_id"]: row for row in results["spark_apps"].table.to_pylist()}
    assert set(apps) == {"app-db", "app-dup"}
    assert apps["app-db"]["is_complete"] is True and apps["app-db"]["executor_gpu_seconds"] == Decimal(290)
    assert apps["app-db"]["source_file"].endswith("eventlog/abc")
    assert apps["app-dup"]["is_complete"] is True and apps["app-dup"]["source_file"].endswith("app-dup")
    (duplicate,) = results["spark_apps"].rejected
    assert duplicate.source_file.endswith("app-dup.inprogress") and "was kept" in duplicate.reason
    assert apps["app-db"]["team"] is None  # spark.finops.* is not the configured prefix
    assert len(results["spark_executors"].table) == 4


def test_garbage_and_logs_cut_before_the_application_started_are_rejected_with_a_reason(tmp_path: Path) -> None:
    """Issue 8 item 7: such logs used to load as an application with no id, no times and no GPUs."""
    folder = tmp_path / "spark"
    folder.mkdir()
    (folder / "garbage-1").write_bytes(b"\x00\x01PK\x03\x04 not an event log\nsecond line\n")
    log_start = json.dumps({"Event": "SparkListenerLogStart", "Spark Version": "3.5.1"})
    (folder / "cut-early-1").write_text(log_start + '\n{"Event":"SparkListenerApplicationSt')
    app = [
        log_start,
        json.dumps(
            {"Event": "SparkListenerApplicationStart", "App Name": "ok", "App ID": "app-1", "Timestamp": 1790812800000}
        ),
        '{"Event":"SparkListenerExecutorAdd',  # cut after the start: an incomplete application, loaded
    ]
    (folder / "app-1").write_text("\n".join(app))
    results = parse_landing(LocalStore(tmp_path), "spark")
    apps = results["spark_apps"]
    apps.check_balance()
    assert apps.table.column("app_id").to_pylist() == ["app-1"]
    assert apps.table.column("is_complete").to_pylist() == [False]
    reasons = {(Path(r.source_file).name, r.line): r.reason for r in apps.rejected}
    assert set(reasons) == {("garbage-1", None), ("cut-early-1", None), ("app-1", 3)}
    assert reasons[("garbage-1", None)].startswith("log rejected: not a Spark event log")
    assert "in 2 line(s), 2 of them unreadable" in reasons[("garbage-1", None)]
    assert "in 2 line(s), 1 of them unreadable" in reasons[("cut-early-1", None)]
    assert apps.input_rows == 4  # one application + two rejected logs + the cut line of app-1


# --- the shared-sample tests above, again on synthetic logs written here (issue 13 item 9: they run everywhere) ---


def _resource_profile_log() -> list[str]:
    """Spark 3.1 with stage-level scheduling: GPUs come from resource profiles, not from the properties.

    By hand: executor 1 (profile 0, 1 GPU) lives 1 000..11 000 ms = 10 GPU-s; executors 2 and 3 (profile 1,
    2 GPUs) live 2 000 and 3 000 ms to the application end at 21 000 ms = 38 + 36 GPU-s; 84 GPU-s in all.
    Tasks: 1.5 s x 1 GPU + 4 s x 0.5 + 1 s x 0.5 = 4 GPU-s. At 3 000 ms 1 + 2 + 2 = 5 GPUs are held at once."""

    def profile(number: int, executor_gpus: int, task_gpus: float) -> dict:
        return {
            "Event": "SparkListenerResourceProfileAdded",
            "Resource Profile Id": number,
            "Executor Resource Requests": {"gpu": {"Resource Name": "gpu", "Amount": executor_gpus}},
            "Task Resource Requests": {"gpu": {"Resource Name": "gpu", "Amount": task_gpus}},
        }

    def executor(executor_id: str, at: int, profile_id: int) -> dict:
        return {
            "Event": "SparkListenerExecutorAdded",
            "Timestamp": T0 + at,
            "Executor ID": executor_id,
            "Executor Info": {"Host": f"h{executor_id}", "Total Cores": 4, "Resource Profile Id": profile_id},
        }

    def task(kind: str, task_id: int, executor_id: str, launch: int, finish: int) -> dict:
        info = {"Task ID": task_id, "Executor ID": executor_id, "Launch Time": T0 + launch}
        info["Finish Time"] = T0 + finish if kind == "End" else 0
        return {"Event": f"SparkListenerTask{kind}", "Stage ID": 0, "Stage Attempt ID": 0, "Task Info": info}

    events = [
        {"Event": "SparkListenerLogStart", "Spark Version": "3.1.1"},
        profile(0, 1, 1),
        profile(1, 2, 0.5),
        {"Event": "SparkListenerEnvironmentUpdate", "Spark Properties": {"spark.app.name": "Spark shell"}},
        {
            "Event": "SparkListenerApplicationStart",
            "App Name": "Spark shell",
            "App ID": "application_1790000000000_0001",
            "Timestamp": T0,
            "User": "ana",
        },
        executor("1", 1_000, 0),
        executor("2", 2_000, 1),
        executor("3", 3_000, 1),
        task("Start", 1, "1", 5_000, 0),
        task("Start", 2, "2", 5_000, 0),
        task("Start", 3, "3", 7_000, 0),
        task("End", 1, "1", 5_000, 6_500),
        task("End", 3, "3", 7_000, 8_000),
        task("End", 2, "2", 5_000, 9_000),
        {"Event": "SparkListenerExecutorRemoved", "Timestamp": T0 + 11_000, "Executor ID": "1"},
        {"Event": "SparkListenerApplicationEnd", "Timestamp": T0 + 21_000},
    ]
    return [json.dumps(event, separators=(",", ":")) for event in events]


def test_synthetic_resource_profile_log_gpu_seconds_match_an_independent_count(tmp_path: Path) -> None:
    lines = _resource_profile_log()
    path = tmp_path / "application_1790000000000_0001"
    path.write_text("\n".join(lines) + "\n")
    result = parse_eventlog_path(str(path))
    app = result.app
    assert _independent_executor_gpu_seconds(lines) == (Decimal(84), Decimal(4))
    assert (app["executor_gpu_seconds"], app["task_gpu_seconds"]) == (Decimal(84), Decimal(4))
    assert sum(row["gpu_seconds"] for row in result.executors) == Decimal(84)
    assert app["app_id"] == "application_1790000000000_0001" and app["is_complete"] is True
    assert app["spark_version"] == "3.1.1" and app["malformed_lines"] == 0
    assert {row["executor_id"]: row["gpu_amount"] for row in result.executors} == {"1": 1, "2": 2, "3": 2}
    assert app["max_concurrent_gpus"] == Decimal(5)


def test_synthetic_malformed_zstd_log_skips_line_4_and_parses_the_rest(tmp_path: Path) -> None:
    lines = _resource_profile_log()
    lines[3] = lines[3][:40]  # the EnvironmentUpdate, cut mid-object
    path = tmp_path / "malformed_json_eventlog.zstd"
    path.write_bytes(zstandard.ZstdCompressor().compress(("\n".join(lines) + "\n").encode()))
    result = parse_eventlog_path(str(path))
    assert result.app["malformed_lines"] == 1
    assert [(r.line, r.source_file) for r in result.rejected] == [(4, str(path))]
    # GPU amounts come from the resource profiles, so the totals are the clean log's
    assert (result.app["executor_gpu_seconds"], result.app["task_gpu_seconds"]) == (Decimal(84), Decimal(4))
    assert result.app["is_complete"] is True and len(result.executors) == 3
    assert result.app["app_name"] == "Spark shell"


def test_synthetic_truncated_log_is_incomplete_and_ends_at_its_last_event(tmp_path: Path) -> None:
    lines = _resource_profile_log()[:-3]  # cut after two task ends: 3 task starts, 2 ends, no removal, no app end
    path = tmp_path / "truncated_eventlog"
    path.write_text("\n".join(lines) + "\n")
    starts = sum('"Event":"SparkListenerTaskStart"' in line for line in lines)
    ends = sum('"Event":"SparkListenerTaskEnd"' in line for line in lines)
    assert (starts, ends) == (3, 2)
    result = parse_eventlog_path(str(path))
    assert result.app["is_complete"] is False
    # the last time in the log is task 3's finish at 8 000 ms
    assert result.app["ended_at"].timestamp() * 1000 == pytest.approx(T0 + 8_000)
    assert result.app["ended_at"] > result.app["started_at"]


def test_synthetic_rolling_directory_reads_parts_in_numeric_order(tmp_path: Path) -> None:
    lines = _resource_profile_log()
    folder = tmp_path / "spark" / "eventlog_v2_local-1790000000000"
    folder.mkdir(parents=True)
    compress = zstandard.ZstdCompressor().compress
    # three parts, numbered 1, 2, 10 (a name sort would read 10 before 2)
    (folder / "events_1_local-1790000000000.zstd").write_bytes(compress(("\n".join(lines[:8]) + "\n").encode()))
    (folder / "events_2_local-1790000000000.zstd").write_bytes(compress(("\n".join(lines[8:14]) + "\n").encode()))
    (folder / "events_10_local-1790000000000.zstd").write_bytes(compress(("\n".join(lines[14:]) + "\n").encode()))
    (folder / "appstatus_local-1790000000000").write_bytes(b"")
    result = parse_eventlog_path(str(folder))
    assert result.app["app_id"] == "application_1790000000000_0001"
    assert result.app["is_complete"] is True  # ApplicationEnd is in part 10
    assert result.app["source_file"] == str(folder)
    assert (result.app["executor_gpu_seconds"], result.app["task_gpu_seconds"]) == (Decimal(84), Decimal(4))
    assert rolling_parts([p.name for p in folder.iterdir()]) == [
        "events_1_local-1790000000000.zstd",
        "events_2_local-1790000000000.zstd",
        "events_10_local-1790000000000.zstd",
    ]


# --- issue 12: the msgspec fast path must judge every line as the standard-library reference path does ---


def _hostile_lines() -> list[bytes]:
    """A log whose lines probe every way the fast path could part from the reference path: non-ASCII and invalid
    UTF-8 inside skipped strings, NaN, lone surrogates, escaped keys and names, repeated keys, floats where the
    reference reads Decimal, values of the wrong type, deep nesting, blank, CRLF and truncated lines."""
    valid = [json.dumps(event, separators=(",", ":")).encode() for event in map(json.loads, _resource_profile_log())]
    task_end = json.loads(valid[11])  # TaskEnd of task 1 on executor 1
    probes = [
        b'{"Event":"SparkListenerBlockManagerAdded","Host":"h\xff\xfe"}',  # invalid UTF-8 in a skipped string
        '{"Event":"SparkListenerBlockManagerAdded","Host":"hôte"}'.encode(),  # valid UTF-8, not ASCII
        b'{"Event":"SparkListenerBlockManagerAdded","Maximum Memory":NaN,"x":-Infinity}',  # the reference accepts
        b'{"Event":"SparkListenerBlockManagerAdded","Host":"\\ud800"}',  # a lone surrogate: the reference accepts
        b'{"Event":"SparkListenerTaskEnd","Task\\u0020Info":{"Executor ID":"1","Launch Time":1790000030000,'
        b'"Finish Time":1790000031000},"Stage ID":0,"Stage Attempt ID":0}',  # an escaped key
        b'{"Event":"SparkListener\\u0054askStart","Task Info":{"Launch Time":1790000032000}}',  # an escaped name
        b'{"Event":"SparkListenerBlockManagerAdded","Event":"SparkListenerTaskStart",'
        b'"Task Info":{"Launch Time":1790000033000}}',  # the last "Event" counts
        json.dumps({**task_end, "Task Info": {**task_end["Task Info"], "Launch Time": 1790000005000.0}}).encode(),
        json.dumps({**task_end, "Stage ID": [0]}).encode(),  # unhashable stage: unexpected shape
        json.dumps({**task_end, "Stage ID": 0.0}).encode(),  # Decimal 0.0 on the reference path: same profile
        b'{"Event":"SparkListenerTaskStart","Task Info":{"Launch Time":true}}',
        b'{"Event":"SparkListenerTaskStart","Task Info":{"Launch Time":1e12}}',
        b'{"Event":"SparkListenerTaskStart","Task Info":[]}',  # an empty list reads as {}: nothing, no error
        b'{"Event":"SparkListenerTaskStart","Task Info":["x"]}',  # a list with items: unexpected shape
        b'{"Event":"SparkListenerTaskEnd","Task Info":{}}',
        b'{"Event":"SparkListenerTaskEnd","Task Info":null}',
        b'{"Event":"SparkListenerJobEnd","Completion Time":99999999999999999999999}',  # beyond 64 bits
        b'{"Event":"SparkListenerStageSubmitted","Stage Info":{"Stage ID":0,"Stage Attempt ID":0,'
        b'"Resource Profile Id":1,"Submission Time":1790000004000}}',
        b'{"Event":"com.example.Plugin","payload":' + b"[" * 600 + b"]" * 600 + b"}",  # deep, under the limit
        b'{"Event":"com.example.Plugin","payload":' + b"[" * 5000 + b"]" * 5000 + b"}",  # beyond the limit
        b'{"Event":"SparkListenerEnvironmentUpdate","Spark Properties":{"spark.finops.team":1E5}}',
        b'{"Event":"SparkListenerResourceProfileAdded","Resource Profile Id":2,'
        b'"Task Resource Requests":{"gpu":{"Amount":0.1000000000000000055511151231257827}}}',
        b'{"Event":"org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd","time":1790000040000}\r',
        b"",
        b"   \t ",
        b"\x0c" + valid[12] + b" ",  # whitespace the JSON grammar does not allow, stripped before decoding
        b"[1, 2]",
        b'"SparkListenerTaskEnd"',
        b'{"Event":"SparkListenerTaskEnd","Stage ID":0} trailing',
        b'{"Event":"SparkListenerTaskEnd","Task Info":{"Launch Time":1790000005000,,}}',
        b'{"Event":5,"Task Info":{"Launch Time":1}}',
        valid[13][:60],  # truncated mid-line, as an in-progress log ends
        # issue 12: a line's first bytes only choose a decoder; the decoded "Event" decides (last key wins)
        b'{"Event":"SparkListenerBlockManagerAdded","Block Manager ID":{"Executor ID":"1"',  # ignored, truncated
        b'{"Event":"SparkListenerBlockManagerAdded","Maximum Memory":12,}',  # ignored, garbled
        b'{"Event":"SparkListenerBlockManagerAdded","\\u0045vent":"SparkListenerTaskEnd","Stage ID":0,'
        b'"Stage Attempt ID":0,"Task Info":{"Executor ID":"1","Launch Time":1790000050000,'
        b'"Finish Time":1790000052000}}',  # reads as ignored, is a task end: 2 s on executor 1
        b'{"Event":"SparkListenerTaskEnd","Event":"SparkListenerBlockManagerAdded","Stage ID":0,'
        b'"Stage Attempt ID":0,"Task Info":{"Executor ID":"1","Launch Time":1790000050000,'
        b'"Finish Time":1790000059000}}',  # reads as a task end, is ignored: no task time
        b'{"Event":"SparkListenerTaskEnd","Stage ID":0,"Stage Attempt ID":0,'
        b'"Task Info":{"Executor ID":"1","Launch Time":1790000050000,"Finish Time":17900000590001}}',  # range
    ]
    return valid[:-1] + probes + [valid[-1]]


def _reference_parse(lines: list[bytes]) -> spark_eventlog._AppState:
    """Every line through the reference path alone (the standard library decoding each line whole)."""
    state = spark_eventlog._AppState(source_file="log", tag_prefix=spark_eventlog.DEFAULT_TAG_PREFIX)
    for number, line in enumerate(lines, start=1):
        state.lines = number
        if line.strip():
            spark_eventlog._feed_exact(state, line.strip(), "log")
    return state


def _fed_as_the_reference(lines: list[bytes], chunk_size: int) -> spark_eventlog._AppState:
    """`lines` through the parser in chunks of `chunk_size`, asserted to end as the reference path ends (lines,
    quarantine rows, application and executor rows); returns the parser's state."""
    expected = _reference_parse(lines)
    state = spark_eventlog._AppState(source_file="log", tag_prefix=spark_eventlog.DEFAULT_TAG_PREFIX)
    spark_eventlog._feed(state, _Chunked(io.BytesIO(b"\n".join(lines)), chunk_size), "log")
    assert state.lines == expected.lines == len(lines)
    assert [(r.line, r.reason, r.raw) for r in state.malformed] == [
        (r.line, r.reason, r.raw) for r in expected.malformed
    ]
    assert spark_eventlog._finish(state, "x") == spark_eventlog._finish(expected, "x")
    return state


@pytest.mark.parametrize("chunk_size", [1 << 20, 7, 1])
def test_fast_path_judges_every_line_as_the_reference_path(chunk_size: int) -> None:
    lines = _hostile_lines()
    expected = _reference_parse(lines)
    state = spark_eventlog._AppState(source_file="log", tag_prefix=spark_eventlog.DEFAULT_TAG_PREFIX)
    stream = io.BytesIO(b"\n".join(lines))
    spark_eventlog._feed(state, _Chunked(stream, chunk_size), "log")
    assert state.lines == expected.lines == len(lines)
    assert [(r.line, r.reason, r.raw) for r in state.malformed] == [
        (r.line, r.reason, r.raw) for r in expected.malformed
    ]
    got, want = spark_eventlog._finish(state, "x"), spark_eventlog._finish(expected, "x")
    assert got == want
    # by hand, that the probes did reach the parser: the invalid UTF-8 line is quarantined, NaN and the lone
    # surrogate are not, and the escaped key and name were read (executor 1 gained 1 s x 1 GPU of task time)
    reasons = {r.line: r.reason for r in state.malformed}
    offset = 15  # the probes follow the first 15 valid lines
    assert "malformed JSON event skipped" in reasons[offset + 1] and offset + 2 not in reasons
    assert offset + 3 not in reasons and offset + 4 not in reasons
    assert "Launch Time is not integer epoch milliseconds" in reasons[offset + 8]
    assert "unexpected shape of SparkListenerTaskEnd" in reasons[offset + 9]
    assert "maximum recursion depth" in reasons[offset + 20] and offset + 19 not in reasons
    executor_1 = next(row for row in got[1] if row["executor_id"] == "1")
    # task 1 (1.5 s), the escaped-key task, task 1 again, and the task end behind an ignored event's first bytes:
    # 2 s x 0.5 GPU (a probe moved stage 0 to profile 1); the ignored event behind a task end's bytes adds nothing
    assert executor_1["task_gpu_ms"] == 1_500 + 1_000 + 1_500 + 1_000
    probes = len(lines) - 15 - 1  # after the probes, the last valid line
    assert "malformed JSON event skipped" in reasons[offset + probes - 4]  # the truncated ignored event
    assert "malformed JSON event skipped" in reasons[offset + probes - 3]  # the garbled ignored event
    assert "Finish Time 17900000590001 ms is outside" in reasons[offset + probes]
    assert json.loads(got[0]["properties"])["spark.finops.team"] == "1E+5"


class _Chunked(io.RawIOBase):
    """A stream that returns at most `size` bytes per read, so lines straddle chunks."""

    def __init__(self, inner: io.BytesIO, size: int) -> None:
        self.inner, self.size = inner, size

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self.inner.read(min(self.size, size) if size >= 0 else self.size)


def test_corrupt_lines_of_ignored_events_are_still_quarantined() -> None:
    """Events nothing is read from are decoded for their name only (issue 12), yet every such line is still checked
    whole: truncated or garbled, it is quarantined with its line number, as any malformed line."""
    good = _resource_profile_log()
    block = (
        '{"Event":"SparkListenerBlockManagerAdded","Block Manager ID":{"Executor ID":"1","Host":"h1"},"Timestamp":1}'
    )
    lines = [
        *good[:3],
        block,  # well-formed: nothing to quarantine (and its name is now known as ignored)
        block[:70],  # line 5: truncated
        block.replace('"Timestamp":1', '"Timestamp":1,'),  # line 6: a trailing comma
        block.replace('{"Executor ID"', '{"Executor ID":'),  # line 7: a missing value
        block + "x",  # line 8: trailing garbage
        *good[3:],
    ]
    parse = spark_eventlog.parse_streams([("log", io.BytesIO("\n".join(lines).encode()))], "log")
    assert [(r.line, r.reason.split(":")[0]) for r in parse.rejected] == [
        (line, "malformed JSON event skipped") for line in (5, 6, 7, 8)
    ]
    assert parse.app["malformed_lines"] == 4
    assert parse.app["executor_gpu_seconds"] == Decimal(84)  # the rest of the log read as without them


def _joined_only_lines() -> list[bytes]:
    """ASCII lines none of which is one JSON object alone, though decoding them joined as newline-delimited JSON
    gives one value per line: a value cut at a line's end and finished on the next, and two values on one line."""
    return [
        b'{"Event":"SparkListenerLogStart","Spark Version":"cut","x":[',
        b"1]}",
        b'{"Event":"SparkListenerLogStart","Spark Version":"one"} {"Event":"SparkListenerLogStart","Spark Version":"2"}',
        b'{"Event":"SparkListenerApplicationEnd","Timestamp":1790000090000,"x":{"y":[',
        b"]}}",
        b'{"Event":"SparkListenerLogStart","Spark Version":"3"}{"Event":"SparkListenerLogStart","Spark Version":"3b"}',
        b'{"Event":"SparkListenerLogStart","Spark Version":"four"}',
    ]


@pytest.mark.parametrize("chunk_size", [1 << 20, 64, 7])
def test_batch_decoding_judges_every_line_as_the_reference_path(chunk_size: int, monkeypatch) -> None:
    """A chunk of ASCII lines is decoded in one call (`_feed_batch`): the outcome is the reference path's, line by
    line, for the hostile lines it may take and for lines that only read as JSON when joined."""
    batches: list[bool] = []
    feed_batch = spark_eventlog._feed_batch

    def spy(state, lines, source):  # noqa: ANN001, ANN202
        batches.append(feed_batch(state, lines, source))
        return batches[-1]

    monkeypatch.setattr(spark_eventlog, "_feed_batch", spy)
    valid = [json.dumps(event, separators=(",", ":")).encode() for event in map(json.loads, _resource_profile_log())]
    hostile = [line for line in _hostile_lines() if line.isascii() and len(line) < spark_eventlog._DEEP_LINE]
    brackets = b'{"Event":"SparkListenerLogStart","Spark Version":"5"}][{"Event":"SparkListenerLogStart"}'
    for lines in (valid, hostile, valid[:5] + [brackets] + valid[5:], valid[:5] + _joined_only_lines() + valid[5:]):
        batches.clear()
        state = _fed_as_the_reference(lines, chunk_size)
        if lines is valid:
            assert batches and all(batches)  # the clean log took the batch path
    # by hand: each joined-only line is quarantined with its number, and the version is the last good line's
    assert [r.line for r in state.malformed] == [6, 7, 8, 9, 10, 11]
    assert spark_eventlog._finish(state, "x")[0]["spark_version"] == "four"


def _executor_probes() -> list[bytes]:
    """ExecutorAdded / ExecutorRemoved (and application start, end, log start) lines with the values their hot
    handlers settle (plain times, text ids, an
    info object) and every other kind, which they leave to the general handlers: times null, zero, negative, out of
    range, float, text, boolean; ids that are not text; infos and resources that are not objects; odd addresses."""
    info = {"Host": "h7", "Resource Profile Id": 1, "Resources": {"gpu": {"name": "gpu", "addresses": ["0", "1"]}}}
    added = {"Event": "SparkListenerExecutorAdded", "Timestamp": T0 + 4_000, "Executor ID": "7", "Executor Info": info}
    removed = {"Event": "SparkListenerExecutorRemoved", "Timestamp": T0 + 15_000, "Executor ID": "7"}
    times = [None, 0, -5, 1, T0 + 5_000, 99999999999999999999, 1.79e12, str(T0), True]
    infos = [
        None,
        [],
        ["x"],
        "x",
        {"Host": 5, "Resource Profile Id": True},
        {"Resource Profile Id": "1"},
        {"Resources": []},
        {"Resources": "x"},
        {"Resources": {}},
        {"Resources": {"gpu": []}},
        {"Resources": {"gpu": {"addresses": "0,1"}}},
        {"Resources": {"gpu": {"addresses": ["0", "1", "2"]}, "fpga": 1}},
    ]
    events = [added, removed]
    for number, value in enumerate(times):
        events.append({**added, "Executor ID": f"t{number}", "Timestamp": value})
        events.append({**removed, "Executor ID": f"t{number}", "Timestamp": value})
    for number, value in enumerate(infos):
        events.append({**added, "Executor ID": f"i{number}", "Executor Info": value})
    for value in (7, None, ["7"], "missing"):
        events.append({**added, "Executor ID": value})
        events.append({**removed, "Executor ID": value})
    events.append({key: value for key, value in added.items() if key != "Timestamp"} | {"Executor ID": "8"})
    events.append(removed)  # executor 7 removed again, later than its tasks
    start = {"Event": "SparkListenerApplicationStart", "App Name": "n", "App ID": "a", "Timestamp": T0, "User": "u"}
    for value in times:
        events.append({**start, "Timestamp": value, "App Name": f"t{value}"})
        events.append({"Event": "SparkListenerApplicationEnd", "Timestamp": value})
    for value in (None, "", 5, ["a"], "application_2"):
        events.append({**start, "App ID": value, "User": value})
        events.append({**start, "App Attempt ID": value})
    events.append({**start, "App Attempt ID": True})
    events.append({key: value for key, value in start.items() if key not in ("App ID", "App Name")})
    for value in (None, 3, {"v": 1}, "3.5.0"):
        events.append({"Event": "SparkListenerLogStart", "Spark Version": value})
    return [json.dumps(event, separators=(",", ":")).encode() for event in events]


@pytest.mark.parametrize("chunk_size", [1 << 20, 64])
def test_executor_events_are_read_as_the_reference_path_reads_them(chunk_size: int, monkeypatch) -> None:
    """ExecutorAdded/Removed, ApplicationStart/End and LogStart have hot handlers reading the decoded attributes
    (issue 12): with odd values they give the line to the general handler, and the outcome is the reference path's,
    line by line."""
    settled: list[bool] = []
    for kind in (
        "SparkListenerExecutorAdded",
        "SparkListenerExecutorRemoved",
        "SparkListenerApplicationStart",
        "SparkListenerApplicationEnd",
        "SparkListenerLogStart",
    ):
        hot = spark_eventlog._HOT_HANDLERS[kind]

        def spy(state, event, hot=hot):  # noqa: ANN001, ANN202
            settled.append(hot(state, event))
            return settled[-1]

        monkeypatch.setitem(spark_eventlog._HOT_HANDLERS, kind, spy)
    valid = [json.dumps(event, separators=(",", ":")).encode() for event in map(json.loads, _resource_profile_log())]
    end_unset = b'{"Event":"SparkListenerApplicationEnd","Timestamp":null}'  # the last end read: none
    lines = valid[:8] + _executor_probes() + valid[8:] + [end_unset]
    state = _fed_as_the_reference(lines, chunk_size)
    assert True in settled and False in settled  # both ways were taken
    executors = {row["executor_id"]: row for row in spark_eventlog._finish(state, "x")[1]}
    assert executors["7"]["gpu_amount"] == 2 and executors["i11"]["gpu_amount"] == 1  # profile 1, profile 0
    assert executors["i0"]["host"] is None and executors["i9"]["resource_profile_id"] == 0
    assert spark_eventlog._finish(state, "x")[0]["is_complete"] is False
