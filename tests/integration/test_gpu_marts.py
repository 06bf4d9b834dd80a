"""dbt build of the GPU models on a temporary DuckDB with a hand-computed world (tests/gpu_marts_fixture.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.gpu_marts_fixture import GpuMartsBuild, build_gpu_marts, shared_gpu_marts_build


@pytest.fixture(scope="module")
def build() -> GpuMartsBuild:
    result = shared_gpu_marts_build()
    assert result.returncode == 0, result.output[-4000:]
    return result


def _job(build: GpuMartsBuild, job_id: str) -> dict:
    columns = [
        "job_type",
        "team",
        "model_version",
        "gpu_count",
        "gpu_hours",
        "usd_per_gpu_hour",
        "cost_on_demand_usd",
        "cost_spot_usd",
        "cost_reserved_usd",
        "list_price_cost_usd",
        "observed_samples",
        "avg_gpu_utilization",
        "avg_power_watts",
        "idle_basis",
        "idle_gpu_hours",
        "idle_cost_usd",
        "is_priced",
    ]
    rows = build.query(f"select {', '.join(columns)} from main.fct_gpu_jobs where job_id = ?", [job_id])
    assert len(rows) == 1, job_id
    return dict(zip(columns, rows[0], strict=True))


def test_every_model_and_data_test_passed(build: GpuMartsBuild) -> None:
    # the one warning is the unpriced-GPU-time count: the orphan pod's instance type is not on the card
    assert "ERROR=0" in build.output and "WARN=1" in build.output
    assert "warn_unpriced_gpu_jobs" in build.output


def test_idle_cost_from_dcgm_idle_intervals(build: GpuMartsBuild) -> None:
    job = _job(build, "kfp:run-train")
    assert job["job_type"] == "training" and job["model_version"] == "support-ranker-v3"
    assert job["gpu_count"] == 2
    assert job["gpu_hours"] == Decimal(2)
    assert job["usd_per_gpu_hour"] == Decimal("1.3725")  # p4d.24xlarge spot since 2025-06-01
    assert job["cost_spot_usd"] == job["list_price_cost_usd"] == Decimal("2.745")
    assert job["cost_on_demand_usd"] == job["cost_reserved_usd"] == 0
    # 2 GPUs x 120 scrapes in [10:00, 11:00); the 11:00:00 scrape and the other pod's GPU are not this job's
    assert job["observed_samples"] == 240
    assert job["idle_basis"] == "dcgm"
    # GPU 0 idle 15 min (30 scrapes), GPU 1 at 3% for 5 min (10) and idle 15 min (30): 70 x 30 s = 35 min
    idle_hours = Decimal(70 * 30) / Decimal(3600)
    assert job["idle_gpu_hours"] == idle_hours.quantize(Decimal("0.000000001"))
    assert job["idle_cost_usd"] == Decimal(70 * 30 * 1000) * Decimal("1.3725") / Decimal(3_600_000)
    assert job["idle_cost_usd"] == Decimal("0.800625")
    # mean utilization: GPU 0 = 90% for 90 of 120 scrapes; GPU 1 = 80% for 80 scrapes, 3% for 10
    expected_util = (90 * 0.90 + 80 * 0.80 + 10 * 0.03) / 240
    assert job["avg_gpu_utilization"] == pytest.approx(expected_util)
    assert job["avg_power_watts"] == pytest.approx(250.0)


def test_spark_idle_is_executor_time_without_tasks(build: GpuMartsBuild) -> None:
    job = _job(build, "spark:app-etl-1")
    assert job["job_type"] == "etl" and job["team"] == "search"
    assert job["gpu_hours"] == Decimal(3)  # 2 h + 1 h of one GPU each
    assert job["cost_on_demand_usd"] == job["list_price_cost_usd"] == Decimal("3.018")
    assert job["idle_basis"] == "spark_tasks"
    assert job["idle_gpu_hours"] == Decimal("0.5")  # 3 GPU-h held - 2.5 GPU-h of tasks
    assert job["idle_cost_usd"] == Decimal("0.503")


def test_fine_tune_classified_by_rule_and_priced_on_demand(build: GpuMartsBuild) -> None:
    job = _job(build, "kfp:run-lora")
    assert job["job_type"] == "fine_tune"
    assert job["list_price_cost_usd"] == Decimal("1.006") and job["is_priced"]
    assert job["idle_basis"] == "none" and job["idle_cost_usd"] is None


def test_efficiency_report_totals_match_jobs(build: GpuMartsBuild) -> None:
    rows = build.query(
        "select job_date, team, job_type, gpu_hours, list_price_cost_usd, idle_cost_usd, idle_cost_share "
        "from main.rpt_gpu_efficiency order by job_date"
    )
    # the priced groups sum to the priced jobs; the unpriced orphan pod's group is null (checked below)
    assert sum(row[4] for row in rows if row[4] is not None) == Decimal("2.745") + Decimal("1.006") + Decimal("3.018")
    training = next(row for row in rows if row[2] == "training")
    assert training[5] == Decimal("0.800625")
    assert training[6] == pytest.approx(0.800625 / 2.745)


def test_breakeven_prices_traffic_at_the_reference_api_model(build: GpuMartsBuild) -> None:
    rows = build.query(
        "select schedule_month, inference_tokens, api_equivalent_cost_usd, depreciation_plus_estimated_inference_cost_usd, "
        "cumulative_inference_tokens, inference_to_training_token_ratio, has_broken_even "
        "from main.rpt_training_breakeven where model_version = 'support-ranker-v3' order by month_number limit 2"
    )
    october, november = rows
    per_request = (800 * Decimal("2.50") + 200 * Decimal("10.00")) / 1_000_000  # gpt-4o list price
    assert october[2] == 4 * per_request == Decimal("0.016")
    assert october[3] == Decimal("8.34") + 4 * Decimal("0.0003")
    assert november[4] == 5000 and november[5] == pytest.approx(5000 / 1_000_000)
    assert october[6] is False


def test_active_run_is_incomplete_and_zero_time_is_not_an_end(build: GpuMartsBuild) -> None:
    rows = build.query("select is_complete, ended_at, gpu_count from main.fct_gpu_jobs where job_id = 'kfp:run-active'")
    assert rows == [(False, None, 1)]


def test_unpriced_gpu_time_is_flagged_never_zero(build: GpuMartsBuild) -> None:
    job = _job(build, "pod:ml/orphan-pod")  # a GPU pod without a run label is a job of its own
    assert job["gpu_hours"] == Decimal(1)
    assert job["is_priced"] is False
    assert job["list_price_cost_usd"] is None and job["cost_on_demand_usd"] is None
    rows = build.query(
        "select unpriced_jobs, list_price_cost_usd, idle_cost_usd, idle_cost_share, is_priced"
        " from main.rpt_gpu_efficiency where team = 'growth'"
    )
    assert rows == [(1, None, None, None, False)]  # unknown, never $0
    # the warn-level test counts the unpriced GPU time: one job, 1 GPU-hour
    unpriced = build.query("select count(*), sum(gpu_hours) from main.fct_gpu_jobs where not is_priced")
    assert unpriced == [(1, Decimal(1))]
    assert "Got 1 result, configured to warn if != 0" in build.output


def test_marts_are_identical_whatever_order_the_samples_arrive_in(tmp_path) -> None:
    """Two builds of the same world whose DCGM rows sit in different physical orders (as after a parallel
    load or another file listing): every GPU mart must be equal to the last digit, floats included."""
    first = build_gpu_marts(tmp_path / "a", noisy_gpus=8, sample_seed=1)
    second = build_gpu_marts(tmp_path / "b", noisy_gpus=8, sample_seed=2)
    assert first.returncode == 0 and second.returncode == 0, (first.output + second.output)[-4000:]
    for mart in ("fct_gpu_jobs", "rpt_gpu_efficiency", "rpt_training_amortization", "rpt_training_breakeven"):
        query = f"select * from main.{mart} order by all"
        rows = first.query(query)
        assert rows, mart
        assert rows == second.query(query), mart
