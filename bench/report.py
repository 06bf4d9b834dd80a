"""What every benchmark reports to the suite runner (`bench/run_all.py`): a list of measured goals.

A bench script called with `--json-out PATH` writes `{"bench": name, "goals": [...], "details": {...}}`, where
each goal is one row of the suite's table: what was measured, its value, the goal and the verdict.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Goal:
    """One measured number against its goal: `value op target` (op is ">=" or "<=")."""

    name: str
    value: float
    op: str
    target: float
    unit: str = "x"
    peak_rss_mb: float | None = None
    note: str = ""

    @property
    def met(self) -> bool:
        return self.value >= self.target if self.op == ">=" else self.value <= self.target


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started its program, in MB: the kernel's VmHWM. Not
    `getrusage(RUSAGE_SELF).ru_maxrss`: a child started by a process that held 2.6 GB (a bench that had just
    generated its data) reports at least those 2.6 GB, measured by no code of its own. Where there is no
    /proc (macOS), ru_maxrss (bytes there)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def fastest_alternating(phases: dict[str, Callable[[], dict]], repeat: int) -> dict[str, dict]:
    """Run every phase `repeat` times, alternating them back to back so each sees the same machine state, and
    keep each phase's fastest run (`fastest`): name -> result."""
    runs: dict[str, list[dict]] = {name: [] for name in phases}
    for _ in range(max(1, repeat)):
        for name, run in phases.items():
            runs[name].append(run())
    return {name: fastest(results) for name, results in runs.items()}


def fastest(runs: list[dict]) -> dict:
    """The fastest of a phase's runs (each a dict with "seconds" and "peak_rss_mb"), with the highest peak RSS
    of them all and every run's time: one burst of load from another process does not decide a ratio."""
    best = min(runs, key=lambda run: run["seconds"])
    return {
        **best,
        "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
        "runs_seconds": [run["seconds"] for run in runs],
    }


def load_averages() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def write_results(path: str | Path | None, bench: str, goals: list[Goal], details: dict | None = None) -> None:
    """Print the goals and, when asked (`--json-out`), write them for the suite runner."""
    for goal in goals:
        verdict = "met" if goal.met else "MISSED"
        print(f"  [{verdict}] {goal.name}: {goal.value:,.3g}{goal.unit} (goal {goal.op} {goal.target:g}{goal.unit})")
    if path:
        rows = [{**asdict(goal), "met": goal.met} for goal in goals]
        payload = {"bench": bench, "load_averages": load_averages(), "goals": rows, "details": details or {}}
        Path(path).write_text(json.dumps(payload, indent=2, default=str))


def bench_workdir(given: str | None, prefix: str) -> Path:
    """The bench's working folder: `given` (--workdir) is created if needed and kept, so a later run can reuse
    what it holds; otherwise a new temporary folder that goes when the bench ends. Its data is gigabytes at the
    issue's sizes (7 GB for the FOCUS export's): folders left behind by every run filled the disk mid-suite."""
    if given:
        folder = Path(given).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    folder = Path(tempfile.mkdtemp(prefix=prefix)).resolve()
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
