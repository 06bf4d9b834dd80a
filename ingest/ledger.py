"""The request ledger: landing files in, one typed SQL relation out, with a reason for every bad row.

Landing layout: `ledger/YYYY-MM-DD/<any name>.{jsonl,ndjson,csv,parquet}`. The folder date is the
delivery (ingest) date and the daily partition; rows keep their own `ts`. Timestamps with an offset are
converted to UTC; naive timestamps are taken as UTC.

JSONL and CSV are read here into all-text Arrow tables (line numbers kept; a line that is not JSON is
rejected with its line). Parquet is read by the engine directly (row number = line). The typing and
validation rules are SQL expressions (`typed_select_sql`), so the whole batch is checked at once.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa

from ingest.common import (
    TIMESTAMP_RANGE_TEXT,
    Rejected,
    SourceFormatError,
    sql_identifier,
    sql_literal,
    text_or_null_sql,
    timestamp_out_of_range_sql,
    utc_offset_invalid_sql,
)
from rate_cards.token_kinds import count_columns

REQUIRED_FIELDS = (
    "request_id",
    "ts",
    "model_id",
    "api_version",
    "feature_tag",
    "input_tokens",
    "output_tokens",
    "duration_ms",
)
# The documented upper bound of any token count of one request: 1e12 tokens is five orders of magnitude above
# the largest context window sold; anything above is a broken counter. Pricing in HUGEINT pico-dollars stays
# exact far beyond it (rate_cards/pricing.py).
MAX_TOKENS_PER_REQUEST = 10**12
# every token kind a card prices has its count field (rate_cards/token_kinds.py); the parts are optional
TOKEN_FIELDS = count_columns()
OPTIONAL_FIELDS = (
    *(name for name in TOKEN_FIELDS if name not in REQUIRED_FIELDS),
    "is_batch",
    "team",
    "tenant_id",
    "environment",
    "conversation_id",
    "status",
    "retry_of",
    "cache_hit",
    "routing_reason",
    "service_tier",
    "total_cost_usd",
)
LEDGER_FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS
_TEXT_FIELDS = (
    "model_id",
    "api_version",
    "feature_tag",
    "team",
    "tenant_id",
    "environment",
    "conversation_id",
    "retry_of",
    "routing_reason",
)
_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
_DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class LedgerFile:
    path: Path
    ingest_date: date
    format: str


def discover_ledger_files(ledger_dir: Path) -> list[LedgerFile]:
    """Every ledger file under `ledger/YYYY-MM-DD/`, sorted. A missing `ledger/` folder, a file elsewhere, or
    of an unknown kind, is an error (nothing is silently skipped)."""
    files: list[LedgerFile] = []
    if not ledger_dir.is_dir():  # a wrong path is not an empty delivery
        raise SourceFormatError(ledger_dir, "ledger landing folder does not exist; expected ledger/YYYY-MM-DD/ folders")
    for path in sorted(ledger_dir.rglob("*")):
        if path.is_symlink():  # never followed: a link could pull any file of the machine into the warehouse
            raise SourceFormatError(
                path, f"is a symbolic link (to {os.readlink(path)}); ledger files must be regular files"
            )
        if path.name.startswith(".") or not path.is_file():
            continue
        relative = path.relative_to(ledger_dir)
        if len(relative.parts) != 2 or not _DATE_FOLDER.match(relative.parts[0]):
            raise SourceFormatError(path, "ledger files must sit in a delivery-date folder ledger/YYYY-MM-DD/")
        fmt = _FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise SourceFormatError(
                path, f"unknown ledger file type '{path.suffix}'; expected one of {sorted(_FORMATS)}"
            )
        try:
            ingest_date = date.fromisoformat(relative.parts[0])
        except ValueError:
            raise SourceFormatError(path, f"folder '{relative.parts[0]}' is not a valid date YYYY-MM-DD") from None
        files.append(LedgerFile(path=path, ingest_date=ingest_date, format=fmt))
    return files


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _unicode_problem(record: dict) -> str | None:
    """The first ledger field holding text that is not valid Unicode (a lone surrogate from a `\\udXXX`
    escape), which no UTF-8 column can store."""
    for name in LEDGER_FIELDS:
        value = record.get(name)
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return f"not valid Unicode in field {name} (a lone surrogate escape)"
    return None


def read_jsonl(path: Path) -> tuple[pa.Table, list[Rejected]]:
    """All-text table of the ledger fields (+ source_line); numbers keep their exact text. A line that is not
    UTF-8, not JSON, nested beyond the reader's limit or holding a lone surrogate is rejected with its line."""
    columns: dict[str, list] = {name: [] for name in LEDGER_FIELDS}
    lines: list[int] = []
    rejected: list[Rejected] = []
    with path.open("rb") as handle:
        for line_number, raw in enumerate(handle, start=1):
            if line_number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                shown = raw.rstrip(b"\r\n")[:2000].decode("utf-8", "replace")
                rejected.append(Rejected(str(path), line_number, "line is not valid UTF-8 text", shown))
                continue
            if not line.strip():
                continue
            shown = line.rstrip("\r\n")[:2000]
            try:
                record = json.loads(line, parse_float=str, parse_int=str)
            except json.JSONDecodeError as exc:
                rejected.append(Rejected(str(path), line_number, f"malformed JSON: {exc.msg}", shown))
                continue
            except RecursionError:
                rejected.append(Rejected(str(path), line_number, "JSON nested too deeply to read", shown[:200]))
                continue
            if not isinstance(record, dict):
                rejected.append(Rejected(str(path), line_number, "expected a JSON object per line", shown))
                continue
            if "\\u" in line and (problem := _unicode_problem(record)):
                rejected.append(Rejected(str(path), line_number, problem, shown))
                continue
            try:
                texts = [_text(record.get(name)) for name in LEDGER_FIELDS]
            except RecursionError:  # a nested value the reader accepted but cannot write back as text
                rejected.append(Rejected(str(path), line_number, "JSON nested too deeply to read", shown[:200]))
                continue
            for name, text in zip(LEDGER_FIELDS, texts, strict=True):
                columns[name].append(text)
            lines.append(line_number)
    table = pa.table(
        {
            **{name: pa.array(values, pa.string()) for name, values in columns.items()},
            "source_line": pa.array(lines, pa.int64()),
        }
    )
    return table, rejected


def read_csv(path: Path) -> tuple[pa.Table, list[Rejected]]:
    """All-text table of the ledger fields present in the header (+ source_line: header is line 1)."""
    try:
        frame = pl.read_csv(
            path,
            infer_schema=False,
            row_index_name="source_line",
            row_index_offset=2,
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError as exc:  # not UTF-8, unbalanced quotes, no data
        raise SourceFormatError(path, f"cannot read as CSV: {str(exc).splitlines()[0]}") from None
    frame = frame.with_columns(pl.col("source_line").cast(pl.Int64))
    present = [name for name in LEDGER_FIELDS if name in frame.columns]
    missing = [pl.lit(None, dtype=pl.String).alias(name) for name in LEDGER_FIELDS if name not in frame.columns]
    frame = frame.select([*(pl.col(name) for name in present), *missing, pl.col("source_line")])
    return frame.select([*LEDGER_FIELDS, "source_line"]).to_arrow(), []


def read_text_file(file: LedgerFile) -> tuple[pa.Table, list[Rejected]]:
    if file.format == "jsonl":
        return read_jsonl(file.path)
    if file.format == "csv":
        return read_csv(file.path)
    raise ValueError(f"{file.path}: {file.format} is read by the engine, not as text")


# integer types whose every value fits BIGINT: no range test needed (the wide ones, UBIGINT/HUGEINT, get one)
_NARROW_INTEGERS = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"})
_WIDE_INTEGERS = frozenset({"UBIGINT", "HUGEINT", "UHUGEINT"})
_FLOATS = frozenset({"DOUBLE", "FLOAT", "REAL"})


def _number_sql(column: str, kind: str, name: str, limit: int | None) -> tuple[str, list[tuple[str, str]]]:
    """(BIGINT expression, [(condition, reason)]) for a whole, non-negative count read from a column of type
    `kind`. Every cast is a try_cast or guarded: one hostile value (NaN, inf, 2**64 - 1, a 40-digit text)
    quarantines its row and never aborts the batch."""
    over = f"{name} exceeds the limit of {limit} tokens per request" if limit is not None else None
    checks: list[tuple[str, str]] = []
    if kind in _NARROW_INTEGERS:
        value = f"cast({column} as bigint)"
        checks.append((f"{column} < 0", f"{name} is negative"))
        if limit is not None:
            checks.append((f"{column} > {limit}", over))
        return value, checks
    if kind in _WIDE_INTEGERS or kind in _FLOATS or kind.startswith("DECIMAL"):
        whole = f"{column} = floor({column})" if kind.startswith("DECIMAL") else "true"
        if kind in _FLOATS:
            whole = f"(isfinite({column}) and {column} = floor({column}))"
        value = f"(case when {whole} then try_cast({column} as bigint) end)"
        if whole != "true":
            checks.append((f"{column} is not null and not {whole}", f"{name} is not a whole number"))
        checks.append((f"{column} < 0", f"{name} is negative"))
        checks.append((f"{column} > {limit}", over) if limit is not None else ("false", ""))
        checks.append((f"{column} is not null and {value} is null", f"{name} is out of range for BIGINT"))
        return value, [check for check in checks if check[0] != "false"]
    # text (and any other type, read as its text): DuckDB would round '12.5' to 13, so only whole-number text
    # is cast; its magnitude is compared as HUGEINT (39 digits) so a 25-digit count is "over the limit"
    text = f"trim(cast({column} as varchar))"
    whole = f"regexp_full_match({text}, '[+-]?[0-9]+')"
    big = f"try_cast({text} as hugeint)"
    value = f"(case when {whole} then try_cast({text} as bigint) end)"
    checks.append((f"{column} is not null and not {whole}", f"{name} is not a whole number"))
    checks.append((f"{whole} and ({big} < 0 or ({big} is null and starts_with({text}, '-')))", f"{name} is negative"))
    if limit is not None:
        checks.append((f"{whole} and ({big} is null or {big} > {limit})", over))
    checks.append((f"{whole} and {value} is null", f"{name} is out of range for BIGINT"))
    return value, checks


class _Columns:
    """SQL over one file's ledger columns: an absent field reads as a null VARCHAR."""

    def __init__(self, column_types: dict[str, str]) -> None:
        self.types = column_types

    def present(self, name: str) -> bool:
        return name in self.types

    def col(self, name: str) -> str:
        return sql_identifier(name) if name in self.types else "cast(null as varchar)"

    def kind(self, name: str) -> str:
        return self.types.get(name, "VARCHAR").upper()

    def as_text(self, name: str) -> str:
        return text_or_null_sql(f"cast({self.col(name)} as varchar)")

    def as_bool(self, name: str) -> str:
        if self.kind(name) == "BOOLEAN":
            return self.col(name)
        return f"try_cast({self.as_text(name)} as boolean)"


def _timestamp_sql(columns: _Columns) -> tuple[str, bool]:
    """(naive UTC timestamp expression of `ts`, whether `ts` is read from text)."""
    kind = columns.kind("ts")
    if kind.startswith("TIMESTAMP WITH TIME ZONE") or kind == "TIMESTAMPTZ":
        return f"cast({columns.col('ts')} as timestamp)", False  # the load runs with TimeZone = UTC
    if kind.startswith("TIMESTAMP") or kind == "DATE":
        return f"cast({columns.col('ts')} as timestamp)", False  # naive: taken as UTC
    return f"cast(try_cast({columns.as_text('ts')} as timestamptz) as timestamp)", True


def _uuid_sql(columns: _Columns) -> str:
    """UUID expression of `request_id`. Text is cast as sent first and trimmed only when that fails: trimming
    every 36-character id copies it, a third of the cost of typing a row (spaces never parse as a UUID, so
    an id that parses untrimmed is the id its trimmed text gives)."""
    column = columns.col("request_id")
    if columns.kind("request_id") == "UUID":  # a Parquet UUID column
        return column
    text = f"cast({column} as varchar)"
    return f"coalesce(try_cast({text} as uuid), try_cast(trim({text}) as uuid))"


def _client_cost_sql(columns: _Columns) -> str:
    kind = columns.kind("total_cost_usd")
    if kind in _NARROW_INTEGERS | _WIDE_INTEGERS | _FLOATS or kind.startswith("DECIMAL"):
        return f"try_cast({columns.col('total_cost_usd')} as decimal(38, 9))"
    return f"try_cast({columns.as_text('total_cost_usd')} as decimal(38, 9))"


def _problem_checks(
    columns: _Columns, typed: dict[str, str], numbers: dict[str, tuple[str, list]], *, ts_is_text: bool
) -> list[tuple[str, str]]:
    """[(condition, reason)] in the order the reasons are reported: the first that holds is the row's problem."""
    checks: list[tuple[str, str]] = []
    for name in REQUIRED_FIELDS:
        if not columns.present(name):
            checks.append(("true", f"missing required field {name}"))
        elif columns.kind(name) != "VARCHAR":
            checks.append((f"{columns.col(name)} is null", f"missing required field {name}"))
        elif name == "request_id":  # blank text: only an id that does not parse can be blank (see _uuid_sql)
            column = columns.col(name)
            blank = f"{column} is null or ({typed['request_id']} is null and ltrim({column}) = '')"
            checks.append((blank, f"missing required field {name}"))
        else:
            checks.append((f"{columns.as_text(name)} is null", f"missing required field {name}"))
    checks += [
        (f"{typed['request_id']} is null", "request_id is not a UUID"),
        (f"{typed['requested_at']} is null", "ts is not a timestamp"),
    ]
    if ts_is_text:
        checks.append(
            (
                utc_offset_invalid_sql(f"trim(cast({columns.col('ts')} as varchar))"),
                "ts has an impossible UTC offset (accepted: -14:00 to +14:00)",
            )
        )
    checks.append(
        (timestamp_out_of_range_sql(typed["requested_at"]), f"ts is outside the accepted range {TIMESTAMP_RANGE_TEXT}")
    )
    for name, (_, number_checks) in numbers.items():
        if columns.present(name):
            checks += number_checks
    for name in ("is_batch", "cache_hit"):
        if columns.present(name):
            checks.append(
                (f"{columns.as_text(name)} is not null and {typed[name]} is null", f"{name} is not true/false")
            )
    if columns.present("status"):
        checks.append((f"{typed['status']} not in ('ok', 'error')", "status is not ok/error"))
    if columns.present("total_cost_usd"):
        given = (
            columns.as_text("total_cost_usd")
            if columns.kind("total_cost_usd") == "VARCHAR"
            else columns.col("total_cost_usd")
        )
        checks.append(
            (f"{given} is not null and {typed['client_cost_usd']} is null", "total_cost_usd (client) is not a decimal")
        )
    return checks


def typed_select_sql(
    relation: str,
    column_types: dict[str, str],
    *,
    source_file: str,
    ingest_date: date,
    line_expression: str = "source_line",
) -> str:
    """SELECT over one file's relation giving the typed ledger columns, and `problem`: the first reason the
    row cannot be loaded (null when it passes the checks that need no rate card).

    `column_types` maps the ledger fields present in the file to their DuckDB types (VARCHAR for text
    files); absent fields are null, so a missing required field is reported per row.
    """
    columns = _Columns(column_types)
    numbers = {
        name: _number_sql(
            columns.col(name), columns.kind(name), name, MAX_TOKENS_PER_REQUEST if name in TOKEN_FIELDS else None
        )
        for name in (*TOKEN_FIELDS, "duration_ms")
    }
    ts, ts_is_text = _timestamp_sql(columns)
    typed = {
        "request_id": _uuid_sql(columns),
        "requested_at": ts,
        **{name: columns.as_text(name) for name in _TEXT_FIELDS},
        **{name: value for name, (value, _) in numbers.items()},
        "is_batch": columns.as_bool("is_batch"),
        "cache_hit": columns.as_bool("cache_hit"),
        "status": f"lower({columns.as_text('status')})",
        # the provider tier the request ran in (a card entry of its own); missing = the default tier
        "service_tier": f"coalesce(lower({columns.as_text('service_tier')}), 'default')",
        "client_cost_usd": _client_cost_sql(columns),
    }
    checks = _problem_checks(columns, typed, numbers, ts_is_text=ts_is_text)
    problem = (
        "case\n" + "\n".join(f"        when {cond} then {sql_literal(reason)}" for cond, reason in checks) + "\n    end"
    )
    projections = ",\n    ".join(f"{expr} as {name}" for name, expr in typed.items())
    return f"""
select
    {sql_literal(source_file)} as source_file,
    cast({line_expression} as bigint) as source_line,
    cast({sql_literal(ingest_date.isoformat())} as date) as ingest_date,
    {projections},
    {problem} as problem
from {relation}
"""
