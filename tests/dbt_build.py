"""Run dbt on a test's own warehouse, as the pipeline does (a subprocess of this interpreter), with its target
and logs kept in the test's folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipelines.settings import DBT_PROJECT_DIR


def dbt_build(warehouse: Path, work: Path, *selectors: str, command: str = "build") -> str:
    """`dbt <command> --select <selectors>` against `warehouse`; fails the test with dbt's log tail when dbt
    fails, else returns dbt's log."""
    env = {**os.environ, "FINOPS_WAREHOUSE_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "dbt.cli.main",
            command,
            *(["--select", *selectors] if selectors else []),
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    return completed.stdout
