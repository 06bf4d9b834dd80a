"""What the ledger tests share: the shipped LLM rate cards, a scratch warehouse priced by them, and one request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb

from rate_cards.llm_cards import load_rate_cards
from warehouse.duckdb_store import connect
from warehouse.rate_card_load import load_llm_rate_cards

CARDS = load_rate_cards()


def priced_warehouse(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh DuckDB at `path` with the shipped LLM rate cards loaded (the body of a yield fixture)."""
    con = connect(path)
    load_llm_rate_cards(con, CARDS)
    yield con
    con.close()


def ledger_request(request_id: str, model_id: str, overrides: dict) -> dict:
    """One valid ledger request on 2026-10-05 10:00 UTC (1000 input, 100 output tokens), `overrides` applied."""
    row = {
        "request_id": request_id,
        "ts": "2026-10-05T10:00:00Z",
        "model_id": model_id,
        "api_version": "v1",
        "feature_tag": "chat",
        "input_tokens": 1000,
        "output_tokens": 100,
        "duration_ms": 250,
    }
    row.update(overrides)
    return row
