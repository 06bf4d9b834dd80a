"""The token kinds a card prices: the ONE place a new kind is added.

Each kind names its price key in a card (`<name>` in the TOML, `<name>_usd_per_mtok` in the warehouse), the
count column that carries it in the ledger (`<count>`) and in provider usage and Bedrock invocations
(`usage_column`), and how it relates to the two totals every source reports:
- `within="input"`: a part of the prompt (cache reads and writes). When the card says the provider counts it
  inside `input_tokens` (`cached_input_counted_in_input = true`, OpenAI) it is taken out of input before input
  is priced; otherwise (Anthropic) it comes on top, and counts towards the long-context prompt size.
- `within="output"`: a part of the completion (reasoning). When `reasoning_counted_in_output = true` it is
  taken out of output and priced at its own price.
- `price_default`: the kind whose price applies when a card entry omits this one.
- `per_units`: the card's price is USD per this many units: 1,000,000 tokens, or 1,000 calls of a tool. The
  warehouse keeps every price per 1M units, so one formula prices tokens and tool calls alike.
- `usage_count`: the column that counts it in provider usage reports and Bedrock invocations, when it is not
  `count`: usage reports give input without its parts (`input_uncached_tokens`) and name cache reads
  `input_cached_tokens`.
- `optional_price`: a kind a card may not price at all (a tool the model's provider does not sell): then a
  request that uses it is unpriced (quarantined, never $0), and one that does not is priced as usual.

Everything that prices tokens derives from this tuple: card parsing and the prices table (`llm_cards`), the
Python reference (`pricing.price_request`), the SQL of the ledger loader and the generated dbt macros
(`pricing_sql`), the ledger's count fields and the provider-usage schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class TokenKind:
    name: str
    count: str
    within: Literal["input", "output"] | None = None
    price_default: str | None = None
    per_units: int = 1_000_000
    optional_price: bool = False
    usage_count: str | None = None

    @property
    def usage_column(self) -> str:
        return self.usage_count or self.count


TOKEN_KINDS: tuple[TokenKind, ...] = (
    TokenKind("input", "input_tokens", usage_count="input_uncached_tokens"),
    TokenKind(
        "cached_input", "cached_input_tokens", within="input", price_default="input", usage_count="input_cached_tokens"
    ),
    TokenKind("cache_write", "cache_write_tokens", within="input", price_default="input"),
    # Anthropic's 1-hour cache writes (2x input, vs 1.25x for the 5-minute writes counted in cache_write_tokens)
    TokenKind("cache_write_1h", "cache_write_1h_tokens", within="input", price_default="cache_write"),
    TokenKind("output", "output_tokens"),
    TokenKind("reasoning", "reasoning_tokens", within="output", price_default="output"),
    # per-call tool fees: web searches, priced per 1,000 calls where the card sells them
    TokenKind("web_search", "web_search_calls", per_units=1_000, optional_price=True),
)

# the two totals every source reports; the other kinds are parts of them
TOTAL_KINDS = ("input", "output")


def kind_names() -> tuple[str, ...]:
    return tuple(kind.name for kind in TOKEN_KINDS)


def count_columns() -> tuple[str, ...]:
    return tuple(kind.count for kind in TOKEN_KINDS)


def part_kinds(total: Literal["input", "output"]) -> tuple[TokenKind, ...]:
    """The kinds that are parts of `total` (e.g. cache reads and writes of input)."""
    return tuple(kind for kind in TOKEN_KINDS if kind.within == total)
