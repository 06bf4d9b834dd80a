"""Issue 13, "Connect real data without editing code": a fresh folder configured by `finops init` plus edits,
reading billing exports from S3 buckets (a real moto_server) as if they were a user's own, checked by
`finops check`, loaded by `finops run`. Everything runs as the user would: the `finops` command in a
subprocess, from the folder holding finops.toml, with no FINOPS_* variable set.

The buckets hold small files the test writes (everywhere) and, where ../shared/samples is present, real public
exports too (an Azure MCA export and a GCP resource-level export), whose totals the test sums itself with
csv + Decimal."""

from __future__ import annotations

import ast
import csv
import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import boto3
import duckdb
import pytest

from pipelines.settings import PROJECT_ROOT
from tests.conftest import SAMPLES_DIR
from tests.fixtures_s3 import moto_s3_endpoint  # noqa: F401

pytestmark = pytest.mark.integration

FINOPS = str(Path(sys.executable).parent / "finops")
AZURE_EXPORT = (
    "SubscriptionId,Date,CostInBillingCurrency,ChargeType,MeterCategory,BillingPeriodStartDate,Tags\n"
    's1,10/1/2026,10.00,Usage,VM,10/1/2026,"{""team"": ""search""}"\n'
    "s1,10/2/2026,5.50,Usage,VM,10/1/2026,\n"
)
FOCUS_EXPORT = (
    "BillingAccountId,BillingCurrency,BillingPeriodStart,ChargePeriodStart,ChargeCategory,ProviderName,"
    "ServiceName,BilledCost,EffectiveCost,InvoiceId\n"
    "000111,USD,2026-10-01 00:00:00,2026-10-05 00:00:00,Usage,Oracle,GPU,120.50,100.00,INV-9\n"
    "000111,USD,2026-10-01 00:00:00,2026-10-06 00:00:00,Tax,Oracle,GPU,9.64,9.64,INV-9\n"
)


def _finops(folder: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("FINOPS_")}
    env.pop("DAGSTER_HOME", None)  # an ephemeral instance: no run history left behind
    return subprocess.run(
        [FINOPS, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _ledger_rows() -> list[dict]:
    # claude-sonnet-4-5 at $3.00 / $15.00 per million input / output tokens (rate_cards/llm/anthropic.toml)
    return [
        {
            "request_id": str(uuid.UUID(int=number)),
            "ts": f"2026-10-05T1{number}:00:00Z",
            "model_id": "claude-sonnet-4-5",
            "api_version": "v1",
            "feature_tag": "chat",
            "input_tokens": 1000,
            "output_tokens": 200,
            "duration_ms": 250,
            "team": "search",
        }
        for number in (1, 2)
    ]


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _put_shared_samples(s3) -> dict[str, Decimal] | None:
    """Real public exports as a user's files: an Azure export beside the test's own (another period), a GCP
    export in a bucket of its own. Returns their totals, summed here from the files; None without the samples."""
    azure = SAMPLES_DIR / "azure" / "koku_azure_export_v2.csv"
    gcp = SAMPLES_DIR / "gcp" / "koku_gcp_billing_export_flattened_resource_2022-08.csv"
    if not (azure.exists() and gcp.exists()):
        return None
    s3.put_object(
        Bucket="acme-billing", Key="exports/azure/actual/20200901-20200930/part_0_0001.csv", Body=azure.read_bytes()
    )
    s3.create_bucket(Bucket="acme-gcp")
    s3.put_object(Bucket="acme-gcp", Key=f"billing/{gcp.name}", Body=gcp.read_bytes())
    gcp_rows = _rows(gcp)
    credits = sum(Decimal(repr(c["amount"])) for row in gcp_rows for c in ast.literal_eval(row["credits"]))
    return {
        "azure": sum((Decimal(row["CostInBillingCurrency"]) for row in _rows(azure)), Decimal(0)),
        "azure_rows": Decimal(len(_rows(azure))),
        "gcp": sum((Decimal(row["cost"]) for row in gcp_rows), Decimal(0)) + credits,
        "gcp_rows": Decimal(len(gcp_rows)),
    }


def _edit(config: Path, replacements: dict[str, str]) -> None:
    """Edit the file `finops init` wrote, as a user would: uncomment and change lines."""
    text = config.read_text()
    for old, new in replacements.items():
        assert old in text, f"finops init no longer writes {old!r}"
        text = text.replace(old, new, 1)
    config.write_text(text)


def test_init_edit_check_run_reads_the_users_buckets(tmp_path, moto_s3_endpoint):  # noqa: F811
    s3 = boto3.client("s3", endpoint_url=moto_s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="acme-billing")
    s3.put_object(
        Bucket="acme-billing", Key="exports/azure/actual/20261001-20261031/part_0_0001.csv", Body=AZURE_EXPORT
    )
    s3.create_bucket(Bucket="acme-focus")
    s3.put_object(Bucket="acme-focus", Key="focus-1.2/oracle/2026-10.csv", Body=FOCUS_EXPORT)
    samples = _put_shared_samples(s3)
    ledger_day = tmp_path / "acme" / "ledger" / "2026-10-05"
    ledger_day.mkdir(parents=True)
    (ledger_day / "requests.jsonl").write_text("".join(json.dumps(row) + "\n" for row in _ledger_rows()))

    folder = tmp_path / "project"
    folder.mkdir()
    init = _finops(folder, "init")
    assert init.returncode == 0, init.stderr
    _edit(
        folder / "finops.toml",
        {
            'path = "warehouse/finops.duckdb"': 'path = "wh/acme.duckdb"',
            'root = "landing"': 'root = "landing-not-used"',
            '# s3_endpoint_url = "http://127.0.0.1:9000"': f's3_endpoint_url = "{moto_s3_endpoint}"',
            '# ledger = "/data/ledger"': f'ledger = "{tmp_path / "acme" / "ledger"}"',
            '# azure = "s3://my-billing/azure"': 'azure = "s3://acme-billing/exports/azure"',
            '# focus = "/data/focus"': 'focus = "s3://acme-focus/focus-1.2"',
        }
        | ({'# location = "/data/gcp"': 'location = "s3://acme-gcp/billing"'} if samples else {}),
    )

    checked = _finops(folder, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    lines = {line.split()[1]: line for line in checked.stdout.splitlines() if line.startswith("source ")}
    assert "ready" in lines["ledger"] and "1 file(s)" in lines["ledger"]
    assert "ready" in lines["azure"] and "s3://acme-billing/exports/azure" in lines["azure"]
    assert "ready" in lines["focus"] and "oracle/2026-10.csv" in lines["focus"]
    if samples:
        assert "ready" in lines["gcp"] and "s3://acme-gcp/billing" in lines["gcp"]
    else:
        assert "skipped" in lines["gcp"]  # not configured and not there: nothing to load, not an error

    run = _finops(folder, "run")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    warehouse = folder / "wh" / "acme.duckdb"  # relative to finops.toml, where the config said
    assert warehouse.exists() and not (PROJECT_ROOT / "wh").exists()
    with duckdb.connect(str(warehouse), read_only=True) as con:

        def one(sql: str):
            return con.execute(sql).fetchone()

        # exact sums of the files the test wrote: Azure 10.00 + 5.50, FOCUS 120.50 + 9.64; plus the real exports'
        # own totals where present (their lines carry at most 6 decimals: no rounding at the warehouse's 9)
        extra = samples or {"azure": Decimal(0), "azure_rows": 0, "gcp": Decimal(0), "gcp_rows": 0}
        azure = (Decimal("15.50") + extra["azure"], 2 + extra["azure_rows"])
        assert one("select sum(billed_cost), count(*) from raw_azure.cost_details") == azure
        assert one("select sum(billed_cost), count(*) from raw_focus.cost_rows") == (Decimal("130.14"), 2)
        if samples:
            gcp = (extra["gcp"], extra["gcp_rows"])
            assert one("select sum(billed_cost), count(*) from raw_gcp.billing_export") == gcp
        expected_cloud = Decimal("145.64") + extra["azure"] + extra["gcp"]
        assert one("select sum(billed_cost) from fct_cloud_costs") == (expected_cloud,)
        # the source files are named by their bucket, as the user knows them
        (source,) = one("select min(source_file) from raw_focus.cost_rows")
        assert source == "s3://acme-focus/focus-1.2/oracle/2026-10.csv"
        # 2 x (1000 x 3.00 + 200 x 15.00) / 1e6 = 0.012 USD; the ledger came from its own folder
        assert one("select count(*), sum(total_cost_usd) from raw_ledger.requests") == (2, Decimal("0.012"))
        assert one("select count(*) from quarantine.rejected_rows") == (0,)


def test_check_says_what_is_wrong_with_a_bucket_and_exits_2(tmp_path, moto_s3_endpoint):  # noqa: F811
    folder = tmp_path / "project"
    folder.mkdir()
    assert _finops(folder, "init").returncode == 0
    (folder / "landing" / "ledger").mkdir(parents=True)
    _edit(
        folder / "finops.toml",
        {
            '# s3_endpoint_url = "http://127.0.0.1:9000"': f's3_endpoint_url = "{moto_s3_endpoint}"',
            '# aws_cur = "s3://my-cur-bucket/cur"': 'aws_cur = "s3://no-such-bucket-acme/cur"',
        },
    )
    checked = _finops(folder, "check")
    assert checked.returncode == 2
    (line,) = [line for line in checked.stdout.splitlines() if line.startswith("source aws_cur")]
    assert "wrong" in line and "NoSuchBucket" in line
    assert "fix: check the bucket and prefix" in checked.stdout
    assert "Traceback" not in checked.stdout + checked.stderr
