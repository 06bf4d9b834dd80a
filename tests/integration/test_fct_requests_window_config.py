"""The partition window reaches fct_requests' strategy on both targets: DuckDB replaces it with the custom
`replace_window` strategy; BigQuery gets the window's days as static insert_overwrite partitions (a MERGE
that deletes every listed partition, so a day that became empty is emptied there too)."""

import json

import pytest

from tests.dbt_build import run_dbt

pytestmark = pytest.mark.integration

WINDOW = {"partition_start_date": "2026-10-30", "partition_end_date": "2026-11-02"}


def _fct_requests_config(tmp_path, target: str) -> dict:
    completed = run_dbt(
        "parse",
        "--target",
        target,
        "--vars",
        json.dumps(WINDOW),
        "--no-partial-parse",
        work=tmp_path / target,
        env={
            "FINOPS_BQ_KEYFILE": str(tmp_path / "unused-key.json"),
            "FINOPS_WAREHOUSE_PATH": str(tmp_path / "unused.duckdb"),
        },
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    manifest = json.loads((tmp_path / target / "target" / "manifest.json").read_text())
    return manifest["nodes"]["model.finops.fct_requests"]["config"]


def test_bigquery_replaces_the_window_days_as_static_partitions(tmp_path):
    config = _fct_requests_config(tmp_path, "bigquery")
    assert config["incremental_strategy"] == "insert_overwrite"
    # 2026-10-30 .. 2026-11-01: the end of the window is exclusive, and the month boundary is crossed
    assert config["partitions"] == ["date('2026-10-30')", "date('2026-10-31')", "date('2026-11-01')"]
    assert config["partition_by"] == {"field": "ingest_date", "data_type": "date"}


def test_duckdb_uses_the_window_replacing_strategy(tmp_path):
    config = _fct_requests_config(tmp_path, "duckdb")
    assert config["incremental_strategy"] == "replace_window"
    assert config["unique_key"] == "request_id"
    assert config["meta"]["partition_window_column"] == "ingest_date"
    assert config.get("partitions") is None
