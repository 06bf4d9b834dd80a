"""Bedrock invocation logs: model ids behind ARNs and inference profiles, top-level counts preferred."""

import gzip
import json

import pytest

from ingest.bedrock_logs import model_from_id, parse_invocation_log
from rate_cards.llm_cards import load_rate_cards


@pytest.mark.parametrize(
    ("logged", "expected"),
    [
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
            "anthropic.claude-haiku-4-5-20251001-v1:0",
        ),
        (
            "arn:aws:bedrock:us-east-1:111:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
        ),
        ("eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
    ],
)
def test_model_ids_resolve_to_priced_aliases(logged, expected):
    assert model_from_id(logged) == expected
    assert load_rate_cards().canonical_model(expected).startswith("bedrock/")


def test_application_profile_needs_an_explicit_mapping():
    arn = "arn:aws:bedrock:us-east-1:111:application-inference-profile/p9"
    assert model_from_id(arn) is None
    assert (
        model_from_id(arn, {"p9": "anthropic.claude-haiku-4-5-20251001-v1:0"})
        == "anthropic.claude-haiku-4-5-20251001-v1:0"
    )


def test_top_level_counts_win_and_bad_lines_are_rejected():
    records = [
        {
            "timestamp": "2026-10-03T10:00:00Z",
            "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "operation": "InvokeModel",
            "input": {"inputTokenCount": 120, "cacheReadInputTokenCount": 30},
            "output": {
                "outputTokenCount": 40,
                "outputBodyJson": {"usage": {"input_tokens": 999, "output_tokens": 999}},
            },
        },
        {
            "timestamp": "2026-10-03T11:00:00Z",
            "modelId": "anthropic.claude-haiku-4-5-20251001-v1:0",
            "operation": "ConverseStream",
            "input": {},
            "output": {"outputBodyJson": [{"delta": "x"}, {"usage": {"input_tokens": 7, "output_tokens": 3}}]},
        },
    ]
    content = gzip.compress(("\n".join(json.dumps(r) for r in records) + "\n{not json\n").encode())
    result = parse_invocation_log(content, "logs/x.json.gz")
    rows = result.table.to_pylist()
    assert [(r["input_uncached_tokens"], r["input_cached_tokens"], r["output_tokens"]) for r in rows] == [
        (120, 30, 40),
        (7, None, 3),
    ]
    assert [(r.line, r.reason.split(":")[0]) for r in result.rejected] == [(3, "unreadable invocation record")]
    assert result.input_rows == 3


def test_the_region_is_kept_but_is_not_a_service_tier():
    """The region used to land in service_tier, so pricing by tier found no card entry for 'us-east-1' and left
    every Bedrock call unpriced."""
    record = {
        "timestamp": "2026-10-03T10:00:00Z",
        "modelId": "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "operation": "InvokeModel",
        "region": "us-east-1",
        "input": {"inputTokenCount": 10},
        "output": {"outputTokenCount": 2},
    }
    (row,) = parse_invocation_log(gzip.compress(json.dumps(record).encode()), "logs/x.json.gz").table.to_pylist()
    assert row["service_tier"] is None  # the default tier
    assert json.loads(row["extra"])["region"] == "us-east-1"
