"""Azure OpenAI PTU price card (`rate_cards/ptu/*.toml`), schema-checked at load."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from ingest.common import MONEY_TYPE
from rate_cards.card_files import check_card_keys, check_entry_fields, effective_periods, parse_card_date, read_card
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
    day = parse_card_date(value, f"{where}, field '{field}'", RateCardError)
    return datetime(day.year, day.month, day.day)


def _price_rows(card: dict, path: Path, version: str) -> list[dict]:
    rows = []
    for index, entry in enumerate(card.get("prices", []), start=1):
        where = f"{path}, prices entry {index}"
        fields = ("deployment_type", "effective_from", *_PRICE_FIELDS)
        check_entry_fields(entry, where, RateCardError, allowed=fields, required=fields)
        rows.append(
            {
                "deployment_type": str(entry["deployment_type"]),
                "effective_from": _card_date(entry["effective_from"], where, "effective_from"),
                **{f"{f}_usd_per_ptu": parse_price(entry[f], f"{where}, field '{f}'") for f in _PRICE_FIELDS},
                "card_version": version,
            }
        )
    return rows


def _reservation_rows(card: dict, path: Path, version: str) -> list[dict]:
    rows = []
    for index, entry in enumerate(card.get("reservations", []), start=1):
        where = f"{path}, reservations entry {index}"
        if entry.get("term") not in ("monthly", "yearly") or not entry.get("deployment"):
            raise RateCardError(f"{where}: expected 'deployment' and 'term' = \"monthly\" or \"yearly\", got {entry!r}")
        # dated, so adding or ending a reservation never reprices the hours before it
        check_entry_fields(
            entry,
            where,
            RateCardError,
            allowed=("deployment", "term", "effective_from", "effective_to"),
            required=("effective_from",),
            hints={"effective_from": "the reservation's first day"},
        )
        starts = _card_date(entry["effective_from"], where, "effective_from")
        ends = _card_date(entry["effective_to"], where, "effective_to") if "effective_to" in entry else None
        if ends is not None and ends <= starts:
            raise RateCardError(f"{where}, field 'effective_to': expected a date after effective_from")
        rows.append(
            {
                "deployment": entry["deployment"],
                "term": entry["term"],
                "effective_from": starts,
                "effective_to": ends,
                "card_version": version,
            }
        )
    return rows


def _check_no_overlap(reservations: list[dict]) -> None:
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


def load_ptu_cards(directory: Path = DEFAULT_PTU_DIR) -> PtuCards:
    """Every `*.toml` card of the folder: prices by deployment type (each in force until the type's next
    entry) and the reservations (dated, never overlapping for one deployment)."""
    entries: list[dict] = []
    reservations: list[dict] = []
    for path in sorted(Path(directory).glob("*.toml")):
        card = read_card(path, RateCardError)
        check_card_keys(card, path, RateCardError, required=("version",))
        if not card["version"]:
            raise RateCardError(f"{path}: missing required top-level key 'version'")
        entries += _price_rows(card, path, str(card["version"]))
        reservations += _reservation_rows(card, path, str(card["version"]))
    entries.sort(key=lambda e: (e["deployment_type"], e["effective_from"]))
    for entry, ends in effective_periods(
        entries,
        key=lambda e: e["deployment_type"],
        start=lambda e: e["effective_from"],
        same_start=lambda first, _: RateCardError(
            f"PTU deployment type {first['deployment_type']!r} has two prices from the same date"
        ),
    ):
        entry["effective_to"] = ends
    _check_no_overlap(reservations)
    prices = pa.Table.from_pylist(entries, schema=PTU_PRICES_SCHEMA) if entries else PTU_PRICES_SCHEMA.empty_table()
    reserved = (
        pa.Table.from_pylist(reservations, schema=PTU_RESERVATIONS_SCHEMA)
        if reservations
        else PTU_RESERVATIONS_SCHEMA.empty_table()
    )
    return PtuCards(prices=prices, reservations=reserved)
