"""Pieces every parser shares: rejected rows, exact number parsing, typed results, clear errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path

import pyarrow as pa

# One money type end to end: DECIMAL(38,9) fits BigQuery NUMERIC and DuckDB DECIMAL(38,9).
MONEY_PRECISION = 38
MONEY_SCALE = 9
MONEY_TYPE = pa.decimal128(MONEY_PRECISION, MONEY_SCALE)
_MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)

NULL_STRINGS = frozenset({"", "null", "none", "nan"})


def sql_literal(text: str) -> str:
    """A SQL string literal holding `text` exactly (quotes doubled): the only way text from a file or a path
    enters generated SQL."""
    return "'" + str(text).replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A quoted SQL identifier naming the column `name` exactly (double quotes doubled), whatever a file's
    header holds: a header can never close the identifier and run its own SQL."""
    return '"' + str(name).replace('"', '""') + '"'


class SourceFormatError(ValueError):
    """A file (or page) cannot be read at all. The message names the file, where, and what was expected."""

    def __init__(self, source: str | Path, problem: str, *, line: int | None = None, field: str | None = None):
        where = str(source)
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {problem}")
        self.source = str(source)
        self.line = line
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class Rejected:
    """One input row that was not loaded, and why. Lands in the quarantine table."""

    source_file: str
    line: int | None
    reason: str
    raw: str | None = None


@dataclass
class ParseResult:
    """What a parser returns: the typed rows, the rejected rows, and how many rows it read.

    `input_rows == table.num_rows + len(rejected)` unless the parser documents otherwise.
    """

    table: pa.Table
    rejected: list[Rejected] = field(default_factory=list)
    input_rows: int = 0

    def check_balance(self) -> None:
        loaded = self.table.num_rows
        if self.input_rows != loaded + len(self.rejected):
            raise AssertionError(
                f"row balance broken: input {self.input_rows} != loaded {loaded} + rejected {len(self.rejected)}"
            )


def is_null_text(value: object) -> bool:
    """Empty strings and literal NULL/None/NaN spellings mean null in every billing export we read."""
    return value is None or (isinstance(value, str) and value.strip().lower() in NULL_STRINGS)


def parse_decimal(value: object) -> Decimal | None:
    """Exact decimal from text or int; accepts scientific notation ("1.81E-8"); null spellings give None.

    Floats are refused: they reach here only by mistake and would carry binary artefacts.
    """
    if is_null_text(value):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"refusing to parse {type(value).__name__} {value!r} as money: pass text")
    if isinstance(value, int):
        return Decimal(value)
    text = str(value).strip()
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal number: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"not a finite decimal number: {value!r}")
    return number


def to_money(value: Decimal | None) -> Decimal | None:
    """Round to the warehouse money scale (9 places, half-even) so Arrow's decimal128(38,9) accepts it."""
    if value is None:
        return None
    return value.quantize(_MONEY_QUANTUM, rounding=ROUND_HALF_EVEN)


def money_from_json_number(value: object) -> Decimal | None:
    """Money from a JSON number without binary artefacts: `json.loads(..., parse_float=Decimal)` is
    preferred; a float that still arrives is converted through its shortest repr, which is what the
    provider wrote on the wire."""
    if value is None:
        return None
    if isinstance(value, float):
        return Decimal(repr(value))
    return parse_decimal(value)
