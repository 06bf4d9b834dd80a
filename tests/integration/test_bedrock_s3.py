"""Bedrock invocation logs read from a real S3 endpoint (moto_server) by the Dagster asset."""

import gzip
import json

import boto3
import dagster as dg
import duckdb
import pytest

from pipelines.assets.llm_providers import bedrock_invocations
from pipelines.resources import LandingResource, WarehouseResource
from tests.fixtures_s3 import moto_s3_endpoint  # noqa: F401

pytestmark = pytest.mark.integration


def test_bedrock_logs_from_s3_load_by_their_own_dates(tmp_path, moto_s3_endpoint):  # noqa: F811
    s3 = boto3.client("s3", endpoint_url=moto_s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="bedrock-logs")
    prefix = "audit/bedrock/AWSLogs/111/BedrockModelInvocationLogs/us-east-1/2026/10"
    for day, tokens in (("03", (100, 200)), ("04", (1000,))):
        lines = [
            json.dumps(
                {
                    "timestamp": f"2026-10-{day}T0{i}:00:00Z",
                    "operation": "Converse",
                    "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                    "input": {"inputTokenCount": t},
                    "output": {"outputTokenCount": 10},
                }
            )
            for i, t in enumerate(tokens)
        ]
        s3.put_object(
            Bucket="bedrock-logs", Key=f"{prefix}/{day}/00/log.json.gz", Body=gzip.compress("\n".join(lines).encode())
        )
    warehouse = tmp_path / "w.duckdb"
    for _ in range(2):  # a re-run of the partition replaces it: no duplicates
        result = dg.materialize(
            [bedrock_invocations],
            partition_key="2026-10-03",
            resources={
                "landing": LandingResource(location="s3://bedrock-logs/audit", s3_endpoint_url=moto_s3_endpoint),
                "warehouse": WarehouseResource(duckdb_path=str(warehouse)),
            },
        )
        assert result.success
    (materialization,) = result.get_asset_materialization_events()
    assert materialization.materialization.metadata["days_outside_window"].value == "2026-10-04"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select count(*), sum(input_uncached_tokens), sum(output_tokens) from raw_llm_providers.bedrock_invocations"
        ).fetchone()
        audit = con.execute(
            "select load_scope, input_rows, loaded_rows, quarantined_rows from audit.loads where source = 'bedrock'"
            " order by load_scope"
        ).fetchall()
    # the 2026-10-03 run also loads 2026-10-04's object by its own date instead of dropping it without a trace
    assert rows == (3, 1300, 30)
    assert audit == [
        ("bedrock/AWSLogs/111/BedrockModelInvocationLogs/us-east-1/2026/10/03/00/log.json.gz", 2, 2, 0),
        ("bedrock/AWSLogs/111/BedrockModelInvocationLogs/us-east-1/2026/10/04/00/log.json.gz", 1, 1, 0),
    ]
