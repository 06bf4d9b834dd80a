"""The partition window reaches fct_requests' strategy on both targets: DuckDB replaces it with the custom
`replace_window` strategy; BigQuery gets the window's days as static insert_overwrite partitions (a MERGE
that deletes every listed partition, so a day that became empty is emptied there too). The next night's
window keeps dbt's parse: it re-parses only the files that read the window (a change of dbt vars would
re-parse the whole project), and BigQuery's partitions follow the new window."""

import json
import re
from dataclasses import dataclass
from datetime import date

import pytest

from pipelines.assets.dbt import window_environment
from tests.dbt_build import run_dbt

pytestmark = pytest.mark.integration

# the windows as Dagster hands them to dbt: the same names on both sides, or these tests fail
WINDOW = window_environment((date(2026, 10, 30), date(2026, 11, 2)))
NEXT_NIGHT = window_environment((date(2026, 11, 2), date(2026, 11, 3)))
PARTIAL_PARSE = re.compile(r"Partial parsing enabled: (\d+) files deleted, (\d+) files added, (\d+) files changed")


@dataclass
class TwoNights:
    first_config: dict  # fct_requests' config parsed with WINDOW
    second_config: dict  # ... then with NEXT_NIGHT, from the first night's parse
    second_log: str


def _fct_requests_config(work) -> dict:
    manifest = json.loads((work / "target" / "manifest.json").read_text())
    return manifest["nodes"]["model.finops.fct_requests"]["config"]


def _parse(work, target: str, window: dict, *args: str) -> str:
    env = {"FINOPS_BQ_KEYFILE": str(work / "unused-key.json"), "FINOPS_WAREHOUSE_PATH": str(work / "unused.duckdb")}
    completed = run_dbt("parse", "--target", target, *args, work=work, env={**env, **window})
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    return completed.stdout


@pytest.fixture(scope="module", params=["duckdb", "bigquery"])
def two_nights(request, tmp_path_factory) -> tuple[str, TwoNights]:
    target = request.param
    work = tmp_path_factory.mktemp(target)
    log = _parse(work, target, WINDOW)
    assert "Unable to do partial parsing because saved manifest not found" in log  # a full parse, first
    first = _fct_requests_config(work)
    second_log = _parse(work, target, NEXT_NIGHT, "--debug")
    return target, TwoNights(first, _fct_requests_config(work), second_log)


def test_the_strategy_replaces_the_window(two_nights):
    target, nights = two_nights
    config = nights.first_config
    if target == "bigquery":
        assert config["incremental_strategy"] == "insert_overwrite"
        # 2026-10-30 .. 2026-11-01: the end of the window is exclusive, and the month boundary is crossed
        assert config["partitions"] == ["date('2026-10-30')", "date('2026-10-31')", "date('2026-11-01')"]
        assert config["partition_by"] == {"field": "ingest_date", "data_type": "date"}
    else:
        assert config["incremental_strategy"] == "replace_window"
        assert config["unique_key"] == "request_id"
        assert config["meta"]["partition_window_column"] == "ingest_date"
        assert config.get("partitions") is None


def test_the_next_nights_window_re_parses_only_the_files_that_read_it(two_nights):
    target, nights = two_nights
    re_parsed = {
        "models/marts/ledger/_ledger__marts.yml",  # its uniqueness test reads the window
        "models/staging/ledger/_ledger__models.yml",  # its not-null test reads the window
    }
    if target == "bigquery":
        re_parsed.add("models/marts/ledger/fct_requests.sql")  # the static partitions are config, set at parse
    assert "Unable to do partial parsing" not in nights.second_log
    changed = PARTIAL_PARSE.search(nights.second_log)
    assert changed, nights.second_log[-3000:]
    assert [int(count) for count in changed.groups()] == [0, 0, len(re_parsed)]
    assert set(re.findall(r"Partial parsing: updated file: finops://(\S+)", nights.second_log)) == re_parsed
    expected_partitions = ["date('2026-11-02')"] if target == "bigquery" else None
    assert nights.second_config.get("partitions") == expected_partitions
