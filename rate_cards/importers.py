"""Turn a LiteLLM `model_prices_and_context_window.json` or a genai-prices data file (local files; prices are
never fetched at run time) into a rate-card TOML in our format, with its provenance recorded (file name,
sha256, import date), so nobody hand-types prices.

The result is a new effective-dated card: put it in rate_cards/llm/ and it takes over from `effective_from`.
It is checked with the same loader as every card before it is written.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from rate_cards.llm_cards import RateCardError, load_card_file

# How each provider counts cached tokens (see rate_cards/llm/*.toml); unknown providers need the flag.
CACHED_IN_INPUT = {"openai": True, "azure": True, "anthropic": False, "bedrock": False, "vertex_ai": False}
_PER_MILLION = Decimal(1_000_000)


def _mtok(per_token: Decimal | None) -> str | None:
    if per_token is None:
        return None
    value = (Decimal(per_token) * _PER_MILLION).normalize()
    return format(value.quantize(Decimal("0.000001")).normalize(), "f")


def _toml_value(value: object) -> str:
    return (
        json.dumps(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    )


def _render(provider: str, version: str, source: str, cached_in_input: bool, entries: list[dict]) -> str:
    lines = [
        f"# Imported by rate_cards/importers.py on {version}; do not edit by hand, re-import instead.",
        f"provider = {_toml_value(provider)}",
        f"version = {_toml_value(version)}",
        f"source = {_toml_value(source)}",
        'currency = "USD"',
        f"cached_input_counted_in_input = {_toml_value(cached_in_input)}",
        "reasoning_counted_in_output = true",
        'batch_multiplier = "0.5"',
    ]
    for entry in entries:
        lines.append("")
        lines.append("[[prices]]")
        long_context = entry.pop("long_context", None)
        for key, value in entry.items():
            if value is not None:
                lines.append(f"{key} = {_toml_value(value)}")
        if long_context:
            inner = ", ".join(f"{k} = {_toml_value(v)}" for k, v in long_context.items() if v is not None)
            lines.append(f"long_context = {{ {inner} }}")
    return "\n".join(lines) + "\n"


def _cached_convention(provider: str, cached_in_input: bool | None) -> bool:
    cached = CACHED_IN_INPUT.get(provider) if cached_in_input is None else cached_in_input
    if cached is None:
        raise RateCardError(f"provider {provider!r}: say whether cached tokens are part of input (cached_in_input)")
    return cached


def _provenance(path: Path, kind: str) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return f"{kind} file {path.name} sha256 {digest}"


def _check(text: str, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_suffix(".toml.tmp")
    temporary.write_text(text)
    try:
        load_card_file(temporary)
    except RateCardError:
        temporary.unlink()
        raise
    temporary.replace(out)


def import_litellm(
    path: Path,
    provider: str,
    effective_from: date,
    out: Path,
    *,
    today: date | None = None,
    cached_in_input: bool | None = None,
) -> int:
    """Models of `provider` (LiteLLM's `litellm_provider`, chat/completion/embedding modes) -> card at `out`."""
    data = json.loads(path.read_text(), parse_float=Decimal)
    cached = _cached_convention(provider, cached_in_input)
    entries = []
    for model, spec in sorted(data.items()):
        if not isinstance(spec, dict) or spec.get("litellm_provider") != provider:
            continue
        if spec.get("mode") not in (None, "chat", "completion", "embedding", "responses"):
            continue
        if spec.get("input_cost_per_token") is None:
            continue
        entry = {
            "model": model.split("/", 1)[-1],
            "effective_from": effective_from.isoformat(),
            "input": _mtok(spec.get("input_cost_per_token")),
            "cached_input": _mtok(spec.get("cache_read_input_token_cost")),
            "cache_write": _mtok(spec.get("cache_creation_input_token_cost")),
            "output": _mtok(spec.get("output_cost_per_token", Decimal(0))),
        }
        above = spec.get("input_cost_per_token_above_200k_tokens")
        if above is not None:
            entry["long_context_threshold"] = 200000
            entry["long_context"] = {
                "input": _mtok(above),
                "output": _mtok(spec.get("output_cost_per_token_above_200k_tokens")),
                "cached_input": _mtok(spec.get("cache_read_input_token_cost_above_200k_tokens")),
                "cache_write": _mtok(spec.get("cache_creation_input_token_cost_above_200k_tokens")),
            }
        entries.append(entry)
    if not entries:
        raise RateCardError(f"{path}: no priced models for litellm_provider {provider!r}")
    version = (today or date.today()).isoformat()
    _check(
        _render(provider, version, _provenance(path, "LiteLLM model_prices_and_context_window.json"), cached, entries),
        out,
    )
    return len(entries)


def _genai_price(value: object) -> Decimal | None:
    """A genai-prices price: a number, or a tiered object {base, tiers: [...]} whose base applies."""
    if value is None:
        return None
    if isinstance(value, dict):
        return _genai_price(value.get("base"))
    return Decimal(str(value))


def _genai_periods(model: dict, effective_from: date, where: str) -> list[tuple[date, dict]]:
    """The price periods of one genai-prices model: its prices in force from `effective_from`, then each
    dated change (`constraint: {start_date}`) from its own date, so an imported card keeps the history. A
    change on or before `effective_from` sets the price in force at that date. Rules a card cannot express
    (time-of-day prices) fail naming the model."""
    prices = model.get("prices")
    if not isinstance(prices, list):
        return [(effective_from, prices)] if prices else []
    periods: dict[date, dict] = {}
    undated = [p for p in prices if not p.get("constraint")]
    if undated:
        periods[effective_from] = undated[0].get("prices")
    for conditional in sorted(
        (p for p in prices if p.get("constraint")), key=lambda p: str(p["constraint"].get("start_date"))
    ):
        constraint = conditional["constraint"]
        if "start_date" not in constraint:
            raise RateCardError(
                f"{where}: model {model.get('id')!r} has a price constraint {sorted(constraint)} (e.g. time of day) "
                "that a rate card cannot express; price it by hand or leave the model out"
            )
        start = max(date.fromisoformat(str(constraint["start_date"])), effective_from)
        periods[start] = conditional.get("prices")
    return sorted(periods.items())


def _genai_entry(model_id: str, start: date, prices: dict) -> dict:
    fmt = lambda value: None if value is None else format(value.normalize(), "f")  # noqa: E731
    entry = {
        "model": model_id,
        "effective_from": start.isoformat(),
        "input": fmt(_genai_price(prices.get("input_mtok"))),
        "cached_input": fmt(_genai_price(prices.get("cache_read_mtok"))),
        "cache_write": fmt(_genai_price(prices.get("cache_write_mtok"))),
        "output": fmt(_genai_price(prices.get("output_mtok")) or Decimal(0)),
    }
    tiers = prices.get("input_mtok", {}).get("tiers") if isinstance(prices.get("input_mtok"), dict) else None
    if tiers:
        tier = tiers[0]
        output_tiers = (
            (prices.get("output_mtok") or {}).get("tiers") if isinstance(prices.get("output_mtok"), dict) else None
        )
        entry["long_context_threshold"] = int(tier["start"])
        entry["long_context"] = {
            "input": fmt(Decimal(str(tier["price"]))),
            "output": fmt(Decimal(str(output_tiers[0]["price"]))) if output_tiers else None,
        }
    return entry


def import_genai_prices(
    path: Path,
    provider: str,
    effective_from: date,
    out: Path,
    *,
    today: date | None = None,
    cached_in_input: bool | None = None,
) -> int:
    """Models of one provider of a genai-prices data file (`[{id, models: [{id, prices}]}]`, where `prices` is
    one price set or a list of conditional ones with dated changes) -> card at `out`, one entry per model and
    price period from `effective_from` on. Returns the number of entries."""
    data = json.loads(path.read_text(), parse_float=Decimal)
    providers = data if isinstance(data, list) else data.get("providers", [])
    match = next((p for p in providers if p.get("id") == provider), None)
    if match is None:
        raise RateCardError(f"{path}: provider {provider!r} not found; have {[p.get('id') for p in providers]}")
    cached = _cached_convention(provider, cached_in_input)
    entries = []
    for model in match.get("models", []):
        for start, prices in _genai_periods(model, effective_from, str(path)):
            if prices and prices.get("input_mtok") is not None:
                entries.append(_genai_entry(model["id"], start, prices))
    if not entries:
        raise RateCardError(f"{path}: no priced models for provider {provider!r}")
    version = (today or date.today()).isoformat()
    _check(_render(provider, version, _provenance(path, "genai-prices data"), cached, entries), out)
    return len(entries)
