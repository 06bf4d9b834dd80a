"""OpenAI and Anthropic report pages (the recorded vendor examples) parsed with totals worked out by hand."""

import json
from decimal import Decimal

import pytest

from ingest.common import SourceFormatError
from ingest.provider_usage import (
    anthropic_cost_rows,
    anthropic_usage_rows,
    cost_table,
    load_page,
    openai_cost_rows,
    openai_usage_rows,
    usage_table,
)


def _page(root, *parts):
    path = root.joinpath(*parts)
    return load_page(path.read_bytes(), str(path)), str(path)


def test_openai_completions_cached_tokens_are_inside_input_tokens(samples_root):
    page, source = _page(samples_root, "openai", "usage_completions_response_example.json")
    (row,) = usage_table(openai_usage_rows(page, source)).to_pylist()
    # input_tokens 1000 = 500 uncached + 400 cached + 100 cache-write
    assert (row["input_uncached_tokens"], row["input_cached_tokens"], row["cache_write_tokens"]) == (500, 400, 100)
    assert (row["output_tokens"], row["requests"]) == (500, 5)
    assert json.loads(row["extra"])["input_audio_tokens"] == 50  # fields we do not model are kept
    assert page["has_more"] is True and page["next_page"] == "page_AAAAAGdGxdEiJdKOAAAAAGcqsYA="


def test_openai_other_usage_endpoints_parse_leniently(samples_root):
    page, source = _page(samples_root, "openai", "usage_embeddings_response_example.json")
    (row,) = openai_usage_rows(page, source, endpoint="embeddings")
    assert (row["input_uncached_tokens"], row["requests"], row["endpoint"]) == (16, 2, "embeddings")
    page, source = _page(samples_root, "openai", "usage_images_response_example.json")
    rows = openai_usage_rows(page, source, endpoint="images")
    assert rows and all(row["extra"] for row in rows)


def test_openai_costs_amount_is_exact(samples_root):
    page, source = _page(samples_root, "openai", "costs_response_example.json")
    (row,) = cost_table(openai_cost_rows(page, source)).to_pylist()
    assert row["amount_usd"] == Decimal("0.06") and row["currency"] == "USD"


def test_anthropic_usage_keeps_the_two_cache_lifetimes_apart(samples_root):
    page, source = _page(samples_root, "anthropic", "usage_report_messages_response_example.json")
    (row,) = usage_table(anthropic_usage_rows(page, source)).to_pylist()
    assert (row["input_uncached_tokens"], row["input_cached_tokens"]) == (123, 123)
    # 5-minute and 1-hour writes have two prices: two counts, never summed into one
    assert (row["cache_write_tokens"], row["cache_write_1h_tokens"]) == (123, 123)
    assert (row["model"], row["project_id"]) == ("claude-sonnet-4-20250514", "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ")


def test_anthropic_1h_cache_writes_on_a_page_made_here():
    page = {
        "data": [
            {
                "starting_at": "2026-10-01T00:00:00Z",
                "ending_at": "2026-10-02T00:00:00Z",
                "results": [
                    {
                        "model": "claude-sonnet-4-5",
                        "uncached_input_tokens": 1000,
                        "cache_read_input_tokens": 0,
                        "cache_creation": {"ephemeral_5m_input_tokens": 200, "ephemeral_1h_input_tokens": 3000},
                        "output_tokens": 50,
                    }
                ],
            }
        ],
        "has_more": False,
    }
    (row,) = usage_table(anthropic_usage_rows(page, "made-here.json")).to_pylist()
    assert (row["cache_write_tokens"], row["cache_write_1h_tokens"]) == (200, 3000)


def test_anthropic_cost_amount_is_cents(samples_root):
    page, source = _page(samples_root, "anthropic", "cost_report_response_example.json")
    (row,) = cost_table(anthropic_cost_rows(page, source)).to_pylist()
    assert row["amount_usd"] == Decimal("1.2378912")  # "123.78912" cents


def test_truncated_page_is_a_clear_error():
    with pytest.raises(SourceFormatError, match=r"page_3.json: truncated or malformed JSON page"):
        load_page(b'{"data": [{"starting_at": "2026-10-01T00:00:00Z", "res', "page_3.json")
