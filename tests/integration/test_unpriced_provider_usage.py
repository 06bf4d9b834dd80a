"""Unpriced is never $0: Bedrock invocations through the real assets and `dbt build` of fct_provider_usage.

Claude Sonnet 4 on Bedrock (`anthropic.claude-sonnet-4-20250514-v1:0`, seen in real logs) is priced by the
shipped card; a model no card knows gets a null cost, is_priced = false, and the warn-level dbt test
counts its tokens.
"""

import gzip
import json
from decimal import Decimal

import dagster as dg
import duckdb
import pytest

from pipelines.assets.ledger import llm_rate_cards
from pipelines.assets.llm_providers import LlmProviderApiResource, bedrock_invocations, llm_provider_reports
from pipelines.resources import LandingResource, WarehouseResource
from tests.dbt_build import dbt_build

pytestmark = pytest.mark.integration


def _invocation(hour: int, model_id: str, tokens_in: int, tokens_out: int) -> str:
    return json.dumps(
        {
            "timestamp": f"2026-10-03T{hour:02d}:00:00Z",
            "operation": "Converse",
            "modelId": model_id,
            "input": {"inputTokenCount": tokens_in},
            "output": {"outputTokenCount": tokens_out},
        }
    )


def test_unpriced_bedrock_model_is_null_and_counted_sonnet_4_is_priced(tmp_path):
    folder = tmp_path / "landing" / "bedrock" / "AWSLogs/111/BedrockModelInvocationLogs/us-east-1/2026/10/03/00"
    folder.mkdir(parents=True)
    lines = [
        _invocation(1, "us.anthropic.claude-sonnet-4-20250514-v1:0", 1000, 200),
        _invocation(2, "anthropic.claude-sonnet-4-20250514-v1:0", 3000, 800),
        _invocation(3, "anthropic.claude-unknown-9-v1:0", 500, 50),
    ]
    (folder / "log.json.gz").write_bytes(gzip.compress("\n".join(lines).encode()))
    warehouse = tmp_path / "w.duckdb"
    resources = {
        "landing": LandingResource(location=str(tmp_path / "landing")),
        "warehouse": WarehouseResource(duckdb_path=str(warehouse)),
        # no key in the environment: the (absent) recorded pages are read, so the usage tables exist, empty
        "openai_api": LlmProviderApiResource(
            provider="openai", base_url="http://127.0.0.1:9", api_key_env_var="FINOPS_TEST_UNSET_OPENAI_KEY"
        ),
        "anthropic_api": LlmProviderApiResource(
            provider="anthropic", base_url="http://127.0.0.1:9", api_key_env_var="FINOPS_TEST_UNSET_ANTHROPIC_KEY"
        ),
    }
    assert dg.materialize([llm_rate_cards], resources=resources).success
    assert dg.materialize(
        [bedrock_invocations, llm_provider_reports], partition_key="2026-10-03", resources=resources
    ).success
    log = dbt_build(warehouse, tmp_path, "+fct_provider_usage")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select model, is_priced, usage_priced_cost_usd, prompt_tokens, output_tokens"
            " from fct_provider_usage order by model"
        ).fetchall()
    # Sonnet 4 on Bedrock: $3 per 1M input, $15 per 1M output (same as Anthropic's claude-sonnet-4 card)
    sonnet_cost = (Decimal(1000 + 3000) * 3 + Decimal(200 + 800) * 15) / 1_000_000
    assert sonnet_cost == Decimal("0.027")
    assert rows == [
        ("anthropic.claude-unknown-9-v1:0", False, None, 500, 50),
        ("bedrock/claude-sonnet-4", True, sonnet_cost, 4000, 1000),
    ]
    # the warn-level test reports the unpriced group (and the build still succeeds)
    assert "warn_unpriced_provider_usage" in log
    assert "Got 1 result, configured to warn if != 0" in log
