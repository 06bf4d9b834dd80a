"""Demo request ledger: a month of requests of the demo company, spread over JSONL, CSV and Parquet days,
with a handful of deliberately bad rows so the quarantine is never empty."""

from __future__ import annotations

import csv
import json
import random
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.demo.world import Feature, World
from rate_cards.llm_cards import load_rate_cards
from rate_cards.pricing import price_ledger_row

# the shipped cards, read once per process by every demo generator that prices
demo_rate_cards = lru_cache(maxsize=1)(load_rate_cards)

REQUESTS_PER_DAY = 1500
_OPENAI = {"gpt-4o", "gpt-4o-mini", "o3-mini", "text-embedding-3-small"}
# the ids clients actually send: some families are logged by dated snapshot
SENT_IDS = {
    "gpt-4o": ("gpt-4o", "gpt-4o-2024-08-06"),
    "gpt-4o-mini": ("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
    "claude-sonnet-4-5": ("claude-sonnet-4-5", "claude-sonnet-4-5-20250929"),
    "claude-haiku-4-5": ("claude-haiku-4-5-20251001",),
    "o3-mini": ("o3-mini",),
    "text-embedding-3-small": ("text-embedding-3-small",),
}
_API_VERSIONS = {"openai": ("v1", "2024-10-21"), "anthropic": ("2023-06-01",)}
_FEATURE_WEIGHTS = {
    "support_chat": 0.40,
    "ticket_summary": 0.12,
    "semantic_search": 0.22,
    "query_rewrite": 0.12,
    "email_drafts": 0.09,
    "eval_harness": 0.05,
}


def _provider(model: str) -> str:
    return "openai" if model in _OPENAI else "anthropic"


def _tokens(rng: random.Random, feature: Feature, model: str) -> dict:
    provider = _provider(model)
    if model.startswith("text-embedding"):
        return {
            "input_tokens": rng.randint(20, 600),
            "output_tokens": 0,
            "cached_input_tokens": 0,
            "cache_write_tokens": 0,
            "reasoning_tokens": 0,
        }
    base_input = {
        "support_chat": 2500,
        "ticket_summary": 6000,
        "query_rewrite": 300,
        "semantic_search": 900,
        "email_drafts": 1800,
        "eval_harness": 4000,
    }[feature.name]
    input_tokens = max(50, int(rng.lognormvariate(0, 0.5) * base_input))
    output_tokens = max(5, int(rng.lognormvariate(0, 0.6) * base_input * 0.15))
    cached = cache_write = reasoning = 0
    if feature.conversational and rng.random() < 0.6:
        cached = int(input_tokens * rng.uniform(0.3, 0.8))
    if provider == "openai":
        pass  # cached tokens are part of input_tokens at OpenAI
    else:
        # Anthropic reports input without cache reads/writes: split them out
        if cached:
            input_tokens = max(1, input_tokens - cached)
        if feature.conversational and rng.random() < 0.3:
            cache_write = rng.randint(500, 2500)
        if feature.name == "email_drafts" and rng.random() < 0.02:
            input_tokens = rng.randint(210_000, 400_000)  # long-context tier: whole request reprices
    if model == "o3-mini":
        reasoning = int(output_tokens * rng.uniform(0.4, 0.8))
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cached_input_tokens": cached,
        "cache_write_tokens": cache_write,
        "reasoning_tokens": reasoning,
    }


@lru_cache(maxsize=4)
def build_demo_ledger(world: World) -> pa.Table:
    """The accepted demo requests (deterministic for a given world), one row per request, `ts` in UTC."""
    rng = random.Random(20261001)
    features = list(world.features)
    weights = [_FEATURE_WEIGHTS.get(f.name, 0.05) for f in features]
    rows: list[dict] = []
    conversation_counter = 0
    for day in world.dates:
        day_start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        volume = int(REQUESTS_PER_DAY * (0.6 if day.weekday() >= 5 else 1.0) * rng.uniform(0.9, 1.1))
        produced = 0
        while produced < volume:
            feature = rng.choices(features, weights)[0]
            tenant = rng.choice(world.tenants)
            environment = rng.choices(world.environments, (0.85, 0.1, 0.05))[0]
            turns = rng.randint(2, 7) if feature.conversational else 1
            conversation_id = None
            if feature.conversational:
                conversation_counter += 1
                conversation_id = f"conv-{conversation_counter:06d}"
            ts = day_start + timedelta(seconds=rng.randint(0, 86_399 - turns * 120))
            model = rng.choice(feature.models)
            for _ in range(turns):
                request_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                tokens = _tokens(rng, feature, model)
                status = "error" if rng.random() < 0.03 else "ok"
                row = {
                    "request_id": request_id,
                    "ts": ts,
                    "model_id": rng.choice(SENT_IDS[model]),
                    "api_version": rng.choice(_API_VERSIONS[_provider(model)]),
                    "feature_tag": feature.name,
                    **tokens,
                    "duration_ms": int(rng.lognormvariate(0, 0.5) * (300 + tokens["output_tokens"] * 12)),
                    "is_batch": feature.name == "eval_harness",
                    "team": feature.team,
                    "tenant_id": tenant,
                    "environment": environment,
                    "conversation_id": conversation_id,
                    "status": status,
                    "retry_of": None,
                    "cache_hit": tokens["cached_input_tokens"] > 0,
                    "routing_reason": rng.choice(("default", "cost", "latency"))
                    if len(feature.models) > 1
                    else "default",
                }
                rows.append(row)
                produced += 1
                if status == "error":  # the client retries the failed call once
                    retry = dict(
                        row,
                        request_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        ts=ts + timedelta(seconds=2),
                        status="ok",
                        retry_of=request_id,
                    )
                    rows.append(retry)
                    produced += 1
                ts += timedelta(seconds=rng.randint(20, 110))
    return pa.Table.from_pylist(rows)


# Rows a real delivery might contain; each must land in quarantine with its reason.
def _bad_rows(template: dict) -> list[dict]:
    return [
        dict(template, request_id="not-a-uuid"),
        dict(template, request_id=str(uuid.UUID(int=1)), model_id="gpt-9-preview"),
        dict(template, request_id=str(uuid.UUID(int=2)), output_tokens=-5),
        dict(template, request_id=str(uuid.UUID(int=3)), ts="yesterday at noon"),
        dict(template),  # duplicate of the first request of the file
    ]


def _jsonable(row: dict, offset_hours: int = 0) -> dict:
    out = {}
    for key, value in row.items():
        if isinstance(value, datetime):
            value = value.astimezone(timezone(timedelta(hours=offset_hours))).isoformat()
        out[key] = value
    return out


def generate(landing: Path, world: World, rng: random.Random) -> None:
    table = build_demo_ledger(world)
    by_day: dict[str, list[dict]] = {}
    for row in table.to_pylist():
        by_day.setdefault(row["ts"].date().isoformat(), []).append(row)
    for index, (day, rows) in enumerate(sorted(by_day.items())):
        folder = landing / "ledger" / day
        folder.mkdir(parents=True, exist_ok=True)
        # the growth team's client reports its own cost; one in a while it disagrees with ours by 5 cents
        for position, row in enumerate(rows):
            row["total_cost_usd"] = None
            if row["team"] == "growth":
                cost = price_ledger_row(demo_rate_cards(), row)
                row["total_cost_usd"] = str(cost + (Decimal("0.05") if position % 97 == 0 else 0))
        kind = ("jsonl", "csv", "parquet")[index % 3]
        if kind == "jsonl":
            lines = [json.dumps(_jsonable(row, offset_hours=2 if i % 5 == 0 else 0)) for i, row in enumerate(rows)]
            if index == 0:
                lines += [json.dumps(_jsonable(bad)) for bad in _bad_rows(rows[0])]
                lines.append('{"request_id": "truncated')
            (folder / "requests.jsonl").write_text("\n".join(lines) + "\n")
        elif kind == "csv":
            fieldnames = list(rows[0])
            with (folder / "requests.csv").open("w", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=fieldnames)
                writer.writeheader()
                for row in rows:
                    writer.writerow(
                        {
                            k: (
                                v.strftime("%Y-%m-%d %H:%M:%S.%f")
                                if isinstance(v, datetime)
                                else ("" if v is None else str(v).lower() if isinstance(v, bool) else v)
                            )
                            for k, v in row.items()
                        }
                    )
        else:
            pq.write_table(pa.Table.from_pylist(rows), folder / "requests.parquet")
