"""Demo OpenAI and Anthropic usage and cost report pages (real response shapes), derived from the demo
ledger's daily token totals so the reconciliation has something true to say:

- usage is the ledger's, per day x reported model id x batch, except that OpenAI reports 2% more output
  tokens of gpt-4o-mini than our ledger saw (traffic that bypassed the ledger): a known variance;
- reported costs are that usage priced at the list price (base tier), so long-context requests, which the
  ledger prices at their tier, show as a negative variance on claude-sonnet-4-5 days that had them;
- pages hold 7 daily buckets and chain with `next_page` cursors.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ingest.demo.ledger import build_demo_ledger, demo_rate_cards
from ingest.demo.world import World
from rate_cards.pricing import price_aggregate

# the id each provider reports for a model family
REPORTED_ID = {
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "o3-mini": "o3-mini-2025-01-31",
    "text-embedding-3-small": "text-embedding-3-small",
    "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
    "claude-haiku-4-5": "claude-haiku-4-5-20251001",
}
UNTRACKED_OUTPUT_SHARE = {"gpt-4o-mini": Decimal("0.02")}
BUCKETS_PER_PAGE = 7


def daily_usage(world: World) -> dict[tuple, dict[str, int]]:
    """(day, provider, model, is_batch) -> token totals as the provider reports them."""
    cards = demo_rate_cards()
    totals: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in build_demo_ledger(world).to_pylist():
        model = cards.canonical_model(row["model_id"])
        provider = "openai" if cards.lookup(model, row["ts"]).provider == "openai" else "anthropic"
        key = (row["ts"].date(), provider, model, bool(row["is_batch"]))
        bucket = totals[key]
        bucket["input"] += row["input_tokens"]
        bucket["cached"] += row["cached_input_tokens"]
        bucket["cache_write"] += row["cache_write_tokens"]
        bucket["output"] += row["output_tokens"]
        bucket["reasoning"] += row["reasoning_tokens"]
        bucket["requests"] += 1
    for (_, _, model, _), bucket in totals.items():
        share = UNTRACKED_OUTPUT_SHARE.get(model)
        if share:
            bucket["output"] += int(bucket["output"] * share)
    return totals


def _list_price(day, model: str, is_batch: bool, bucket: dict[str, int]) -> Decimal:
    """A day's usage at the base (not long-context) list price: what a daily bill line shows."""
    price = demo_rate_cards().lookup(model, datetime(day.year, day.month, day.day, 12))
    return price_aggregate(
        price,
        is_batch=is_batch,
        input_tokens=bucket["input"],
        output_tokens=bucket["output"],
        cached_input_tokens=bucket["cached"],
        cache_write_tokens=bucket["cache_write"],
        reasoning_tokens=bucket["reasoning"],
    )


def _write_pages(folder: Path, buckets: list[dict], envelope: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pages = [buckets[i : i + BUCKETS_PER_PAGE] for i in range(0, len(buckets), BUCKETS_PER_PAGE)]
    for number, page in enumerate(pages, start=1):
        has_more = number < len(pages)
        body = {**envelope, "data": page, "has_more": has_more, "next_page": f"page_{number + 1}" if has_more else None}
        (folder / f"page_{number:03d}.json").write_text(json.dumps(body, indent=1))


def _openai_usage(model: str, is_batch: bool, bucket: dict[str, int]) -> dict:
    return {
        "object": "organization.usage.completions.result",
        "input_tokens": bucket["input"],
        "input_cached_tokens": bucket["cached"],
        "output_tokens": bucket["output"],
        "num_model_requests": bucket["requests"],
        "project_id": "proj_demo",
        "user_id": None,
        "api_key_id": None,
        "model": REPORTED_ID[model],
        "batch": is_batch,
        "service_tier": "default",
    }


def _openai_cost(model: str, is_batch: bool, cost: Decimal) -> dict:
    return {
        "object": "organization.costs.result",
        "amount": {"value": float(cost), "currency": "usd"},  # the API's JSON number, as OpenAI sends it
        "line_item": f"{REPORTED_ID[model]}, {'batch' if is_batch else 'standard'}",
        "project_id": "proj_demo",
        "api_key_id": None,
        "quantity": None,
        "quantity_unit": None,
    }


def _anthropic_usage(model: str, is_batch: bool, bucket: dict[str, int]) -> dict:
    return {
        "uncached_input_tokens": bucket["input"],
        "cache_read_input_tokens": bucket["cached"],
        "cache_creation": {
            "ephemeral_5m_input_tokens": bucket["cache_write"],
            "ephemeral_1h_input_tokens": 0,
        },
        "output_tokens": bucket["output"],
        "server_tool_use": {"web_search_requests": 0},
        "api_key_id": None,
        "workspace_id": "wrkspc_demo",
        "model": REPORTED_ID[model],
        "service_tier": "batch" if is_batch else "standard",
        "context_window": "0-200k",
    }


def _anthropic_cost(model: str, is_batch: bool, cost: Decimal) -> dict:
    return {
        "currency": "USD",
        "amount": str(cost * 100),  # cents, as a decimal string
        "workspace_id": "wrkspc_demo",
        "description": f"{model} usage",
        "cost_type": "tokens",
        "context_window": "0-200k",
        "model": REPORTED_ID[model],
        "service_tier": "batch" if is_batch else "standard",
        "token_type": None,
    }


def _bucket_times(provider: str, start: datetime, end: datetime) -> dict:
    if provider == "openai":
        return {"object": "bucket", "start_time": int(start.timestamp()), "end_time": int(end.timestamp())}
    return {"starting_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "ending_at": end.strftime("%Y-%m-%dT%H:%M:%SZ")}


# provider -> (usage result, cost result, usage folder, cost folder, page envelope)
_REPORTS = {
    "openai": (_openai_usage, _openai_cost, "usage_completions", "costs", {"object": "page"}),
    "anthropic": (_anthropic_usage, _anthropic_cost, "usage_messages", "cost_report", {}),
}


def _entries_by_day(world: World) -> dict[tuple, list]:
    """(provider, day) -> [(model, is_batch, token bucket, list-price cost)], ordered by model and batch."""
    by_day: dict[tuple, list] = defaultdict(list)
    for (day, provider, model, is_batch), bucket in sorted(
        daily_usage(world).items(), key=lambda item: (item[0][0], item[0][2], item[0][3])
    ):
        by_day[(provider, day)].append((model, is_batch, bucket, _list_price(day, model, is_batch, bucket)))
    return by_day


def generate(landing: Path, world: World, rng: random.Random) -> None:
    by_day = _entries_by_day(world)
    for provider, (usage_result, cost_result, usage_folder, cost_folder, envelope) in _REPORTS.items():
        usage_buckets, cost_buckets = [], []
        for day in world.dates:
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            times = _bucket_times(provider, start, start + timedelta(days=1))
            entries = by_day.get((provider, day), [])
            usage_buckets.append({**times, "results": [usage_result(m, batch, b) for m, batch, b, _ in entries]})
            cost_buckets.append({**times, "results": [cost_result(m, batch, cost) for m, batch, _, cost in entries]})
        _write_pages(landing / provider / usage_folder, usage_buckets, envelope)
        _write_pages(landing / provider / cost_folder, cost_buckets, envelope)
