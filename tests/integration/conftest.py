"""A demo night shared by the whole-job tests that only read it: the 3-day demo landing (2026-10-01..03) run
once through the main job into a temporary warehouse. One run serves several modules, so the suite pays for it
once."""

from __future__ import annotations

import os
import time

import pytest

from ingest.demo import generate_landing
from pipelines.cli import run_main_job
from pipelines.settings import Settings
from tests.demo_world import DEMO_WORLD


@pytest.fixture(scope="session")
def demo_job(tmp_path_factory) -> dict:
    """{"root", "landing", "settings", "ok", "started", "ended"}: the demo landing and its warehouse after one run
    of the job, and when the run started and ended (time.time()). Tests that change the landing or the warehouse
    build their own."""
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
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {
        "root": root,
        "landing": root / "landing",
        "settings": settings,
        "ok": ok,
        "started": started,
        "ended": ended,
    }
