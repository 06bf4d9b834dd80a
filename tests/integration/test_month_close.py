"""Month close on the whole Dagster job: close October, then restate its CUR, deliver late ledger rows and
report a late fine-tune of a registered model that ran in October.
The closed month's fct_costs hash and showback CSV bytes must not move; what changed posts as adjustment rows
in November that equal the differences exactly (the CUR difference recomputed here from the two Parquet
files with pyarrow + Decimal). Reopening hands the month back to the next build."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from ingest.demo import aws_cur, generate_landing
from ingest.demo.world import World
from pipelines.cli import close_or_reopen, run_main_job
from pipelines.settings import Settings
from warehouse.exports import export_showback
from warehouse.month_close import fct_costs_month_sha256

pytestmark = pytest.mark.integration

WORLD = World(start_date=date(2026, 10, 1), days=2)
PROJECT = Path(__file__).resolve().parents[2]


def _cur_billed(landing: Path) -> Decimal:
    (cur_file,) = landing.glob("aws_cur/*/data/*/*.parquet")
    return sum(
        (Decimal(v) for v in pq.read_table(cur_file).column("line_item_unblended_cost").to_pylist() if v is not None),
        Decimal(0),
    )


def _late_ledger_rows() -> list[dict]:
    return [
        {
            "request_id": f"00000000-0000-4000-8000-00000000{index:04d}",
            "ts": "2026-10-02T09:30:00+00:00",
            "model_id": "gpt-4o-2024-08-06",
            "api_version": "v1",
            "feature_tag": "late_feature",
            "input_tokens": 12000,
            "output_tokens": 3000,
            "team": "late_team",
            "tenant_id": "acme",
            "environment": "prod",
            "status": "ok",
            "duration_ms": 800,
        }
        for index in range(5)
    ]


LATE_POD = "support-ranker-v3-lora-late-fix-system-container-impl-1234567890"


def _add_late_fine_tune(landing: Path) -> None:
    """A LoRA fine-tune of the registered support-ranker-v3 that ran on 2026-10-01 10:00-12:00 on 8 GPUs of a
    p4d.24xlarge, reported only after October was closed."""
    path = landing / "kubeflow" / "pods" / "pods.json"
    pods = json.loads(path.read_text())
    template = json.loads(json.dumps(pods["items"][0]))
    template["metadata"]["name"] = LATE_POD
    template["metadata"]["uid"] = "0b7e2c1a-1111-4222-8333-944455556666"
    template["metadata"]["labels"] = {"team": "support", "finops.io/model-version": "support-ranker-v3"}
    template["spec"]["nodeSelector"]["node.kubernetes.io/instance-type"] = "p4d.24xlarge"
    template["status"]["startTime"] = "2026-10-01T10:00:00Z"
    terminated = template["status"]["containerStatuses"][0]["state"]["terminated"]
    terminated["startedAt"], terminated["finishedAt"] = "2026-10-01T10:00:00Z", "2026-10-01T12:00:00Z"
    pods["items"].append(template)
    path.write_text(json.dumps(pods))


def _late_fine_tune_share(landing: Path) -> Decimal:
    """What the late fine-tune takes of the 2026-10-01 p4d bill line: its 16 GPU-hours of the line's
    hours x 8 GPUs, of the line's effective cost (pyarrow + Decimal from the restated CUR file)."""
    (cur_file,) = landing.glob("aws_cur/*/data/*/*.parquet")
    (line,) = [
        row
        for row in pq.read_table(cur_file).to_pylist()
        if "p4d.24xlarge" in (row["line_item_usage_type"] or "")
        and str(row["line_item_usage_start_date"])[:10] == "2026-10-01"
        and row["line_item_line_item_type"] == "Usage"
    ]
    gpu_hours = Decimal(line["line_item_usage_amount"]) * 8
    return Decimal(line["line_item_unblended_cost"]) * min(Decimal(1), Decimal(16) / gpu_hours)


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    root = tmp_path_factory.mktemp("close")
    landing = root / "landing"
    saved = dict(os.environ)
    os.environ.pop("DAGSTER_HOME", None)
    try:
        generate_landing(landing, world=WORLD)
        settings = Settings.resolve(landing=landing, warehouse_path=root / "w.duckdb", exports_dir=root / "exports")
        assert run_main_job(settings)
        summary = close_or_reopen(settings, "close", "2026-10", "books closed")
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
            hash_at_close = fct_costs_month_sha256(con, "2026-10")
        csv_at_close = (settings.exports_dir / "showback_2026-10.csv").read_bytes()
        cur_before = _cur_billed(landing)
        # after the close: AWS restates October, and a late ledger delivery carries October requests
        aws_cur.generate(landing, World(start_date=date(2026, 10, 1), days=2), random.Random(4))
        _add_late_fine_tune(landing)
        late = landing / "ledger" / "2026-11-03" / "late.jsonl"
        late.parent.mkdir(parents=True)
        late.write_text("".join(json.dumps(row) + "\n" for row in _late_ledger_rows()))
        second_ok = run_main_job(settings)
        yield {
            "settings": settings,
            "root": root,
            "summary": summary,
            "hash_at_close": hash_at_close,
            "csv_at_close": csv_at_close,
            "cur_difference": _cur_billed(landing) - cur_before,
            "late_fine_tune_share": _late_fine_tune_share(landing),
            "second_ok": second_ok,
        }
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _query(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_close_is_recorded_with_who_and_when(closed):
    assert closed["summary"].startswith("2026-10 closed by ")
    rows = _query(closed["settings"], "select month, action, actor, note, fct_costs_sha256 from audit.month_close")
    assert rows == [("2026-10", "close", rows[0][2], "books closed", closed["hash_at_close"])]
    assert rows[0][2]


def test_closed_month_does_not_move(closed):
    assert closed["second_ok"]
    assert closed["cur_difference"] != 0
    with duckdb.connect(str(closed["settings"].warehouse_path), read_only=True) as con:
        assert fct_costs_month_sha256(con, "2026-10") == closed["hash_at_close"]
        again = export_showback(con, "2026-10", closed["root"] / "again.csv")
    assert (closed["root"] / "again.csv").read_bytes() == closed["csv_at_close"]
    assert again.sha256 == _query(closed["settings"], "select showback_sha256 from audit.month_close")[0][0]


def test_adjustments_in_the_open_month_equal_the_differences(closed):
    settings = closed["settings"]
    rows = _query(
        settings,
        "select x_charge_month, x_source, sum(billed_cost), count(*) from fct_costs"
        " where x_cost_origin = 'adjustment' and x_adjusted_month = '2026-10' group by all",
    )
    by_source = {source: (month, billed, count) for month, source, billed, count in rows}
    assert {month for month, *_ in by_source.values()} == {"2026-11"}
    # the restated CUR: exactly the difference between the two files
    assert by_source["aws_cur"][1] == closed["cur_difference"].quantize(Decimal("0.000000001"))
    # the late requests change who pays October's unchanged OpenAI bill, not how much
    assert by_source["openai_cost_report"][1] == 0
    late_team = _query(
        settings,
        "select sum(x_effective_cost_usd) from fct_costs where x_cost_origin = 'adjustment' and team = 'late_team'",
    )[0][0]
    assert late_team > 0
    # the late fine-tune: its share of the October p4d line leaves expense for the asset, and October's
    # depreciation of support-ranker-v3 (12 months from October) changes: both arrive as November adjustments
    capitalized, depreciation = _query(
        settings,
        "select sum(case when x_adjusted_origin = 'capitalized' then x_effective_cost_usd end),"
        " sum(case when x_adjusted_origin = 'depreciation' then x_effective_cost_usd end) from fct_costs"
        " where x_cost_origin = 'adjustment' and x_adjusted_month = '2026-10'",
    )[0]
    share = closed["late_fine_tune_share"]
    assert abs(capitalized - share) < Decimal("0.000000001") * 2  # split exactly: within a nano-dollar
    nano = int(capitalized / Decimal("0.000000001"))
    assert depreciation == (nano // 12 + (1 if nano % 12 else 0)) * Decimal("0.000000001")
    # still conserved: October's frozen rows + its adjustments = October's bills now
    assert _query(
        settings,
        "select count(*) from rpt_cost_conservation where difference_billed_cost <> 0"
        " or difference_effective_cost <> 0 or difference_effective_cost_usd <> 0",
    ) == [(0,)]
    (november_total,) = _query(settings, "select sum(total_cost_usd) from rpt_showback where usage_month = '2026-11'")[
        0
    ]
    (adjustments,) = _query(
        settings, "select sum(x_effective_cost_usd) from fct_costs where x_charge_month = '2026-11'"
        " and x_cost_origin = 'adjustment' and x_adjusted_origin <> 'depreciation'",
    )[0]  # fmt: skip
    assert november_total == adjustments


def test_reopened_month_is_recomputed_and_its_adjustments_vanish(closed):
    settings = closed["settings"]
    warehouse = closed["root"] / "reopened.duckdb"
    shutil.copy(settings.warehouse_path, warehouse)
    reopened = Settings.resolve(landing=settings.landing, warehouse_path=warehouse, exports_dir=closed["root"] / "x")
    assert "reopened by" in close_or_reopen(reopened, "reopen", "2026-10")
    dbt = shutil.which("dbt") or str(Path(sys.executable).parent / "dbt")
    completed = subprocess.run(
        [dbt, "build", "--select", "stg_audit__month_close+", "--exclude", "fct_requests",
         "--target-path", str(closed["root"] / "target"), "--log-path", str(closed["root"] / "logs")],
        cwd=PROJECT / "dbt", capture_output=True, text=True, timeout=600,
        env={**os.environ, "FINOPS_WAREHOUSE_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from fct_costs where x_cost_origin = 'adjustment'").fetchone() == (0,)
        assert fct_costs_month_sha256(con, "2026-10") != closed["hash_at_close"]
        (aws,) = con.execute(
            "select sum(billed_cost) from fct_costs where x_source = 'aws_cur' and x_charge_month = '2026-10'"
        ).fetchone()
    assert aws == _cur_billed(Path(settings.landing)).quantize(Decimal("0.000000001"))
