"""Shared fixtures: the shared samples folder (skip cleanly when absent) and a scratch warehouse."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.dbt_manifest import ensure_dbt_manifest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# FINOPS_TEST_SAMPLES_DIR points the tests elsewhere (e.g. at a missing folder, to see what a fresh clone runs)
SAMPLES_DIR = Path(os.environ.get("FINOPS_TEST_SAMPLES_DIR") or PROJECT_ROOT.parent / "shared" / "samples")


@pytest.fixture(scope="session")
def synthetic_samples_dir(tmp_path_factory) -> Path:
    """Small synthetic files in the shared samples' formats and names (tests/synthetic_samples.py)."""
    from tests.synthetic_samples import write_synthetic_samples

    return write_synthetic_samples(tmp_path_factory.mktemp("synthetic_samples"))


@pytest.fixture(params=["synthetic", "shared"])
def samples_root(request) -> Path:
    """Run a test on the synthetic samples (everywhere) and again on ../shared/samples (skipped where absent)."""
    if request.param == "synthetic":
        return request.getfixturevalue("synthetic_samples_dir")
    return request.getfixturevalue("samples_dir")


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


# the modules that read the shared demo night (the `demo_job` fixture: a whole job run)
DEMO_NIGHT_MODULES = (
    "tests/integration/test_focus_validator.py",
    "tests/integration/test_main_job.py",
    "tests/integration/test_unchanged_nights.py",
)


def pytest_xdist_make_scheduler(config, log):
    """Under pytest-xdist (./bootstrap.sh test runs the suite in one process per core), a module's tests run in
    one worker, so its module fixtures are built once, and the demo night's readers all run in one worker, so it
    runs once. (xdist's own `loadgroup` does not group under pytest 9: it renames a node id pytest no longer
    reads.)"""
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return "demo night" if module in DEMO_NIGHT_MODULES else module

    return ModuleScheduling(config, log)


# the slowest groups first (each 1.5-4 minutes on 2 cores), so a worker is not left running one of them alone at
# the end: longest-first is the usual way to spread unequal jobs over workers
SLOWEST_FIRST = (
    *DEMO_NIGHT_MODULES,
    "tests/integration/test_ledger_partitions.py",
    "tests/integration/test_incremental_marts.py",
    "tests/integration/test_cost_allocation.py",
    "tests/unit/test_sql_style.py",
    "tests/integration/test_month_close.py",
)


def pytest_collection_modifyitems(session, config, items) -> None:
    """Every worker collects the same order, so the scheduler hands out the slowest groups first."""
    rank = {module: index for index, module in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


def pytest_itemcollected(item) -> None:
    """A new reader of the demo night must join DEMO_NIGHT_MODULES, or two workers would each run the night."""
    module = item.nodeid.split("::", 1)[0]
    if "demo_job" in getattr(item, "fixturenames", ()) and module not in DEMO_NIGHT_MODULES:
        raise pytest.UsageError(f"{module} reads the demo night (demo_job): add it to DEMO_NIGHT_MODULES")


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session) -> None:
    """When the style test is part of this session, start its lint now, beside the other tests (after -k or -m
    removed what they deselect, so a deselected style test starts nothing). Not in a pytest-xdist worker: every
    worker collects every test, and the one that runs the style test starts the lint itself."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if any(item.nodeid.startswith("tests/unit/test_sql_style.py") for item in session.items):
        from tests import sql_lint_run

        sql_lint_run.start()
