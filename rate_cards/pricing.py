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

The token kinds come from `rate_cards.token_kinds.TOKEN_KINDS`; the SQL twin of this reference is generated
from the same kinds by `rate_cards.pricing_sql` (the ledger loader and every dbt model that prices tokens).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from rate_cards.llm_cards import ModelPrice, RateCards, TokenPrices
from rate_cards.token_kinds import TOKEN_KINDS, count_columns, part_kinds

_NANO = Decimal("0.000000001")
_PER_MILLION = Decimal(1_000_000)


def part_counted_in_total(price: ModelPrice, total: str) -> bool:
    """Whether the provider counts the parts of `total` (cache reads/writes of input, reasoning of output)
    inside it, per the card."""
    return price.cached_input_counted_in_input if total == "input" else price.reasoning_counted_in_output


def _counts(counts: Mapping[str, int]) -> dict[str, int]:
    unknown = set(counts) - set(count_columns())
    if unknown:
        raise TypeError(f"unknown token counts {sorted(unknown)}; expected some of {list(count_columns())}")
    return {kind.name: counts.get(kind.count) or 0 for kind in TOKEN_KINDS}


def billable_tokens(price: ModelPrice, **counts: int) -> dict[str, int]:
    """Tokens billed at each kind's price, after the provider's subset/additive conventions. `counts` are
    keyed by count column (`input_tokens`, `cached_input_tokens`, ...); missing ones are 0."""
    billed = _counts(counts)
    for total in ("input", "output"):
        if part_counted_in_total(price, total):
            billed[total] -= sum(billed[part.name] for part in part_kinds(total))
    return billed


def prompt_tokens(price: ModelPrice, **counts: int) -> int:
    """The provider's whole prompt, the size a long-context threshold is compared with."""
    given = _counts(counts)
    if part_counted_in_total(price, "input"):
        return given["input"]
    return given["input"] + sum(given[part.name] for part in part_kinds("input"))


def price_request(price: ModelPrice, *, is_batch: bool = False, **counts: int) -> Decimal:
    """Exact USD cost of one request, rounded half-even to 9 places."""
    prompt = prompt_tokens(price, **counts)
    long_context = price.long_context_threshold is not None and prompt > price.long_context_threshold
    return _priced(price, price.prices(is_batch=is_batch, long_context=long_context), counts)


def price_aggregate(price: ModelPrice, *, is_batch: bool = False, **counts: int) -> Decimal:
    """Exact USD cost of an aggregate (a day, an hour of usage) at the base tier: the long-context tier belongs
    to one request's prompt, which an aggregate cannot tell. Rounded half-even to 9 places."""
    return _priced(price, price.prices(is_batch=is_batch, long_context=False), counts)


def _priced(price: ModelPrice, prices: TokenPrices, counts: dict[str, int]) -> Decimal:
    tokens = billable_tokens(price, **counts)
    unpriced = [kind for kind, count in tokens.items() if count and prices[kind] is None]
    if unpriced:
        raise LookupError(f"model {price.model!r} has no price for {', '.join(unpriced)} in its card")
    total = sum((Decimal(count) * prices[kind] for kind, count in tokens.items() if count), Decimal(0))
    return (total / _PER_MILLION).quantize(_NANO, rounding=ROUND_HALF_EVEN)


def price_ledger_row(cards: RateCards, row: Mapping[str, Any], *, at: datetime | None = None) -> Decimal:
    """Reference price of one ledger row given as a mapping of ledger fields (missing optional counts = 0).
    Raises LookupError for an unpriced model: never $0."""
    at = at or row["ts"]
    tier = (row.get("service_tier") or "default").lower()
    price = cards.lookup(row["model_id"], at, tier)
    if price is None:
        raise LookupError(f"unpriced model {row['model_id']!r} at {at} in service tier {tier!r}")
    counts = {column: row.get(column) or 0 for column in count_columns()}
    return price_request(price, is_batch=bool(row.get("is_batch")), **counts)
