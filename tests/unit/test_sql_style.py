"""The dbt project is sqlfluff clean under the repo's config ([tool.sqlfluff.*] in pyproject.toml, dbt templater).

The dbt templater compiles every model through dbt, so this takes 1-2 minutes on two cores; measured against
`--processes 2` (each worker compiles the project again: 3x slower here) and the jinja templater (it cannot
expand the project's dispatch macros: thousands of false violations), one process with the dbt templater is
the fastest route that lints the SQL dbt really runs.
"""

import os
import subprocess
import sys

from pipelines.settings import DBT_PROJECT_DIR, PROJECT_ROOT


def test_dbt_sql_has_no_sqlfluff_violations(tmp_path):
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # compiling `is_incremental()` opens the warehouse: an empty one in tmp, never the user's
        "FINOPS_WAREHOUSE_PATH": str(tmp_path / "lint.duckdb"),
    }
    completed = subprocess.run(
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
        capture_output=True,
        text=True,
        timeout=900,
    )
    violations = [line for line in completed.stdout.splitlines() if "title=SQLFluff" in line]
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert violations == [], "\n".join(violations)
