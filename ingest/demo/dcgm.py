"""Demo DCGM exporter scrapes (feeds `ingest.dcgm`): Prometheus text with sample timestamps, one file per
training pod, a scrape per minute, some idle stretches.

Files written under the landing folder:
- dcgm/<node>/<pod>.prom

No `generate` here: `ingest.demo.gpu_jobs` calls `write_dcgm` for each Kubeflow training pod.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from ingest.demo.world import TrainingRun, epoch_ms

SCRAPE_SECONDS = 60
_MODEL_NAMES = {"p4d.24xlarge": "NVIDIA A100-SXM4-40GB", "p5.48xlarge": "NVIDIA H100 80GB HBM3"}


def _utilization(rng: random.Random, minute: int, total_minutes: int) -> float:
    """Busy most of the time; idle while the data loader warms up and while checkpoints are written."""
    if minute < 12 or (total_minutes - 8 <= minute) or (minute % 60 in range(30, 34)):
        return float(rng.randint(0, 3))
    return float(rng.randint(78, 99))


def _families(has_prof: bool) -> list[tuple[str, str]]:
    families = [
        ("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %)."),
        ("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W)."),
        ("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB)."),
    ]
    if has_prof:
        families.append(("DCGM_FI_PROF_SM_ACTIVE", "Ratio of cycles an SM has at least 1 warp assigned."))
    return families


def write_dcgm(
    landing: Path, run: TrainingRun, namespace: str, pod: str, start: datetime, end: datetime, rng: random.Random
) -> None:
    """One pod's scrapes, every GPU every minute from `start` to `end`."""
    host = run.node.split(".")[0]
    folder = landing / "dcgm" / host
    folder.mkdir(parents=True, exist_ok=True)
    model_name = _MODEL_NAMES.get(run.instance_type, "NVIDIA A10G")
    has_prof = run.instance_type != "g5.12xlarge"  # A10G: no DCP profiling metrics
    pod_labels = (
        f'exported_namespace="{namespace}",exported_pod="{pod}",exported_container="main"'
        if run.exported_labels
        else f'namespace="{namespace}",pod="{pod}",container="main"'
    )
    families = _families(has_prof)
    series: dict[str, list[str]] = {name: [] for name, _ in families}
    total_minutes = int((end - start).total_seconds() // SCRAPE_SECONDS)
    for step in range(total_minutes):
        at = epoch_ms(start + timedelta(seconds=SCRAPE_SECONDS * step))
        for gpu in range(run.gpus):
            util = _utilization(rng, step, total_minutes)
            labels = (
                f'gpu="{gpu}",UUID="GPU-{uuid.uuid5(uuid.NAMESPACE_DNS, f"{run.node}/{gpu}")}",'
                f'device="nvidia{gpu}",modelName="{model_name}",Hostname="{host}",'
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
