"""sqlfluff over the dbt project, started in the background as soon as the test session knows it will need it.

The dbt templater compiles every model (about 70 s on one core). The whole-job tests use one core at a time,
so the lint runs beside them on the other instead of adding its time to the suite's; the style test then only
collects the result."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pipelines.settings import DBT_PROJECT_DIR, PROJECT_ROOT

_running: dict[str, object] = {}


def start() -> None:
    """Start the lint once (idempotent)."""
    if "process" in _running:
        return
    scratch = Path(tempfile.mkdtemp(prefix="finops-sqlfluff-"))
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # compiling `is_incremental()` opens the warehouse: an empty one in scratch, never the user's
        "FINOPS_WAREHOUSE_PATH": str(scratch / "lint.duckdb"),
    }
    _running["scratch"] = scratch
    _running["process"] = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sqlfluff",
            "lint",
            str(DBT_PROJECT_DIR / "models"),
            str(DBT_PROJECT_DIR / "tests"),
            "--format",
            "github-annotation-native",
            "--nofail",
            "--disable-progress-bar",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def result(timeout: float = 900) -> tuple[int, str, str]:
    """(return code, stdout, stderr) of the lint, starting it if nobody did."""
    start()
    process = _running["process"]
    if "output" not in _running:
        _running["output"] = process.communicate(timeout=timeout)
        shutil.rmtree(_running["scratch"], ignore_errors=True)  # the lint is done with its empty warehouse
    stdout, stderr = _running["output"]
    return process.returncode, stdout, stderr
