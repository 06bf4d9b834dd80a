"""Pricing rules, once in plain Python (the reference) and once as vectorized SQL over a whole batch.

Rules (each unit-tested with hand-computed cases):
- Cached input tokens are a SUBSET of input where the provider counts them so (OpenAI:
  `cached_input_counted_in_input = true`; cache-write tokens likewise) and ADDITIVE where it does not
  (Anthropic). The long-context prompt size is the provider's whole prompt: input (+ cache reads and
  writes when additive).
- Above the long-context threshold the WHOLE request reprices at the long-context tier.
- The batch multiplier stacks on every kind, cache prices included.
- Reasoning tokens are billed once, as output, unless the card gives them their own price (when counted
  in output, the reasoning part of output moves to the reasoning price).
- Cost is computed exactly in pico-dollars (prices are whole pico-dollars per token; HUGEINT in SQL, so no
  token count up to the ledger's bound can overflow) and rounded once per request to nano-dollars (9 places,
  half-even).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from rate_cards.llm_cards import ModelPrice, RateCards

_NANO = Decimal("0.000000001")
_PER_MILLION = Decimal(1_000_000)


def billable_tokens(
    price: ModelPrice,
    *,
    input_tokens: int,
    output_tokens: int,
    cached_input_tokens: int = 0,
    cache_write_tokens: int = 0,
    reasoning_tokens: int = 0,
) -> dict[str, int]:
    """Tokens billed at each kind's price, after the provider's subset/additive conventions."""
    if price.cached_input_counted_in_input:
        uncached = input_tokens - cached_input_tokens - cache_write_tokens
    else:
        uncached = input_tokens
    plain_output = output_tokens - reasoning_tokens if price.reasoning_counted_in_output else output_tokens
    return {
        "input": uncached,
        "cached_input": cached_input_tokens,
        "cache_write": cache_write_tokens,
        "output": plain_output,
        "reasoning": reasoning_tokens,
    }


def prompt_tokens(
    price: ModelPrice, *, input_tokens: int, cached_input_tokens: int = 0, cache_write_tokens: int = 0
) -> int:
    if price.cached_input_counted_in_input:
        return input_tokens
    return input_tokens + cached_input_tokens + cache_write_tokens


def price_request(
    price: ModelPrice,
    *,
    input_tokens: int,
    output_tokens: int,
    cached_input_tokens: int = 0,
    cache_write_tokens: int = 0,
    reasoning_tokens: int = 0,
    is_batch: bool = False,
) -> Decimal:
    """Exact USD cost of one request, rounded half-even to 9 places."""
    prompt = prompt_tokens(
        price, input_tokens=input_tokens, cached_input_tokens=cached_input_tokens, cache_write_tokens=cache_write_tokens
    )
    long_context = price.long_context_threshold is not None and prompt > price.long_context_threshold
    prices = price.prices(is_batch=is_batch, long_context=long_context)
    tokens = billable_tokens(
        price,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_input_tokens=cached_input_tokens,
        cache_write_tokens=cache_write_tokens,
        reasoning_tokens=reasoning_tokens,
    )
    total = sum((Decimal(count) * getattr(prices, kind) for kind, count in tokens.items()), Decimal(0))
    return (total / _PER_MILLION).quantize(_NANO, rounding=ROUND_HALF_EVEN)


def card_pico_columns_sql(card_relation: str) -> str:
    """SELECT over the prices table giving integer pico-dollars per token for both tiers (exact: prices
    have at most 6 decimals per 1M tokens, checked at load)."""
    kinds = ("input", "cached_input", "cache_write", "output", "reasoning")
    base = ",\n    ".join(f"cast({k}_usd_per_mtok * 1000000 as bigint) as {k}_pico" for k in kinds)
    tier = ",\n    ".join(
        f"cast(coalesce(lc_{k}_usd_per_mtok, {k}_usd_per_mtok) * 1000000 as bigint) as lc_{k}_pico" for k in kinds
    )
    return f"""
select
    provider, model, card_version, effective_from, effective_to, is_batch,
    cached_input_counted_in_input, reasoning_counted_in_output, long_context_threshold_tokens,
    {base},
    {tier}
from {card_relation}
"""


def cost_nano_sql(row: str, card: str) -> str:
    """SQL expression: request cost in nano-dollars (HUGEINT), half-even, from a row alias with BIGINT token
    columns (input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens,
    is_batch already matched by the join) and a card alias from `card_pico_columns_sql`."""
    prompt = (
        f"(case when {card}.cached_input_counted_in_input then {row}.input_tokens "
        f"else {row}.input_tokens + {row}.cached_input_tokens + {row}.cache_write_tokens end)"
    )
    is_long = f"({card}.long_context_threshold_tokens is not null and {prompt} > {card}.long_context_threshold_tokens)"

    def unit(kind: str) -> str:
        return f"(case when {is_long} then {card}.lc_{kind}_pico else {card}.{kind}_pico end)"

    uncached = (
        f"(case when {card}.cached_input_counted_in_input "
        f"then {row}.input_tokens - {row}.cached_input_tokens - {row}.cache_write_tokens else {row}.input_tokens end)"
    )
    plain_output = (
        f"(case when {card}.reasoning_counted_in_output then {row}.output_tokens - {row}.reasoning_tokens "
        f"else {row}.output_tokens end)"
    )
    # HUGEINT: 1e12 tokens (the ledger's bound) x 75e6 pico-dollars ($75 per 1M tokens) is beyond BIGINT
    pico = (
        f"(cast({uncached} as hugeint) * {unit('input')} + cast({row}.cached_input_tokens as hugeint) * "
        f"{unit('cached_input')} + cast({row}.cache_write_tokens as hugeint) * {unit('cache_write')} "
        f"+ cast({plain_output} as hugeint) * {unit('output')} "
        f"+ cast({row}.reasoning_tokens as hugeint) * {unit('reasoning')})"
    )
    # half-even rounding of a non-negative pico amount to nano-dollars
    return (
        f"({pico} // 1000 + case when {pico} % 1000 > 500 "
        f"or ({pico} % 1000 = 500 and ({pico} // 1000) % 2 = 1) then 1 else 0 end)"
    )


def price_ledger_row(cards: RateCards, row: Mapping[str, Any], *, at: datetime | None = None) -> Decimal:
    """Reference price of one ledger row given as a mapping of ledger fields (missing optional counts = 0).
    Raises LookupError for an unpriced model: never $0."""
    at = at or row["ts"]
    price = cards.lookup(row["model_id"], at)
    if price is None:
        raise LookupError(f"unpriced model {row['model_id']!r} at {at}")
    return price_request(
        price,
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
        cached_input_tokens=row.get("cached_input_tokens") or 0,
        cache_write_tokens=row.get("cache_write_tokens") or 0,
        reasoning_tokens=row.get("reasoning_tokens") or 0,
        is_batch=bool(row.get("is_batch")),
    )
