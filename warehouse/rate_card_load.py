"""Load the LLM rate cards into `raw_rate_cards.llm_prices` and `raw_rate_cards.llm_model_aliases` (replaced whole)."""

from __future__ import annotations

import duckdb

from rate_cards.llm_cards import RateCards
from warehouse.duckdb_store import replace_slice, transaction

PRICES_TABLE = "raw_rate_cards.llm_prices"
ALIASES_TABLE = "raw_rate_cards.llm_model_aliases"


def load_llm_rate_cards(con: duckdb.DuckDBPyConnection, cards: RateCards) -> tuple[int, int]:
    with transaction(con):
        prices = replace_slice(con, PRICES_TABLE, cards.prices_table(), "true")
        aliases = replace_slice(con, ALIASES_TABLE, cards.aliases_table(), "true")
    return prices, aliases
