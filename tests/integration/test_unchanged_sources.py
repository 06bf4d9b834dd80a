"""A source reloaded from landing files skips when nothing it depends on changed (pipelines/unchanged.py,
`SourceStep`), and loads again when a file's content, the files in its folder or the rows it wrote change.
The Azure asset into a temporary DuckDB; totals written here by hand."""

import os
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.assets.cloud_billing import azure_cost_details
from tests.cloud_billing_fixture import AZURE_HEADER, materialize_cloud_asset

pytestmark = pytest.mark.integration
STAMP = (datetime(2026, 11, 5) - datetime(1970, 1, 1)).total_seconds()


def _write(path: Path, cost: str) -> None:
    """The same modification time every time: only the content tells two versions apart."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(AZURE_HEADER + f"s1,10/1/2026,{cost},Usage,VM,10/1/2026,\n")
    os.utime(path, (STAMP, STAMP))


def _night(landing: Path, warehouse: Path) -> tuple[bool, Decimal]:
    """(whether the load skipped, the table's total)."""
    result = materialize_cloud_asset(azure_cost_details, landing, warehouse)
    assert all(evaluation.passed for evaluation in result.get_asset_check_evaluations())
    (event,) = result.get_asset_materialization_events()
    skipped = "finops/unchanged_since_run" in event.materialization.metadata
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (total,) = con.execute("select sum(billed_cost) from raw_azure.cost_details").fetchone()
    return skipped, total


def test_a_source_reloads_exactly_when_its_files_or_rows_change(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    export = landing / "azure" / "exports" / "export.csv"
    _write(export, "10.00")
    assert _night(landing, warehouse) == (False, Decimal("10.00"))
    assert _night(landing, warehouse) == (True, Decimal("10.00"))  # nothing changed: kept

    _write(export, "11.00")  # same size, same modification time, another cost
    assert _night(landing, warehouse) == (False, Decimal("11.00"))

    with duckdb.connect(str(warehouse)) as con:  # a row deleted by hand since the last load
        con.execute("delete from raw_azure.cost_details")
    assert _night(landing, warehouse) == (False, Decimal("11.00"))

    export.unlink()  # the delivery is gone: the folder is empty, nothing is replaced, and the state moves on
    assert _night(landing, warehouse)[0] is False
    assert _night(landing, warehouse)[0] is True
