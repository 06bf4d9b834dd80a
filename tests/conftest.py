"""Shared fixtures: the shared samples folder (skip cleanly when absent) and a scratch warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.dbt_manifest import ensure_dbt_manifest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = PROJECT_ROOT.parent / "shared" / "samples"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    if not SAMPLES_DIR.is_dir():
        pytest.skip(f"shared samples not found at {SAMPLES_DIR}")
    return SAMPLES_DIR


# dagster-dbt reads the manifest when the definitions are imported: make it current before any test does
ensure_dbt_manifest()


def sample(*parts: str) -> Path:
    """Path of one shared sample file; skips the test when it is absent."""
    path = SAMPLES_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared sample not found: {path}")
    return path
