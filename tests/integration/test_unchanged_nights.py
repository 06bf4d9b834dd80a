"""A night with no new data reloads and rebuilds nothing that would come out the same (pipelines/unchanged.py),
and one cent changed in one bill reloads that source, rebuilds what reads it and reaches the marts exactly.

Starts from a copy of the shared demo night's warehouse (same landing: raw rows carry their files' paths), with
its own exports folder, and runs the main job for the day after the demo's last delivery day."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date, timedelta
from decimal import Decimal

import duckdb
import pytest

from pipelines.cli import run_main_job
from pipelines.settings import Settings
from tests.demo_world import DEMO_WORLD

DBT_STEPS = ("dbt_staging", "dbt_daily_facts", "dbt_marts")
# sources loaded from landing files that skip when nothing changed (the ledger and windowed sources always load)
SOURCE_STEPS = tuple(
    f"source:{op}"
    for op in (
        "aws_cur__line_items",
        "azure__cost_details",
        "gcp__billing_export",
        "focus__cost_rows",
        "gpu_spark",
        "gpu_kubeflow",
        "gpu_dcgm",
    )
)
EXPORT_STEPS = ("focus_costs", "showback_csv")
MARTS = ("fct_requests", "fct_costs", "rpt_showback", "rpt_cost_conservation", "rpt_model_unit_costs")
BILLED_ORIGINS = "('billed', 'allocated_shared', 'capitalized', 'unallocated')"


def _query(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _builds(settings: Settings) -> dict[str, str]:
    """step -> the run whose build the step keeps."""
    return dict(_query(settings, "select step, run_id from audit.build_state"))


def _marts(settings: Settings) -> dict[str, list[tuple]]:
    return {mart: _query(settings, f"select * from {mart} order by all") for mart in MARTS}


def _exports(settings: Settings) -> dict[str, int]:
    return {str(path): path.stat().st_mtime_ns for path in sorted(settings.exports_dir.rglob("*")) if path.is_file()}


def _billed(settings: Settings) -> Decimal:
    return _query(settings, f"select sum(billed_cost) from fct_costs where x_cost_origin in {BILLED_ORIGINS}")[0][0]


def _night(settings: Settings, day: date) -> dict:
    saved = dict(os.environ)
    os.environ.pop("DAGSTER_HOME", None)  # ephemeral run storage
    try:
        ok = run_main_job(settings, day, day)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {"ok": ok, "builds": _builds(settings), "marts": _marts(settings), "exports": _exports(settings)}


@pytest.fixture(scope="module")
def nights(demo_job, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("unchanged_nights")
    shutil.copyfile(demo_job["settings"].warehouse_path, root / "w.duckdb")
    settings = Settings.resolve(
        landing=demo_job["landing"], warehouse_path=root / "w.duckdb", exports_dir=root / "exports"
    )
    empty_day = DEMO_WORLD.start_date + timedelta(days=DEMO_WORLD.days)
    before = {"builds": _builds(settings), "marts": _marts(settings), "billed": _billed(settings)}

    first = _night(settings, empty_day)  # nothing new: the dbt steps skip; the exports go to a new folder
    second = _night(settings, empty_day)  # nothing new at all: the exports skip too

    # one GCP line one cent dearer, from a folder of its own (FINOPS_SOURCE_GCP)
    gcp = root / "gcp"
    shutil.copytree(demo_job["landing"] / "gcp", gcp)
    (export,) = gcp.glob("*.jsonl")
    lines = export.read_text().splitlines()
    row = json.loads(lines[0])
    row["cost"] = str(Decimal(row["cost"]) + Decimal("0.01"))
    export.write_text("\n".join([json.dumps(row), *lines[1:]]) + "\n")
    changed_settings = Settings.resolve(
        landing=demo_job["landing"],
        warehouse_path=root / "w.duckdb",
        exports_dir=root / "exports",
        environ={**os.environ, "FINOPS_SOURCE_GCP": str(gcp)},
    )
    changed = _night(changed_settings, empty_day)
    changed["billed"] = _billed(changed_settings)
    return {"before": before, "first": first, "second": second, "changed": changed}


def test_every_night_succeeds(nights):
    assert [nights[name]["ok"] for name in ("first", "second", "changed")] == [True, True, True]


def test_a_night_without_new_data_keeps_every_dbt_build_and_source_load(nights):
    before, first = nights["before"], nights["first"]
    kept = (*DBT_STEPS, *SOURCE_STEPS)
    assert set(kept) <= set(before["builds"])
    assert {step: first["builds"][step] for step in kept} == {step: before["builds"][step] for step in kept}
    assert first["marts"] == before["marts"]
    # the exports had never been written to this folder: they are, once
    assert all(first["builds"][step] != before["builds"].get(step) for step in EXPORT_STEPS)
    assert any(path.endswith(".csv") for path in first["exports"])


def test_a_second_night_without_new_data_keeps_the_exports_too(nights):
    first, second = nights["first"], nights["second"]
    assert second["builds"] == first["builds"]
    assert second["exports"] == first["exports"]  # not rewritten: same files, same modification times
    assert second["marts"] == first["marts"]


def test_one_changed_cent_rebuilds_what_reads_it_exactly(nights):
    second, changed = nights["second"], nights["changed"]
    steps = (*SOURCE_STEPS, *DBT_STEPS, *EXPORT_STEPS)
    rebuilt = {step for step in steps if changed["builds"][step] != second["builds"][step]}
    # the daily facts read only the ledger, and the night's window is empty
    assert rebuilt == {"source:gcp__billing_export", "dbt_staging", "dbt_marts", *EXPORT_STEPS}
    assert changed["billed"] - nights["before"]["billed"] == Decimal("0.01")
    assert changed["marts"]["fct_requests"] == second["marts"]["fct_requests"]
    assert all(row[-3:] == (0, 0, 0) for row in changed["marts"]["rpt_cost_conservation"])
