"""PTU price card: the shipped card loads, entries chain by date, and a bad file gets an error naming
the file, the entry, the field and what was expected."""

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from rate_cards.llm_cards import RateCardError
from rate_cards.ptu_cards import load_ptu_cards

GOOD = """
version = "test-1"
source = "hand-written test card"
currency = "USD"

[[prices]]
deployment_type = "GlobalProvisionedManaged"
effective_from = "2025-01-01"
hourly = "1.00"
monthly_reservation = "260.00"
yearly_reservation = "2652.00"

[[prices]]
deployment_type = "GlobalProvisionedManaged"
effective_from = "2026-06-01"
hourly = "0.90"
monthly_reservation = "250.00"
yearly_reservation = "2500.00"

[[reservations]]
deployment = "dep-a"
term = "yearly"
effective_from = "2026-01-01"
"""


def _card(tmp_path: Path, text: str) -> Path:
    (tmp_path / "card.toml").write_text(text)
    return tmp_path


def test_shipped_card_loads() -> None:
    cards = load_ptu_cards()
    types = set(cards.prices.column("deployment_type").to_pylist())
    assert {"ProvisionedManaged", "GlobalProvisionedManaged", "DataZoneProvisionedManaged"} <= types
    assert all(v >= 0 for v in cards.prices.column("hourly_usd_per_ptu").to_pylist())


def test_entries_chain_by_effective_date(tmp_path: Path) -> None:
    cards = load_ptu_cards(_card(tmp_path, GOOD))
    rows = cards.prices.to_pylist()
    assert [r["hourly_usd_per_ptu"] for r in rows] == [Decimal("1.00"), Decimal("0.90")]
    assert rows[0]["effective_to"] == rows[1]["effective_from"]
    assert rows[1]["effective_to"] is None
    assert cards.reservations.to_pylist() == [
        {
            "deployment": "dep-a",
            "term": "yearly",
            "effective_from": datetime(2026, 1, 1),
            "effective_to": None,
            "card_version": "test-1",
        }
    ]


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ('hourly = "0.90"', r"card\.toml, prices entry 2: missing required field 'hourly'"),
        ("hourly = 0.90\nx = 1", r"prices entry 2: unknown fields \['x'\]"),
        ("hourly = 0.90", r"prices entry 2, field 'hourly': write prices as quoted decimal strings"),
        ('hourly = "ninety"', r"prices entry 2, field 'hourly': expected a decimal string"),
        ('hourly = "-1"', r"prices entry 2, field 'hourly': expected a non-negative price"),
    ],
)
def test_bad_price_names_file_entry_field(tmp_path: Path, broken: str, expected: str) -> None:
    text = GOOD.replace('hourly = "0.90"', broken if broken != 'hourly = "0.90"' else "")
    with pytest.raises(RateCardError, match=expected):
        load_ptu_cards(_card(tmp_path, text))


def test_bad_date_and_term(tmp_path: Path) -> None:
    with pytest.raises(RateCardError, match=r"prices entry 1, field 'effective_from': expected a date YYYY-MM-DD"):
        load_ptu_cards(_card(tmp_path, GOOD.replace('"2025-01-01"', '"Jan 2025"')))
    with pytest.raises(RateCardError, match=r"reservations entry 1: expected 'deployment' and 'term'"):
        load_ptu_cards(_card(tmp_path, GOOD.replace('term = "yearly"', 'term = "weekly"')))


def test_not_toml_and_missing_version(tmp_path: Path) -> None:
    with pytest.raises(RateCardError, match=r"card\.toml: not valid TOML"):
        load_ptu_cards(_card(tmp_path, "version = "))
    with pytest.raises(RateCardError, match=r"card\.toml: missing required top-level key 'version'"):
        load_ptu_cards(_card(tmp_path, GOOD.replace('version = "test-1"', "")))


def test_reservations_are_dated_and_never_overlap(tmp_path: Path) -> None:
    """An undated reservation would reprice every earlier hour of its deployment: it is refused, as are two
    reservations of one deployment in force at once."""
    undated = GOOD.replace('effective_from = "2026-01-01"\n', "")
    with pytest.raises(RateCardError, match=r"reservations entry 1: missing required field 'effective_from'"):
        load_ptu_cards(_card(tmp_path, undated))
    ended = GOOD.replace('effective_from = "2026-01-01"', 'effective_from = "2026-01-01"\neffective_to = "2026-07-01"')
    renewed = ended + '\n[[reservations]]\ndeployment = "dep-a"\nterm = "monthly"\neffective_from = "2026-07-01"\n'
    rows = load_ptu_cards(_card(tmp_path, renewed)).reservations.to_pylist()
    assert [(r["term"], r["effective_from"], r["effective_to"]) for r in rows] == [
        ("yearly", datetime(2026, 1, 1), datetime(2026, 7, 1)),
        ("monthly", datetime(2026, 7, 1), None),
    ]
    overlapping = renewed.replace('effective_from = "2026-07-01"', 'effective_from = "2026-06-01"')
    with pytest.raises(
        RateCardError, match=r"'dep-a' has overlapping reservations \(from 2026-01-01 and from 2026-06-01"
    ):
        load_ptu_cards(_card(tmp_path, overlapping))
    backwards = GOOD.replace(
        'effective_from = "2026-01-01"', 'effective_from = "2026-01-01"\neffective_to = "2025-12-01"'
    )
    with pytest.raises(RateCardError, match=r"reservations entry 1, field 'effective_to': expected a date after"):
        load_ptu_cards(_card(tmp_path, backwards))


def test_card_rules_shared_with_the_other_cards(tmp_path: Path) -> None:
    """The PTU card is checked by the same rules as the LLM and GPU cards (rate_cards/card_files.py): only USD,
    and an effective date is a day, never a timestamp whose time would be dropped silently."""
    with pytest.raises(RateCardError, match=r"card\.toml, field 'currency': 'EUR' is not supported; expected 'USD'"):
        load_ptu_cards(_card(tmp_path, GOOD.replace('currency = "USD"', 'currency = "EUR"')))
    with pytest.raises(RateCardError, match=r"prices entry 1, field 'effective_from': expected a date YYYY-MM-DD \("):
        load_ptu_cards(
            _card(tmp_path, GOOD.replace('effective_from = "2025-01-01"', "effective_from = 2025-01-01T12:00:00"))
        )
    # two prices of one type from the same day are ambiguous
    doubled = GOOD.replace('effective_from = "2026-06-01"', 'effective_from = "2025-01-01"')
    with pytest.raises(RateCardError, match=r"'GlobalProvisionedManaged' has two prices from the same date"):
        load_ptu_cards(_card(tmp_path, doubled))
