"""The dbt manifest must exist, and be current, before the Dagster definitions load (dagster-dbt reads it
at import). Parsing takes a few seconds, so it only happens when a model or YAML file is newer."""

import os
import subprocess
import sys

from pipelines.settings import DBT_PROJECT_DIR


def ensure_dbt_manifest() -> None:
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    sources = [p for p in DBT_PROJECT_DIR.rglob("*") if p.suffix in (".sql", ".yml") and "target" not in p.parts]
    newest = max((p.stat().st_mtime for p in sources), default=0)
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return
    print("[finops] parsing the dbt project (manifest missing or stale)", file=sys.stderr, flush=True)
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "dbt.cli.main",
            "parse",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--quiet",
        ],
        check=True,
        env=env,
    )
