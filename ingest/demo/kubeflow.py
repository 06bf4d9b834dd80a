"""Demo Kubeflow Pipelines (feeds `ingest.kubeflow`): v2beta1 run pages and the Kubernetes pod list of the
training runs in `world.training_runs()`.

Files written under the landing folder:
- kubeflow/runs/runs_page_<n>.json ({runs, total_size, next_page_token}) and kubeflow/pods/pods.json (PodList)

Attribution lives where real teams put it: pod labels (`team`, `finops.io/job-type`, `finops.io/model-version`)
plus node selectors (`node.kubernetes.io/instance-type`, `karpenter.sh/capacity-type`).

No `generate` here: `ingest.demo.gpu_jobs` writes each run's DCGM scrapes beside its pod (they name the pod).
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ingest.demo.world import TrainingRun, rfc3339


@dataclass(frozen=True)
class TrainingPod:
    """The pod that ran a training run: what its DCGM scrapes are labelled with."""

    name: str
    namespace: str
    started: datetime
    finished: datetime


def random_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128)))


def _run_record(run: TrainingRun, run_id: str, experiment_id: str, pod: TrainingPod, rng: random.Random) -> dict:
    return {
        "run_id": run_id,
        "display_name": run.display_name,
        "experiment_id": experiment_id,
        "storage_state": "AVAILABLE",
        "pipeline_version_reference": {
            "pipeline_id": random_uuid(rng),
            "pipeline_version_id": random_uuid(rng),
        },
        "runtime_config": {
            "parameters": {"model_version": run.model_version, "epochs": 3},
            "pipeline_root": f"s3://ml-artifacts/{pod.namespace}/pipeline-root",
        },
        "service_account": "pipeline-runner",
        "created_at": rfc3339(run.start),
        "scheduled_at": rfc3339(run.start),
        "finished_at": rfc3339(pod.finished),
        "state": "SUCCEEDED",
        "state_history": [
            {"update_time": rfc3339(run.start), "state": "PENDING"},
            {"update_time": rfc3339(pod.started), "state": "RUNNING"},
            {"update_time": rfc3339(pod.finished), "state": "SUCCEEDED"},
        ],
    }


def _pod_record(run: TrainingRun, run_id: str, workflow: str, pod: TrainingPod, rng: random.Random) -> dict:
    labels = {
        "pipeline/runid": run_id,
        "workflows.argoproj.io/workflow": workflow,
        "pipelines.kubeflow.org/v2_component": "true",
        "team": run.team,
        "finops.io/model-version": run.model_version,
    }
    if run.job_type:
        labels["finops.io/job-type"] = run.job_type
    container = {
        "name": "main",
        "image": "ghcr.io/example/trainer:2026.09",
        "resources": {
            "limits": {"nvidia.com/gpu": str(run.gpus), "cpu": "32", "memory": "256Gi"},
            "requests": {"nvidia.com/gpu": str(run.gpus), "cpu": "30", "memory": "240Gi"},
        },
    }
    terminated = {
        "exitCode": 0,
        "reason": "Completed",
        "startedAt": rfc3339(pod.started),
        "finishedAt": rfc3339(pod.finished),
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": pod.name, "namespace": pod.namespace, "uid": random_uuid(rng), "labels": labels},
        "spec": {
            "nodeName": run.node,
            "nodeSelector": {
                "node.kubernetes.io/instance-type": run.instance_type,
                "karpenter.sh/capacity-type": run.capacity_type,
            },
            "containers": [container],
        },
        "status": {
            "phase": "Succeeded",
            "startTime": rfc3339(pod.started),
            "containerStatuses": [
                {"name": "main", "ready": False, "restartCount": 0, "state": {"terminated": terminated}}
            ],
        },
    }


def run_and_pod(run: TrainingRun, experiment_id: str, rng: random.Random) -> tuple[dict, dict, TrainingPod]:
    """(run record of the API page, pod of the PodList, the pod's identity) of one training run."""
    run_id = random_uuid(rng)
    workflow = f"{run.display_name}-{run_id[:5]}"
    pod = TrainingPod(
        name=f"{workflow}-system-container-impl-{rng.randint(1000000000, 9999999999)}",
        namespace=f"ml-{run.team}",
        started=run.start + timedelta(seconds=45),
        finished=run.start + timedelta(hours=run.hours),
    )
    record = _run_record(run, run_id, experiment_id, pod, rng)
    return record, _pod_record(run, run_id, workflow, pod, rng), pod


def write_runs_and_pods(landing: Path, runs: list[dict], pods: list[dict]) -> None:
    """The v2beta1 API pages (two runs on the first page, the rest behind next_page_token) and the PodList."""
    runs_dir = landing / "kubeflow" / "runs"
    pods_dir = landing / "kubeflow" / "pods"
    runs_dir.mkdir(parents=True, exist_ok=True)
    pods_dir.mkdir(parents=True, exist_ok=True)
    pages = [runs[:2], runs[2:]]
    for number, page in enumerate(pages, start=1):
        body = {"runs": page, "total_size": len(runs)}
        if number < len(pages):
            body["next_page_token"] = f"page-{number + 1}"
        (runs_dir / f"runs_page_{number}.json").write_text(json.dumps(body, indent=1) + "\n")
    pod_list = {"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "918273"}, "items": pods}
    (pods_dir / "pods.json").write_text(json.dumps(pod_list, indent=1) + "\n")
