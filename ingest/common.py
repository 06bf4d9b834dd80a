"""Pieces every parser shares: rejected rows, exact number parsing, typed results, clear errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

# One money type end to end: DECIMAL(38,9) fits BigQuery NUMERIC and DuckDB DECIMAL(38,9).
MONEY_PRECISION = 38
MONEY_SCALE = 9
_MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)

_MONEY_LIMIT = Decimal(10) ** (MONEY_PRECISION - MONEY_SCALE)  # DECIMAL(38,9) holds |x| < 1e29
_WIDE = Context(prec=MONEY_PRECISION + 40)  # quantize never fails for lack of digits; the limit is checked after


def __getattr__(name: str) -> object:
    """MONEY_TYPE (`pa.decimal128(38, 9)`), built on first use: importing this module does not import pyarrow,
    so a process that only parses (a Spark log worker) starts without it (~0.7 s of CPU)."""
    if name == "MONEY_TYPE":
        import pyarrow as pa

        globals()[name] = value = pa.decimal128(MONEY_PRECISION, MONEY_SCALE)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


NULL_STRINGS = frozenset({"", "null", "none", "nan"})

# The accepted time range of every timestamp read from any source, in UTC: [EARLIEST_TIMESTAMP,
# LATEST_TIMESTAMP). Anything outside (year 0, 9999, 294247, `infinity`, epoch 0 from an unset field) is a
# broken value, never a real charge or request: the row is quarantined with a timestamp reason.
EARLIEST_TIMESTAMP = datetime(2000, 1, 1)
LATEST_TIMESTAMP = datetime(2100, 1, 1)
# The widest real UTC offsets are -12:00 and +14:00: an offset beyond ±14:00 (`+25:00`, `+99:99`) is a broken
# value, not a time zone, and is rejected rather than moving the row into another day or month.
MAX_UTC_OFFSET = timedelta(hours=14)
TIMESTAMP_RANGE_TEXT = f"{EARLIEST_TIMESTAMP:%Y-%m-%d} to {LATEST_TIMESTAMP:%Y-%m-%d} UTC (end excluded)"


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
    records: int = 1  # input records this rejection stands for: a file rejected whole stands for all of them


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
    """Round to the warehouse money scale (9 places, half-even) so Arrow's decimal128(38,9) accepts it.

    Raises ValueError for an amount DECIMAL(38,9) cannot hold (|x| >= 1e29) or that is not finite."""
    if value is None:
        return None
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {value}")
    if abs(value) >= _MONEY_LIMIT:
        raise ValueError(f"amount {value} is too large for DECIMAL(38,9) (at most 29 digits before the point)")
    return value.quantize(_MONEY_QUANTUM, rounding=ROUND_HALF_EVEN, context=_WIDE)


def utc_naive(moment: datetime, what: str = "timestamp") -> datetime:
    """`moment` as a tz-naive UTC datetime (naive input is taken as UTC), checked against the accepted range and
    offset; raises ValueError naming `what` otherwise."""
    if moment.tzinfo is not None:
        offset = moment.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            minutes = int(offset.total_seconds() // 60)
            shown = f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
            raise ValueError(f"{what} has an impossible UTC offset {shown} (accepted: -14:00 to +14:00): {moment}")
        try:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            raise ValueError(f"{what} {moment} is outside the accepted range {TIMESTAMP_RANGE_TEXT}") from None
    if not EARLIEST_TIMESTAMP <= moment < LATEST_TIMESTAMP:
        raise ValueError(f"{what} {moment} is outside the accepted range {TIMESTAMP_RANGE_TEXT}")
    return moment


def parse_timestamp(value: object, what: str = "timestamp") -> datetime:
    """ISO 8601 text (`Z`, `±HH:MM` offsets or a ` UTC` suffix; naive = UTC) or a datetime -> tz-naive UTC,
    within the accepted range; raises ValueError naming `what` otherwise."""
    if isinstance(value, datetime):
        return utc_naive(value, what)
    text = str(value).strip()
    if text.endswith(" UTC"):
        text = text[:-4]
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what} is not an ISO 8601 timestamp: {str(value)[:80]!r}") from None
    return utc_naive(parsed, what)


_EPOCH = datetime(1970, 1, 1)
_EARLIEST_MS = int((EARLIEST_TIMESTAMP - _EPOCH).total_seconds() * 1000)
_LATEST_MS = int((LATEST_TIMESTAMP - _EPOCH).total_seconds() * 1000)


def epoch_ms_timestamp(value: object, what: str = "timestamp") -> datetime:
    """Integer milliseconds since the Unix epoch -> tz-naive UTC datetime within the accepted range; raises
    ValueError naming `what` otherwise (text, floats, booleans and out-of-range numbers)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} is not integer epoch milliseconds: {str(value)[:80]!r}")
    if not _EARLIEST_MS <= value < _LATEST_MS:
        raise ValueError(f"{what} {value} ms is outside the accepted range {TIMESTAMP_RANGE_TEXT}")
    return _EPOCH + timedelta(milliseconds=value)


def timestamp_out_of_range_sql(expression: str, *, with_time_zone: bool = False) -> str:
    """SQL condition, true when the TIMESTAMP `expression` lies outside the accepted range (null stays null);
    `with_time_zone`: the expression is a TIMESTAMPTZ, compared with UTC bounds of the same type (no per-row cast)."""
    kind, zone = ("timestamptz", "+00") if with_time_zone else ("timestamp", "")
    return (
        f"not ({expression} >= {kind} '{EARLIEST_TIMESTAMP:%Y-%m-%d %H:%M:%S}{zone}'"
        f" and {expression} < {kind} '{LATEST_TIMESTAMP:%Y-%m-%d %H:%M:%S}{zone}')"
    )


# an ISO time followed by a numeric offset: group 1 = offset hours, group 2 = offset minutes (optional)
_OFFSET_PATTERN = r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]*)?)?\s*[+-]([0-9]{2}):?([0-9]{2})?(?::?[0-9]{2})?$"


def text_or_null_sql(expression: str) -> str:
    """`nullif(trim(expression), '')` as one CASE: empty is null, and trim is skipped for the (usual) value that has
    nothing to trim: DuckDB's trim removes only Unicode space separators, and of ASCII only the space, so an
    all-ASCII value (byte length = character length) that neither starts nor ends with a space is returned as is.
    Same result, a fraction of the cost (trim copied every value of every text column; nested nullif/CASE cost a
    pass more)."""
    return (
        f"case when {expression} = '' then null"
        f" when prefix({expression}, ' ') or suffix({expression}, ' ') or strlen({expression}) <> length({expression})"
        f" then nullif(trim({expression}), '') else {expression} end"
    )


def utc_offset_invalid_sql(text_expression: str) -> str:
    """SQL condition, true when the timestamp text carries a numeric UTC offset beyond ±14:00 or with minutes
    above 59 (the engine would accept `+99:99` and move the row by four days)."""
    hours = f"try_cast(nullif(regexp_extract({text_expression}, '{_OFFSET_PATTERN}', 1), '') as integer)"
    minutes = f"coalesce(try_cast(nullif(regexp_extract({text_expression}, '{_OFFSET_PATTERN}', 2), '') as integer), 0)"
    limit = int(MAX_UTC_OFFSET.total_seconds() // 60)
    return f"({minutes} > 59 or {hours} * 60 + {minutes} > {limit})"


_INT64_MAX = 2**63 - 1


def parse_count(value: object, what: str = "count") -> int | None:
    """A whole, non-negative count within BIGINT from an int or whole-number text/Decimal (None stays None);
    raises ValueError naming `what` otherwise (booleans, fractions, NaN, negative, beyond 64 bits). Arrow would
    silently truncate 1.5 to 1."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{what} is not a whole number: {value!r}")
    if isinstance(value, int):
        number = value
    else:
        try:
            parsed = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ValueError(f"{what} is not a whole number: {str(value)[:80]!r}") from None
        if not parsed.is_finite() or parsed != parsed.to_integral_value():
            raise ValueError(f"{what} is not a whole number: {str(value)[:80]!r}")
        number = int(parsed)
    if number < 0:
        raise ValueError(f"{what} is negative: {number}")
    if number > _INT64_MAX:
        raise ValueError(f"{what} {number} is beyond a 64-bit integer")
    return number


def table_keeping_storable_rows(
    rows: list[dict], schema: pa.Schema, *, source_key: str, line_key: str | None = None
) -> tuple[pa.Table, list[Rejected]]:
    """Arrow table of `rows` in `schema`. Rows holding a value the schema cannot store (a lone surrogate from a
    `\\udXXX` escape, an integer beyond 64 bits, a decimal beyond 38 digits) are returned as Rejected, naming
    the field, instead of failing the whole file. The common case costs one conversion."""
    import pyarrow as pa

    arrow_errors = (pa.ArrowException, UnicodeEncodeError, OverflowError, TypeError, ValueError)

    def build(selected: list[dict]) -> pa.Table:
        columns = {}
        for name in schema.names:
            try:
                columns[name] = list(map(itemgetter(name), selected))  # twice as fast as a comprehension of .get
            except KeyError:  # a row without the field: None, as .get reads it
                columns[name] = [row.get(name) for row in selected]
        return pa.table(columns, schema=schema)

    try:
        return build(rows), []
    except arrow_errors:
        pass
    kept: list[dict] = []
    rejected: list[Rejected] = []
    for row in rows:
        for column in schema:
            value = row.get(column.name)
            try:
                pa.array([value], column.type)
            except arrow_errors as exc:
                reason = f"field {column.name}: {str(value)[:80]!r} cannot be stored as {column.type}: {exc}"
                line = row.get(line_key) if line_key else None
                rejected.append(Rejected(str(row.get(source_key)), line if isinstance(line, int) else None, reason))
                break
        else:
            kept.append(row)
    return build(kept), rejected
