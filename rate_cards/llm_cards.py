"""LLM token price cards: `rate_cards/llm/<provider>.toml`, schema-checked at load.

A card gives USD per 1M tokens by kind for each model, effective from a date until the same model's next
entry. Aliases (dated snapshot ids -> model family) are explicit entries, never prefix guesses: an id that
is neither a model nor an alias is unpriced, and an unpriced request is quarantined, never priced at $0.
Every price, after the batch multiplier, must be a whole number of pico-dollars per token (at most 6
decimals per 1M tokens) so pricing can run in exact integer arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from ingest.common import MONEY_TYPE
from rate_cards.card_files import check_card_keys, check_entry_fields, effective_periods, parse_money, read_card
from rate_cards.token_kinds import TOKEN_KINDS, TOTAL_KINDS, kind_names

DEFAULT_CARDS_DIR = Path(__file__).resolve().parent / "llm"
DEFAULT_SERVICE_TIER = "default"
PRICE_KINDS = kind_names()
_CARD_KEYS = {
    "provider",
    "version",
    "source",
    "currency",
    "cached_input_counted_in_input",
    "reasoning_counted_in_output",
    "batch_multiplier",
    "prices",
    "aliases",
}
_PRICE_KEYS = {
    "model",
    "service_tier",
    "effective_from",
    "batch_multiplier",
    "long_context_threshold",
    "long_context",
    *PRICE_KINDS,
}
_MAX_PRICE_DECIMALS = 6  # per 1M tokens: 1e-6 USD per 1M = 1 pico-dollar per token


class RateCardError(ValueError):
    """A price file is wrong. The message names the file, the entry and the field, and what was expected."""


@dataclass(frozen=True)
class TokenPrices:
    """USD per 1M tokens for each token kind of `TOKEN_KINDS` (defaults already resolved): `prices["input"]`."""

    by_kind: tuple[tuple[str, Decimal | None], ...]  # None: an optional kind the entry does not price

    def __getitem__(self, kind: str) -> Decimal | None:
        return dict(self.by_kind)[kind]

    def scaled(self, factor: Decimal) -> TokenPrices:
        return TokenPrices(tuple((kind, None if price is None else price * factor) for kind, price in self.by_kind))


@dataclass(frozen=True)
class ModelPrice:
    provider: str
    model: str
    card_version: str
    card_source: str
    effective_from: datetime
    effective_to: datetime | None
    cached_input_counted_in_input: bool
    reasoning_counted_in_output: bool
    base: TokenPrices
    batch_multiplier: Decimal
    long_context_threshold: int | None
    long_context: TokenPrices | None
    # the provider's service tier this entry prices: "default" (standard), or e.g. "priority", "flex"
    service_tier: str = DEFAULT_SERVICE_TIER

    def prices(self, *, is_batch: bool, long_context: bool) -> TokenPrices:
        """The per-kind prices for one request: the long-context tier for the whole request when it applies,
        the batch multiplier stacked on every kind (cache prices included), as Anthropic and OpenAI do."""
        tier = self.long_context if long_context and self.long_context is not None else self.base
        return tier.scaled(self.batch_multiplier) if is_batch else tier

    def covers(self, at: datetime) -> bool:
        return self.effective_from <= at and (self.effective_to is None or at < self.effective_to)


@dataclass(frozen=True)
class Alias:
    alias: str
    model: str
    provider: str
    card_version: str


@dataclass(frozen=True)
class RateCards:
    prices: tuple[ModelPrice, ...]
    aliases: tuple[Alias, ...]

    def canonical_model(self, model_id: str) -> str | None:
        known = {price.model for price in self.prices}
        if model_id in known:
            return model_id
        return next((alias.model for alias in self.aliases if alias.alias == model_id), None)

    def lookup(self, model_id: str, at: datetime, service_tier: str | None = None) -> ModelPrice | None:
        """The price in force for `model_id` at `at` (UTC) in `service_tier` (None = default), or None when
        unpriced: a tier the card does not price is unpriced, never the default tier's price."""
        model = self.canonical_model(model_id)
        if model is None:
            return None
        tier = service_tier or DEFAULT_SERVICE_TIER
        at = at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at  # cards hold naive UTC
        return next((p for p in self.prices if p.model == model and p.service_tier == tier and p.covers(at)), None)

    def prices_table(self) -> pa.Table:
        """One row per model price period and batch flag, batch multiplier pre-applied (warehouse table
        `raw_rate_cards.llm_prices`)."""
        rows: dict[str, list] = {name: [] for name in PRICES_SCHEMA.names}
        for price in self.prices:
            for is_batch in (False, True):
                base = price.prices(is_batch=is_batch, long_context=False)
                tier = price.prices(is_batch=is_batch, long_context=True) if price.long_context else None
                rows["provider"].append(price.provider)
                rows["model"].append(price.model)
                rows["service_tier"].append(price.service_tier)
                rows["card_version"].append(price.card_version)
                rows["card_source"].append(price.card_source)
                rows["effective_from"].append(price.effective_from)
                rows["effective_to"].append(price.effective_to)
                rows["is_batch"].append(is_batch)
                rows["cached_input_counted_in_input"].append(price.cached_input_counted_in_input)
                rows["reasoning_counted_in_output"].append(price.reasoning_counted_in_output)
                rows["long_context_threshold_tokens"].append(price.long_context_threshold)
                for kind in PRICE_KINDS:
                    rows[f"{kind}_usd_per_mtok"].append(base[kind])
                    rows[f"lc_{kind}_usd_per_mtok"].append(tier[kind] if tier else None)
        return pa.table(rows, schema=PRICES_SCHEMA)

    def aliases_table(self) -> pa.Table:
        return pa.table(
            {
                "alias": [a.alias for a in self.aliases],
                "model": [a.model for a in self.aliases],
                "provider": [a.provider for a in self.aliases],
                "card_version": [a.card_version for a in self.aliases],
            },
            schema=ALIASES_SCHEMA,
        )


PRICES_SCHEMA = pa.schema(
    [
        ("provider", pa.string()),
        ("model", pa.string()),
        ("service_tier", pa.string()),
        ("card_version", pa.string()),
        ("card_source", pa.string()),
        ("effective_from", pa.timestamp("us")),
        ("effective_to", pa.timestamp("us")),
        ("is_batch", pa.bool_()),
        ("cached_input_counted_in_input", pa.bool_()),
        ("reasoning_counted_in_output", pa.bool_()),
        ("long_context_threshold_tokens", pa.int64()),
        *[(f"{kind}_usd_per_mtok", MONEY_TYPE) for kind in PRICE_KINDS],
        *[(f"lc_{kind}_usd_per_mtok", MONEY_TYPE) for kind in PRICE_KINDS],
    ]
)
ALIASES_SCHEMA = pa.schema(
    [("alias", pa.string()), ("model", pa.string()), ("provider", pa.string()), ("card_version", pa.string())]
)


def parse_price(value: object, where: str) -> Decimal:
    """A non-negative price written as a quoted decimal string (floats refused); errors name `where`."""
    return parse_money(value, where, RateCardError)


def _timestamp(value: object, where: str) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise RateCardError(f"{where}: expected a date 'YYYY-MM-DD' or an ISO timestamp, got {value!r}") from None
        return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    raise RateCardError(f"{where}: expected a date 'YYYY-MM-DD' or an ISO timestamp, got {value!r}")


def _token_prices(entry: dict, where: str, fallback: TokenPrices | None = None) -> TokenPrices:
    """Prices of every kind: the totals are required (unless a fallback tier gives them), a part kind
    defaults to its `price_default` kind."""
    for required in TOTAL_KINDS:
        if required not in entry and fallback is None:
            raise RateCardError(f"{where}: missing required field '{required}' (USD per 1M tokens)")
    unknown = set(entry) - set(PRICE_KINDS)
    if unknown:
        raise RateCardError(f"{where}: unknown price kinds {sorted(unknown)}; expected some of {list(PRICE_KINDS)}")
    resolved: dict[str, Decimal] = {}
    for kind in TOKEN_KINDS:  # a default kind always comes before the kinds that default to it
        if kind.name in entry:
            # kept per 1M units whatever the card's unit (per 1,000 calls for tools): one formula for all
            scale = Decimal(1_000_000) / kind.per_units
            resolved[kind.name] = parse_price(entry[kind.name], f"{where}, field '{kind.name}'") * scale
        elif kind.price_default is not None:
            resolved[kind.name] = resolved[kind.price_default]
        elif fallback is not None:
            resolved[kind.name] = fallback[kind.name]
        else:
            resolved[kind.name] = None  # an optional kind this entry does not sell: unpriced when used
    return TokenPrices(tuple(resolved.items()))


def _check_whole_picodollars(prices: TokenPrices, where: str) -> None:
    for kind, value in prices.by_kind:
        if value is None:
            continue
        if value != value.quantize(Decimal(1).scaleb(-_MAX_PRICE_DECIMALS)):
            raise RateCardError(
                f"{where}: {kind} price {value} (after the batch multiplier) has more than "
                f"{_MAX_PRICE_DECIMALS} decimals per 1M tokens; exact pricing needs whole pico-dollars per token"
            )


def load_card_file(path: Path) -> tuple[list[ModelPrice], list[Alias]]:
    """Parse and check one card file. Effective ranges are closed later across all entries of a model."""
    card = read_card(path, RateCardError)
    check_card_keys(card, path, RateCardError, required=("provider", "version", "source", "prices"), allowed=_CARD_KEYS)
    provider, version, source = str(card["provider"]), str(card["version"]), str(card["source"])
    cached_in_input = card.get("cached_input_counted_in_input")
    reasoning_in_output = card.get("reasoning_counted_in_output")
    for key, value in (
        ("cached_input_counted_in_input", cached_in_input),
        ("reasoning_counted_in_output", reasoning_in_output),
    ):
        if not isinstance(value, bool):
            raise RateCardError(
                f"{path}: '{key}' must be true or false (how the provider counts tokens), got {value!r}"
            )
    card_multiplier = parse_price(card.get("batch_multiplier", "1"), f"{path}, field 'batch_multiplier'")

    prices: list[ModelPrice] = []
    for index, entry in enumerate(card["prices"], start=1):
        model = entry.get("model")
        where = f"{path}, prices entry {index}" + (f" (model {model!r})" if model else "")
        check_entry_fields(entry, where, RateCardError, allowed=_PRICE_KEYS)
        if not isinstance(model, str) or not model:
            raise RateCardError(f"{where}: missing required field 'model'")
        if "effective_from" not in entry:
            raise RateCardError(f"{where}: missing required field 'effective_from' (date 'YYYY-MM-DD')")
        service_tier = entry.get("service_tier", DEFAULT_SERVICE_TIER)
        if not isinstance(service_tier, str) or not service_tier.strip() or service_tier != service_tier.lower():
            raise RateCardError(
                f"{where}, field 'service_tier': expected a lower-case tier name such as 'priority' or 'flex', "
                f"got {service_tier!r}"
            )
        base = _token_prices({k: entry[k] for k in PRICE_KINDS if k in entry}, where)
        multiplier = parse_price(entry.get("batch_multiplier", card_multiplier), f"{where}, field 'batch_multiplier'")
        threshold = entry.get("long_context_threshold")
        long_context = None
        if threshold is not None or "long_context" in entry:
            if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold <= 0:
                raise RateCardError(
                    f"{where}, field 'long_context_threshold': expected a positive whole number of "
                    f"prompt tokens together with a 'long_context' price table"
                )
            if not isinstance(entry.get("long_context"), dict):
                raise RateCardError(f"{where}, field 'long_context': expected a table of prices per 1M tokens")
            long_context = _token_prices(entry["long_context"], f"{where}, long_context", fallback=base)
        price = ModelPrice(
            provider=provider,
            model=model,
            card_version=version,
            card_source=source,
            effective_from=_timestamp(entry["effective_from"], f"{where}, field 'effective_from'"),
            effective_to=None,
            cached_input_counted_in_input=cached_in_input,
            reasoning_counted_in_output=reasoning_in_output,
            base=base,
            batch_multiplier=multiplier,
            long_context_threshold=threshold,
            long_context=long_context,
            service_tier=service_tier,
        )
        for is_batch in (False, True):
            for tier in (False, True):
                _check_whole_picodollars(price.prices(is_batch=is_batch, long_context=tier), where)
        prices.append(price)

    aliases = []
    for index, entry in enumerate(card.get("aliases", []), start=1):
        where = f"{path}, aliases entry {index}"
        if set(entry) != {"alias", "model"}:
            raise RateCardError(f"{where}: expected exactly the fields 'alias' and 'model', got {sorted(entry)}")
        aliases.append(Alias(str(entry["alias"]), str(entry["model"]), provider, version))
    return prices, aliases


def _close_ranges(prices: Iterable[ModelPrice]) -> list[ModelPrice]:
    """Each price in force until the next one of the same model and service tier; models in name order."""
    prices = sorted(prices, key=lambda price: (price.model, price.service_tier))
    providers: dict[str, str] = {}
    for price in prices:
        owner = providers.setdefault(price.model, price.provider)
        if owner != price.provider:
            raise RateCardError(f"model {price.model!r} is priced by two providers: {owner}, {price.provider}")
    periods = effective_periods(
        prices,
        key=lambda price: (price.model, price.service_tier),
        start=lambda price: price.effective_from,
        same_start=lambda first, second: RateCardError(
            f"model {first.model!r} ({first.service_tier} tier) has two prices effective from {first.effective_from:%Y-%m-%d %H:%M} "
            f"(cards {first.card_version} and {second.card_version})"
        ),
    )
    return [ModelPrice(**{**price.__dict__, "effective_to": ends}) for price, ends in periods]


def load_rate_cards(directory: Path = DEFAULT_CARDS_DIR) -> RateCards:
    """Load every `*.toml` card in `directory`, close effective ranges, and check aliases."""
    files = sorted(Path(directory).glob("*.toml"))
    if not files:
        raise RateCardError(f"{directory}: no rate card files (*.toml) found")
    all_prices: list[ModelPrice] = []
    all_aliases: list[Alias] = []
    for path in files:
        prices, aliases = load_card_file(path)
        all_prices.extend(prices)
        all_aliases.extend(aliases)
    prices = _close_ranges(all_prices)
    models = {price.model for price in prices}
    seen: dict[str, str] = {}
    for alias in all_aliases:
        if alias.model not in models:
            raise RateCardError(f"alias {alias.alias!r} points to {alias.model!r}, which no card prices")
        if alias.alias in models:
            raise RateCardError(f"alias {alias.alias!r} is also a priced model name; pick one")
        if seen.get(alias.alias, alias.model) != alias.model:
            raise RateCardError(f"alias {alias.alias!r} points to two models: {seen[alias.alias]}, {alias.model}")
        seen[alias.alias] = alias.model
    unique_aliases = {alias.alias: alias for alias in all_aliases}
    return RateCards(prices=tuple(prices), aliases=tuple(unique_aliases[a] for a in sorted(unique_aliases)))
