"""Azure OpenAI PTU price card (`rate_cards/ptu/*.toml`), schema-checked at load."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa

from ingest.common import MONEY_TYPE
from rate_cards.llm_cards import RateCardError, parse_price

DEFAULT_PTU_DIR = Path(__file__).resolve().parent / "ptu"
_PRICE_FIELDS = ("hourly", "monthly_reservation", "yearly_reservation")

PTU_PRICES_SCHEMA = pa.schema(
    [
        ("deployment_type", pa.string()),
        ("effective_from", pa.timestamp("us")),
        ("effective_to", pa.timestamp("us")),
        ("hourly_usd_per_ptu", MONEY_TYPE),
        ("monthly_reservation_usd_per_ptu", MONEY_TYPE),
        ("yearly_reservation_usd_per_ptu", MONEY_TYPE),
        ("card_version", pa.string()),
    ]
)
PTU_RESERVATIONS_SCHEMA = pa.schema(
    [
        ("deployment", pa.string()),
        ("term", pa.string()),
        ("effective_from", pa.timestamp("us")),
        ("effective_to", pa.timestamp("us")),
        ("card_version", pa.string()),
    ]
)


@dataclass(frozen=True)
class PtuCards:
    prices: pa.Table
    reservations: pa.Table


def _card_date(value: object, where: str, field: str) -> datetime:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            pass
    if not isinstance(value, date):
        raise RateCardError(f"{where}, field '{field}': expected a date YYYY-MM-DD, got {value!r}")
    return datetime(value.year, value.month, value.day)


def load_ptu_cards(directory: Path = DEFAULT_PTU_DIR) -> PtuCards:
    entries: list[dict] = []
    reservations: list[dict] = []
    for path in sorted(Path(directory).glob("*.toml")):
        try:
            card = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise RateCardError(f"{path}: not valid TOML: {exc}") from None
        version = card.get("version")
        if not version:
            raise RateCardError(f"{path}: missing required top-level key 'version'")
        for index, entry in enumerate(card.get("prices", []), start=1):
            where = f"{path}, prices entry {index}"
            unknown = set(entry) - {"deployment_type", "effective_from", *_PRICE_FIELDS}
            if unknown:
                raise RateCardError(f"{where}: unknown fields {sorted(unknown)}")
            for field in ("deployment_type", "effective_from", *_PRICE_FIELDS):
                if field not in entry:
                    raise RateCardError(f"{where}: missing required field '{field}'")
            entries.append(
                {
                    "deployment_type": str(entry["deployment_type"]),
                    "effective_from": _card_date(entry["effective_from"], where, "effective_from"),
                    **{f"{f}_usd_per_ptu": parse_price(entry[f], f"{where}, field '{f}'") for f in _PRICE_FIELDS},
                    "card_version": str(version),
                }
            )
        for index, entry in enumerate(card.get("reservations", []), start=1):
            where = f"{path}, reservations entry {index}"
            if entry.get("term") not in ("monthly", "yearly") or not entry.get("deployment"):
                raise RateCardError(
                    f"{where}: expected 'deployment' and 'term' = \"monthly\" or \"yearly\", got {entry!r}"
                )
            unknown = set(entry) - {"deployment", "term", "effective_from", "effective_to"}
            if unknown:
                raise RateCardError(f"{where}: unknown fields {sorted(unknown)}")
            # dated, so adding or ending a reservation never reprices the hours before it
            if "effective_from" not in entry:
                raise RateCardError(f"{where}: missing required field 'effective_from' (the reservation's first day)")
            starts = _card_date(entry["effective_from"], where, "effective_from")
            ends = _card_date(entry["effective_to"], where, "effective_to") if "effective_to" in entry else None
            if ends is not None and ends <= starts:
                raise RateCardError(f"{where}, field 'effective_to': expected a date after effective_from")
            reservations.append(
                {
                    "deployment": entry["deployment"],
                    "term": entry["term"],
                    "effective_from": starts,
                    "effective_to": ends,
                    "card_version": str(version),
                }
            )
    entries.sort(key=lambda e: (e["deployment_type"], e["effective_from"]))
    for current, following in zip(entries, entries[1:] + [None], strict=True):
        same = following is not None and following["deployment_type"] == current["deployment_type"]
        if same and following["effective_from"] == current["effective_from"]:
            raise RateCardError(f"PTU deployment type {current['deployment_type']!r} has two prices from the same date")
        current["effective_to"] = following["effective_from"] if same else None
    reservations.sort(key=lambda r: (r["deployment"], r["effective_from"]))
    for current, following in zip(reservations, reservations[1:], strict=False):
        if following["deployment"] == current["deployment"] and (
            current["effective_to"] is None or following["effective_from"] < current["effective_to"]
        ):
            raise RateCardError(
                f"PTU deployment {current['deployment']!r} has overlapping reservations (from"
                f" {current['effective_from']:%Y-%m-%d} and from {following['effective_from']:%Y-%m-%d}):"
                " end the first with effective_to"
            )
    prices = pa.Table.from_pylist(entries, schema=PTU_PRICES_SCHEMA) if entries else PTU_PRICES_SCHEMA.empty_table()
    reserved = (
        pa.Table.from_pylist(reservations, schema=PTU_RESERVATIONS_SCHEMA)
        if reservations
        else PTU_RESERVATIONS_SCHEMA.empty_table()
    )
    return PtuCards(prices=prices, reservations=reserved)
