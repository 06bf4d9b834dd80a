"""Demo GPU telemetry in the real formats: Spark event logs (zstd JSON lines, one still in progress and cut
mid-line), Kubeflow v2beta1 run pages + Kubernetes pod lists, DCGM exporter scrapes (Prometheus text with
sample timestamps), and the model registry.

Files written under the landing folder:
- spark/<app id>.zstd (finished) and spark/<app id>.zstd.inprogress (running, truncated, no ApplicationEnd)
- kubeflow/runs/runs_page_<n>.json ({runs, total_size, next_page_token}) and kubeflow/pods/pods.json (PodList)
- dcgm/<node>/<pod>.prom: one file per training pod, a scrape per minute, some idle stretches
- model_registry/models.csv: world.trained_models entering service in Sept/Oct 2026, mapped to ledger
  features (support-ranker-v3 -> support_chat requests, search-embedder-v2 -> semantic_search requests
  of text-embedding-3-small).

Attribution lives where real teams put it: `spark.finops.*` properties (team, job_type, model_version,
instance_type, purchase_option) and pod labels (`team`, `finops.io/job-type`, `finops.io/model-version`)
plus node selectors (`node.kubernetes.io/instance-type`, `karpenter.sh/capacity-type`).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ingest.demo.world import World

SPARK_VERSION = "3.5.1"
SCRAPE_SECONDS = 60

# (app name, team, job type tag or None, instance type, GPUs per executor, purchase option, executors, day offset)
SPARK_APPS = (
    ("nightly-feature-etl", "search", None, "g5.xlarge", 1, "on_demand", 2, 2),
    ("support-ticket-embeddings-batch", "support", None, "g5.12xlarge", 4, "spot", 2, 6),
    ("growth-churn-scoring", "growth", "batch_inference", "g5.xlarge", 1, "reserved", 3, 9),
    ("email-drafts-eval-predict", "platform", None, "g5.xlarge", 1, "on_demand", 1, 14),
    ("search-click-logs-etl", "search", "etl", "g5.xlarge", 1, "spot", 2, 20),
    ("support-ranker-v3-batch-scoring", "support", None, "g5.12xlarge", 4, "on_demand", 1, 27),
)


@dataclass(frozen=True)
class TrainingRun:
    display_name: str
    model_version: str
    team: str
    job_type: str | None  # explicit label, else the name rules decide
    instance_type: str
    capacity_type: str
    gpus: int
    start: datetime
    hours: int
    node: str
    exported_labels: bool  # DCGM scraped through Prometheus: exported_pod / exported_namespace


def _training_runs() -> list[TrainingRun]:
    return [
        TrainingRun(
            "support-ranker-v3-train",
            "support-ranker-v3",
            "support",
            None,
            "p4d.24xlarge",
            "spot",
            8,
            datetime(2026, 9, 18, 2, 0, tzinfo=UTC),
            3,
            "ip-10-8-1-17.ec2.internal",
            False,
        ),
        TrainingRun(
            "support-ranker-v3-lora-finetune",
            "support-ranker-v3",
            "support",
            None,
            "g5.12xlarge",
            "on-demand",
            4,
            datetime(2026, 9, 25, 9, 0, tzinfo=UTC),
            2,
            "ip-10-8-2-41.ec2.internal",
            True,
        ),
        TrainingRun(
            "search-embedder-v2-pretrain",
            "search-embedder-v2",
            "search",
            "training",
            "p5.48xlarge",
            "on-demand",
            8,
            datetime(2026, 10, 3, 20, 0, tzinfo=UTC),
            4,
            "ip-10-8-3-5.ec2.internal",
            False,
        ),
    ]


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _spark_log(app_id: str, spec: tuple, start: datetime, rng: random.Random, *, finished: bool) -> list[str]:
    name, team, job_type, instance_type, gpus, option, executors, _ = spec
    task_gpu = str(gpus)  # tasks run one at a time on each executor and use all its GPUs
    properties = {
        "spark.app.name": name,
        "spark.app.id": app_id,
        "spark.master": "k8s://https://kubernetes.default.svc",
        "spark.executor.instances": str(executors),
        "spark.executor.cores": "8",
        "spark.executor.resource.gpu.amount": str(gpus),
        "spark.executor.resource.gpu.vendor": "nvidia.com",
        "spark.executor.resource.gpu.discoveryScript": "/opt/sparkRapidsPlugin/getGpusResources.sh",
        "spark.task.resource.gpu.amount": task_gpu,
        "spark.plugins": "com.nvidia.spark.SQLPlugin",
        "spark.finops.team": team,
        "spark.finops.instance_type": instance_type,
        "spark.finops.purchase_option": option,
    }
    if job_type:
        properties["spark.finops.job_type"] = job_type
    events: list[dict] = [
        {"Event": "SparkListenerLogStart", "Spark Version": SPARK_VERSION},
        {
            "Event": "SparkListenerResourceProfileAdded",
            "Resource Profile Id": 0,
            "Executor Resource Requests": {
                "cores": {"Resource Name": "cores", "Amount": 8, "Discovery Script": "", "Vendor": ""},
                "memory": {"Resource Name": "memory", "Amount": 32768, "Discovery Script": "", "Vendor": ""},
                "gpu": {
                    "Resource Name": "gpu",
                    "Amount": gpus,
                    "Discovery Script": "/opt/sparkRapidsPlugin/getGpusResources.sh",
                    "Vendor": "nvidia.com",
                },
            },
            "Task Resource Requests": {
                "cpus": {"Resource Name": "cpus", "Amount": 1.0},
                "gpu": {"Resource Name": "gpu", "Amount": float(task_gpu)},
            },
        },
        {
            "Event": "SparkListenerEnvironmentUpdate",
            "JVM Information": {"Java Version": "17.0.10 (Eclipse Adoptium)"},
            "Spark Properties": properties,
            "Hadoop Properties": {},
            "System Properties": {},
            "Metrics Properties": {},
            "Classpath Entries": {},
        },
        {
            "Event": "SparkListenerApplicationStart",
            "App Name": name,
            "App ID": app_id,
            "Timestamp": _ms(start),
            "User": "spark",
        },
    ]
    task_id = 0
    clock = start + timedelta(seconds=20)
    executor_ends: list[tuple[str, datetime]] = []
    for executor in range(1, executors + 1):
        executor_id = str(executor)
        added = start + timedelta(seconds=10 + 5 * executor)
        host = f"ip-10-9-{executor}-{rng.randint(10, 250)}.ec2.internal"
        events.append(
            {
                "Event": "SparkListenerExecutorAdded",
                "Timestamp": _ms(added),
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
        )
        task_clock = max(clock, added + timedelta(seconds=5))
        for index in range(rng.randint(6, 10)):
            launch = task_clock + timedelta(seconds=rng.randint(5, 60))  # gaps: GPU held, no task running
            run_seconds = rng.randint(120, 900)
            finish = launch + timedelta(seconds=run_seconds)
            info = {
                "Task ID": task_id,
                "Index": index,
                "Attempt": 0,
                "Partition ID": index,
                "Launch Time": _ms(launch),
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
            events.append({"Event": "SparkListenerTaskStart", "Stage ID": 0, "Stage Attempt ID": 0, "Task Info": info})
            events.append(
                {
                    "Event": "SparkListenerTaskEnd",
                    "Stage ID": 0,
                    "Stage Attempt ID": 0,
                    "Task Type": "ResultTask",
                    "Task End Reason": {"Reason": "Success"},
                    "Task Info": {**info, "Finish Time": _ms(finish)},
                    "Task Metrics": {
                        "Executor Deserialize Time": 40,
                        "Executor Run Time": run_seconds * 1000 - 50,
                        "Executor CPU Time": (run_seconds * 1000 - 200) * 1_000_000,
                        "Result Size": 2048,
                        "JVM GC Time": 120,
                    },
                }
            )
            task_id += 1
            task_clock = finish
        executor_ends.append((executor_id, task_clock + timedelta(seconds=rng.randint(30, 180))))
    if finished:
        for executor_id, removed in executor_ends:
            events.append(
                {
                    "Event": "SparkListenerExecutorRemoved",
                    "Timestamp": _ms(removed),
                    "Executor ID": executor_id,
                    "Removed Reason": "Executor killed by driver.",
                }
            )
        events.append({"Event": "SparkListenerApplicationEnd", "Timestamp": _ms(max(e for _, e in executor_ends))})
    lines = [json.dumps(event, separators=(",", ":")) for event in events]
    if not finished:
        lines[-1] = lines[-1][: len(lines[-1]) // 2]  # the writer was cut mid-line
    return lines


def write_spark(landing: Path, world: World, rng: random.Random) -> None:
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
    spec = ("search-reindex-embeddings", "search", "batch_inference", "g5.xlarge", 1, "on_demand", 2, 0)
    app_id = f"spark-{last_day:%Y%m%d}0099f00d01"
    start = datetime(last_day.year, last_day.month, last_day.day, 22, 0, tzinfo=UTC)
    text = "\n".join(_spark_log(app_id, spec, start, rng, finished=False))
    (folder / f"{app_id}.zstd.inprogress").write_bytes(compressor.compress(text.encode()))


def _utilization(rng: random.Random, minute: int, total_minutes: int) -> float:
    """Busy most of the time; idle while the data loader warms up and while checkpoints are written."""
    if minute < 12 or (total_minutes - 8 <= minute) or (minute % 60 in range(30, 34)):
        return float(rng.randint(0, 3))
    return float(rng.randint(78, 99))


def write_kubeflow_and_dcgm(landing: Path, rng: random.Random) -> None:
    runs_dir = landing / "kubeflow" / "runs"
    pods_dir = landing / "kubeflow" / "pods"
    runs_dir.mkdir(parents=True, exist_ok=True)
    pods_dir.mkdir(parents=True, exist_ok=True)
    experiment_id = str(uuid.UUID(int=rng.getrandbits(128)))
    runs, pods = [], []
    for run in _training_runs():
        run_id = str(uuid.UUID(int=rng.getrandbits(128)))
        end = run.start + timedelta(hours=run.hours)
        pod_started = run.start + timedelta(seconds=45)
        workflow = f"{run.display_name}-{run_id[:5]}"
        pod_name = f"{workflow}-system-container-impl-{rng.randint(1000000000, 9999999999)}"
        namespace = f"ml-{run.team}"
        runs.append(
            {
                "run_id": run_id,
                "display_name": run.display_name,
                "experiment_id": experiment_id,
                "storage_state": "AVAILABLE",
                "pipeline_version_reference": {
                    "pipeline_id": str(uuid.UUID(int=rng.getrandbits(128))),
                    "pipeline_version_id": str(uuid.UUID(int=rng.getrandbits(128))),
                },
                "runtime_config": {
                    "parameters": {"model_version": run.model_version, "epochs": 3},
                    "pipeline_root": f"s3://ml-artifacts/{namespace}/pipeline-root",
                },
                "service_account": "pipeline-runner",
                "created_at": _rfc3339(run.start),
                "scheduled_at": _rfc3339(run.start),
                "finished_at": _rfc3339(end),
                "state": "SUCCEEDED",
                "state_history": [
                    {"update_time": _rfc3339(run.start), "state": "PENDING"},
                    {"update_time": _rfc3339(pod_started), "state": "RUNNING"},
                    {"update_time": _rfc3339(end), "state": "SUCCEEDED"},
                ],
            }
        )
        labels = {
            "pipeline/runid": run_id,
            "workflows.argoproj.io/workflow": workflow,
            "pipelines.kubeflow.org/v2_component": "true",
            "team": run.team,
            "finops.io/model-version": run.model_version,
        }
        if run.job_type:
            labels["finops.io/job-type"] = run.job_type
        pods.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": pod_name,
                    "namespace": namespace,
                    "uid": str(uuid.UUID(int=rng.getrandbits(128))),
                    "labels": labels,
                },
                "spec": {
                    "nodeName": run.node,
                    "nodeSelector": {
                        "node.kubernetes.io/instance-type": run.instance_type,
                        "karpenter.sh/capacity-type": run.capacity_type,
                    },
                    "containers": [
                        {
                            "name": "main",
                            "image": "ghcr.io/example/trainer:2026.09",
                            "resources": {
                                "limits": {"nvidia.com/gpu": str(run.gpus), "cpu": "32", "memory": "256Gi"},
                                "requests": {"nvidia.com/gpu": str(run.gpus), "cpu": "30", "memory": "240Gi"},
                            },
                        }
                    ],
                },
                "status": {
                    "phase": "Succeeded",
                    "startTime": _rfc3339(pod_started),
                    "containerStatuses": [
                        {
                            "name": "main",
                            "ready": False,
                            "restartCount": 0,
                            "state": {
                                "terminated": {
                                    "exitCode": 0,
                                    "reason": "Completed",
                                    "startedAt": _rfc3339(pod_started),
                                    "finishedAt": _rfc3339(end),
                                }
                            },
                        }
                    ],
                },
            }
        )
        _write_dcgm(landing, run, namespace, pod_name, pod_started, end, rng)
    # the v2beta1 API pages: two runs on the first page, the rest behind next_page_token
    pages = [runs[:2], runs[2:]]
    for number, page in enumerate(pages, start=1):
        body = {"runs": page, "total_size": len(runs)}
        if number < len(pages):
            body["next_page_token"] = f"page-{number + 1}"
        (runs_dir / f"runs_page_{number}.json").write_text(json.dumps(body, indent=1) + "\n")
    pod_list = {"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "918273"}, "items": pods}
    (pods_dir / "pods.json").write_text(json.dumps(pod_list, indent=1) + "\n")


def _write_dcgm(
    landing: Path, run: TrainingRun, namespace: str, pod: str, start: datetime, end: datetime, rng: random.Random
) -> None:
    folder = landing / "dcgm" / run.node.split(".")[0]
    folder.mkdir(parents=True, exist_ok=True)
    model_name = {"p4d.24xlarge": "NVIDIA A100-SXM4-40GB", "p5.48xlarge": "NVIDIA H100 80GB HBM3"}.get(
        run.instance_type, "NVIDIA A10G"
    )
    has_prof = run.instance_type != "g5.12xlarge"  # A10G: no DCP profiling metrics
    pod_labels = (
        f'exported_namespace="{namespace}",exported_pod="{pod}",exported_container="main"'
        if run.exported_labels
        else f'namespace="{namespace}",pod="{pod}",container="main"'
    )
    families = [
        ("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %)."),
        ("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W)."),
        ("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB)."),
    ]
    if has_prof:
        families.append(("DCGM_FI_PROF_SM_ACTIVE", "Ratio of cycles an SM has at least 1 warp assigned."))
    series: dict[str, list[str]] = {name: [] for name, _ in families}
    total_minutes = int((end - start).total_seconds() // SCRAPE_SECONDS)
    for step in range(total_minutes):
        at = _ms(start + timedelta(seconds=SCRAPE_SECONDS * step))
        for gpu in range(run.gpus):
            util = _utilization(rng, step, total_minutes)
            labels = (
                f'gpu="{gpu}",UUID="GPU-{uuid.uuid5(uuid.NAMESPACE_DNS, f"{run.node}/{gpu}")}",'
                f'device="nvidia{gpu}",modelName="{model_name}",Hostname="{run.node.split(".")[0]}",'
                f'DCGM_FI_DRIVER_VERSION="550.90.07",{pod_labels}'
            )
            series["DCGM_FI_DEV_GPU_UTIL"].append(f"DCGM_FI_DEV_GPU_UTIL{{{labels}}} {int(util)} {at}")
            power = 60 + util * 3.4 + rng.random() * 5
            series["DCGM_FI_DEV_POWER_USAGE"].append(f"DCGM_FI_DEV_POWER_USAGE{{{labels}}} {power:.3f} {at}")
            series["DCGM_FI_DEV_FB_USED"].append(f"DCGM_FI_DEV_FB_USED{{{labels}}} {rng.randint(20000, 38000)} {at}")
            if has_prof:
                ratio = min(util / 100 * 0.92, 1.0)
                series["DCGM_FI_PROF_SM_ACTIVE"].append(f"DCGM_FI_PROF_SM_ACTIVE{{{labels}}} {ratio:.6f} {at}")
    lines = []
    for name, help_text in families:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} gauge")
        lines.extend(series[name])
    (folder / f"{pod}.prom").write_text("\n".join(lines) + "\n")


def _write_registry(landing: Path, world: World) -> None:
    folder = landing / "model_registry"
    folder.mkdir(parents=True, exist_ok=True)
    mapping = {
        "support-ranker-v3": (date(2026, 10, 1), 12, "18500.00", "support_chat", "", "gpt-4o", "2400000000", "support"),
        "search-embedder-v2": (
            date(2026, 10, 15),
            18,
            "7250.50",
            "semantic_search",
            "text-embedding-3-small",
            "text-embedding-3-large",
            "9100000000",
            "search",
        ),
    }
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "model_version",
            "service_start_date",
            "useful_life_months",
            "other_capitalized_costs_usd",
            "ledger_feature_tag",
            "ledger_model",
            "reference_api_model",
            "training_tokens",
            "team",
        ]
    )
    for model_version in world.trained_models:
        start, life, other, feature, model, reference, tokens, team = mapping[model_version]
        writer.writerow([model_version, start.isoformat(), life, other, feature, model, reference, tokens, team])
    (folder / "models.csv").write_text(buffer.getvalue())


def _readable(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def generate(landing: Path, world: World, rng: random.Random) -> None:
    """Telemetry files are written only for sources whose parser module is installed, so the demo never lands
    files the main job cannot load (the GPU assets report such files as a failed check)."""
    if _readable("ingest.spark_eventlog"):
        write_spark(landing, world, rng)
    if _readable("ingest.kubeflow") and _readable("ingest.dcgm"):
        write_kubeflow_and_dcgm(landing, rng)
    _write_registry(landing, world)
