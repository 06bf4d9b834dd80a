"""Demo GPU telemetry: Spark event logs (`spark.py`), Kubeflow runs and pods (`kubeflow.py`) with each training
pod's DCGM scrapes (`dcgm.py`), and the model registry (`model_registry.py`).

This is the one `generate` of the four: they share one RNG stream, seeded from this module's name, so the
demo landing stays the same as when they were one module; and a pod's DCGM file carries the name the Kubeflow
pod was given, so those two are written in one loop.
"""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

from ingest.demo import dcgm, kubeflow
from ingest.demo.model_registry import write_registry
from ingest.demo.spark import write_spark
from ingest.demo.world import World, training_runs


def write_kubeflow_and_dcgm(landing: Path, rng: random.Random) -> None:
    """Kubeflow run pages and pod list, and for each training pod its DCGM scrapes."""
    experiment_id = kubeflow.random_uuid(rng)
    runs, pods = [], []
    for run in training_runs():
        record, pod_record, pod = kubeflow.run_and_pod(run, experiment_id, rng)
        runs.append(record)
        pods.append(pod_record)
        dcgm.write_dcgm(landing, run, pod.namespace, pod.name, pod.started, pod.finished, rng)
    kubeflow.write_runs_and_pods(landing, runs, pods)


def _readable(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def generate(landing: Path, world: World, rng: random.Random) -> None:
    """Telemetry files are written only for sources whose parser module is installed, so the demo never lands
    files the main job cannot load (the GPU assets report such files as a failed check)."""
    if _readable("ingest.spark_eventlog"):
        write_spark(landing, world, rng)
    if _readable("ingest.kubeflow") and _readable("ingest.dcgm"):
        write_kubeflow_and_dcgm(landing, rng)
    write_registry(landing, world)
