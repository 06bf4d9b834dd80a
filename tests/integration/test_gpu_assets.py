"""The GPU Dagster assets materialized on the demo landing files into a temporary DuckDB."""

from __future__ import annotations

import importlib.util
import random
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ingest.demo import gpu_jobs as demo_gpu
from ingest.demo import spark as demo_spark
from ingest.demo.world import World
from pipelines.assets.gpu_jobs import (
    TELEMETRY_SOURCES,
    gpu_dcgm,
    gpu_job_type_rules,
    gpu_kubeflow,
    gpu_model_registry,
    gpu_prices,
    gpu_spark,
)
from pipelines.resources import LandingResource, WarehouseResource

ASSETS = [gpu_prices, gpu_job_type_rules, gpu_model_registry, gpu_spark, gpu_kubeflow, gpu_dcgm]


def _materialize(landing: Path, warehouse: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        ASSETS,
        resources={
            "landing": LandingResource(location=str(landing)),
            "warehouse": WarehouseResource(duckdb_path=str(warehouse)),
        },
    )


def _tables(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            "raw_rate_cards.gpu_prices",
            "raw_gpu.job_type_rules",
            "raw_gpu.model_registry",
            *[f"raw_gpu.{table}" for _, tables in TELEMETRY_SOURCES.values() for table in tables],
        ]
        return {name: sorted(con.execute(f"select * from {name}").fetchall(), key=repr) for name in names}


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    demo_gpu.generate(folder, World(), random.Random(5))
    # the telemetry files too, even while a parser module is missing (the demo then leaves them out)
    demo_spark.write_spark(folder, World(), random.Random(6))
    demo_gpu.write_kubeflow_and_dcgm(folder, random.Random(7))
    return folder


def test_assets_load_cards_rules_and_registry_and_rerun_identically(landing: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    result = _materialize(landing, warehouse)
    assert result.success
    first = _tables(warehouse)
    prices = {(row[1], row[4], row[7].isoformat()): row[9] for row in first["raw_rate_cards.gpu_prices"]}
    assert prices[("p4d.24xlarge", "spot", "2025-06-01")] == Decimal("1.3725")
    assert prices[("a3-highgpu-8g", "on_demand", "2025-01-01")] == Decimal("11.0613")
    registry = {row[0]: row for row in first["raw_gpu.model_registry"]}
    assert set(registry) == set(World().trained_models)
    assert registry["support-ranker-v3"][3] == Decimal("18500.00")
    assert registry["search-embedder-v2"][5] == "text-embedding-3-small"
    assert _materialize(landing, warehouse).success
    assert _tables(warehouse) == first
    with duckdb.connect(str(warehouse), read_only=True) as con:
        audit = con.execute(
            "select input_rows, loaded_rows, quarantined_rows from audit.loads where source = 'raw_gpu.model_registry'"
        ).fetchall()
    assert audit == [(2, 2, 0)]


def test_bad_registry_row_is_quarantined_with_line_and_reason(landing: Path, tmp_path: Path) -> None:
    registry = landing / "model_registry" / "models.csv"
    registry.write_text(registry.read_text() + "broken-v1,2026-13-01,12,0,support_chat,,,,\n")
    warehouse = tmp_path / "w.duckdb"
    result = _materialize(landing, warehouse)
    assert result.success
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select line, reason from quarantine.rejected_rows where source = 'raw_gpu.model_registry'"
        ).fetchall()
        audit = con.execute(
            "select input_rows, loaded_rows, quarantined_rows from audit.loads where source = 'raw_gpu.model_registry'"
        ).fetchall()
    assert rows == [(4, "service_start_date: expected a date YYYY-MM-DD, got '2026-13-01'")]
    assert audit == [(3, 2, 1)]


def test_missing_parser_is_a_visible_warning_not_a_silent_load(landing: Path, tmp_path: Path) -> None:
    missing = [folder for folder, (module, _) in TELEMETRY_SOURCES.items() if importlib.util.find_spec(module) is None]
    if not missing:
        pytest.skip("every telemetry parser is installed")
    result = _materialize(landing, tmp_path / "w.duckdb")
    assert result.success
    warnings = [
        evaluation
        for evaluation in result.get_asset_check_evaluations()
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    ]
    assert warnings and all("was not loaded" in str(e.metadata["reason"].value) for e in warnings)


def test_empty_telemetry_folders_load_empty_tables(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "model_registry").mkdir(parents=True)
    result = _materialize(landing, tmp_path / "w.duckdb")
    assert result.success
    assert all(evaluation.passed for evaluation in result.get_asset_check_evaluations())
    tables = _tables(tmp_path / "w.duckdb")
    assert tables["raw_gpu.spark_apps"] == [] and tables["raw_gpu.model_registry"] == []


def test_demo_telemetry_loads_with_balanced_rows(landing: Path, tmp_path: Path) -> None:
    for module, _ in TELEMETRY_SOURCES.values():
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} not installed")
    warehouse = tmp_path / "w.duckdb"
    result = _materialize(landing, warehouse)
    assert result.success
    assert all(evaluation.passed for evaluation in result.get_asset_check_evaluations())
    with duckdb.connect(str(warehouse), read_only=True) as con:
        audit = dict(
            (row[0], row[1:])
            for row in con.execute(
                "select source, input_rows, loaded_rows, quarantined_rows from audit.loads where source like 'raw_gpu.%'"
            ).fetchall()
        )
        in_progress = con.execute("select count(*) from raw_gpu.spark_apps where not is_complete").fetchone()[0]
    # 6 finished logs + 1 in progress; its cut last line is quarantined
    assert audit["raw_gpu.spark_apps"] == (8, 7, 1)
    assert in_progress == 1
    assert audit["raw_gpu.kfp_runs"] == (3, 3, 0) and audit["raw_gpu.k8s_pods"] == (3, 3, 0)
    assert audit["raw_gpu.dcgm_samples"][1] > 0 and audit["raw_gpu.dcgm_samples"][2] == 0


def test_a_log_that_leaves_the_folder_keeps_its_job(landing: Path, tmp_path: Path) -> None:
    """Telemetry assets replace what tonight's files cover (Spark application, Kubeflow run, pod, DCGM scrape
    file), never the whole table: logs that left the folder keep their jobs; a restated scrape replaces its own
    samples only."""
    for module, _ in TELEMETRY_SOURCES.values():
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} not installed")
    warehouse = tmp_path / "w.duckdb"
    assert _materialize(landing, warehouse).success
    first = _tables(warehouse)
    assert len(first["raw_gpu.spark_apps"]) == 7 and len(first["raw_gpu.kfp_runs"]) == 3

    (landing / "spark" / "spark-202610030001a1b2c3.zstd").unlink()
    (landing / "kubeflow" / "runs" / "runs_page_2.json").unlink()
    scrapes = sorted((landing / "dcgm").rglob("*.prom"))
    scrapes[0].unlink()
    result = _materialize(landing, warehouse)
    assert result.success and all(evaluation.passed for evaluation in result.get_asset_check_evaluations())
    assert _tables(warehouse) == first  # nothing erased, nothing doubled

    for log in (landing / "spark").iterdir():  # an explicit empty folder: it covers no application
        log.unlink()
    assert _materialize(landing, warehouse).success
    assert _tables(warehouse) == first

    # a restated scrape file: only its own samples change
    restated = scrapes[1]
    kept = [line for line in restated.read_text().splitlines() if line.startswith("#")]
    samples = [line for line in restated.read_text().splitlines() if line and not line.startswith("#")]
    restated.write_text("\n".join(kept + samples[:2]) + "\n")
    assert _materialize(landing, warehouse).success
    with duckdb.connect(str(warehouse), read_only=True) as con:
        per_file = dict(
            con.execute("select source_file, count(*) from raw_gpu.dcgm_samples group by source_file").fetchall()
        )
    before: dict[str, int] = {}
    for row in first["raw_gpu.dcgm_samples"]:
        before[row[-2]] = before.get(row[-2], 0) + 1
    assert per_file[str(restated)] == 2
    assert {name: n for name, n in per_file.items() if name != str(restated)} == {
        name: n for name, n in before.items() if name != str(restated)
    }
