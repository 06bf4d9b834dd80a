"""GPU price cards (`rate_cards/gpu/<provider>.toml`) and job-type rules (`rate_cards/gpu/job_type_rules.toml`).

A card gives USD per GPU-hour for each instance type and purchase option (on-demand, spot, reserved or
committed), effective from a date until the same instance type's next entry. Prices are decimal strings
(floats refused). The loader checks every field and names file, entry and field on error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from ingest.common import MONEY_TYPE
from rate_cards.card_files import (
    check_card_keys,
    check_entry_fields,
    effective_periods,
    parse_card_date,
    parse_money,
    read_card,
)

DEFAULT_GPU_CARDS_DIR = Path(__file__).resolve().parent / "gpu"
JOB_TYPE_RULES_FILE = DEFAULT_GPU_CARDS_DIR / "job_type_rules.toml"
PURCHASE_OPTIONS = ("on_demand", "spot", "reserved")
RULE_FIELDS = ("job_name", "user")
_CARD_KEYS = {"provider", "version", "source", "currency", "prices"}
_ENTRY_KEYS = {"instance_type", "gpu_type", "gpus_per_instance", "effective_from", *PURCHASE_OPTIONS}
_RULES_KEYS = {"job_types", "rules"}
_RULE_KEYS = {"priority", "field", "pattern", "job_type"}


class GpuCardError(ValueError):
    """A GPU price card or rule file is wrong: the message names file, entry, field and what was expected."""


@dataclass(frozen=True)
class GpuPrice:
    provider: str
    instance_type: str
    gpu_type: str
    gpus_per_instance: int
    card_version: str
    card_source: str
    effective_from: date
    effective_to: date | None
    usd_per_gpu_hour: dict[str, Decimal]


@dataclass(frozen=True)
class JobTypeRule:
    priority: int
    field: str
    pattern: str
    job_type: str


GPU_PRICES_SCHEMA = pa.schema(
    [
        ("provider", pa.string()),
        ("instance_type", pa.string()),
        ("gpu_type", pa.string()),
        ("gpus_per_instance", pa.int32()),
        ("purchase_option", pa.string()),
        ("card_version", pa.string()),
        ("card_source", pa.string()),
        ("effective_from", pa.date32()),
        ("effective_to", pa.date32()),
        ("usd_per_gpu_hour", MONEY_TYPE),
    ]
)
JOB_TYPE_RULES_SCHEMA = pa.schema(
    [
        ("priority", pa.int32()),
        ("field", pa.string()),
        ("pattern", pa.string()),
        ("job_type", pa.string()),
    ]
)


def _price(value: object, where: str) -> Decimal:
    return parse_money(
        value,
        where,
        GpuCardError,
        example="2.7450",
        what="USD per GPU-hour price",
        zero_allowed=False,
        max_decimals=9,
        decimals_reason=" (the warehouse money scale)",
    )


def _text(entry: dict, key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise GpuCardError(f"{where}, field '{key}': expected a non-empty string, got {value!r}")
    return value.strip()


def load_gpu_card_file(path: Path) -> list[GpuPrice]:
    """Parse and check one card; effective_to is filled across the card's entries of an instance type."""
    card = read_card(path, GpuCardError)
    check_card_keys(card, path, GpuCardError, required=("provider", "version", "source", "prices"), allowed=_CARD_KEYS)
    if not isinstance(card["prices"], list) or not card["prices"]:
        raise GpuCardError(f"{path}, field 'prices': expected a non-empty array of [[prices]] tables")
    provider, version, source = str(card["provider"]), str(card["version"]), str(card["source"])

    entries: list[GpuPrice] = []
    for index, entry in enumerate(card["prices"], start=1):
        label = entry.get("instance_type") if isinstance(entry, dict) else None
        where = f"{path}, prices entry {index}" + (f" ({label!r})" if label else "")
        if not isinstance(entry, dict):
            raise GpuCardError(f"{where}: expected a table of fields, got {entry!r}")
        check_entry_fields(
            entry,
            where,
            GpuCardError,
            allowed=_ENTRY_KEYS,
            required=("instance_type", "gpu_type", "gpus_per_instance", "effective_from", "on_demand"),
        )
        gpus = entry["gpus_per_instance"]
        if isinstance(gpus, bool) or not isinstance(gpus, int) or gpus < 1:
            raise GpuCardError(f"{where}, field 'gpus_per_instance': expected a whole number >= 1, got {gpus!r}")
        prices = {
            option: _price(entry[option], f"{where}, field '{option}'")
            for option in PURCHASE_OPTIONS
            if option in entry
        }
        entries.append(
            GpuPrice(
                provider=provider,
                instance_type=_text(entry, "instance_type", where),
                gpu_type=_text(entry, "gpu_type", where),
                gpus_per_instance=gpus,
                card_version=version,
                card_source=source,
                effective_from=parse_card_date(
                    entry["effective_from"], f"{where}, field 'effective_from'", GpuCardError
                ),
                effective_to=None,
                usd_per_gpu_hour=prices,
            )
        )
    return _close_ranges(entries, path)


def _close_ranges(entries: list[GpuPrice], path: Path | str) -> list[GpuPrice]:
    periods = effective_periods(
        entries,
        key=lambda price: price.instance_type,
        start=lambda price: price.effective_from,
        same_start=lambda first, second: GpuCardError(
            f"{path}: two entries for {first.instance_type!r} effective from {second.effective_from}; "
            "expected one price per instance type and date"
        ),
    )
    return [GpuPrice(**{**price.__dict__, "effective_to": ends}) for price, ends in periods]


def load_gpu_cards(cards_dir: Path = DEFAULT_GPU_CARDS_DIR) -> list[GpuPrice]:
    """Every `<provider>.toml` card of the folder (the rule file excluded); an instance type in two cards is an error."""
    prices: list[GpuPrice] = []
    seen: dict[str, Path] = {}
    card_files = sorted(path for path in cards_dir.glob("*.toml") if path.name != JOB_TYPE_RULES_FILE.name)
    if not card_files:
        raise GpuCardError(f"{cards_dir}: no GPU price cards (*.toml) found")
    for path in card_files:
        for price in load_gpu_card_file(path):
            owner = seen.setdefault(price.instance_type, path)
            if owner != path:
                raise GpuCardError(f"{path}: instance type {price.instance_type!r} is already priced in {owner}")
            prices.append(price)
    return prices


def gpu_prices_table(prices: list[GpuPrice]) -> pa.Table:
    """Long format for `raw_rate_cards.gpu_prices`: one row per instance type, period and purchase option."""
    rows: dict[str, list] = {name: [] for name in GPU_PRICES_SCHEMA.names}
    for price in sorted(prices, key=lambda p: (p.provider, p.instance_type, p.effective_from)):
        for option, usd in sorted(price.usd_per_gpu_hour.items()):
            rows["provider"].append(price.provider)
            rows["instance_type"].append(price.instance_type)
            rows["gpu_type"].append(price.gpu_type)
            rows["gpus_per_instance"].append(price.gpus_per_instance)
            rows["purchase_option"].append(option)
            rows["card_version"].append(price.card_version)
            rows["card_source"].append(price.card_source)
            rows["effective_from"].append(price.effective_from)
            rows["effective_to"].append(price.effective_to)
            rows["usd_per_gpu_hour"].append(usd)
    return pa.table(rows, schema=GPU_PRICES_SCHEMA)


def load_job_type_rules(path: Path = JOB_TYPE_RULES_FILE) -> tuple[list[str], list[JobTypeRule]]:
    """(known job types, rules by priority). Each pattern must compile; each job_type must be a known type."""
    config = read_card(path, GpuCardError)
    unknown = set(config) - _RULES_KEYS
    if unknown:
        raise GpuCardError(f"{path}: unknown top-level keys {sorted(unknown)}; expected some of {sorted(_RULES_KEYS)}")
    job_types = config.get("job_types")
    if not isinstance(job_types, list) or not job_types or not all(isinstance(t, str) and t for t in job_types):
        raise GpuCardError(f"{path}, field 'job_types': expected a non-empty array of job type names")
    rules: list[JobTypeRule] = []
    for index, entry in enumerate(config.get("rules", []), start=1):
        where = f"{path}, rules entry {index}"
        unknown = set(entry) - _RULE_KEYS
        if unknown or set(_RULE_KEYS) - set(entry):
            raise GpuCardError(f"{where}: expected exactly the fields {sorted(_RULE_KEYS)}, got {sorted(entry)}")
        priority = entry["priority"]
        if isinstance(priority, bool) or not isinstance(priority, int):
            raise GpuCardError(f"{where}, field 'priority': expected a whole number, got {priority!r}")
        if entry["field"] not in RULE_FIELDS:
            raise GpuCardError(f"{where}, field 'field': expected one of {list(RULE_FIELDS)}, got {entry['field']!r}")
        if entry["job_type"] not in job_types:
            raise GpuCardError(f"{where}, field 'job_type': expected one of {job_types}, got {entry['job_type']!r}")
        pattern = entry["pattern"]
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            raise GpuCardError(f"{where}, field 'pattern': not a valid regular expression {pattern!r}: {exc}") from None
        rules.append(JobTypeRule(priority, entry["field"], pattern, entry["job_type"]))
    priorities = [rule.priority for rule in rules]
    if len(set(priorities)) != len(priorities):
        raise GpuCardError(f"{path}: rule priorities must be distinct (the first match wins), got {priorities}")
    return list(job_types), sorted(rules, key=lambda rule: rule.priority)


def job_type_rules_table(job_types: list[str], rules: list[JobTypeRule]) -> pa.Table:
    """`raw_gpu.job_type_rules`: one row per rule, plus one row without a pattern per known type (explicit
    tags are accepted only when they name a known type). Matching is case-insensitive in SQL."""
    rows = [(rule.priority, rule.field, rule.pattern, rule.job_type) for rule in rules]
    rows += [(None, None, None, job_type) for job_type in job_types]
    return pa.table(
        {name: [row[i] for row in rows] for i, name in enumerate(JOB_TYPE_RULES_SCHEMA.names)},
        schema=JOB_TYPE_RULES_SCHEMA,
    )
