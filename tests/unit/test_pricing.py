"""Pricing rules on hand-computed cases (numbers worked out in the comments, not printed by the code)."""

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from rate_cards.llm_cards import load_rate_cards
from rate_cards.pricing import price_request

CARDS = load_rate_cards()
OCT = datetime(2026, 10, 10, 12, 0)


def price(model: str, **tokens) -> Decimal:
    return price_request(CARDS.lookup(model, OCT), **tokens)


def test_openai_cached_tokens_are_a_subset_of_input():
    # gpt-4o: 6,000 uncached x $2.50 + 4,000 cached x $1.25 + 2,000 output x $10 = $0.015 + $0.005 + $0.020
    assert price("gpt-4o", input_tokens=10_000, cached_input_tokens=4_000, output_tokens=2_000) == Decimal("0.040")


def test_openai_batch_halves_every_kind_including_cached():
    assert price(
        "gpt-4o", input_tokens=10_000, cached_input_tokens=4_000, output_tokens=2_000, is_batch=True
    ) == Decimal("0.020")


def test_anthropic_cache_reads_and_writes_are_additive():
    # sonnet 4.5: 1,000 x $3 + 2,000 cache reads x $0.30 + 100 writes x $3.75 + 500 output x $15 = $0.011475
    tokens = dict(input_tokens=1_000, cached_input_tokens=2_000, cache_write_tokens=100, output_tokens=500)
    assert price("claude-sonnet-4-5", **tokens) == Decimal("0.011475")
    # batch stacks on the cache multipliers: half of everything
    assert price("claude-sonnet-4-5", is_batch=True, **tokens) == Decimal("0.0057375")


def test_long_context_reprices_the_whole_request():
    # prompt = 150,000 + 60,000 cache reads = 210,000 > 200,000: every token at the long-context tier
    # 150,000 x $6 + 60,000 x $0.60 + 1,000 x $22.50 = $0.9 + $0.036 + $0.0225
    assert price("claude-sonnet-4-5", input_tokens=150_000, cached_input_tokens=60_000, output_tokens=1_000) == Decimal(
        "0.9585"
    )
    # prompt = 190,000: base tier: 150,000 x $3 + 40,000 x $0.30 + 1,000 x $15 = $0.45 + $0.012 + $0.015
    assert price("claude-sonnet-4-5", input_tokens=150_000, cached_input_tokens=40_000, output_tokens=1_000) == Decimal(
        "0.477"
    )


def test_reasoning_tokens_are_billed_once_as_output():
    # o3-mini: 100 x $1.10 + 1,000 output (600 of them reasoning) x $4.40 = $0.00011 + $0.0044
    assert price("o3-mini", input_tokens=100, output_tokens=1_000, reasoning_tokens=600) == Decimal("0.00451")


def _card(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "cards"
    folder.mkdir(exist_ok=True)
    (folder / "test.toml").write_text(body)
    return folder


def test_distinct_reasoning_price_and_mid_month_price_change(tmp_path):
    folder = _card(
        tmp_path,
        """
provider = "acme"
version = "v7"
source = "test"
cached_input_counted_in_input = true
reasoning_counted_in_output = true
batch_multiplier = "0.5"

[[prices]]
model = "thinker"
effective_from = "2026-10-01"
input = "1.00"
output = "4.00"
reasoning = "2.00"

[[prices]]
model = "thinker"
effective_from = "2026-10-15"
input = "0.50"
output = "4.00"
reasoning = "2.00"
""",
    )
    cards = load_rate_cards(folder)
    before = cards.lookup("thinker", datetime(2026, 10, 14, 23, 59, 59))
    after = cards.lookup("thinker", datetime(2026, 10, 15, 0, 0, 0))
    # 1,000 x $1 + 400 plain output x $4 + 600 reasoning x $2 = $0.001 + $0.0016 + $0.0012
    assert price_request(before, input_tokens=1_000, output_tokens=1_000, reasoning_tokens=600) == Decimal("0.0038")
    # after the change input is $0.50: $0.0005 + $0.0016 + $0.0012
    assert price_request(after, input_tokens=1_000, output_tokens=1_000, reasoning_tokens=600) == Decimal("0.0033")
    assert cards.lookup("thinker", datetime(2026, 9, 30, 23, 59)) is None


def test_unknown_snapshot_is_unpriced_never_prefix_matched():
    assert CARDS.lookup("gpt-4o-2099-01-01", OCT) is None
    assert CARDS.lookup("gpt-4o-2024-08-06", OCT).model == "gpt-4o"
    assert CARDS.lookup("claude-haiku-4-5", datetime(2025, 1, 1)) is None  # before its first price


def test_rounding_to_nano_dollars_is_half_even():
    # one batch cached token of gpt-4o-mini: $0.075 / 2 / 1M = 37.5 nano-dollars -> 38 (half to even)
    assert price("gpt-4o-mini", input_tokens=1, cached_input_tokens=1, output_tokens=0, is_batch=True) == Decimal(
        "0.000000038"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('input = 2.5\noutput = "1"', "write prices as quoted decimal strings"),
        ('input = "2.50"', "missing required field 'output'"),
        ('input = "2.50"\noutput = "1"\ncolour = "x"', "unknown fields ['colour']"),
        ('input = "0.0000001"\noutput = "1"', "more than 6 decimals"),
        ('input = "-1"\noutput = "1"', "non-negative"),
    ],
)
def test_bad_card_gives_file_entry_and_field(tmp_path, body, message):
    folder = _card(
        tmp_path,
        f"""
provider = "acme"
version = "v1"
source = "test"
cached_input_counted_in_input = true
reasoning_counted_in_output = true

[[prices]]
model = "m1"
effective_from = "2026-01-01"
{body}
""",
    )
    from rate_cards.llm_cards import RateCardError

    with pytest.raises(RateCardError) as error:
        load_rate_cards(folder)
    assert message in str(error.value)
    assert "test.toml" in str(error.value) and "prices entry 1" in str(error.value)


def test_alias_to_unknown_model_is_an_error(tmp_path):
    from rate_cards.llm_cards import RateCardError

    folder = _card(
        tmp_path,
        """
provider = "acme"
version = "v1"
source = "test"
cached_input_counted_in_input = false
reasoning_counted_in_output = true

[[prices]]
model = "m1"
effective_from = "2026-01-01"
input = "1"
output = "2"

[[aliases]]
alias = "m2-2026"
model = "m2"
""",
    )
    with pytest.raises(RateCardError, match="points to 'm2', which no card prices"):
        load_rate_cards(folder)


def test_anthropic_1h_cache_writes_have_their_own_price():
    # sonnet 4.5: 1,000 x $3 + 1,000 5-minute writes x $3.75 + 1,000 1-hour writes x $6 (2x input)
    # + 100 output x $15 = $0.003 + $0.00375 + $0.006 + $0.0015 = $0.01425
    tokens = dict(input_tokens=1_000, cache_write_tokens=1_000, cache_write_1h_tokens=1_000, output_tokens=100)
    assert price("claude-sonnet-4-5", **tokens) == Decimal("0.01425")
    # before: both lifetimes at the 5-minute price, $0.01200, 1-hour writes under-priced by 37.5%
    assert price("claude-sonnet-4-5", input_tokens=1_000, cache_write_tokens=2_000, output_tokens=100) == Decimal(
        "0.01200"
    )
    # the 1-hour writes count towards the long-context prompt (additive at Anthropic): 150,000 + 60,000 > 200,000
    # -> every token at the long-context tier: 150,000 x $6 + 60,000 x $12 = $0.9 + $0.72 = $1.62
    assert price("claude-sonnet-4-5", input_tokens=150_000, cache_write_1h_tokens=60_000) == Decimal("1.62")


def test_service_tiers_are_priced_from_their_own_entries():
    at = datetime(2026, 10, 10, 12, 0)
    # gpt-5, 10,000 input of which 2,000 cached (a subset at OpenAI), 1,000 output:
    tokens = dict(input_tokens=10_000, cached_input_tokens=2_000, output_tokens=1_000)
    # standard: 8,000 x $1.25 + 2,000 x $0.125 + 1,000 x $10 = $0.01 + $0.00025 + $0.01 = $0.02025
    assert price_request(CARDS.lookup("gpt-5", at), **tokens) == Decimal("0.02025")
    # priority: 8,000 x $2.50 + 2,000 x $0.25 + 1,000 x $20 = $0.02 + $0.0005 + $0.02 = $0.0405
    assert price_request(CARDS.lookup("gpt-5", at, "priority"), **tokens) == Decimal("0.0405")
    # flex: 8,000 x $0.625 + 2,000 x $0.0625 + 1,000 x $5 = $0.005 + $0.000125 + $0.005 = $0.010125
    assert price_request(CARDS.lookup("gpt-5", at, "flex"), **tokens) == Decimal("0.010125")
    # a tier with no entry is unpriced, never the standard price
    assert CARDS.lookup("gpt-5", at, "scale") is None
    assert CARDS.lookup("gpt-4o", at, "priority") is None


def test_web_search_calls_are_priced_per_thousand_where_the_card_sells_them():
    # sonnet 4.5: 1,000 x $3 + 100 x $15 + 3 searches at $10 per 1,000 = $0.003 + $0.0015 + $0.03 = $0.0345
    assert price("claude-sonnet-4-5", input_tokens=1_000, output_tokens=100, web_search_calls=3) == Decimal("0.0345")
    # a model whose card sells no web search: unpriced when used (never $0), priced as usual when not
    with pytest.raises(LookupError, match="no price for web_search"):
        price("gpt-4o", input_tokens=1_000, output_tokens=100, web_search_calls=1)
    assert price("gpt-4o", input_tokens=1_000, output_tokens=100, web_search_calls=0) == Decimal("0.0035")
