"""GPU telemetry parsers read from a real S3 endpoint (moto_server) give the same tables as from a local folder,
and the Dagster GPU assets load them from s3:// into DuckDB with balanced row counts."""

from __future__ import annotations

import random
import shutil
from decimal import Decimal
from pathlib import Path

import boto3
import dagster as dg
import duckdb
import pytest

from ingest import dcgm, kubeflow, spark_eventlog
from ingest.demo import gpu_jobs as demo_gpu
from ingest.demo import spark as demo_spark
from ingest.demo.world import World
from ingest.storage import LocalStore, S3Store
from pipelines.assets.gpu_jobs import gpu_dcgm, gpu_kubeflow, gpu_spark
from pipelines.resources import LandingResource, WarehouseResource
from tests.conftest import SAMPLES_DIR
from tests.fixtures_s3 import moto_s3_endpoint  # noqa: F401

BUCKET = "gpu-landing"
PARSERS = {"spark": spark_eventlog, "kubeflow": kubeflow, "dcgm": dcgm}


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    demo_spark.write_spark(folder, World(), random.Random(3))
    demo_gpu.write_kubeflow_and_dcgm(folder, random.Random(4))
    if (SAMPLES_DIR / "spark").is_dir():  # real logs too: a rolling directory and a corrupted zstd log
        shutil.copytree(SAMPLES_DIR / "spark" / "eventlog_v2_local-1623876083964", folder / "spark" / "eventlog_v2_x")
        shutil.copy(SAMPLES_DIR / "spark" / "malformed_json_eventlog.zstd", folder / "spark")
    return folder


@pytest.fixture
def s3_landing(landing: Path, moto_s3_endpoint: str) -> str:  # noqa: F811
    client = boto3.client("s3", endpoint_url=moto_s3_endpoint, region_name="us-east-1")
    if BUCKET not in [b["Name"] for b in client.list_buckets().get("Buckets", [])]:
        client.create_bucket(Bucket=BUCKET)
    for path in landing.rglob("*"):
        if path.is_file():
            client.put_object(
                Bucket=BUCKET, Key=f"landing/{path.relative_to(landing).as_posix()}", Body=path.read_bytes()
            )
    return f"s3://{BUCKET}/landing"


def _without_source(result) -> list[dict]:
    rows = [{k: v for k, v in row.items() if k != "source_file"} for row in result.table.to_pylist()]
    return sorted(rows, key=repr)


def test_s3_and_local_parse_identically(landing: Path, s3_landing: str, moto_s3_endpoint: str) -> None:  # noqa: F811
    remote = S3Store(bucket=BUCKET, prefix="landing", endpoint_url=moto_s3_endpoint)
    local = LocalStore(landing)
    for folder, module in PARSERS.items():
        from_s3, from_disk = module.parse_landing(remote, folder), module.parse_landing(local, folder)
        assert from_s3.keys() == from_disk.keys()
        for table, result in from_s3.items():
            result.check_balance()
            assert result.table.num_rows > 0, table
            assert _without_source(result) == _without_source(from_disk[table]), table
            assert len(result.rejected) == len(from_disk[table].rejected)
            assert all(r.source_file.startswith("s3://") for r in result.rejected)
    apps = spark_eventlog.parse_landing(remote, "spark")["spark_apps"]
    sources = apps.table.column("source_file").to_pylist()
    assert f"s3://{BUCKET}/landing/spark/eventlog_v2_x" in sources or not (SAMPLES_DIR / "spark").is_dir()


def test_gpu_assets_load_from_s3(s3_landing: str, moto_s3_endpoint: str, tmp_path: Path) -> None:  # noqa: F811
    warehouse = tmp_path / "wh.duckdb"
    result = dg.materialize(
        [gpu_spark, gpu_kubeflow, gpu_dcgm],
        resources={
            "landing": LandingResource(location=s3_landing, s3_endpoint_url=moto_s3_endpoint),
            "warehouse": WarehouseResource(duckdb_path=str(warehouse)),
        },
    )
    assert result.success
    assert all(check.passed for check in result.get_asset_check_evaluations())
    with duckdb.connect(str(warehouse), read_only=True) as con:
        incomplete = con.execute("select count(*) from raw_gpu.spark_apps where not is_complete").fetchone()[0]
        assert incomplete == 1  # the demo's running application
        executor_total = con.execute("select sum(gpu_seconds) from raw_gpu.spark_executors").fetchone()[0]
        app_total = con.execute("select sum(executor_gpu_seconds) from raw_gpu.spark_apps").fetchone()[0]
        assert executor_total == app_total and isinstance(app_total, Decimal) and app_total > 0
        pods = con.execute("select count(*), count(run_id) from raw_gpu.k8s_pods").fetchone()
        runs = con.execute("select count(*) from raw_gpu.kfp_runs").fetchone()[0]
        assert pods[0] == pods[1] == runs > 0
        utilization = con.execute(
            "select min(value_ratio), max(value_ratio) from raw_gpu.dcgm_samples where metric = 'DCGM_FI_DEV_GPU_UTIL'"
        ).fetchone()
        assert 0 <= utilization[0] <= utilization[1] <= 1


def test_dcgm_scrape_without_time_takes_the_object_last_modified(moto_s3_endpoint) -> None:  # noqa: F811
    from datetime import UTC, datetime

    s3 = boto3.client("s3", endpoint_url=moto_s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="dcgm-mtime")
    before = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    s3.put_object(Bucket="dcgm-mtime", Key="landing/dcgm/node-a.prom", Body=b'DCGM_FI_DEV_GPU_UTIL{gpu="0"} 5\n')
    store = S3Store("dcgm-mtime", "landing", endpoint_url=moto_s3_endpoint)
    loaded = dcgm.parse_landing(store, "dcgm")["dcgm_samples"]
    assert loaded.rejected == [] and loaded.table.num_rows == 1
    (sampled_at,) = loaded.table.column("sampled_at").to_pylist()
    head = s3.head_object(Bucket="dcgm-mtime", Key="landing/dcgm/node-a.prom")["LastModified"]
    assert sampled_at == head.astimezone(UTC).replace(tzinfo=None) and sampled_at >= before
