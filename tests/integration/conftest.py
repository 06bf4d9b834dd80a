"""A demo night shared by the whole-job tests that only read it: the 3-day demo landing (2026-10-01..03) run
once through the main job into a temporary warehouse. One run serves several modules, so the suite pays for it
once."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ingest.demo import generate_landing
from pipelines.cli import run_main_job
from pipelines.settings import Settings
from tests.demo_world import DEMO_WORLD


@pytest.fixture(scope="session")
def demo_job(tmp_path_factory) -> dict:
    """{"root", "landing", "settings", "ok", "dbt_logs"}: the demo landing and its warehouse after one run of the
    job, and the dbt.log of each of its dbt invocations. Tests that change the landing or the warehouse build
    their own."""
    root = tmp_path_factory.mktemp("demo_job")
    saved = dict(os.environ)
    os.environ.pop("DAGSTER_HOME", None)  # ephemeral run storage
    try:
        generate_landing(root / "landing", world=DEMO_WORLD)
        settings = Settings.resolve(
            landing=root / "landing", warehouse_path=root / "w.duckdb", exports_dir=root / "exports"
        )
        started = time.time()
        ok = run_main_job(settings)
        ended = time.time()
        # read now: later runs in the session prune the target folders of older runs
        dbt_logs = dbt_invocation_logs(started, ended, settings.warehouse_path)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {
        "root": root,
        "landing": root / "landing",
        "settings": settings,
        "ok": ok,
        "dbt_logs": dbt_logs,
    }


def dbt_invocation_logs(started: float, ended: float, warehouse: Path) -> dict[str, str]:
    """{target folder name: dbt.log text} of the dbt invocations on `warehouse` between two times, oldest first
    (other test processes may run dbt on their own warehouses meanwhile)."""
    from pipelines.settings import DBT_PROJECT_DIR

    folders = [
        folder
        for folder in (DBT_PROJECT_DIR / "target").iterdir()
        if folder.is_dir() and (folder / "dbt.log").is_file() and started <= folder.stat().st_mtime <= ended + 1
    ]
    folders.sort(key=lambda folder: (folder / "dbt.log").stat().st_mtime)
    logs = {folder.name: (folder / "dbt.log").read_text() for folder in folders}
    return {name: text for name, text in logs.items() if str(warehouse) in text}
