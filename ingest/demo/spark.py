"""Demo Spark event logs (feeds `ingest.spark_eventlog`): zstd JSON lines, one application still in progress
and cut mid-line.

Files written under the landing folder:
- spark/<app id>.zstd (finished) and spark/<app id>.zstd.inprogress (running, truncated, no ApplicationEnd)

Attribution lives where real teams put it: `spark.finops.*` properties (team, job_type, model_version,
instance_type, purchase_option).

No `generate` here: `ingest.demo.gpu_jobs` calls `write_spark` so the GPU sources keep one RNG stream.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingest.demo.world import World, epoch_ms

SPARK_VERSION = "3.5.1"
_GPU_DISCOVERY_SCRIPT = "/opt/sparkRapidsPlugin/getGpusResources.sh"

# (app name, team, job type tag or None, instance type, GPUs per executor, purchase option, executors, day offset)
SPARK_APPS = (
    ("nightly-feature-etl", "search", None, "g5.xlarge", 1, "on_demand", 2, 2),
    ("support-ticket-embeddings-batch", "support", None, "g5.12xlarge", 4, "spot", 2, 6),
    ("growth-churn-scoring", "growth", "batch_inference", "g5.xlarge", 1, "reserved", 3, 9),
    ("email-drafts-eval-predict", "platform", None, "g5.xlarge", 1, "on_demand", 1, 14),
    ("search-click-logs-etl", "search", "etl", "g5.xlarge", 1, "spot", 2, 20),
    ("support-ranker-v3-batch-scoring", "support", None, "g5.12xlarge", 4, "on_demand", 1, 27),
)
# the application still running at the end of the month
RUNNING_APP = ("search-reindex-embeddings", "search", "batch_inference", "g5.xlarge", 1, "on_demand", 2, 0)


@dataclass(frozen=True)
class _App:
    app_id: str
    name: str
    team: str
    job_type: str | None
    instance_type: str
    gpus: int  # per executor; tasks run one at a time on each executor and use all its GPUs
    purchase_option: str
    executors: int
    start: datetime

    @classmethod
    def of(cls, app_id: str, spec: tuple, start: datetime) -> _App:
        name, team, job_type, instance_type, gpus, option, executors, _ = spec
        return cls(app_id, name, team, job_type, instance_type, gpus, option, executors, start)


def _properties(app: _App) -> dict[str, str]:
    properties = {
        "spark.app.name": app.name,
        "spark.app.id": app.app_id,
        "spark.master": "k8s://https://kubernetes.default.svc",
        "spark.executor.instances": str(app.executors),
        "spark.executor.cores": "8",
        "spark.executor.resource.gpu.amount": str(app.gpus),
        "spark.executor.resource.gpu.vendor": "nvidia.com",
        "spark.executor.resource.gpu.discoveryScript": _GPU_DISCOVERY_SCRIPT,
        "spark.task.resource.gpu.amount": str(app.gpus),
        "spark.plugins": "com.nvidia.spark.SQLPlugin",
        "spark.finops.team": app.team,
        "spark.finops.instance_type": app.instance_type,
        "spark.finops.purchase_option": app.purchase_option,
    }
    if app.job_type:
        properties["spark.finops.job_type"] = app.job_type
    return properties


def _opening_events(app: _App) -> list[dict]:
    """Log start, resource profile, environment and application start: what every log begins with."""
    return [
        {"Event": "SparkListenerLogStart", "Spark Version": SPARK_VERSION},
        {
            "Event": "SparkListenerResourceProfileAdded",
            "Resource Profile Id": 0,
            "Executor Resource Requests": {
                "cores": {"Resource Name": "cores", "Amount": 8, "Discovery Script": "", "Vendor": ""},
                "memory": {"Resource Name": "memory", "Amount": 32768, "Discovery Script": "", "Vendor": ""},
                "gpu": {
                    "Resource Name": "gpu",
                    "Amount": app.gpus,
                    "Discovery Script": _GPU_DISCOVERY_SCRIPT,
                    "Vendor": "nvidia.com",
                },
            },
            "Task Resource Requests": {
                "cpus": {"Resource Name": "cpus", "Amount": 1.0},
                "gpu": {"Resource Name": "gpu", "Amount": float(app.gpus)},
            },
        },
        {
            "Event": "SparkListenerEnvironmentUpdate",
            "JVM Information": {"Java Version": "17.0.10 (Eclipse Adoptium)"},
            "Spark Properties": _properties(app),
            "Hadoop Properties": {},
            "System Properties": {},
            "Metrics Properties": {},
            "Classpath Entries": {},
        },
        {
            "Event": "SparkListenerApplicationStart",
            "App Name": app.name,
            "App ID": app.app_id,
            "Timestamp": epoch_ms(app.start),
            "User": "spark",
        },
    ]


def _executor_added(executor_id: str, host: str, added: datetime, gpus: int) -> dict:
    return {
        "Event": "SparkListenerExecutorAdded",
        "Timestamp": epoch_ms(added),
        "Executor ID": executor_id,
        "Executor Info": {
            "Host": host,
            "Total Cores": 8,
            "Log Urls": {},
            "Attributes": {},
            "Resources": {"gpu": {"name": "gpu", "addresses": [str(i) for i in range(gpus)]}},
            "Resource Profile Id": 0,
        },
    }


def _task_events(task_id: int, index: int, executor_id: str, host: str, launch: datetime, run_seconds: int) -> list:
    """TaskStart and TaskEnd of one successful task."""
    finish = launch + timedelta(seconds=run_seconds)
    info = {
        "Task ID": task_id,
        "Index": index,
        "Attempt": 0,
        "Partition ID": index,
        "Launch Time": epoch_ms(launch),
        "Executor ID": executor_id,
        "Host": host,
        "Locality": "PROCESS_LOCAL",
        "Speculative": False,
        "Getting Result Time": 0,
        "Finish Time": 0,
        "Failed": False,
        "Killed": False,
        "Accumulables": [],
    }
    return [
        {"Event": "SparkListenerTaskStart", "Stage ID": 0, "Stage Attempt ID": 0, "Task Info": info},
        {
            "Event": "SparkListenerTaskEnd",
            "Stage ID": 0,
            "Stage Attempt ID": 0,
            "Task Type": "ResultTask",
            "Task End Reason": {"Reason": "Success"},
            "Task Info": {**info, "Finish Time": epoch_ms(finish)},
            "Task Metrics": {
                "Executor Deserialize Time": 40,
                "Executor Run Time": run_seconds * 1000 - 50,
                "Executor CPU Time": (run_seconds * 1000 - 200) * 1_000_000,
                "Result Size": 2048,
                "JVM GC Time": 120,
            },
        },
    ]


def _executor_events(app: _App, rng: random.Random) -> tuple[list[dict], list[tuple[str, datetime]]]:
    """Each executor's arrival and its tasks, with gaps between tasks (GPU held, no task running); returns the
    events and when each executor would be removed."""
    events: list[dict] = []
    task_id = 0
    clock = app.start + timedelta(seconds=20)
    executor_ends: list[tuple[str, datetime]] = []
    for executor in range(1, app.executors + 1):
        executor_id = str(executor)
        added = app.start + timedelta(seconds=10 + 5 * executor)
        host = f"ip-10-9-{executor}-{rng.randint(10, 250)}.ec2.internal"
        events.append(_executor_added(executor_id, host, added, app.gpus))
        task_clock = max(clock, added + timedelta(seconds=5))
        for index in range(rng.randint(6, 10)):
            launch = task_clock + timedelta(seconds=rng.randint(5, 60))
            run_seconds = rng.randint(120, 900)
            events += _task_events(task_id, index, executor_id, host, launch, run_seconds)
            task_id += 1
            task_clock = launch + timedelta(seconds=run_seconds)
        executor_ends.append((executor_id, task_clock + timedelta(seconds=rng.randint(30, 180))))
    return events, executor_ends


def _closing_events(executor_ends: list[tuple[str, datetime]]) -> list[dict]:
    events: list[dict] = [
        {
            "Event": "SparkListenerExecutorRemoved",
            "Timestamp": epoch_ms(removed),
            "Executor ID": executor_id,
            "Removed Reason": "Executor killed by driver.",
        }
        for executor_id, removed in executor_ends
    ]
    events.append({"Event": "SparkListenerApplicationEnd", "Timestamp": epoch_ms(max(e for _, e in executor_ends))})
    return events


def _spark_log(app_id: str, spec: tuple, start: datetime, rng: random.Random, *, finished: bool) -> list[str]:
    app = _App.of(app_id, spec, start)
    executor_events, executor_ends = _executor_events(app, rng)
    events = _opening_events(app) + executor_events
    if finished:
        events += _closing_events(executor_ends)
    lines = [json.dumps(event, separators=(",", ":")) for event in events]
    if not finished:
        lines[-1] = lines[-1][: len(lines[-1]) // 2]  # the writer was cut mid-line
    return lines


def write_spark(landing: Path, world: World, rng: random.Random) -> None:
    """The finished applications of SPARK_APPS, then one still running on the month's last day."""
    import zstandard  # only the demo writes zstd

    folder = landing / "spark"
    folder.mkdir(parents=True, exist_ok=True)
    compressor = zstandard.ZstdCompressor(level=3)
    for number, spec in enumerate(SPARK_APPS, start=1):
        day = world.start_date + timedelta(days=spec[7])
        start = datetime(day.year, day.month, day.day, 1, 30, tzinfo=UTC) + timedelta(minutes=7 * number)
        app_id = f"spark-{day:%Y%m%d}{number:04d}a1b2c3"
        text = "\n".join(_spark_log(app_id, spec, start, rng, finished=True)) + "\n"
        (folder / f"{app_id}.zstd").write_bytes(compressor.compress(text.encode()))
    # a running application: no ApplicationEnd, last line cut, still `.inprogress`
    last_day = world.end_date - timedelta(days=1)
    app_id = f"spark-{last_day:%Y%m%d}0099f00d01"
    start = datetime(last_day.year, last_day.month, last_day.day, 22, 0, tzinfo=UTC)
    text = "\n".join(_spark_log(app_id, RUNNING_APP, start, rng, finished=False))
    (folder / f"{app_id}.zstd.inprogress").write_bytes(compressor.compress(text.encode()))
