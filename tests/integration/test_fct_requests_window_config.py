"""The partition window reaches fct_requests' strategy on both targets: DuckDB replaces it with the custom
`replace_window` strategy; BigQuery gets the window's days as static insert_overwrite partitions (a MERGE
that deletes every listed partition, so a day that became empty is emptied there too)."""

import json
import re

import pytest

from tests.dbt_build import run_dbt

pytestmark = pytest.mark.integration

WINDOW = {"FINOPS_PARTITION_START_DATE": "2026-10-30", "FINOPS_PARTITION_END_DATE": "2026-11-02"}


def _fct_requests_config(tmp_path, target: str) -> dict:
    completed = run_dbt(
        "parse",
        "--target",
        target,
        "--no-partial-parse",
        work=tmp_path / target,
        env={
            "FINOPS_BQ_KEYFILE": str(tmp_path / "unused-key.json"),
            "FINOPS_WAREHOUSE_PATH": str(tmp_path / "unused.duckdb"),
            **WINDOW,
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


def test_a_new_nights_window_re_parses_only_the_files_that_read_it(tmp_path):
    """dbt re-parses the whole project when its vars change (~5 s); the window travels in the environment, so
    the next night's window keeps the parse and re-parses only the file whose test reads the window."""
    warehouse = {"FINOPS_WAREHOUSE_PATH": str(tmp_path / "unused.duckdb")}
    first = run_dbt("parse", work=tmp_path, env={**warehouse, **WINDOW})
    assert first.returncode == 0, first.stdout[-3000:]
    next_night = {"FINOPS_PARTITION_START_DATE": "2026-11-02", "FINOPS_PARTITION_END_DATE": "2026-11-03"}
    second = run_dbt("parse", "--debug", work=tmp_path, env={**warehouse, **next_night})
    assert second.returncode == 0, second.stdout[-3000:]
    assert "Unable to do partial parsing" not in second.stdout
    changed = re.search(
        r"Partial parsing enabled: (\d+) files deleted, (\d+) files added, (\d+) files changed", second.stdout
    )
    assert changed, second.stdout[-3000:]
    assert [int(count) for count in changed.groups()] == [0, 0, 1]
    assert "updated file: finops://models/marts/ledger/_ledger__marts.yml" in second.stdout
