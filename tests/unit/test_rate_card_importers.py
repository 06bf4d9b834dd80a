"""Importers: LiteLLM and genai-prices files (small fixtures written for these tests) -> cards our loader accepts,
with the per-token floats converted exactly and provenance recorded."""

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from rate_cards.importers import import_genai_prices, import_litellm
from rate_cards.llm_cards import RateCardError, load_rate_cards
from rate_cards.pricing import price_request

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_litellm_openai_models_become_a_card(tmp_path):
    source = FIXTURES / "litellm_prices_small.json"
    count = import_litellm(
        source, "openai", date(2026, 11, 1), tmp_path / "cards" / "openai.toml", today=date(2026, 11, 23)
    )
    assert count == 2  # the chat and the embedding model; the image model has no token price
    text = (tmp_path / "cards" / "openai.toml").read_text()
    assert hashlib.sha256(source.read_bytes()).hexdigest() in text and 'version = "2026-11-23"' in text
    cards = load_rate_cards(tmp_path / "cards")
    price = cards.lookup("gpt-4o-2099-01-01", datetime(2026, 11, 2))
    # 2.5e-06 per token = $2.50 per 1M exactly (no float artefact); cached $1.25
    assert (price.base["input"], price.base["cached_input"], price.base["output"]) == (
        Decimal("2.5"),
        Decimal("1.25"),
        Decimal("10"),
    )
    assert cards.lookup("gpt-4o-2099-01-01", datetime(2026, 10, 31)) is None  # effective from the import date


def test_litellm_long_context_tier_is_kept(tmp_path):
    import_litellm(FIXTURES / "litellm_prices_small.json", "anthropic", date(2026, 11, 1), tmp_path / "c" / "a.toml")
    price = load_rate_cards(tmp_path / "c").lookup("claude-test-5", datetime(2026, 11, 2))
    # 250,000 prompt tokens > 200,000: the whole request at $6 in, $22.50 out
    assert price_request(price, input_tokens=250_000, output_tokens=1_000) == Decimal("1.5225")


def test_genai_prices_tiers_and_empty_models(tmp_path):
    count = import_genai_prices(
        FIXTURES / "genai_prices_small.json", "anthropic", date(2026, 11, 1), tmp_path / "g" / "a.toml"
    )
    assert count == 1
    price = load_rate_cards(tmp_path / "g").lookup("claude-test-5", datetime(2026, 11, 2))
    assert (price.base["input"], price.long_context_threshold, price.long_context["output"]) == (
        Decimal("3"),
        200000,
        Decimal("22.5"),
    )


def test_unknown_provider_is_a_clear_error(tmp_path):
    with pytest.raises(RateCardError, match="provider 'mistral' not found"):
        import_genai_prices(FIXTURES / "genai_prices_small.json", "mistral", date(2026, 11, 1), tmp_path / "x.toml")


def _genai_file(tmp_path, models: list) -> Path:
    path = tmp_path / "genai.json"
    path.write_text(json.dumps([{"id": "openai", "models": models}]))
    return path


def test_genai_prices_dated_changes_keep_every_price_period(tmp_path):
    dated = {
        "id": "gpt-dated",
        "prices": [
            {"prices": {"input_mtok": 2, "output_mtok": 8}},
            {"constraint": {"start_date": "2026-10-15"}, "prices": {"input_mtok": 1, "output_mtok": 4}},
        ],
    }
    count = import_genai_prices(_genai_file(tmp_path, [dated]), "openai", date(2026, 1, 1), tmp_path / "c" / "o.toml")
    assert count == 2  # one entry per price period
    cards = load_rate_cards(tmp_path / "c")
    before = cards.lookup("gpt-dated", datetime(2026, 10, 14, 23, 59))
    after = cards.lookup("gpt-dated", datetime(2026, 10, 15, 0, 0))
    # 1,000 in + 100 out: $2/$8 before the change = $0.002 + $0.0008; $1/$4 from it = $0.001 + $0.0004
    assert price_request(before, input_tokens=1_000, output_tokens=100) == Decimal("0.0028")
    assert price_request(after, input_tokens=1_000, output_tokens=100) == Decimal("0.0014")
    assert cards.lookup("gpt-dated", datetime(2025, 12, 31)) is None  # nothing before the card's start


def test_genai_prices_rule_a_card_cannot_express_fails_naming_the_model(tmp_path):
    off_peak = {
        "id": "deepseek-like",
        "prices": [
            {"prices": {"input_mtok": 1, "output_mtok": 2}},
            {
                "constraint": {"start_time": "16:30:00Z", "end_time": "00:30:00Z"},
                "prices": {"input_mtok": 0.5, "output_mtok": 1},
            },
        ],
    }
    with pytest.raises(RateCardError, match="deepseek-like.*cannot express"):
        import_genai_prices(_genai_file(tmp_path, [off_peak]), "openai", date(2026, 1, 1), tmp_path / "x.toml")
