"""LLM provider usage and cost reports (OpenAI organization Usage/Costs API, Anthropic Admin API usage and
cost reports) -> two typed tables shared by every provider.

- Usage: one row per bucket result: token counts by kind with the provider's conventions resolved
  (OpenAI `input_tokens` include cached and cache-write tokens; Anthropic reports them apart), requests,
  the grouping dimensions (null unless grouped), and every field we do not model kept in `extra` (JSON).
- Cost: one row per bucket result with the amount in USD, exact: OpenAI `amount.value` is a JSON number
  (read as Decimal), Anthropic `amount` is a decimal string in **cents**.
Pages are parsed the same way whether they come from the API or from recorded files in the landing folder.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from ingest.common import (
    MONEY_TYPE,
    SourceFormatError,
    epoch_ms_timestamp,
    parse_count,
    parse_timestamp,
    table_keeping_storable_rows,
    to_money,
)
from rate_cards.token_kinds import TOKEN_KINDS

TIMESTAMP_UTC = pa.timestamp("us", tz="UTC")
USAGE_SCHEMA = pa.schema(
    [
        ("provider", pa.string()),
        ("endpoint", pa.string()),
        ("bucket_start", TIMESTAMP_UTC),
        ("bucket_end", TIMESTAMP_UTC),
        ("model", pa.string()),
        ("project_id", pa.string()),  # OpenAI project, Anthropic workspace
        ("api_key_id", pa.string()),
        ("user_id", pa.string()),
        ("service_tier", pa.string()),
        ("is_batch", pa.bool_()),
        # a count per token kind a card prices (rate_cards/token_kinds.py): input without its parts, cache reads,
        # cache writes of both lifetimes, output, reasoning, tool calls, any kind added later
        *((kind.usage_column, pa.int64()) for kind in TOKEN_KINDS),
        ("requests", pa.int64()),
        ("extra", pa.string()),
        ("source", pa.string()),
    ]
)
COST_SCHEMA = pa.schema(
    [
        ("provider", pa.string()),
        ("bucket_start", TIMESTAMP_UTC),
        ("bucket_end", TIMESTAMP_UTC),
        ("model", pa.string()),
        ("project_id", pa.string()),
        ("api_key_id", pa.string()),
        ("line_item", pa.string()),
        ("cost_type", pa.string()),
        ("token_type", pa.string()),
        ("service_tier", pa.string()),
        ("amount_usd", MONEY_TYPE),
        ("currency", pa.string()),
        ("source", pa.string()),
    ]
)
_OPENAI_USAGE_FIELDS = {
    "object",
    "input_tokens",
    "input_cached_tokens",
    "input_cache_write_tokens",
    "input_uncached_tokens",
    "output_tokens",
    "num_model_requests",
    "project_id",
    "user_id",
    "api_key_id",
    "model",
    "batch",
    "service_tier",
}
_ANTHROPIC_USAGE_FIELDS = {
    "uncached_input_tokens",
    "cache_creation",
    "cache_read_input_tokens",
    "output_tokens",
    "api_key_id",
    "workspace_id",
    "model",
    "service_tier",
}


def load_page(content: bytes | str, source: str) -> dict:
    try:
        page = json.loads(content, parse_float=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise SourceFormatError(source, f"truncated or malformed JSON page: {error}") from None
    except RecursionError:
        raise SourceFormatError(source, "JSON page nested too deeply to read") from None
    if not isinstance(page, dict) or not isinstance(page.get("data"), list):
        raise SourceFormatError(source, "expected a page object with a 'data' list of buckets", field="data")
    return page


def _epoch(value: Any) -> datetime:
    seconds = parse_count(value, "bucket time (epoch seconds)")
    if seconds is None:
        raise ValueError("bucket time is missing")
    return epoch_ms_timestamp(seconds * 1000, "bucket time").replace(tzinfo=UTC)


def _rfc3339(value: str) -> datetime:
    return parse_timestamp(value, "bucket time").replace(tzinfo=UTC)


def _int(value: Any) -> int | None:
    return parse_count(value, "token or request count")


_PAGE_ERRORS = (KeyError, ValueError, TypeError, AttributeError, ArithmeticError, RecursionError)


def _page_rows(schema: pa.Schema) -> Callable:
    """Wraps a page parser: any value it cannot read or the table cannot store fails that page with one line
    naming the page (the file or request) and the problem, never a bare traceback."""

    def wrap(parse: Callable[..., list[dict]]) -> Callable[..., list[dict]]:
        @functools.wraps(parse)
        def parsed(page: dict, source: str, *args: Any, **kwargs: Any) -> list[dict]:
            try:
                rows = parse(page, source, *args, **kwargs)
            except _PAGE_ERRORS as exc:
                problem = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
                raise SourceFormatError(source, f"unreadable bucket or result: {problem}") from None
            _, unstorable = table_keeping_storable_rows(rows, schema, source_key="source")
            if unstorable:
                raise SourceFormatError(source, unstorable[0].reason)
            return rows

        return parsed

    return wrap


def _extra(result: dict, known: set[str]) -> str | None:
    rest = {key: value for key, value in result.items() if key not in known}
    return json.dumps(rest, sort_keys=True, default=str) if rest else None


@_page_rows(USAGE_SCHEMA)
def openai_usage_rows(page: dict, source: str, endpoint: str = "completions") -> list[dict]:
    rows = []
    for bucket in page["data"]:
        start, end = _epoch(bucket["start_time"]), _epoch(bucket["end_time"])
        for result in bucket.get("results", []):
            total_input = _int(result.get("input_tokens"))
            cached = _int(result.get("input_cached_tokens")) or 0
            write = _int(result.get("input_cache_write_tokens")) or 0
            uncached = _int(result.get("input_uncached_tokens"))
            if uncached is None and total_input is not None:
                uncached = total_input - cached - write  # input_tokens include cached and cache-write tokens
            rows.append(
                {
                    "provider": "openai",
                    "endpoint": endpoint,
                    "bucket_start": start,
                    "bucket_end": end,
                    "model": result.get("model"),
                    "project_id": result.get("project_id"),
                    "api_key_id": result.get("api_key_id"),
                    "user_id": result.get("user_id"),
                    "service_tier": result.get("service_tier"),
                    "is_batch": result.get("batch"),
                    "input_uncached_tokens": uncached,
                    "input_cached_tokens": cached,
                    "cache_write_tokens": write,
                    "output_tokens": _int(result.get("output_tokens")),
                    "requests": _int(result.get("num_model_requests")),
                    "extra": _extra(result, _OPENAI_USAGE_FIELDS),
                    "source": source,
                }
            )
    return rows


@_page_rows(USAGE_SCHEMA)
def anthropic_usage_rows(page: dict, source: str) -> list[dict]:
    rows = []
    for bucket in page["data"]:
        start, end = _rfc3339(bucket["starting_at"]), _rfc3339(bucket["ending_at"])
        for result in bucket.get("results", []):
            creation = result.get("cache_creation") or {}
            rows.append(
                {
                    "provider": "anthropic",
                    "endpoint": "messages",
                    "bucket_start": start,
                    "bucket_end": end,
                    "model": result.get("model"),
                    "project_id": result.get("workspace_id"),
                    "api_key_id": result.get("api_key_id"),
                    "user_id": None,
                    "service_tier": result.get("service_tier"),
                    "is_batch": (result.get("service_tier") == "batch") if result.get("service_tier") else None,
                    "input_uncached_tokens": _int(result.get("uncached_input_tokens")),
                    "input_cached_tokens": _int(result.get("cache_read_input_tokens")) or 0,
                    # the two cache lifetimes have two prices: 5-minute writes, and 1-hour writes (2x input)
                    "cache_write_tokens": _int(creation.get("ephemeral_5m_input_tokens")) or 0,
                    "cache_write_1h_tokens": _int(creation.get("ephemeral_1h_input_tokens")) or 0,
                    "output_tokens": _int(result.get("output_tokens")),
                    "requests": None,
                    "extra": _extra(result, _ANTHROPIC_USAGE_FIELDS),
                    "source": source,
                }
            )
    return rows


@_page_rows(COST_SCHEMA)
def openai_cost_rows(page: dict, source: str) -> list[dict]:
    rows = []
    for bucket in page["data"]:
        start, end = _epoch(bucket["start_time"]), _epoch(bucket["end_time"])
        for result in bucket.get("results", []):
            amount = result.get("amount") or {}
            value = amount.get("value")
            line_item = result.get("line_item")
            rows.append(
                {
                    "provider": "openai",
                    "bucket_start": start,
                    "bucket_end": end,
                    # line items read "<model>, input" / "<model>, output"
                    "model": line_item.split(",")[0].strip() if line_item else None,
                    "project_id": result.get("project_id"),
                    "api_key_id": result.get("api_key_id"),
                    "line_item": line_item,
                    "cost_type": None,
                    "token_type": None,
                    "service_tier": None,
                    "amount_usd": to_money(Decimal(str(value)) if value is not None else Decimal(0)),
                    "currency": str(amount.get("currency") or "usd").upper(),
                    "source": source,
                }
            )
    return rows


@_page_rows(COST_SCHEMA)
def anthropic_cost_rows(page: dict, source: str) -> list[dict]:
    rows = []
    for bucket in page["data"]:
        start, end = _rfc3339(bucket["starting_at"]), _rfc3339(bucket["ending_at"])
        for result in bucket.get("results", []):
            cents = Decimal(str(result["amount"]))  # a decimal string in cents: "123.45" is $1.2345
            rows.append(
                {
                    "provider": "anthropic",
                    "bucket_start": start,
                    "bucket_end": end,
                    "model": result.get("model"),
                    "project_id": result.get("workspace_id"),
                    "api_key_id": None,
                    "line_item": result.get("description"),
                    "cost_type": result.get("cost_type"),
                    "token_type": result.get("token_type"),
                    "service_tier": result.get("service_tier"),
                    "amount_usd": to_money(cents / 100),
                    "currency": str(result.get("currency") or "USD").upper(),
                    "source": source,
                }
            )
    return rows


def usage_table(rows: list[dict]) -> pa.Table:
    return pa.table({name: [row.get(name) for row in rows] for name in USAGE_SCHEMA.names}, schema=USAGE_SCHEMA)


def cost_table(rows: list[dict]) -> pa.Table:
    return pa.table({name: [row.get(name) for row in rows] for name in COST_SCHEMA.names}, schema=COST_SCHEMA)


def fetch_pages(client: Any, path: str, params: list[tuple[str, str]], *, max_pages: int = 1000) -> list[dict]:
    """Every page of a report, following `next_page` while `has_more`. A page that fails after the client's
    retries raises, so a partition is never landed half-fetched; the cursor of a retried page is the same."""
    pages: list[dict] = []
    cursor: str | None = None
    for _ in range(max_pages):
        page = client.get(path, params + ([("page", cursor)] if cursor else []))
        if not isinstance(page.get("data"), list):
            raise SourceFormatError(f"{path} page {len(pages) + 1}", "expected a 'data' list of buckets", field="data")
        pages.append(page)
        cursor = page.get("next_page")
        if not page.get("has_more") or not cursor:
            return pages
    raise SourceFormatError(path, f"more than {max_pages} pages: refusing to loop forever")
