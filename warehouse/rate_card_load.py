"""Load the rate cards into `raw_rate_cards.*` (each table replaced whole)."""

from __future__ import annotations

import duckdb

from rate_cards.llm_cards import RateCards
from rate_cards.ptu_cards import PtuCards
from warehouse.duckdb_store import replace_slice, transaction

PRICES_TABLE = "raw_rate_cards.llm_prices"
ALIASES_TABLE = "raw_rate_cards.llm_model_aliases"
PTU_PRICES_TABLE = "raw_rate_cards.ptu_prices"
PTU_RESERVATIONS_TABLE = "raw_rate_cards.ptu_reservations"


def load_llm_rate_cards(con: duckdb.DuckDBPyConnection, cards: RateCards) -> tuple[int, int]:
    with transaction(con):
        prices = replace_slice(con, PRICES_TABLE, cards.prices_table(), "true")
        aliases = replace_slice(con, ALIASES_TABLE, cards.aliases_table(), "true")
    return prices, aliases


def load_ptu_rate_cards(con: duckdb.DuckDBPyConnection, cards: PtuCards) -> tuple[int, int]:
    """`raw_rate_cards.ptu_prices` and `raw_rate_cards.ptu_reservations`, replaced whole: the card is the
    whole truth, and the tables are recreated so a new card column (reservation dates) fits. Runs in the
    caller's transaction, beside the deliveries it prices."""
    counts = []
    for table, rows in ((PTU_PRICES_TABLE, cards.prices), (PTU_RESERVATIONS_TABLE, cards.reservations)):
        con.execute(f"drop table if exists {table}")
        counts.append(replace_slice(con, table, rows, "true"))
    return counts[0], counts[1]
