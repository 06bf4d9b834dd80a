"""Spark event logs → one row per application (`SPARK_APP_SCHEMA`) and per executor (`SPARK_EXECUTOR_SCHEMA`).

Reads single files (plain, `.zstd`/`.zst`, `.gz`, optionally `.inprogress`), rolling directories
`eventlog_v2_<appId>/events_<n>_<appId>[.codec]` (read in numeric order, `*.compact` files first) with their
`appstatus_<appId>[.inprogress]` marker. Logs are streamed in 1 MB chunks: memory stays bounded by the number of
executors, not the number of events.

Speed (issue 12): each line is decoded by msgspec into only the fields the handlers read, the rest of the line
being checked but not built (task metrics, accumulables, plans); a line msgspec cannot settle exactly as the
standard library would (non-ASCII, very deep, NaN, a field of an odd type) takes the reference path, which
decodes it whole with `json` (floats as Decimal) and alone words quarantine reasons. See "Fast path" below.
A line's first bytes (`{"Event":"<name>"`, as Spark writes them) choose a smaller decoder still: task events decode
five typed fields, events nothing is read from decode their name only (the whole line is still checked, so a
corrupt one is quarantined as before); the decoded name, not the bytes, decides what is applied.
A chunk of ASCII lines is decoded by one call (`_feed_batch`: ~15% less per log than a call per line) when every
line of it is one JSON object; any other line fails the chunk, which is then read line by line as above.
Task, executor, application start/end and log start events have hot handlers reading the decoded attributes;
each settles plain values only and leaves any other line, unchanged, to its general handler.
A folder of many logs is parsed by several processes (`parse_landing(workers=...)`, `[sources.spark] workers`;
by default one per CPU other work leaves idle) whose results are merged in the folder's order: tables,
quarantine rows and totals do not depend on the count. A worker imports no pyarrow (the tables are built here,
a batch of applications at a time while the workers parse, not all after the last log).

- A line that is not JSON (a corrupted line, or the partial last line of a running log) is skipped, counted in
  `malformed_lines` and returned as `Rejected(file, line, reason)`; it is never fatal.
- Unknown and plugin events are ignored; only the events listed in formats.md §6 are read.
- No ApplicationEnd: `ended_at` is the last event time seen and `is_complete` is false.
- No ApplicationStart and no application id at all (a garbage file, a log cut before the application began):
  the log is rejected with that reason (one quarantined row for the file), never loaded as an empty application.
- Codecs with Java stream framing (`.lz4`, `.snappy`, `.lzf`) have no maintained decoder installed here: the
  file is refused with a SourceFormatError naming the file and the codec (a Rejected row in `parse_landing`).

GPU-seconds: executor GPU amount comes from its resource profile's executor `gpu` request
(SparkListenerResourceProfileAdded), else from the GPU addresses assigned in ExecutorAdded, else, for the
default profile 0, from `spark.executor.resource.gpu.amount`. Task GPU amount likewise from the profile's task
request or `spark.task.resource.gpu.amount`. All arithmetic is exact (integer ms × Decimal amounts).
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import multiprocessing
import os
import pickle
import re
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import compress
from pathlib import PurePosixPath
from typing import Any, BinaryIO

import msgspec

from ingest.common import (
    EARLIEST_TIMESTAMP,
    LATEST_TIMESTAMP,
    ParseResult,
    Rejected,
    SourceFormatError,
    epoch_ms_timestamp,
)
from ingest.storage import LandingStore

DEFAULT_TAG_PREFIX = "spark.finops."
# attribution column -> suffix after the tag prefix
TAG_COLUMNS = {
    "team": "team",
    "feature": "feature",
    "model_version": "model_version",
    "job_type_tag": "job_type",
    "instance_type": "instance_type",
    "purchase_option": "purchase_option",
}
JAVA_FRAMED_CODECS = {".lz4": "lz4 (lz4-java block framing)", ".snappy": "snappy (snappy-java framing)", ".lzf": "lzf"}
_MS = Decimal(1000)
_ZERO = Decimal(0)
_EPOCH = datetime(1970, 1, 1)  # tz-naive UTC, as gpu_schema stores timestamps
_ROLLING_EVENTS = re.compile(r"^events_(\d+)_")
_DATABRICKS_PART = re.compile(r"^eventlog(?:-(\d{4}-\d{2}-\d{2}--\d{2}-\d{2}))?(?:\.gz|\.zstd)?$")
_log = logging.getLogger(__name__)
_DECODER = json.JSONDecoder(parse_float=Decimal)  # one decoder: json.loads would build one per line
_SORTED_JSON = json.JSONEncoder(sort_keys=True).encode  # json.dumps(..., sort_keys=True) without an encoder per call
_EARLIEST_MS = (EARLIEST_TIMESTAMP - _EPOCH) // timedelta(milliseconds=1)
_LATEST_MS = (LATEST_TIMESTAMP - _EPOCH) // timedelta(milliseconds=1)


def _utc(ms: int | None) -> datetime | None:
    if ms is None:
        return None
    return _EPOCH + timedelta(0, 0, 0, ms)  # positional milliseconds: the keyword form costs twice as much


def _decimal(value: object) -> Decimal | None:
    """A finite decimal amount, else None (text that is not a number, NaN, Infinity)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, float):  # only reached when a caller parsed without parse_float=Decimal
        number = Decimal(repr(value))
    else:
        text = str(value).strip()
        if not text:
            return None
        try:
            number = Decimal(text)
        except ArithmeticError:
            return None
    return number if number.is_finite() else None


class _BadEvent(ValueError):
    """An event whose fields cannot be used (a timestamp that is not epoch milliseconds in range): the line is
    quarantined and the rest of the log is read."""


def _ms(value: object, what: str) -> int | None:
    """Epoch milliseconds checked against the accepted range (ingest.common); None, 0 and -1 mean "not set" in
    Spark's JSON and stay None."""
    if type(value) is int and _EARLIEST_MS <= value < _LATEST_MS:  # the common case, without building a datetime
        return value
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value <= 0):
        return None
    try:
        epoch_ms_timestamp(value, what)
    except ValueError as exc:
        raise _BadEvent(str(exc)) from None
    return value


def _codec_of(name: str) -> str:
    """The compression suffix of an event log file name (ignoring `.inprogress`)."""
    name = name.removesuffix(".inprogress").rstrip("/").rsplit("/", 1)[-1]  # PurePosixPath's suffix, in strings
    dot = name.rfind(".")
    suffix = name[dot:].lower() if 0 < dot < len(name) - 1 else ""
    return suffix if suffix in {".zstd", ".zst", ".gz", *JAVA_FRAMED_CODECS} else ""


_ZSTD = threading.local()  # one decompressor per thread: building one per file costs more than small logs take


def open_decompressed(raw: BinaryIO, name: str) -> BinaryIO:
    """A streaming reader (`read(n)`) of the decompressed bytes of one event log file, chosen by its file name."""
    codec = _codec_of(name)
    if codec in JAVA_FRAMED_CODECS:
        raise SourceFormatError(
            name,
            f"codec {JAVA_FRAMED_CODECS[codec]} uses Java stream framing that no installed library decodes; "
            "re-write the log with spark.eventLog.compression.codec=zstd (or uncompressed)",
        )
    if codec in {".zstd", ".zst"}:
        import zstandard

        if getattr(_ZSTD, "decompressor", None) is None:
            _ZSTD.decompressor = zstandard.ZstdDecompressor()
        return _ZSTD.decompressor.stream_reader(raw, read_across_frames=True)  # read in 1 MB chunks by _feed
    if codec == ".gz":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    return raw


@dataclass
class _Executor:
    executor_id: str
    host: str | None = None
    added_ms: int | None = None
    removed_ms: int | None = None
    profile_id: int = 0
    address_count: int | None = None
    task_gpu: Decimal = Decimal(0)  # sum of task ms x task GPU amount


@dataclass
class _AppState:
    source_file: str
    tag_prefix: str
    app_id: str | None = None
    attempt_id: str | None = None
    app_name: str | None = None
    user: str | None = None
    spark_version: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    last_ms: int | None = None
    properties: dict[str, str] = field(default_factory=dict)
    profile_executor_gpu: dict[int, Decimal] = field(default_factory=dict)
    profile_task_gpu: dict[int, Decimal] = field(default_factory=dict)
    executors: dict[str, _Executor] = field(default_factory=dict)
    task_profiles: dict[tuple[int, int], int] = field(default_factory=dict)  # (stage, attempt) -> profile
    malformed: list[Rejected] = field(default_factory=list)
    lines: int = 0
    task_amounts: dict[tuple[str, int | None, int | None], tuple[_Executor | None, Decimal]] = field(
        default_factory=dict
    )  # `_task_amount`'s answers, emptied by `_handle`

    def seen(self, ms: int | None) -> None:
        if ms is not None:
            self.last_ms = ms if self.last_ms is None else max(self.last_ms, ms)


def _resource_amount(requests: object, name: str) -> Decimal | None:
    if not isinstance(requests, dict):
        return None
    request = requests.get(name)
    if not isinstance(request, dict):
        return None
    return _decimal(request.get("Amount"))


def _task_end(state: _AppState, event: dict) -> None:
    info = event.get("Task Info") or {}
    launch, finish = _ms(info.get("Launch Time"), "Launch Time"), _ms(info.get("Finish Time"), "Finish Time")
    state.seen(launch)
    state.seen(finish)
    if launch is not None and finish is not None and finish > launch:
        executor = state.executors.get(str(info.get("Executor ID")))
        if executor is not None:
            profile = state.task_profiles.get((event.get("Stage ID"), event.get("Stage Attempt ID")), None)
            amount = _task_gpu(state, executor.profile_id if profile is None else profile)
            executor.task_gpu += (finish - launch) * amount


def _executor_added(state: _AppState, event: dict) -> None:
    ms = _ms(event.get("Timestamp"), "Timestamp")
    state.seen(ms)
    info = event.get("Executor Info") or {}
    executor_id = str(event.get("Executor ID"))
    executor = state.executors.get(executor_id)
    if executor is None:  # setdefault, without building an _Executor each time
        executor = state.executors[executor_id] = _Executor(executor_id)
    executor.host = info.get("Host")
    executor.added_ms = ms
    executor.removed_ms = None
    profile = info.get("Resource Profile Id")
    executor.profile_id = profile if isinstance(profile, int) else 0
    gpu = (info.get("Resources") or {}).get("gpu")
    if isinstance(gpu, dict) and isinstance(gpu.get("addresses"), list):
        executor.address_count = len(gpu["addresses"])


def _executor_removed(state: _AppState, event: dict) -> None:
    ms = _ms(event.get("Timestamp"), "Timestamp")
    state.seen(ms)
    executor = state.executors.get(str(event.get("Executor ID")))
    if executor is not None:
        executor.removed_ms = ms


def _stage_submitted(state: _AppState, event: dict) -> None:
    info = event.get("Stage Info") or {}
    state.seen(_ms(info.get("Submission Time"), "Submission Time"))
    profile = info.get("Resource Profile Id")
    if isinstance(profile, int):
        state.task_profiles[(info.get("Stage ID"), info.get("Stage Attempt ID"))] = profile


def _resource_profile_added(state: _AppState, event: dict) -> None:
    profile = event.get("Resource Profile Id")
    if isinstance(profile, int):
        executor_gpu = _resource_amount(event.get("Executor Resource Requests"), "gpu")
        task_gpu = _resource_amount(event.get("Task Resource Requests"), "gpu")
        if executor_gpu is not None:
            state.profile_executor_gpu[profile] = executor_gpu
        if task_gpu is not None:
            state.profile_task_gpu[profile] = task_gpu


def _environment_update(state: _AppState, event: dict) -> None:
    properties = event.get("Spark Properties")
    if isinstance(properties, list):  # Spark 1.x/2.x wrote [[key, value], ...]
        properties = {pair[0]: pair[1] for pair in properties if isinstance(pair, list) and len(pair) == 2}
    if isinstance(properties, dict):
        # all converted before any is stored (a str() that fails leaves the properties as they were)
        state.properties.update(dict(zip(map(str, properties.keys()), map(str, properties.values()), strict=True)))


def _application_start(state: _AppState, event: dict) -> None:
    app_id, attempt_id = event.get("App ID"), event.get("App Attempt ID")
    if app_id is not None and not isinstance(app_id, str):
        raise _BadEvent(f"App ID is not text: {str(app_id)[:80]!r}")
    if attempt_id is not None and (isinstance(attempt_id, bool) or not isinstance(attempt_id, (str, int))):
        raise _BadEvent(f"App Attempt ID is not text: {str(attempt_id)[:80]!r}")
    state.start_ms = _ms(event.get("Timestamp"), "Timestamp")
    state.seen(state.start_ms)
    state.app_id = event.get("App ID") or state.app_id
    state.attempt_id = event.get("App Attempt ID") or state.attempt_id
    state.app_name = event.get("App Name")
    state.user = event.get("User")


def _application_end(state: _AppState, event: dict) -> None:
    state.end_ms = _ms(event.get("Timestamp"), "Timestamp")
    state.seen(state.end_ms)


def _log_start(state: _AppState, event: dict) -> None:
    state.spark_version = event.get("Spark Version")


def _seen_at(*path: str) -> Callable[[_AppState, dict], None]:
    """A handler for events that only move the application's last-seen time: the field at `path`."""

    def handle(state: _AppState, event: dict) -> None:
        value = event
        for key in path:
            value = (value or {}).get(key)  # a non-object where an object belongs fails the line, as elsewhere
        state.seen(_ms(value, path[-1]))

    return handle


_HANDLERS: dict[str, Callable[[_AppState, dict], None]] = {
    "SparkListenerTaskEnd": _task_end,
    "SparkListenerTaskStart": _seen_at("Task Info", "Launch Time"),
    "SparkListenerExecutorAdded": _executor_added,
    "SparkListenerExecutorRemoved": _executor_removed,
    "SparkListenerStageSubmitted": _stage_submitted,
    "SparkListenerResourceProfileAdded": _resource_profile_added,
    "SparkListenerEnvironmentUpdate": _environment_update,
    "SparkListenerApplicationStart": _application_start,
    "SparkListenerApplicationEnd": _application_end,
    "SparkListenerLogStart": _log_start,
    "SparkListenerJobStart": _seen_at("Submission Time"),
    "SparkListenerJobEnd": _seen_at("Completion Time"),
    "SparkListenerStageCompleted": _seen_at("Stage Info", "Completion Time"),
}
_SQL_EXECUTION_EVENTS = ("SQLExecutionStart", "SQLExecutionEnd")  # the SQL listener's class names vary by package


def _handle(state: _AppState, event: dict | _Event) -> None:
    """Apply one event to the application's state through the handler of its type. Every other event
    (block managers, plugins, unknown) carries nothing we bill."""
    state.task_amounts.clear()  # executors, profiles and amounts may change: task events look them up again
    kind = event.get("Event")
    handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
    if handler is not None:
        handler(state, event)
    elif isinstance(kind, str) and kind.endswith(_SQL_EXECUTION_EVENTS):
        state.seen(_ms(event.get("time"), "time"))


def _task_gpu(state: _AppState, profile: int) -> Decimal:
    amount = state.profile_task_gpu.get(profile)
    if amount is None and profile == 0:
        amount = _decimal(state.properties.get("spark.task.resource.gpu.amount"))
    return amount or Decimal(0)


def _executor_gpu(state: _AppState, executor: _Executor) -> int:
    amount = state.profile_executor_gpu.get(executor.profile_id)
    if amount is None:
        amount = Decimal(executor.address_count) if executor.address_count is not None else None
    if amount is None and executor.profile_id == 0:
        amount = _decimal(state.properties.get("spark.executor.resource.gpu.amount"))
    return int(amount or 0)


# --- Fast path -----------------------------------------------------------------------------------------------
# Most of a log's bytes are fields we never read (task metrics, accumulables, RDD infos, query plans, class paths).
# msgspec decodes only the fields of `_Event` below and checks the syntax of the rest of the line without building
# it; the handlers read the decoded event through `.get` as they read the standard library's dict. A line is
# decoded so only where both decoders are certain to give the handlers the same values: its chunk or the line is
# ASCII (msgspec does not check UTF-8 inside the strings it skips), it is too short or too flat to approach the
# recursion limit, msgspec accepts it (msgspec is the stricter: NaN, Infinity and lone surrogates are refused),
# and floats become Decimal in both (`float_hook`). Every other line takes the reference path (`_feed_exact`),
# which decodes it whole with the standard library: what is quarantined and why is unchanged.


class _Fields(msgspec.Struct, gc=False):
    """A decoded JSON object of known fields, read like the dict the standard library builds (absent = None)."""

    def get(self, key: str) -> Any:
        return getattr(self, _ATTRIBUTES[type(self)][key])  # KeyError: a handler reads a field not declared here


class _TaskInfo(_Fields):
    executor_id: Any = msgspec.field(default=None, name="Executor ID")
    launch_time: Any = msgspec.field(default=None, name="Launch Time")
    finish_time: Any = msgspec.field(default=None, name="Finish Time")


class _StageInfo(_Fields):
    stage_id: Any = msgspec.field(default=None, name="Stage ID")
    stage_attempt_id: Any = msgspec.field(default=None, name="Stage Attempt ID")
    submission_time: Any = msgspec.field(default=None, name="Submission Time")
    completion_time: Any = msgspec.field(default=None, name="Completion Time")
    resource_profile_id: Any = msgspec.field(default=None, name="Resource Profile Id")


class _ExecutorInfo(_Fields):
    host: Any = msgspec.field(default=None, name="Host")
    resource_profile_id: Any = msgspec.field(default=None, name="Resource Profile Id")
    resources: Any = msgspec.field(default=None, name="Resources")


class _Event(_Fields):
    """Every field any handler reads, of every event type: one decoder for every line. A nested info that is not
    an object (or null) fails decoding, and the reference path judges the line."""

    event: Any = msgspec.field(default=None, name="Event")
    timestamp: Any = msgspec.field(default=None, name="Timestamp")
    time: Any = None
    stage_id: Any = msgspec.field(default=None, name="Stage ID")
    stage_attempt_id: Any = msgspec.field(default=None, name="Stage Attempt ID")
    task_info: _TaskInfo | None = msgspec.field(default=None, name="Task Info")
    stage_info: _StageInfo | None = msgspec.field(default=None, name="Stage Info")
    submission_time: Any = msgspec.field(default=None, name="Submission Time")
    completion_time: Any = msgspec.field(default=None, name="Completion Time")
    executor_id: Any = msgspec.field(default=None, name="Executor ID")
    executor_info: _ExecutorInfo | None = msgspec.field(default=None, name="Executor Info")
    resource_profile_id: Any = msgspec.field(default=None, name="Resource Profile Id")
    executor_resource_requests: Any = msgspec.field(default=None, name="Executor Resource Requests")
    task_resource_requests: Any = msgspec.field(default=None, name="Task Resource Requests")
    spark_properties: Any = msgspec.field(default=None, name="Spark Properties")
    app_id: Any = msgspec.field(default=None, name="App ID")
    app_attempt_id: Any = msgspec.field(default=None, name="App Attempt ID")
    app_name: Any = msgspec.field(default=None, name="App Name")
    user: Any = msgspec.field(default=None, name="User")
    spark_version: Any = msgspec.field(default=None, name="Spark Version")


class _TaskTimes(msgspec.Struct, gc=False):
    """Task Info as the task events' decoder reads it: times that are not integers fail the decoding."""

    executor_id: Any = msgspec.field(default=None, name="Executor ID")
    launch_time: int | None = msgspec.field(default=None, name="Launch Time")
    finish_time: int | None = msgspec.field(default=None, name="Finish Time")


class _TaskEvent(msgspec.Struct, gc=False):
    """SparkListenerTaskStart / TaskEnd, most lines of a log: only what `_hot_task_end` reads, under the same
    attribute names as `_Event`. Fewer fields, and typed: a line whose values are not plain is not settled here."""

    event: Any = msgspec.field(default=None, name="Event")
    stage_id: int | None = msgspec.field(default=None, name="Stage ID")
    stage_attempt_id: int | None = msgspec.field(default=None, name="Stage Attempt ID")
    task_info: _TaskTimes | None = msgspec.field(default=None, name="Task Info")


class _Kind(msgspec.Struct, gc=False):
    """Only the event's name: the rest of the line is checked (it must be JSON) but nothing of it is built."""

    event: Any = msgspec.field(default=None, name="Event")


_ATTRIBUTES = {
    kind: {field.encode_name: field.name for field in msgspec.structs.fields(kind)}
    for kind in (_TaskInfo, _StageInfo, _ExecutorInfo, _Event)
}
_EVENT_DECODER = msgspec.json.Decoder(_Event, float_hook=Decimal)
_TASK_DECODER = msgspec.json.Decoder(_TaskEvent)  # no float can reach a handler: a float fails an int field
_KIND_DECODER = msgspec.json.Decoder(_Kind)
# A whole batch of lines in one call, each line wrapped as a one-element array: see `_feed_batch`.
_BATCH_DECODER = msgspec.json.Decoder(tuple[_Event], float_hook=Decimal)
_BATCH_SEPARATOR = b"]\n["
_TASK_PREFIX = b'{"Event":"SparkListenerTask'  # how Spark writes task events: "Event" first, no spaces
_EVENT_PREFIX = b'{"Event":"'
_DEEP_LINE = 1000  # bytes: a shorter line cannot nest deep enough to approach the recursion limit


def _hot_task_end(state: _AppState, event: _Event | _TaskEvent) -> bool:
    """`_task_end` on the decoded attributes, for the most frequent event. It settles only plain values (times
    null, unset or in range; ids integers, text or null) and returns False, having changed nothing, otherwise:
    `_task_end` then takes the event and words any reason."""
    info = event.task_info
    if info is None:  # `_task_end` reads a null or missing Task Info as {}: nothing to do
        return True
    launch, finish, stage, attempt = info.launch_time, info.finish_time, event.stage_id, event.stage_attempt_id
    if (  # the common case first: both times set and in range, ids integers or null
        type(launch) is int
        and type(finish) is int
        and _EARLIEST_MS <= launch < _LATEST_MS
        and _EARLIEST_MS <= finish < _LATEST_MS
        and (stage is None or type(stage) is int)
        and (attempt is None or type(attempt) is int)
    ):
        last = state.last_ms
        if finish > launch:
            if last is None or finish > last:
                state.last_ms = finish
            key = (str(info.executor_id), stage, attempt)
            executor, amount = state.task_amounts.get(key) or _task_amount(state, key)
            if executor is not None:
                executor.task_gpu += (finish - launch) * amount
        elif last is None or launch > last:
            state.last_ms = launch
        return True
    if not (
        (launch is None or (type(launch) is int and (launch <= 0 or _EARLIEST_MS <= launch < _LATEST_MS)))
        and (finish is None or (type(finish) is int and (finish <= 0 or _EARLIEST_MS <= finish < _LATEST_MS)))
        and (stage is None or type(stage) is int)
        and (attempt is None or type(attempt) is int)
    ):
        return False
    launch = launch if launch is not None and launch > 0 else None
    finish = finish if finish is not None and finish > 0 else None
    last = state.last_ms
    for ms in (launch, finish):
        if ms is not None and (last is None or ms > last):
            last = ms
    state.last_ms = last
    if launch is not None and finish is not None and finish > launch:
        executor = state.executors.get(str(info.executor_id))
        if executor is not None:
            profile = state.task_profiles.get((stage, attempt), None)
            amount = _task_gpu(state, executor.profile_id if profile is None else profile)
            executor.task_gpu += (finish - launch) * amount
    return True


def _task_amount(state: _AppState, key: tuple[str, int | None, int | None]) -> tuple[_Executor | None, Decimal]:
    """The executor of a task (None: unknown) and its GPU amount, for (executor id, stage, attempt); kept in
    `state.task_amounts` until the next event a general handler applies (any of them may change either)."""
    executor_id, stage, attempt = key
    executor = state.executors.get(executor_id)
    amount = _ZERO
    if executor is not None:
        profile = state.task_profiles.get((stage, attempt), None)
        amount = _task_gpu(state, executor.profile_id if profile is None else profile)
    state.task_amounts[key] = (executor, amount)
    return executor, amount


def _plain_ms(value: object) -> int | None | bool:
    """`_ms(value)` for the values it passes without a check (an integer in range, <= 0, or null); False for any
    other value (a hot handler then leaves the event to its general handler, which words the reason)."""
    if value is None:
        return None
    if type(value) is not int:
        return False
    if _EARLIEST_MS <= value < _LATEST_MS:
        return value
    return None if value <= 0 else False


def _hot_seen(state: _AppState, ms: object) -> bool:
    """`state.seen(_ms(ms))` for plain values; False (nothing changed) when `_ms` might refuse it."""
    plain = _plain_ms(ms)
    if plain is False:
        return False
    state.seen(plain)
    return True


def _hot_task_start(state: _AppState, event: _Event | _TaskEvent) -> bool:
    """`_seen_at("Task Info", "Launch Time")` for plain values, as `_hot_task_end`."""
    info = event.task_info
    if info is None:
        return True
    ms = info.launch_time
    if type(ms) is int and _EARLIEST_MS <= ms < _LATEST_MS:  # the common case, as `_hot_seen` settles it
        last = state.last_ms
        if last is None or ms > last:
            state.last_ms = ms
        return True
    return _hot_seen(state, ms)


def _hot_sql_execution(state: _AppState, event: _Event) -> bool:
    return _hot_seen(state, event.time)


def _hot_executor_added(state: _AppState, event: _Event) -> bool:
    """`_executor_added` on the decoded attributes for plain values (4+ per log, each read through a dozen `.get`
    calls by the general handler); False, having changed nothing, for anything else."""
    ms = _plain_ms(event.timestamp)
    executor_id = event.executor_id
    if ms is False or type(executor_id) is not str:
        return False
    info = event.executor_info
    host = profile = resources = None
    if info is not None:
        host, profile, resources = info.host, info.resource_profile_id, info.resources
    if resources is not None and type(resources) is not dict:  # `(x or {}).get`: let the general handler judge
        return False
    gpu = resources.get("gpu") if resources else None
    addresses = gpu.get("addresses") if isinstance(gpu, dict) else None
    state.task_amounts.clear()  # as `_handle` does before any general handler: the executor's profile changes
    state.seen(ms)
    executor = state.executors.get(executor_id)
    if executor is None:
        executor = state.executors[executor_id] = _Executor(executor_id)
    executor.host = host
    executor.added_ms = ms
    executor.removed_ms = None
    executor.profile_id = profile if isinstance(profile, int) else 0
    if isinstance(addresses, list):
        executor.address_count = len(addresses)
    return True


def _hot_executor_removed(state: _AppState, event: _Event) -> bool:
    """`_executor_removed` for plain values, as `_hot_executor_added`."""
    ms = _plain_ms(event.timestamp)
    executor_id = event.executor_id
    if ms is False or type(executor_id) is not str:
        return False
    state.task_amounts.clear()
    state.seen(ms)
    executor = state.executors.get(executor_id)
    if executor is not None:
        executor.removed_ms = ms
    return True


def _hot_application_start(state: _AppState, event: _Event) -> bool:
    """`_application_start` for plain values (text ids, a plain time), as `_hot_executor_added`."""
    ms, app_id, attempt_id = _plain_ms(event.timestamp), event.app_id, event.app_attempt_id
    if ms is False or (app_id is not None and type(app_id) is not str):
        return False
    if attempt_id is not None and type(attempt_id) is not str:
        return False
    state.task_amounts.clear()
    state.start_ms = ms
    state.seen(ms)
    state.app_id = app_id or state.app_id
    state.attempt_id = attempt_id or state.attempt_id
    state.app_name = event.app_name
    state.user = event.user
    return True


def _hot_application_end(state: _AppState, event: _Event) -> bool:
    """`_application_end` for a plain time."""
    ms = _plain_ms(event.timestamp)
    if ms is False:
        return False
    state.task_amounts.clear()
    state.end_ms = ms
    state.seen(ms)
    return True


def _hot_log_start(state: _AppState, event: _Event) -> bool:
    """`_log_start`: any value is kept as it is."""
    state.task_amounts.clear()
    state.spark_version = event.spark_version
    return True


def _hot_ignored(state: _AppState, event: _Event) -> bool:
    """An event nothing is read from (block managers, unpersisted RDDs, plugins): decoded, so well-formed."""
    return True


_HotHandler = Callable[[_AppState, _Event], bool]
_HOT_HANDLERS: dict[str, _HotHandler | None] = {kind: None for kind in _HANDLERS}  # None: the general handler
_HOT_HANDLERS.update(
    {
        "SparkListenerTaskEnd": _hot_task_end,
        "SparkListenerTaskStart": _hot_task_start,
        "SparkListenerExecutorAdded": _hot_executor_added,
        "SparkListenerExecutorRemoved": _hot_executor_removed,
        "SparkListenerApplicationStart": _hot_application_start,
        "SparkListenerApplicationEnd": _hot_application_end,
        "SparkListenerLogStart": _hot_log_start,
    }
)
_MAX_HOT_HANDLERS = 4096  # event names are few; a log inventing names must not grow the table without bound


_IGNORED_NAMES: set[bytes] = set()  # names, as a line's first bytes spell them, of events nothing is read from


def _hot_handler(kind: str) -> _HotHandler | None:
    """The hot handler of an event type met for the first time (None: the general handler reads it)."""
    handler = _hot_sql_execution if kind.endswith(_SQL_EXECUTION_EVENTS) else _hot_ignored
    if len(_HOT_HANDLERS) < _MAX_HOT_HANDLERS:
        _HOT_HANDLERS[kind] = handler
        if handler is _hot_ignored and kind.isascii() and '"' not in kind and "\\" not in kind:
            _IGNORED_NAMES.add(kind.encode())  # as written unescaped; a hint only: the decoded name decides
    return handler


def _line_batches(stream: BinaryIO, chunk_size: int = 1 << 20) -> Iterator[tuple[list[bytes], bool]]:
    """The stream's lines (split at b"\n", as iterating a binary file does) in batches, each with whether all its
    bytes are ASCII. Memory: one chunk, plus a line that spans chunks."""
    pending: list[bytes] = []  # the start of a line that continues in the next chunk
    pending_ascii = True
    while chunk := stream.read(chunk_size):
        chunk_ascii = chunk.isascii()
        lines = chunk.split(b"\n")
        if len(lines) == 1:
            pending.append(chunk)
            pending_ascii = pending_ascii and chunk_ascii
            continue
        if pending:
            pending.append(lines[0])
            lines[0] = b"".join(pending)
        pending = [lines.pop()]
        yield lines, chunk_ascii and pending_ascii
        pending_ascii = chunk_ascii
    tail = b"".join(pending)
    if tail:
        yield [tail], tail.isascii()


def _feed_exact(state: _AppState, line: bytes, source: str) -> None:
    """One stripped line through the reference path: decoded whole by the standard library (floats as Decimal)."""
    try:
        event = _DECODER.decode(line.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, deep nesting
        reason = f"malformed JSON event skipped: {exc}"
        state.malformed.append(Rejected(source, state.lines, reason, _shown(line)))
        return
    if not isinstance(event, dict):
        state.malformed.append(Rejected(source, state.lines, "event line is not a JSON object"))
        return
    _apply(state, event, line, source)


def _shown(line: bytes) -> str:
    return line.strip()[:200].decode("utf-8", "replace")


def _apply(state: _AppState, event: dict | _Event, line: bytes, source: str) -> None:
    """Apply one decoded event; a field that cannot be used quarantines the line, and the log reads on."""
    try:
        _handle(state, event)
    except _BadEvent as exc:
        state.malformed.append(Rejected(source, state.lines, f"event skipped: {exc}", _shown(line)))
    except (AttributeError, TypeError, ValueError, ArithmeticError) as exc:  # a field of an unexpected type
        reason = f"event skipped: unexpected shape of {str(event.get('Event'))[:80]}: {exc}"
        state.malformed.append(Rejected(source, state.lines, reason, _shown(line)))


def _feed(state: _AppState, stream: BinaryIO, source: str) -> None:
    """Each line of the stream applied to the state: a batch of lines (one chunk) decoded in one call when every
    line of it may be (`_feed_batch`), else line by line (`_feed_lines`), with the same outcome."""
    long_line = _DEEP_LINE.__le__
    for lines, ascii_chunk in _line_batches(stream):
        if ascii_chunk and all(map(_flat, compress(lines, map(long_line, map(len, lines))))):
            if _feed_batch(state, lines, source):
                continue
        _feed_lines(state, lines, ascii_chunk, source)


def _feed_batch(state: _AppState, lines: list[bytes], source: str) -> bool:
    """The lines (ASCII, none deep) decoded by one call as the general decoder decodes each, then applied in
    order; False, having changed nothing, when any line is not one JSON object `_Event` decodes.

    The batch is `[line1]\\n[line2]\\n...[lineN]`, decoded as newline-delimited JSON of one-element arrays. A `]`
    followed by whitespace and `[` is valid JSON only between two top-level values (inside an array or an object a
    comma or a closing bracket must follow a value, and no string holds a raw newline), so every separator is a
    boundary between values and each `[line]` holds at least one value. Exactly N values therefore means that each
    `[line]` is one value: a one-element array of one object, i.e. the line alone is one JSON object, decoded as
    `_EVENT_DECODER` decodes it. Any other line (blank, cut, two objects) fails the batch, and the lines are then
    read one by one, which quarantines that line with its number."""
    try:
        decoded = _BATCH_DECODER.decode_lines(b"[" + _BATCH_SEPARATOR.join(lines) + b"]")
    except (msgspec.DecodeError, RecursionError):
        return False
    if len(decoded) != len(lines):
        return False
    first = state.lines + 1
    task_end, task_start, hot = _hot_task_end, _hot_task_start, _HOT_HANDLERS
    for number, (event,) in enumerate(decoded, first):
        kind = event.event
        if kind == "SparkListenerTaskEnd":  # most lines: their handlers without the table's look-up
            if task_end(state, event):
                continue
            handler = None
        elif kind == "SparkListenerTaskStart":
            if task_start(state, event):
                continue
            handler = None
        else:
            handler = hot.get(kind, _hot_handler) if type(kind) is str else None
            if handler is _hot_handler:
                handler = _hot_handler(kind)
        if handler is None or not handler(state, event):
            state.lines = number
            _apply(state, event, lines[number - first], source)
    state.lines = first - 1 + len(lines)
    return True


def _feed_lines(state: _AppState, lines: list[bytes], ascii_chunk: bool, source: str) -> None:
    """The lines one by one. A line is first decoded by the smallest decoder its first bytes suggest (task
    events: `_TASK_DECODER`; events nothing is read from: `_KIND_DECODER`); the prefix is only a hint: the decoded
    "Event" decides, and any doubt (a decoding error, another name, a value the hot handler does not settle) sends
    the line on to the general decoder and then to the reference path, as before."""
    decode, hot = _EVENT_DECODER.decode, _HOT_HANDLERS
    decode_task, decode_kind = _TASK_DECODER.decode, _KIND_DECODER.decode
    ignored, task_end, task_start = _IGNORED_NAMES, _hot_task_end, _hot_task_start
    for line in lines:
        state.lines += 1
        if (ascii_chunk or line.isascii()) and (len(line) < _DEEP_LINE or _flat(line)):
            if line.startswith(_TASK_PREFIX):
                try:
                    task = decode_task(line)
                except (msgspec.DecodeError, RecursionError):
                    pass
                else:  # the typed struct has `_Event`'s attribute names: the same hot handlers settle it
                    kind = task.event
                    settle = task_end if kind == "SparkListenerTaskEnd" else None
                    settle = task_start if kind == "SparkListenerTaskStart" else settle
                    if settle is not None and settle(state, task):
                        continue
            elif line.startswith(_EVENT_PREFIX) and line[10 : line.find(b'"', 10)] in ignored:
                try:
                    kind = decode_kind(line).event
                except (msgspec.DecodeError, RecursionError):
                    pass
                else:
                    if type(kind) is str and hot.get(kind) is _hot_ignored:  # its name, decoded, is ignored
                        continue
            try:
                event = decode(line)
            except (msgspec.DecodeError, RecursionError):  # malformed, blank, or refused: reference path
                pass
            else:
                kind = event.event
                handler = hot.get(kind, _hot_handler) if type(kind) is str else None
                if handler is _hot_handler:
                    handler = _hot_handler(kind)
                if handler is None or not handler(state, event):
                    _apply(state, event, line, source)
                continue
        line = line.strip()
        if line:
            _feed_exact(state, line, source)


def _flat(line: bytes) -> bool:
    """Too few brackets to nest anywhere near the recursion limit (counted for long lines only)."""
    return line.count(b"[") + line.count(b"{") < _DEEP_LINE // 2


_NANO = Decimal("0.000000001")


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(_NANO, rounding=ROUND_HALF_EVEN)


def _finish(state: _AppState, fallback_id: str) -> tuple[dict, list[dict]]:
    app_id = state.app_id or state.properties.get("spark.app.id") or fallback_id
    attempt_id = None if state.attempt_id is None else str(state.attempt_id)
    job_id = app_id if attempt_id is None else f"{app_id}/{attempt_id}"
    end_ms = state.end_ms if state.end_ms is not None else state.last_ms
    executor_rows, intervals = [], []
    executor_total = task_total = Decimal(0)
    for executor in state.executors.values():
        if executor.executor_id == "driver" or executor.added_ms is None:
            continue
        gpus = _executor_gpu(state, executor)
        closed_ms = executor.removed_ms if executor.removed_ms is not None else end_ms
        held_ms = max(0, (closed_ms or executor.added_ms) - executor.added_ms)
        gpu_seconds = Decimal(held_ms * gpus) / _MS
        task_seconds = executor.task_gpu / _MS
        executor_total += gpu_seconds
        task_total += task_seconds
        if gpus:
            intervals.append((executor.added_ms, gpus))
            intervals.append((closed_ms or executor.added_ms, -gpus))
        executor_rows.append(
            {
                "app_id": app_id,
                "attempt_id": attempt_id,
                "job_id": job_id,
                "executor_id": executor.executor_id,
                "host": executor.host,
                "added_at": _EPOCH + timedelta(0, 0, 0, executor.added_ms),  # `_utc`, inline (never None here)
                "removed_at": _utc(executor.removed_ms),
                "gpu_amount": gpus,
                "resource_profile_id": executor.profile_id,
                "gpu_seconds": gpu_seconds.quantize(_NANO, ROUND_HALF_EVEN),  # `_quantize`, inline
                "task_gpu_ms": int(executor.task_gpu.to_integral_value(ROUND_HALF_EVEN)),
                "task_gpu_seconds": task_seconds.quantize(_NANO, ROUND_HALF_EVEN),
                "source_file": state.source_file,
            }
        )
    peak = current = 0
    for _, delta in sorted(intervals, key=lambda item: (item[0], item[1])):  # releases before grabs at a tie
        current += delta
        peak = max(peak, current)
    instances = _decimal(state.properties.get("spark.executor.instances"))
    default_gpu = state.profile_executor_gpu.get(
        0, _decimal(state.properties.get("spark.executor.resource.gpu.amount"))
    )
    prefix = state.tag_prefix
    tags = {key: value for key, value in state.properties.items() if key.startswith(prefix)}
    attribution = {"app_name": state.app_name, "user": state.user, **tags}
    app = {
        "app_id": app_id,
        "attempt_id": attempt_id,
        "job_id": job_id,
        "job_source": "spark",
        "app_name": state.app_name or state.properties.get("spark.app.name"),
        "spark_user": state.user,
        "started_at": _utc(state.start_ms),
        "ended_at": _utc(end_ms),
        "is_complete": state.end_ms is not None,
        "executor_gpu_seconds": _quantize(executor_total),
        "task_gpu_seconds": _quantize(task_total),
        "max_concurrent_gpus": _quantize(Decimal(peak)),
        "gpu_count_requested": int(instances * default_gpu) if instances is not None and default_gpu else None,
        "properties": _SORTED_JSON(attribution),
        "spark_version": state.spark_version,
        "malformed_lines": len(state.malformed),
        "source_file": state.source_file,
    }
    for column, suffix in TAG_COLUMNS.items():
        app[column] = tags.get(prefix + suffix) or None
    return app, executor_rows


@dataclass
class SparkAppParse:
    """One application: its row, its executors, and the lines that were skipped."""

    app: dict
    executors: list[dict]
    rejected: list[Rejected]
    problem: str | None = None  # set when the log holds no application at all (garbage, or cut before it began)


def parse_streams(
    parts: Iterable[tuple[str, BinaryIO]], source_file: str, *, tag_prefix: str = DEFAULT_TAG_PREFIX
) -> SparkAppParse:
    """Parse one application's log given as ordered (name, raw stream) parts (one part unless rolling)."""
    state = _AppState(source_file=source_file, tag_prefix=tag_prefix)
    for name, raw in parts:
        state.lines = 0  # line numbers restart in each rolling part; Rejected names the part
        _feed(state, open_decompressed(raw, name), name)
    fallback = source_file.rstrip("/").rsplit("/", 1)[-1]  # PurePosixPath(...).name, in strings
    if fallback in ("", "."):  # an odd path: pathlib's reading of it
        fallback = PurePosixPath(source_file).name
    fallback = fallback.removesuffix(".inprogress")
    fallback = fallback.removeprefix("eventlog_v2_")
    codec = _codec_of(fallback)
    fallback = fallback[: -len(codec)] if codec else fallback
    app, executors = _finish(state, fallback)
    problem = None
    if state.start_ms is None and state.app_id is None:
        problem = (
            "not a Spark event log, or cut before the application started: no SparkListenerApplicationStart event"
            f" in {state.lines} line(s), {len(state.malformed)} of them unreadable"
        )
    return SparkAppParse(app, executors, state.malformed, problem)


def _part_order(name: str) -> tuple[int, int, str]:
    base = PurePosixPath(name).name
    match = _ROLLING_EVENTS.match(base)
    index = int(match.group(1)) if match else 0
    return (0 if ".compact" in base else 1, index, base)


def rolling_parts(names: Iterable[str]) -> list[str]:
    """The event files of a rolling directory in reading order; the appstatus marker is not an event file.

    A `.compact` file holds every event up to its index, so reading starts at the latest compact file."""
    events = sorted((n for n in names if PurePosixPath(n).name.startswith("events_")), key=_part_order)
    compacts = [n for n in events if ".compact" in PurePosixPath(n).name]
    if compacts:
        last = max(compacts, key=lambda n: _part_order(n)[1])
        floor = _part_order(last)[1]
        events = [last] + [n for n in events if ".compact" not in n and _part_order(n)[1] > floor]
    return events


def parse_eventlog_path(path: str, *, tag_prefix: str = DEFAULT_TAG_PREFIX) -> SparkAppParse:
    """Parse a local event log file or rolling directory (streamed from disk)."""
    from pathlib import Path

    target = Path(path)
    if target.is_dir():
        names = rolling_parts(p.name for p in target.iterdir() if p.is_file())
        if not names:
            raise SourceFormatError(target, "rolling event log directory has no events_<n>_<appId> file")
        handles = [(str(target / n), open(target / n, "rb")) for n in names]
    else:
        handles = [(str(target), open(target, "rb"))]
    try:
        return parse_streams(handles, str(target), tag_prefix=tag_prefix)
    finally:
        for _, handle in handles:
            handle.close()


def _databricks_order(name: str) -> tuple[bool, str]:
    match = _DATABRICKS_PART.match(PurePosixPath(name).name)
    stamp = match.group(1) if match else None
    return (stamp is None, stamp or "")  # rotated parts by time, the live `eventlog` last


def _group_logs(keys: list[str]) -> list[tuple[str, list[str]]]:
    """Landing keys grouped into applications: single files, `eventlog_v2_*` rolling directories, and
    Databricks folders (`eventlog` plus rotated `eventlog-YYYY-MM-DD--HH-MM.gz`)."""
    singles, grouped = [], {}
    for key in keys:
        path = PurePosixPath(key)
        if path.parent.name.startswith("eventlog_v2_"):
            grouped.setdefault(("rolling", path.parent.as_posix()), []).append(key)
        elif _DATABRICKS_PART.match(path.name):
            grouped.setdefault(("databricks", path.parent.as_posix()), []).append(key)
        elif not path.name.startswith(".") and not key.endswith((".md", ".crc", ".txt", ".json")):
            singles.append((key, [key]))
    groups = singles
    for (kind, folder), parts in grouped.items():
        groups.append((folder, rolling_parts(parts) if kind == "rolling" else sorted(parts, key=_databricks_order)))
    return sorted(groups)


def _open_parts(store: LandingStore, parts: list[str]) -> Iterator[tuple[str, BinaryIO]]:
    """Each part as a stream, opened only when the parser reaches it: local files are streamed from disk
    (memory bounded), object stores are read one object at a time."""
    local_path = getattr(store, "path_text", None) or getattr(store, "path", None)  # path_text: no Path per file
    for part in parts:
        if callable(local_path):
            with open(local_path(part), "rb") as handle:
                yield store.describe(part), handle
        else:
            yield store.describe(part), io.BytesIO(store.read_bytes(part))


def _preferred(candidate: SparkAppParse, kept: SparkAppParse) -> bool:
    """Of two logs of one application attempt, the complete one, else the one that reaches further."""
    rank = lambda parse: (parse.app["is_complete"], parse.app["ended_at"] or datetime.min)  # noqa: E731
    return rank(candidate) > rank(kept)


def _decompress_errors() -> tuple[type[BaseException], ...]:
    import zstandard

    return (OSError, EOFError, zlib.error, zstandard.ZstdError)  # zlib.error: a corrupt .gz deflate stream


PARALLEL_MIN_LOGS = 256  # below this many logs a pool's start-up (a fresh interpreter, ~0.1 s of CPU) outweighs it
_CHUNK_MAX_LOGS = 16  # logs per task sent to a worker: fewer round trips, yet short tasks balance the tail


def default_workers() -> int:
    """The default number of parsing processes: the CPUs this process may run on (its affinity, e.g. a
    container's cpuset, else os.cpu_count()) less those other work keeps busy, at least 1 (no pool). Busy: the
    1-minute load average (as `make -l` reads it), unless fewer other tasks are running right now (Linux
    /proc/loadavg, this one not counted): the average also holds this process's own recent work.
    A pool only pays on CPUs it gets: on a 2-CPU machine shared with another session's benchmarks (load 2-3.5),
    bench_spark_logs --logs 2000 took 1.14 s with 2 processes against 0.83 s with one; idle, 0.58-0.64 s
    against 0.79-0.82 s."""
    if hasattr(os, "sched_getaffinity"):
        cpus = max(1, len(os.sched_getaffinity(0)))
    else:
        cpus = max(1, os.cpu_count() or 1)
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this platform: every CPU
        return cpus
    busy = min(busy, _running_elsewhere(busy))
    return max(1, min(cpus, int(cpus - busy + 0.5)))


def _running_elsewhere(default: float) -> float:
    """Tasks running now besides this one: /proc/loadavg's 4th field is "running/total" (the reader counted);
    `default` where that file is not there or not read."""
    try:
        with open("/proc/loadavg", encoding="ascii") as handle:
            running = int(handle.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return default
    return max(0, running - 1)


def _parse_group(store: LandingStore, group: str, parts: list[str], tag_prefix: str) -> SparkAppParse | Rejected:
    """One application's log parsed, or the one Rejected row that stands for the file when it cannot be used."""
    label = store.describe(group)  # the file, or the rolling / Databricks directory
    try:
        if not parts:
            raise SourceFormatError(label, "rolling event log directory has no events_<n>_<appId> file")
        result = parse_streams(_open_parts(store, parts), label, tag_prefix=tag_prefix)
    except SourceFormatError as exc:
        return Rejected(label, None, str(exc))
    except _decompress_errors() as exc:  # corrupt gzip/zstd stream
        return Rejected(label, None, f"cannot decompress: {exc}")
    except (ValueError, TypeError, ArithmeticError) as exc:  # a value no event check foresaw: file, not run
        return Rejected(label, None, f"unreadable event log ({type(exc).__name__}): {exc}")
    if result.problem:  # one reason for the file, not one per garbage line
        return Rejected(label, None, f"log rejected: {result.problem}")
    return result


def _parse_group_chunk(
    store: LandingStore, groups: list[tuple[str, list[str]]], tag_prefix: str
) -> list[SparkAppParse | Rejected]:
    """A worker process's task: a few logs parsed in order (module level, so a worker can import it)."""
    return [_parse_group(store, group, parts, tag_prefix) for group, parts in groups]


def _can_ship(store: LandingStore) -> bool:
    """Whether worker processes can rebuild the store: it pickles, and its class is importable by name."""
    if type(store).__module__ == "__main__":
        return False
    try:
        pickle.dumps(store)
    except Exception:  # any pickling failure (a client, a lock, a local class) means: parse here
        return False
    return True


def _parsed_groups(
    store: LandingStore,
    groups: list[tuple[str, list[str]]],
    tag_prefix: str,
    workers: int,
    min_parallel_logs: int,
) -> Iterator[SparkAppParse | Rejected]:
    """Every group's outcome, in the order of `groups` whatever the number of workers.

    `workers` processes parse: this one and `workers - 1` pool processes. Until a pool process is up (a
    fresh interpreter importing the parser: seconds on a loaded machine), this process parses in order, so a
    small folder never waits for the pool. Then the pool holds the next few chunks, and while the oldest one
    is not back this process parses chunks further on and keeps them until their turn. Chunks out at once are
    bounded: memory is the few logs being streamed plus small per-application results waiting their turn.

    The pool is "spawn"ed, never forked: the parent runs threads (Dagster, DuckDB, OpenBLAS) and a fork copies
    their held locks; a forkserver would block the first task until its server has imported everything."""
    if workers <= 1 or len(groups) < max(2, min_parallel_logs) or not _can_ship(store):
        for group, parts in groups:
            yield _parse_group(store, group, parts, tag_prefix)
        return
    pool_workers = workers - 1
    size = max(1, min(_CHUNK_MAX_LOGS, len(groups) // (workers * 8)))
    chunks = [groups[start : start + size] for start in range(0, len(groups), size)]
    pool_limit = 2 * pool_workers  # queued per worker: one running, one ready
    window = pool_limit + 4 * workers  # chunks handed out and not yet yielded
    assigned: dict[int, Future | list] = {}  # chunk index -> its pool task, or its outcomes parsed here
    next_out = next_in = 0
    pool = ProcessPoolExecutor(pool_workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        probes = [pool.submit(os.getpid) for _ in range(pool_workers)]  # starts the workers, tells when one is up
        pool_up = False
        while next_out < len(chunks):
            pool_up = pool_up or any(probe.done() for probe in probes)
            busy = sum(1 for task in assigned.values() if isinstance(task, Future) and not task.done())
            while pool_up and next_in < len(chunks) and busy < pool_limit and next_in - next_out < window:
                assigned[next_in] = pool.submit(_parse_group_chunk, store, chunks[next_in], tag_prefix)
                next_in += 1
                busy += 1
            head = assigned.get(next_out)
            pending = head is None or (isinstance(head, Future) and not head.done())
            if pending and next_in < len(chunks) and next_in - next_out < window:  # work here, not wait
                assigned[next_in] = _parse_group_chunk(store, chunks[next_in], tag_prefix)
                next_in += 1
                continue
            outcomes = head.result() if isinstance(head, Future) else head
            del assigned[next_out]
            next_out += 1
            yield from outcomes
    except BrokenProcessPool as exc:
        # a worker died (killed, out of memory, or the caller's unguarded script re-ran in it): the logs not
        # yielded yet are parsed here, so the result is still the sequential one
        _log.warning("Spark log worker pool stopped (%s); parsing the remaining logs in this process", exc)
        for index in range(next_out, len(chunks)):
            done = assigned.get(index)
            yield from done if isinstance(done, list) else _parse_group_chunk(store, chunks[index], tag_prefix)
    finally:
        # no wait: a worker still starting up (all work done here) exits on its own once up
        pool.shutdown(wait=False, cancel_futures=True)


def parse_landing(
    store: LandingStore,
    prefix: str = "spark",
    *,
    tag_prefix: str = DEFAULT_TAG_PREFIX,
    workers: int | None = None,
    min_parallel_logs: int = PARALLEL_MIN_LOGS,
) -> dict[str, ParseResult]:
    """Every event log under `prefix` → {"spark_apps", "spark_executors"} results.

    Attribution properties use `tag_prefix` (`[tags] spark_prefix` in finops.toml, passed in by the asset).
    Two logs of one application attempt load once (the complete / longer one; the other is quarantined).
    `workers` processes parse the logs (None: `default_workers()`; 1: this process only); folders of fewer than
    `min_parallel_logs` logs are parsed here. The result is the same whatever the number of workers.

    Row balance of spark_apps: input = applications + skipped lines + unreadable files (all quarantined)."""
    parsed: dict[str, SparkAppParse] = {}
    rejected: list[Rejected] = []
    tables = _TableBatches()
    groups = _group_logs(store.list(prefix))
    workers = default_workers() if workers is None else workers
    for result in _parsed_groups(store, groups, tag_prefix, workers, min_parallel_logs):
        if isinstance(result, Rejected):
            rejected.append(result)
            continue
        rejected.extend(result.rejected)
        job_id = result.app["job_id"]
        kept = parsed.get(job_id)
        if kept is not None:  # the same application twice (e.g. an .inprogress copy beside the final log)
            keep, drop = (result, kept) if _preferred(result, kept) else (kept, result)
            reason = f"another log of application {job_id} was kept: {keep.app['source_file']}"
            rejected.append(Rejected(drop.app["source_file"], None, reason))
            if keep is not kept:
                tables.replaced(job_id)
            result = keep
        else:
            tables.add(job_id)
        parsed[job_id] = result
        tables.build_ready(parsed)
    app_table, bad_apps, executor_table, bad_executors, executor_rows = tables.finish(parsed)
    rejected.extend(bad_apps)
    return {
        "spark_apps": ParseResult(app_table, rejected, len(parsed) + len(rejected) - len(bad_apps)),
        "spark_executors": ParseResult(executor_table, bad_executors, executor_rows),
    }


_TABLE_BATCH = 256  # applications per Arrow batch: ~15 ms to build, less than a worker's queued chunks take


class _TableBatches:
    """The Arrow tables of the applications kept so far, built a batch at a time while the logs are parsed.

    With a pool, this process built every table after the last log (0.5-0.7 s for 10,000 logs) while the workers
    sat idle; built batch by batch, that work falls between chunks, while the workers go on parsing. The tables
    are those of one build over all the applications in `parsed` order: rows are converted one by one (a row that
    cannot be stored is rejected alone, in its place). A batch holding an application that a later copy replaced
    (a duplicate log) is built again at the end."""

    def __init__(self) -> None:
        self.size = _TABLE_BATCH
        self.order: list[str] = []  # job ids in `parsed` order
        self.position: dict[str, int] = {}
        self.built: list[tuple] = []  # per batch: app table, bad apps, executor table, bad executors, executor rows
        self.stale: set[int] = set()  # batches to build again

    def add(self, job_id: str) -> None:
        self.position[job_id] = len(self.order)
        self.order.append(job_id)

    def replaced(self, job_id: str) -> None:
        batch = self.position[job_id] // self.size
        if batch < len(self.built):
            self.stale.add(batch)

    def build_ready(self, parsed: dict[str, SparkAppParse]) -> None:
        start = len(self.built) * self.size
        if len(self.order) - start >= self.size:
            self.built.append(self._build(parsed, start, start + self.size))

    def _build(self, parsed: dict[str, SparkAppParse], start: int, stop: int) -> tuple:
        from ingest.common import table_keeping_storable_rows  # pyarrow: here, never in a worker's imports
        from ingest.gpu_schema import SPARK_APP_SCHEMA, SPARK_EXECUTOR_SCHEMA

        results = [parsed[job_id] for job_id in self.order[start:stop]]
        app_table, bad_apps = table_keeping_storable_rows(
            [result.app for result in results], SPARK_APP_SCHEMA, source_key="source_file"
        )
        kept_jobs = set(app_table.column("job_id").to_pylist())
        executors = [row for result in results if result.app["job_id"] in kept_jobs for row in result.executors]
        executor_table, bad_executors = table_keeping_storable_rows(
            executors, SPARK_EXECUTOR_SCHEMA, source_key="source_file"
        )
        return app_table, bad_apps, executor_table, bad_executors, len(executors)

    def finish(self, parsed: dict[str, SparkAppParse]) -> tuple:
        """(app table, bad app rows, executor table, bad executor rows, executor rows in) of every application."""
        import pyarrow as pa

        for batch in self.stale:
            self.built[batch] = self._build(parsed, batch * self.size, (batch + 1) * self.size)
        start = len(self.built) * self.size
        if start < len(self.order) or not self.built:
            self.built.append(self._build(parsed, start, len(self.order)))
        if len(self.built) == 1:
            return self.built[0]
        app_tables, bad_apps, executor_tables, bad_executors, executor_rows = zip(*self.built, strict=True)
        return (
            pa.concat_tables(app_tables).combine_chunks(),  # one chunk per column, as one build gives
            [row for rows in bad_apps for row in rows],
            pa.concat_tables(executor_tables).combine_chunks(),
            [row for rows in bad_executors for row in rows],
            sum(executor_rows),
        )


__all__ = [
    "PARALLEL_MIN_LOGS",
    "SparkAppParse",
    "default_workers",
    "open_decompressed",
    "parse_eventlog_path",
    "parse_landing",
    "parse_streams",
    "rolling_parts",
]
