"""Run dbt as the pipeline does (a subprocess of this interpreter), with its target and logs kept in the test's
folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipelines.settings import DBT_PROJECT_DIR


def run_dbt(command: str, *args: str, work: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`dbt <command> <args>` on the project, target and logs under `work`, `env` added to this environment.
    Returns the finished process (stdout and stderr as text); the caller decides what a failure means."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "dbt.cli.main",
            command,
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


def dbt_build(warehouse: Path, work: Path, *selectors: str, command: str = "build") -> str:
    """`dbt <command> --select <selectors>` against `warehouse`; fails the test with dbt's log tail when dbt
    fails, else returns dbt's log."""
    completed = run_dbt(
        command,
        *(["--select", *selectors] if selectors else []),
        work=work,
        env={"FINOPS_WAREHOUSE_PATH": str(warehouse)},
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    return completed.stdout
