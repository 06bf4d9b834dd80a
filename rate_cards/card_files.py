"""What every price card file (LLM, GPU, PTU) shares: reading the TOML, checking the keys of the card and of
each entry, money fields written as decimal strings, effective dates, and closing each entry's period where
the next entry of the same thing begins. Every error names the file, the entry and the field, and says what
was expected; each card module passes its own error class so callers keep catching what they caught.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

Item = TypeVar("Item")
Start = TypeVar("Start")
CardError = type[ValueError]


def read_card(path: Path, error: CardError) -> dict:
    """The parsed TOML of one card file."""
    try:
        with Path(path).open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc}") from None


def check_card_keys(
    card: Mapping[str, Any],
    path: Path,
    error: CardError,
    *,
    required: Iterable[str],
    allowed: Collection[str] | None = None,
) -> None:
    """Top-level keys: none unknown (when `allowed` is given), every required one present, USD only."""
    if allowed is not None:
        unknown = set(card) - set(allowed)
        if unknown:
            raise error(f"{path}: unknown top-level keys {sorted(unknown)}; expected some of {sorted(allowed)}")
    for key in required:
        if key not in card:
            raise error(f"{path}: missing required top-level key '{key}'")
    if card.get("currency", "USD") != "USD":
        raise error(f"{path}, field 'currency': {card['currency']!r} is not supported; expected 'USD'")


def check_entry_fields(
    entry: Mapping[str, Any],
    where: str,
    error: CardError,
    *,
    allowed: Collection[str],
    required: Iterable[str] = (),
    hints: Mapping[str, str] | None = None,
) -> None:
    """An entry's fields: none unknown, every required one present (`hints` say what a missing one holds)."""
    unknown = set(entry) - set(allowed)
    if unknown:
        raise error(f"{where}: unknown fields {sorted(unknown)}; expected some of {sorted(allowed)}")
    for field in required:
        if field not in entry:
            hint = (hints or {}).get(field)
            raise error(f"{where}: missing required field '{field}'" + (f" ({hint})" if hint else ""))


def parse_money(
    value: object,
    where: str,
    error: CardError,
    *,
    example: str = "2.50",
    what: str = "price",
    zero_allowed: bool = True,
    max_decimals: int | None = None,
    decimals_reason: str = "",
) -> Decimal:
    """A money field written as a quoted decimal string (floats refused: they are not exact); negative never,
    zero only when `zero_allowed`, at most `max_decimals` decimals when given."""
    if isinstance(value, Decimal):
        number = value
    else:
        if isinstance(value, float):
            raise error(f'{where}: write prices as quoted decimal strings such as "{example}" (got float {value!r})')
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise error(f'{where}: expected a decimal string such as "{example}", got {value!r}')
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise error(f'{where}: expected a decimal string such as "{example}", got {value!r}') from None
    if not number.is_finite() or number < 0 or (number == 0 and not zero_allowed):
        raise error(f"{where}: expected a {'non-negative' if zero_allowed else 'positive'} {what}, got {value!r}")
    if max_decimals is not None and number != number.quantize(Decimal(1).scaleb(-max_decimals)):
        raise error(f"{where}: at most {max_decimals} decimals{decimals_reason}, got {value!r}")
    return number


def parse_card_date(value: object, where: str, error: CardError) -> date:
    """A day `YYYY-MM-DD` (a TOML date or a string); a timestamp is refused: these prices change on day
    boundaries, and silently dropping the time would move a price change."""
    if isinstance(value, datetime):
        raise error(f"{where}: expected a date YYYY-MM-DD (prices change on day boundaries), got {value!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise error(f"{where}: expected a date YYYY-MM-DD, got {value!r}")


def effective_periods(
    items: Iterable[Item],
    key: Callable[[Item], Hashable],
    start: Callable[[Item], Start],
    same_start: Callable[[Item, Item], ValueError],
) -> list[tuple[Item, Start | None]]:
    """Each item with the start of the next item of the same `key` (None for the last): an entry is in force
    from its start until the next one begins. Two entries of one key from the same start are ambiguous: the
    error `same_start(first, second)` is raised. Keys come out in the order first seen, each by start."""
    groups: dict[Hashable, list[Item]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    periods: list[tuple[Item, Start | None]] = []
    for group in groups.values():
        group.sort(key=start)  # type: ignore[arg-type]
        for current, following in zip(group, [*group[1:], None], strict=True):
            if following is not None and start(following) == start(current):
                raise same_start(current, following)
            periods.append((current, None if following is None else start(following)))
    return periods
