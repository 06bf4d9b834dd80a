"""Plain `dbt` with the project's profile, FINOPS_WAREHOUSE_PATH unset (issue 13 item 2): the default warehouse is
<repo>/warehouse/finops.duckdb whatever the working directory, found from where profiles.yml lives."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.settings import DBT_PROJECT_DIR


@pytest.mark.parametrize("cwd_name", ["repo_root", "elsewhere"])
def test_the_default_warehouse_does_not_depend_on_the_working_directory(tmp_path, cwd_name):
    # a copy of the profile in a repo-like layout, so the default warehouse lands in tmp_path, not the real repo
    repo = tmp_path / "repo"
    (repo / "dbt").mkdir(parents=True)
    (repo / "warehouse").mkdir()
    shutil.copy(DBT_PROJECT_DIR / "profiles.yml", repo / "dbt" / "profiles.yml")
    cwd = repo if cwd_name == "repo_root" else tmp_path / "somewhere" / "else"
    cwd.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "FINOPS_WAREHOUSE_PATH"}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    profiles_dir = os.path.relpath(repo / "dbt", cwd)  # relative, as a user types it
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "debug", "--project-dir", str(DBT_PROJECT_DIR)]
        + ["--profiles-dir", profiles_dir],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert "Connection test: [OK" in done.stdout.replace("\x1b[32m", "").replace("\x1b[0m", "")
    assert (repo / "warehouse" / "finops.duckdb").exists()
    assert not (cwd.parent / "warehouse").exists()


def test_dbt_duckdb_gets_the_warehouse_memory_limit(tmp_path):
    """The memory limit reaches dbt's own DuckDB (issue 12): dbt used to run with no limit while the Python
    loads honoured FINOPS_DUCKDB_MEMORY_LIMIT. The pipeline passes it as a var, as dbt_vars() does."""
    env = {k: v for k, v in os.environ.items() if k != "FINOPS_DUCKDB_MEMORY_LIMIT"}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    vars_ = f'{{"finops_warehouse_path": "{tmp_path / "w.duckdb"}", "finops_duckdb_memory_limit": "1GB"}}'
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "show", "--inline", "select current_setting('memory_limit') as m"]
        + ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR), "--vars", vars_]
        + ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert "953.6 MiB" in done.stdout  # DuckDB shows 1GB (10^9 bytes) in MiB
