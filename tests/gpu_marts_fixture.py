"""A small, hand-computable GPU world in a temporary DuckDB, and one `dbt build` of the GPU models on it.

Shared by tests/unit/test_depreciation.py and tests/integration/test_gpu_marts.py (one build per session).
The upstream tables the GPU marts read but do not own (fct_requests, raw_rate_cards.llm_prices) are created
here as stubs with the contract's columns; the ledger's own models are not built.

Hand numbers:
- spark:app-etl-1: g5.xlarge on demand ($1.0060/GPU-h), executor 1 holds 1 GPU 00:00-02:00, executor 2 holds
  1 GPU 00:30-01:30 => 3 GPU-h, $3.018; tasks ran 2.5 GPU-h => idle 0.5 GPU-h, $0.503 (no DCGM).
- kfp:run-train: pod with 2 GPUs on p4d.24xlarge spot ($1.3725/GPU-h), 10:00-11:00 => 2 GPU-h, $2.745. DCGM every
  30 s per GPU: GPU 0 idle 10:00-10:15 (30 scrapes at 0%), GPU 1 at 3% 10:20-10:25 (10 scrapes) and idle
  10:45-11:00 (30 scrapes) => 70 idle scrapes x 30 s = 35 min = 0.58333... GPU-h, idle cost 2.1e6 ms x 1.3725 /
  3.6e6 = $0.800625.
- kfp:run-lora: 1 GPU on g5.xlarge on demand, 1 h => $1.006, fine-tune (name rule 'lora').
- support-ranker-v3 capitalized = 2.745 + 1.006 + other 96.259 = $100.01 over 12 months from 2026-10.
"""

from __future__ import annotations

import atexit
import random
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import duckdb

from rate_cards.gpu_cards import gpu_prices_table, job_type_rules_table, load_gpu_cards, load_job_type_rules
from rate_cards.llm_cards import PRICES_SCHEMA, RateCards, load_rate_cards
from tests.dbt_build import run_dbt
from warehouse.duckdb_store import connect, ensure_table

GPU_SELECT = [
    "path:models/staging/gpu",
    "stg_rate_cards__gpu_prices",
    "stg_rate_cards__llm_prices",
    "path:models/intermediate/gpu",
    "path:models/marts/gpu",
    "assert_gpu_depreciation_sums_to_capitalized",
]


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _create(con: duckdb.DuckDBPyConnection, table: str, ddl: str, rows: list[tuple]) -> None:
    con.execute(f"create schema if not exists {table.split('.')[0]}")
    con.execute(f"create or replace table {table} ({ddl})")
    if rows:
        placeholders = ", ".join("?" for _ in rows[0])
        con.executemany(f"insert into {table} values ({placeholders})", rows)


def seed_gpu_world(con: duckdb.DuckDBPyConnection, *, noisy_gpus: int = 0, sample_seed: int | None = None) -> None:
    """The hand-computed world. `noisy_gpus` adds GPUs of another pod with irregular readings (for the
    determinism test only); `sample_seed` shuffles the physical order of the DCGM rows."""
    _create(
        con,
        "raw_gpu.spark_apps",
        "app_id varchar, attempt_id varchar, app_name varchar, spark_user varchar, started_at timestamp, "
        "ended_at timestamp, is_complete boolean, team varchar, job_type_tag varchar, model_version varchar, "
        "instance_type varchar, purchase_option varchar, source_file varchar",
        [
            (
                "app-etl-1",
                None,
                "nightly-feature-etl",
                "etl-bot",
                _ts("2026-10-05 00:00:00"),
                _ts("2026-10-05 02:00:00"),
                True,
                "search",
                None,
                None,
                "g5.xlarge",
                "on_demand",
                "spark/app-etl-1.zstd",
            )
        ],
    )
    _create(
        con,
        "raw_gpu.spark_executors",
        "app_id varchar, attempt_id varchar, executor_id varchar, host varchar, added_at timestamp, "
        "removed_at timestamp, gpu_amount integer, task_gpu_ms bigint",
        [
            (
                "app-etl-1",
                None,
                "1",
                "ip-10-0-0-1",
                _ts("2026-10-05 00:00:00"),
                _ts("2026-10-05 02:00:00"),
                1,
                5_400_000,
            ),
            (
                "app-etl-1",
                None,
                "2",
                "ip-10-0-0-2",
                _ts("2026-10-05 00:30:00"),
                _ts("2026-10-05 01:30:00"),
                1,
                3_600_000,
            ),
        ],
    )
    _create(
        con,
        "raw_gpu.kfp_runs",
        "run_id varchar, display_name varchar, experiment_id varchar, state varchar, created_at timestamp, "
        "finished_at timestamp, source_file varchar",
        [
            (
                "run-train",
                "support-ranker-v3-train",
                "exp",
                "SUCCEEDED",
                _ts("2026-09-10 10:00:00"),
                _ts("2026-09-10 11:00:00"),
                "kubeflow/runs.json",
            ),
            (
                "run-active",
                "search-embedder-v3-train",
                "exp",
                "RUNNING",
                _ts("2026-10-30 08:00:00"),
                _ts("1970-01-01 00:00:00"),
                "kubeflow/runs.json",
            ),
            (
                "run-lora",
                "support-ranker-v3-lora",
                "exp",
                "SUCCEEDED",
                _ts("2026-09-12 08:00:00"),
                _ts("2026-09-12 09:00:00"),
                "kubeflow/runs.json",
            ),
        ],
    )
    _create(
        con,
        "raw_gpu.k8s_pods",
        "namespace varchar, pod_name varchar, run_id varchar, component varchar, node_name varchar, "
        "gpu_count integer, started_at timestamp, finished_at timestamp, team varchar, job_type_tag varchar, "
        "model_version varchar, instance_type varchar, purchase_option varchar",
        [
            (
                "ml",
                "train-pod",
                "run-train",
                "train",
                "node-a",
                2,
                _ts("2026-09-10 10:00:00"),
                _ts("2026-09-10 11:00:00"),
                "support",
                None,
                "support-ranker-v3",
                "p4d.24xlarge",
                "spot",
            ),
            (
                "ml",
                "orphan-pod",
                None,
                None,
                "node-d",
                1,
                _ts("2026-10-06 08:00:00"),
                _ts("2026-10-06 09:00:00"),
                "growth",
                None,
                None,
                "dgx-h200-onprem",
                None,
            ),
            (
                "ml",
                "active-pod",
                "run-active",
                "train",
                "node-c",
                1,
                _ts("2026-10-30 08:00:00"),
                None,
                "search",
                None,
                "search-embedder-v3",
                "g5.xlarge",
                "on_demand",
            ),
            (
                "ml",
                "lora-pod",
                "run-lora",
                "finetune",
                "node-b",
                1,
                _ts("2026-09-12 08:00:00"),
                _ts("2026-09-12 09:00:00"),
                "support",
                None,
                "support-ranker-v3",
                "g5.xlarge",
                "on_demand",
            ),
        ],
    )
    samples = []
    start = _ts("2026-09-10 10:00:00")
    for step in range(121):  # 10:00:00 .. 11:00:00 inclusive; the 11:00:00 scrape is after the pod ended
        at = start + timedelta(seconds=30 * step)
        minute = step / 2
        gpu0 = 0.0 if minute < 15 else 90.0
        gpu1 = 3.0 if 20 <= minute < 25 else (0.0 if minute >= 45 else 80.0)
        for uuid, util in (("GPU-0", gpu0), ("GPU-1", gpu1)):
            samples.append((at, "node-a", uuid, "ml", "train-pod", "DCGM_FI_DEV_GPU_UTIL", util))
            samples.append((at, "node-a", uuid, "ml", "train-pod", "DCGM_FI_DEV_POWER_USAGE", 250.0))
    # another pod's GPU on the same node: must not be attributed to the training run
    samples.append((start, "node-a", "GPU-7", "ml", "other-pod", "DCGM_FI_DEV_GPU_UTIL", 0.0))
    noise = random.Random(7)
    for gpu in range(noisy_gpus):
        for step in range(120):
            at = _ts("2026-10-05 00:00:00") + timedelta(seconds=30 * step)
            for metric, scale in (
                ("DCGM_FI_DEV_GPU_UTIL", 100),
                ("DCGM_FI_PROF_SM_ACTIVE", 1),
                ("DCGM_FI_DEV_POWER_USAGE", 400),
            ):
                samples.append((at, "ip-10-0-0-1", f"GPU-N{gpu}", None, None, metric, noise.random() * scale))
    if sample_seed is not None:
        random.Random(sample_seed).shuffle(samples)
    _create(
        con,
        "raw_gpu.dcgm_samples",
        "sampled_at timestamp, hostname varchar, gpu_uuid varchar, namespace varchar, pod varchar, "
        "metric varchar, value double",
        samples,
    )
    _create(
        con,
        "raw_gpu.model_registry",
        "model_version varchar, service_start_date date, useful_life_months integer, "
        "other_capitalized_costs_usd decimal(38, 9), ledger_feature_tag varchar, ledger_model varchar, "
        "reference_api_model varchar, training_tokens bigint, team varchar",
        [
            (
                "support-ranker-v3",
                datetime(2026, 10, 1).date(),
                12,
                Decimal("96.259"),
                "support_chat",
                None,
                "gpt-4o",
                1_000_000,
                "support",
            )
        ],
    )
    rules = job_type_rules_table(*load_job_type_rules())
    ensure_table(con, "raw_gpu.job_type_rules", rules.schema)
    con.execute("delete from raw_gpu.job_type_rules")
    con.register("_rules", rules)
    con.execute("insert into raw_gpu.job_type_rules select * from _rules")
    prices = gpu_prices_table(load_gpu_cards())
    ensure_table(con, "raw_rate_cards.gpu_prices", prices.schema)
    con.execute("delete from raw_rate_cards.gpu_prices")
    con.register("_prices", prices)
    con.execute("insert into raw_rate_cards.gpu_prices select * from _prices")

    # gpt-4o as the shipped card prices it ($2.50 in, $10 out; every token kind resolved by the card loader)
    shipped = load_rate_cards()
    gpt_4o = tuple(p for p in shipped.prices if p.model == "gpt-4o" and p.service_tier == "default")
    llm = RateCards(prices=gpt_4o, aliases=()).prices_table()
    ensure_table(con, "raw_rate_cards.llm_prices", PRICES_SCHEMA)
    con.execute("delete from raw_rate_cards.llm_prices")
    con.register("_llm", llm)
    con.execute("insert into raw_rate_cards.llm_prices select * from _llm")

    requests = []
    for index, day in enumerate(["2026-10-02", "2026-10-03", "2026-10-20", "2026-10-31", "2026-11-01", "2026-09-30"]):
        requested_at = datetime.fromisoformat(f"{day} 12:00:00")
        requests.append(
            (
                f"req-{index}",
                requested_at,
                requested_at.date(),
                "gpt-4o-mini",
                "support_chat",
                False,
                800,
                200,
                1000,
                Decimal("0.000300000"),
            )
        )
    requests.append(
        (
            "req-other",
            _ts("2026-10-02 12:00:00"),
            datetime(2026, 10, 2).date(),
            "gpt-4o",
            "email_drafts",
            False,
            10,
            10,
            20,
            Decimal("0.001"),
        )
    )
    _create(
        con,
        "main.fct_requests",
        "request_id varchar, requested_at timestamp, request_date date, model varchar, feature_tag varchar, "
        "is_batch boolean, prompt_tokens bigint, output_tokens bigint, total_tokens bigint, "
        "total_cost_usd decimal(38, 9)",
        requests,
    )


@dataclass(frozen=True)
class GpuMartsBuild:
    warehouse: Path
    returncode: int
    output: str

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


def build_gpu_marts(workdir: Path, *, noisy_gpus: int = 0, sample_seed: int | None = None) -> GpuMartsBuild:
    """Seed the world in `workdir/warehouse.duckdb` and `dbt build` the GPU models (no default target path)."""
    warehouse = workdir / "warehouse.duckdb"
    con = connect(warehouse)
    try:
        seed_gpu_world(con, noisy_gpus=noisy_gpus, sample_seed=sample_seed)
    finally:
        con.close()
    completed = run_dbt(
        "build",
        "--select",
        *GPU_SELECT,
        # a subset build: only the data tests whose parents are all built (not e.g. fct_costs -> a GPU mart)
        "--indirect-selection",
        "cautious",
        work=workdir / "dbt",
        env={"FINOPS_WAREHOUSE_PATH": str(warehouse)},
    )
    return GpuMartsBuild(warehouse, completed.returncode, completed.stdout + completed.stderr)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@lru_cache(maxsize=1)
def shared_gpu_marts_build() -> GpuMartsBuild:
    """One build per test process, shared by the unit and integration GPU tests; its folder goes when the
    process ends (a temporary folder per suite run would otherwise pile up)."""
    scratch = Path(tempfile.mkdtemp(prefix="h6-gpu-marts-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    return build_gpu_marts(scratch)
