"""Seeded fuzzing of every parser (issue 8, "Must show"): hostile values and byte damage in one file, a good
file beside it.

Each case must end in one of the allowed outcomes:
- `rows`: the parser returned; input = loaded + quarantined (and, when the damage kept the records intact, the
  input equals the record count written by the generator); every quarantined row names the damaged file and
  has a reason; the good file beside it loaded in full;
- `file rejected`: the damaged file is one quarantined row (no line) naming it, with a reason; the rest loaded;
- `error naming the file`: a one-line SourceFormatError whose message starts with the damaged file's name
  (parsers that read one file or page at a time).
Anything else (a bare exception, a lost good row, a broken balance) is a failure with its description.

Run `python -m tests.fuzz_parsers [--cases N] [--seed S]` for the table; tests/unit/test_fuzz_parsers.py runs
it bounded in CI.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import random
import tempfile
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.common import ParseResult, SourceFormatError

# Values an attacker or a broken exporter writes into a field, as text (every format) ...
HOSTILE_TEXT = [
    "",
    " ",
    "null",
    "NaN",
    "inf",
    "-Infinity",
    "-1",
    "0",
    "12.5",
    "1e19",
    "1e400",
    "3700000000000",
    "18446744073709551615",
    "9" * 45,
    "0x10",
    "true",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00",
    "294247-01-01T00:00:00",
    "infinity",
    "2026-10-01T00:00:00+25:00",
    "2026-10-01T00:00:00+99:99",
    "2026-02-30T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "'; select * from read_text('/etc/passwd'); --",
    '"quoted, with comma"',
    '=HYPERLINK("http://x")',
    "a\nb\rc",
    "tab\there",
    "\x00",
    "é" * 5000,
    "{}",
    "[1, 2]",
    '{"team": {"nested": [1]}}',
]
# ... and as JSON values (JSON formats); "__DEEP__" becomes 100k nested brackets, "__SURROGATE__" a lone \ud800
HOSTILE_JSON = [
    *HOSTILE_TEXT,
    None,
    True,
    1.5,
    -1,
    2**63,
    2**64 + 1,
    10**30,
    3_700_000_000_000,
    {"a": 1},
    [1, [2, [3]]],
    "__DEEP__",
    "__SURROGATE__",
]
BYTE_DAMAGE = ("flip", "invalid_utf8", "truncate", "nul", "duplicate_line", "merge_lines", "empty")


def _json_line(record: dict) -> str:
    text = json.dumps(record)
    text = text.replace('"__DEEP__"', "[" * 100_000 + "]" * 100_000)
    return text.replace("__SURROGATE__", "\\ud800")


def damage_bytes(rng: random.Random, data: bytes, kind: str) -> bytes:
    if not data or kind == "empty":
        return b""
    position = rng.randrange(len(data))
    if kind == "flip":
        return data[:position] + bytes([rng.randrange(256)]) + data[position + 1 :]
    if kind == "invalid_utf8":
        return data[:position] + b"\xff\xfe\xc3" + data[position:]
    if kind == "truncate":
        return data[:position]
    if kind == "nul":
        return data[:position] + b"\x00" + data[position:]
    lines = data.split(b"\n")
    index = rng.randrange(len(lines))
    if kind == "duplicate_line":
        return b"\n".join(lines[: index + 1] + [lines[index]] + lines[index + 1 :])
    if kind == "merge_lines":
        return data.replace(b"\n", b"", 1) if index == 0 else b"\n".join(lines[:index]) + b"".join(lines[index:])
    raise ValueError(kind)


@dataclass
class Case:
    parser: str
    mutation: str
    outcome: str = ""
    problem: str = ""


@dataclass
class Report:
    cases: list[Case] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failures(self) -> list[Case]:
        return [case for case in self.cases if case.outcome == "FAILED"]

    def table(self) -> str:
        counts: dict[str, Counter] = {}
        for case in self.cases:
            counts.setdefault(case.parser, Counter())[case.outcome] += 1
        outcomes = ["rows", "file rejected", "error naming the file", "FAILED"]
        lines = [f"{'parser':<22}{'cases':>7}" + "".join(f"{name:>24}" for name in outcomes)]
        for parser, counter in counts.items():
            lines.append(
                f"{parser:<22}{sum(counter.values()):>7}" + "".join(f"{counter[name]:>24}" for name in outcomes)
            )
        total = Counter(case.outcome for case in self.cases)
        lines.append(f"{'total':<22}{len(self.cases):>7}" + "".join(f"{total[name]:>24}" for name in outcomes))
        lines.append(f"{len(self.cases)} cases in {self.seconds:.1f} s, {len(self.failures)} failed")
        for case in self.failures[:20]:
            lines.append(f"FAILED {case.parser} [{case.mutation}]: {case.problem}")
        return "\n".join(lines)


class CaseFailure(AssertionError):
    pass


def _check(condition: bool, problem: str) -> None:
    if not condition:
        raise CaseFailure(problem)


def _check_error(exc: SourceFormatError, name: str) -> str:
    message = str(exc)
    _check("\n" not in message, f"error is not one line: {message[:200]!r}")
    _check(name in message.split(":", 1)[0], f"error does not start with the file {name}: {message[:200]!r}")
    return "error naming the file"


def _check_result(result: ParseResult, name: str, expected_input: int | None) -> str:
    result.check_balance()
    for rejected in result.rejected:
        _check(bool(rejected.reason), f"quarantined row without a reason: {rejected}")
        _check(name in str(rejected.source_file), f"quarantined row names another file: {rejected}")
    if expected_input is not None:
        _check(
            result.input_rows == expected_input,
            f"input {result.input_rows} != {expected_input} records written",
        )
    return "rows"


def _run(report: Report, parser: str, mutation: str, body: Callable[[], str]) -> None:
    case = Case(parser, mutation)
    try:
        case.outcome = body()
    except CaseFailure as exc:
        case.outcome, case.problem = "FAILED", str(exc)
    except Exception as exc:  # noqa: BLE001 - the point of the fuzz: any other exception is a finding
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        case.outcome = "FAILED"
        case.problem = f"raw {type(exc).__name__} at {frame.filename}:{frame.lineno}: {str(exc)[:200]}"
    report.cases.append(case)


def _mutations(rng: random.Random, fields: list[str], cases: int, *, json_values: bool) -> list[tuple]:
    """(kind, field or damage, value) triples: two thirds hostile values, one third byte damage."""
    pool = HOSTILE_JSON if json_values else HOSTILE_TEXT
    out = []
    for index in range(cases):
        if index % 3 == 2:
            out.append(("bytes", rng.choice(BYTE_DAMAGE), None))
        else:
            out.append(("value", rng.choice(fields), rng.choice(pool)))
    return out


def _csv_bytes(header: list[str], rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (v if isinstance(v, str) else json.dumps(v)) for k, v in row.items()})
    return buffer.getvalue().encode("utf-8", "surrogatepass")


def _text_file(
    rng: random.Random, rows: list[dict], mutation: tuple, *, fmt: str, header: list[str]
) -> tuple[bytes, int | None]:
    """The file bytes after the mutation and the number of records when it kept them intact."""
    kind, what, value = mutation
    rows = [dict(row) for row in rows]
    if kind == "value":
        rows[rng.randrange(len(rows))][what] = value
    if fmt == "csv":
        if kind == "value" and not isinstance(value, str):
            value = json.dumps(value)
        data = _csv_bytes(header, rows)
        if kind == "value" and value == "__SURROGATE__":
            data = data.replace(b"__SURROGATE__", b"\xed\xa0\x80")  # a surrogate encoded as UTF-8: invalid
        if kind == "value" and value == "__DEEP__":
            data = data.replace(b"__DEEP__", b"[" * 10_000)
    else:
        data = ("\n".join(_json_line(row) for row in rows) + "\n").encode()
    if kind == "bytes":
        return damage_bytes(rng, data, what), None
    return data, len(rows)


# ------------------------------------------------------------------------------------------------- ledger

LEDGER_FIELDS = ["request_id", "ts", "model_id", "api_version", "feature_tag", "input_tokens", "output_tokens"]
LEDGER_FIELDS += ["duration_ms", "cached_input_tokens", "is_batch", "status", "total_cost_usd"]


def _ledger_rows(rng: random.Random, count: int, first: int) -> list[dict]:
    return [
        {
            "request_id": str(uuid.UUID(int=first + n)),
            "ts": f"2026-10-05T{rng.randrange(24):02d}:00:00Z",
            "model_id": rng.choice(["gpt-4o", "gpt-4o-mini", "claude-haiku-4-5"]),
            "api_version": "v1",
            "feature_tag": "chat",
            "input_tokens": rng.randrange(1, 5000),
            "output_tokens": rng.randrange(0, 500),
            "duration_ms": rng.randrange(1, 900),
            "cached_input_tokens": 0,
            "is_batch": False,
            "status": "ok",
            "total_cost_usd": "0.01",
        }
        for n in range(count)
    ]


def _parquet_bytes(rows: list[dict], mutation: tuple, rng: random.Random) -> tuple[bytes, int | None]:
    kind, what, value = mutation
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    types: dict[str, pa.DataType] = {}
    if kind == "value":
        index = rng.randrange(len(rows))
        if value in ("__DEEP__", "__SURROGATE__") or isinstance(value, (dict, list)):
            value = json.dumps(value) if not isinstance(value, str) else "[" * 1000
        columns[what][index] = value
        if isinstance(value, str):
            columns[what] = [None if v is None else str(v) for v in columns[what]]
        elif isinstance(value, bool) or value is None:
            pass
        elif isinstance(value, float):
            columns[what] = [float(v) if isinstance(v, (int, float)) else v for v in columns[what]]
            if not all(isinstance(v, float) for v in columns[what]):
                columns[what] = [str(v) for v in columns[what]]
        elif isinstance(value, int) and value >= 2**63:
            if all(isinstance(v, int) and 0 <= v < 2**64 for v in columns[what]):
                types[what] = pa.uint64()
            else:
                types[what] = pa.decimal128(38, 0)
                columns[what] = [Decimal(v) if isinstance(v, int) else None for v in columns[what]]
    try:
        table = pa.table({name: pa.array(values, types.get(name)) for name, values in columns.items()})
    except (pa.ArrowException, OverflowError):
        table = pa.table(
            {name: pa.array([None if v is None else str(v) for v in values]) for name, values in columns.items()}
        )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    data = buffer.getvalue()
    if kind == "bytes":
        return damage_bytes(rng, data, what), None
    return data, len(rows)


def fuzz_ledger(report: Report, rng: random.Random, cases: int) -> None:
    from ingest.ledger import discover_ledger_files
    from rate_cards.llm_cards import load_rate_cards
    from warehouse.duckdb_store import connect, load_balance
    from warehouse.ledger_load import load_ledger_days
    from warehouse.rate_card_load import load_llm_rate_cards

    good_day, bad_day = date(2026, 10, 5), date(2026, 10, 6)
    with tempfile.TemporaryDirectory(prefix="fuzz-ledger-") as tmp:
        root = Path(tmp)
        con = connect(root / "w.duckdb")
        load_llm_rate_cards(con, load_rate_cards())
        good_rows = _ledger_rows(rng, 20, 1)
        beside_rows = _ledger_rows(rng, 20, 1000)
        good_ids = {row["request_id"] for row in good_rows + beside_rows}
        for number, mutation in enumerate(_mutations(rng, LEDGER_FIELDS, cases, json_values=True)):
            fmt = ("jsonl", "csv", "parquet")[(number // 3) % 3]  # every format meets both kinds of damage

            def body(mutation=mutation, fmt=fmt, number=number) -> str:
                ledger = root / f"case{number}" / "ledger"
                (ledger / good_day.isoformat()).mkdir(parents=True)
                (ledger / bad_day.isoformat()).mkdir(parents=True)
                (ledger / good_day.isoformat() / "good.jsonl").write_text(
                    "".join(_json_line(r) + "\n" for r in good_rows)
                )
                (ledger / bad_day.isoformat() / "beside.jsonl").write_text(
                    "".join(_json_line(r) + "\n" for r in beside_rows)
                )
                rows = _ledger_rows(rng, 10, 5000 + number * 100)
                if fmt == "parquet":
                    data, expected = _parquet_bytes(rows, mutation, rng)
                else:
                    data, expected = _text_file(rng, rows, mutation, fmt=fmt, header=LEDGER_FIELDS)
                name = f"mutated.{fmt}"
                (ledger / bad_day.isoformat() / name).write_bytes(data)
                results = load_ledger_days(con, discover_ledger_files(ledger), [good_day, bad_day])
                loaded = {str(r[0]) for r in con.execute("select request_id from raw_ledger.requests").fetchall()}
                _check(good_ids <= loaded, f"good rows lost: {len(good_ids - loaded)}")
                balances = load_balance(con, "ledger", [good_day.isoformat(), bad_day.isoformat()])
                _check(all(row[5] for row in balances), f"audit balance broken: {balances}")
                quarantined = con.execute(
                    "select source_file, line, reason from quarantine.rejected_rows where source = 'ledger'"
                ).fetchall()
                for source_file, _, reason in quarantined:
                    _check(source_file.endswith(name), f"quarantine names another file: {source_file}: {reason}")
                    _check(bool(reason), "quarantined row without a reason")
                whole_file = [row for row in quarantined if row[1] is None]
                by_day = {r.ingest_date: r for r in results}
                mutated_input = by_day[bad_day].input_rows - len(beside_rows)
                if whole_file:
                    # the file rejected whole: none of its rows loaded, its one quarantine row stands for them all
                    _check(
                        len(quarantined) == 1 and by_day[bad_day].loaded_rows == len(beside_rows),
                        f"file rejected and rows kept: {quarantined}",
                    )
                    _check(by_day[bad_day].quarantined_rows == mutated_input, f"rejected file miscounted: {results}")
                    return "file rejected"
                if expected is not None:
                    _check(mutated_input == expected, f"input {mutated_input} != {expected} records written")
                return "rows"

            _run(report, f"ledger {fmt}", f"{mutation[0]} {mutation[1]}={str(mutation[2])[:30]!r}", body)
        con.close()


# ----------------------------------------------------------------------------------- single-file parsers


def _single_file_fuzz(
    report: Report,
    rng: random.Random,
    cases: int,
    label: str,
    name: str,
    rows: list[dict],
    parse: Callable[[bytes, str], ParseResult],
    *,
    fmt: str,
    record_count: Callable[[int], int | None] = lambda n: n,
) -> None:
    header = list(rows[0])
    for mutation in _mutations(rng, header, cases, json_values=fmt == "jsonl"):

        def body(mutation=mutation) -> str:
            data, expected = _text_file(rng, rows, mutation, fmt=fmt, header=header)
            if name.endswith(".gz"):
                data = gzip.compress(data)
            try:
                result = parse(data, name)
            except SourceFormatError as exc:
                return _check_error(exc, name)
            return _check_result(result, name, record_count(expected) if expected is not None else None)

        _run(report, label, f"{mutation[0]} {mutation[1]}={str(mutation[2])[:30]!r}", body)


def fuzz_cur(report: Report, rng: random.Random, cases: int) -> None:
    from ingest.aws_cur import parse_cur_file

    rows = [
        {
            "identity/LineItemId": f"id{n}",
            "bill/PayerAccountId": "123456789012",
            "bill/BillingPeriodStartDate": "2026-10-01T00:00:00Z",
            "lineItem/LineItemType": "Usage",
            "lineItem/UsageStartDate": f"2026-10-{1 + n % 28:02d}T00:00:00Z",
            "lineItem/UnblendedCost": f"{n}.25",
            "lineItem/UsageAmount": "1",
            "lineItem/ProductCode": "AmazonEC2",
            "resourceTags/user:team": "search",
        }
        for n in range(8)
    ]
    with tempfile.TemporaryDirectory(prefix="fuzz-cur-") as tmp:

        def parse(data: bytes, name: str) -> ParseResult:
            path = Path(tmp) / "cur.csv"
            path.write_bytes(data)
            return parse_cur_file(path, name)

        _single_file_fuzz(report, rng, cases, "aws cur csv", "aws_cur/cur.csv", rows, parse, fmt="csv")


def fuzz_azure(report: Report, rng: random.Random, cases: int) -> None:
    from ingest.azure_exports import parse_azure_export

    rows = [
        {
            "Date": f"10/{1 + n % 28:02d}/2026",
            "CostInBillingCurrency": f"{n}.5E-1",
            "BillingCurrencyCode": "USD",
            "SubscriptionId": "sub-1",
            "MeterCategory": "Azure OpenAI",
            "Quantity": "3",
            "PayGPrice": "0.5",
            "Tags": '"team": "search"',
            "BillingPeriodStartDate": "10/01/2026",
        }
        for n in range(8)
    ]
    _single_file_fuzz(report, rng, cases, "azure csv", "azure/export.csv", rows, parse_azure_export, fmt="csv")


def fuzz_gcp(report: Report, rng: random.Random, cases: int) -> None:
    from ingest.gcp_billing import parse_export_file

    flat = [
        {
            "billing_account_id": "0123-4567",
            "cost": f"{n}.125",
            "usage_start_time": f"2026-10-{1 + n % 28:02d}T00:00:00Z",
            "usage_end_time": f"2026-10-{1 + n % 28:02d}T01:00:00Z",
            "invoice.month": "202610",
            "credits": "[{'name': 'promo', 'amount': -0.5}]",
            "project.labels": '[{"key": "team", "value": "search"}]',
            "service.description": "Vertex AI",
        }
        for n in range(8)
    ]
    _single_file_fuzz(report, rng, cases // 2, "gcp csv", "gcp/export.csv", flat, parse_export_file, fmt="csv")
    nested = [
        {
            "billing_account_id": "0123-4567",
            "cost": n + 0.125,
            "usage_start_time": f"2026-10-{1 + n % 28:02d}T00:00:00Z",
            "invoice": {"month": "202610"},
            "credits": [{"name": "promo", "amount": -0.5}],
            "labels": [{"key": "team", "value": "search"}],
        }
        for n in range(8)
    ]
    _single_file_fuzz(
        report, rng, cases - cases // 2, "gcp jsonl", "gcp/export.jsonl", nested, parse_export_file, fmt="jsonl"
    )


def fuzz_focus(report: Report, rng: random.Random, cases: int) -> None:
    from ingest.focus import parse_focus_file

    rows = [
        {
            "ProviderName": "AWS",
            "BillingAccountId": "123",
            "BillingPeriodStart": "2026-10-01T00:00:00Z",
            "BillingPeriodEnd": "2026-11-01T00:00:00Z",
            "ChargePeriodStart": f"2026-10-{1 + n % 28:02d}T00:00:00Z",
            "ChargeCategory": "Usage",
            "BilledCost": f"{n}.5",
            "EffectiveCost": f"{n}.25",
            "BillingCurrency": "USD",
            "Tags": '{"team": "search"}',
            "InvoiceId": "inv-1",
        }
        for n in range(8)
    ]
    _single_file_fuzz(report, rng, cases, "focus csv", "focus/focus.csv", rows, parse_focus_file, fmt="csv")


def fuzz_bedrock(report: Report, rng: random.Random, cases: int) -> None:
    from ingest.bedrock_logs import parse_invocation_log

    rows = [
        {
            "timestamp": f"2026-10-{1 + n % 28:02d}T00:00:00Z",
            "modelId": "us.anthropic.claude-3-5-haiku-20241022-v1:0",
            "accountId": "123",
            "operation": "Converse",
            "requestId": str(uuid.UUID(int=n)),
            "input": {"inputTokenCount": 100 + n},
            "output": {"outputTokenCount": 10 + n},
        }
        for n in range(8)
    ]
    name = "bedrock/AWSLogs/123/BedrockModelInvocationLogs/us-east-1/2026/10/01/00/log.json.gz"
    _single_file_fuzz(report, rng, cases, "bedrock jsonl.gz", name, rows, parse_invocation_log, fmt="jsonl")


def fuzz_provider_pages(report: Report, rng: random.Random, cases: int) -> None:
    from ingest.provider_usage import (
        anthropic_cost_rows,
        anthropic_usage_rows,
        load_page,
        openai_cost_rows,
        openai_usage_rows,
    )

    start = 1_790_000_000
    pages = {
        "openai/usage.json": (
            openai_usage_rows,
            {"start_time": start, "end_time": start + 86400},
            {"input_tokens": 10, "output_tokens": 5, "num_model_requests": 1, "model": "gpt-4o"},
        ),
        "openai/costs.json": (
            openai_cost_rows,
            {"start_time": start, "end_time": start + 86400},
            {"amount": {"value": 0.25, "currency": "usd"}, "line_item": "gpt-4o, input"},
        ),
        "anthropic/usage.json": (
            anthropic_usage_rows,
            {"starting_at": "2026-09-21T00:00:00Z", "ending_at": "2026-09-22T00:00:00Z"},
            {"uncached_input_tokens": 10, "output_tokens": 5, "model": "claude-haiku-4-5"},
        ),
        "anthropic/costs.json": (
            anthropic_cost_rows,
            {"starting_at": "2026-09-21T00:00:00Z", "ending_at": "2026-09-22T00:00:00Z"},
            {"amount": "123.45", "currency": "USD", "model": "claude-haiku-4-5"},
        ),
    }
    names = list(pages)
    for number in range(cases):
        name = names[number % len(names)]
        parse, bucket, result = pages[name]
        keys = list(bucket) + list(result)
        mutation = (
            _mutations(rng, keys, 1, json_values=True)[0]
            if number % 3 != 2
            else ("bytes", rng.choice(BYTE_DAMAGE), None)
        )

        def body(mutation=mutation, name=name, parse=parse, bucket=bucket, result=result) -> str:
            page_bucket, page_result = dict(bucket), dict(result)
            if mutation[0] == "value":
                (page_bucket if mutation[1] in page_bucket else page_result)[mutation[1]] = mutation[2]
            text = _json_line({"data": [{**page_bucket, "results": [page_result]}], "has_more": False})
            data = text.encode()
            if mutation[0] == "bytes":
                data = damage_bytes(rng, data, mutation[1])
            try:
                rows = parse(load_page(data, name), name)
            except SourceFormatError as exc:
                return _check_error(exc, name)
            _check(len(rows) == 1, f"{len(rows)} rows from one bucket result")
            return "rows"

        _run(report, "provider pages", f"{name} {mutation[0]} {mutation[1]}={str(mutation[2])[:30]!r}", body)


# ------------------------------------------------------------------------- landing parsers (good file beside)


def _landing_fuzz(
    report: Report,
    rng: random.Random,
    cases: int,
    label: str,
    folder: str,
    good_name: str,
    good_bytes: bytes,
    mutated_name: str,
    make: Callable[[tuple], tuple[bytes, int | None]],
    fields: list[str],
    parse_landing: Callable,
    table_key: str,
    good_present: Callable[[ParseResult], bool],
) -> None:
    from ingest.storage import LocalStore

    with tempfile.TemporaryDirectory(prefix=f"fuzz-{folder}-") as tmp:
        for number, mutation in enumerate(_mutations(rng, fields, cases, json_values=True)):

            def body(mutation=mutation, number=number) -> str:
                root = Path(tmp) / f"case{number}"
                (root / folder).mkdir(parents=True)
                (root / folder / good_name).write_bytes(good_bytes)
                data, expected = make(mutation)
                (root / folder / mutated_name).write_bytes(data)
                try:
                    results = parse_landing(LocalStore(root), folder)
                except SourceFormatError as exc:
                    raise CaseFailure(f"the whole landing failed (good file lost): {exc}") from None
                result = results[table_key]
                result.check_balance()
                for other in results.values():
                    other.check_balance()
                    for rejected in other.rejected:
                        _check(mutated_name in rejected.source_file, f"good file quarantined: {rejected}")
                        _check(bool(rejected.reason), "quarantined row without a reason")
                _check(good_present(result), "the good file beside did not load in full")
                whole = [r for r in result.rejected if r.line is None]
                if (
                    whole
                    and result.table.num_rows
                    and not any(mutated_name in str(v) for v in result.table.column("source_file").to_pylist())
                ):
                    return "file rejected"
                return "rows"

            _run(report, label, f"{mutation[0]} {mutation[1]}={str(mutation[2])[:30]!r}", body)


def _spark_events(app_id: str, t0: int) -> list[dict]:
    return [
        {"Event": "SparkListenerLogStart", "Spark Version": "3.5.1"},
        {
            "Event": "SparkListenerEnvironmentUpdate",
            "Spark Properties": {"spark.executor.resource.gpu.amount": "2", "spark.finops.team": "search"},
        },
        {"Event": "SparkListenerApplicationStart", "App ID": app_id, "App Name": "n", "Timestamp": t0, "User": "u"},
        {
            "Event": "SparkListenerExecutorAdded",
            "Timestamp": t0 + 1000,
            "Executor ID": "1",
            "Executor Info": {"Host": "h"},
        },
        {
            "Event": "SparkListenerTaskEnd",
            "Stage ID": 0,
            "Stage Attempt ID": 0,
            "Task Info": {"Executor ID": "1", "Launch Time": t0 + 2000, "Finish Time": t0 + 3000},
        },
        {"Event": "SparkListenerExecutorRemoved", "Timestamp": t0 + 61_000, "Executor ID": "1"},
        {"Event": "SparkListenerApplicationEnd", "Timestamp": t0 + 62_000},
    ]


def fuzz_spark(report: Report, rng: random.Random, cases: int) -> None:
    from ingest.spark_eventlog import parse_landing

    t0 = 1_790_000_000_000
    good = ("\n".join(json.dumps(e) for e in _spark_events("app-good", t0)) + "\n").encode()
    fields = ["Timestamp", "Launch Time", "Finish Time", "Executor ID", "App ID", "Spark Properties", "Task Info"]

    def make(mutation: tuple) -> tuple[bytes, int | None]:
        events = _spark_events("app-bad", t0)
        kind, what, value = mutation
        if kind == "value":
            holders = [e for e in events if what in e] + [
                e["Task Info"] for e in events if what in e.get("Task Info", {})
            ]
            if holders:
                rng.choice(holders)[what] = value
        data = ("\n".join(_json_line(e) for e in events) + "\n").encode()
        return (damage_bytes(rng, data, what), None) if kind == "bytes" else (data, None)

    def good_present(result: ParseResult) -> bool:
        apps = {row["app_id"]: row for row in result.table.to_pylist()}
        return "app-good" in apps and apps["app-good"]["executor_gpu_seconds"] == Decimal(120)

    _landing_fuzz(
        report,
        rng,
        cases,
        "spark eventlog",
        "spark",
        "app-good",
        good,
        "app-bad",
        make,
        fields,
        parse_landing,
        "spark_apps",
        good_present,
    )


def fuzz_dcgm(report: Report, rng: random.Random, cases: int) -> None:
    from ingest.dcgm import parse_landing

    t0 = 1_790_000_000_000

    def scrape(samples: list[tuple[str, str, str]]) -> bytes:
        lines = ["# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).", "# TYPE DCGM_FI_DEV_GPU_UTIL gauge"]
        lines += [
            f'DCGM_FI_DEV_GPU_UTIL{{gpu="{gpu}",UUID="GPU-{gpu}",pod="{pod}"}} {value} {stamp}'
            for gpu, pod, (value, stamp) in samples
        ]
        return ("\n".join(lines) + "\n").encode()

    good = scrape([(str(n), "p", ("50", str(t0 + n))) for n in range(4)])
    fields = ["value", "timestamp", "label"]

    def make(mutation: tuple) -> tuple[bytes, int | None]:
        kind, what, value = mutation
        samples = [[str(n), "p", ["50", str(t0 + n)]] for n in range(4)]
        if kind == "value":
            target = rng.choice(samples)
            text = json.dumps(value) if not isinstance(value, str) else value
            if what == "value":
                target[2][0] = text
            elif what == "timestamp":
                target[2][1] = text
            else:
                target[1] = text.replace('"', '\\"')
        data = scrape([(gpu, pod, tuple(v)) for gpu, pod, v in samples])
        return (damage_bytes(rng, data, what), None) if kind == "bytes" else (data, None)

    def good_present(result: ParseResult) -> bool:
        files = result.table.column("source_file").to_pylist()
        return sum(1 for f in files if f.endswith("good.prom")) == 4

    _landing_fuzz(
        report,
        rng,
        cases,
        "dcgm scrape",
        "dcgm",
        "good.prom",
        good,
        "bad.prom",
        make,
        fields,
        parse_landing,
        "dcgm_samples",
        good_present,
    )


def fuzz_kubeflow(report: Report, rng: random.Random, cases: int) -> None:
    from ingest.kubeflow import parse_landing

    def runs(prefix: str) -> list[dict]:
        return [
            {
                "run_id": f"{prefix}-{n}",
                "display_name": "train",
                "state": "SUCCEEDED",
                "created_at": "2026-10-01T00:00:00Z",
                "finished_at": "2026-10-01T01:00:00Z",
                "pipeline_spec": {
                    "deploymentSpec": {
                        "executors": {
                            "exec-train": {
                                "container": {"resources": {"accelerator": {"type": "nvidia", "count": "2"}}}
                            }
                        }
                    }
                },
            }
            for n in range(3)
        ]

    good = json.dumps({"runs": runs("good")}).encode()
    fields = ["run_id", "created_at", "finished_at", "state", "pipeline_spec", "display_name"]

    def make(mutation: tuple) -> tuple[bytes, int | None]:
        kind, what, value = mutation
        items = runs("bad")
        if kind == "value":
            rng.choice(items)[what] = value
        data = _json_line({"runs": items}).encode()
        return (damage_bytes(rng, data, what), None) if kind == "bytes" else (data, None)

    def good_present(result: ParseResult) -> bool:
        ids = set(result.table.column("run_id").to_pylist())
        return {"good-0", "good-1", "good-2"} <= ids

    _landing_fuzz(
        report,
        rng,
        cases,
        "kubeflow runs",
        "kubeflow",
        "good.json",
        good,
        "bad.json",
        make,
        fields,
        parse_landing,
        "kfp_runs",
        good_present,
    )


FUZZERS: dict[str, Callable[[Report, random.Random, int], None]] = {
    "ledger": fuzz_ledger,
    "aws_cur": fuzz_cur,
    "azure": fuzz_azure,
    "gcp": fuzz_gcp,
    "focus": fuzz_focus,
    "spark": fuzz_spark,
    "dcgm": fuzz_dcgm,
    "kubeflow": fuzz_kubeflow,
    "bedrock": fuzz_bedrock,
    "provider_pages": fuzz_provider_pages,
}


def run_fuzz(seed: int = 8, cases_per_parser: int = 45, ledger_cases: int = 45) -> Report:
    report = Report()
    started = time.perf_counter()
    for name, fuzzer in FUZZERS.items():
        rng = random.Random(f"{seed}-{name}")
        fuzzer(report, rng, ledger_cases if name == "ledger" else cases_per_parser)
    report.seconds = time.perf_counter() - started
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--cases", type=int, default=45, help="cases per parser")
    parser.add_argument("--ledger-cases", type=int, default=45)
    args = parser.parse_args()
    report = run_fuzz(args.seed, args.cases, args.ledger_cases)
    print(report.table())
    raise SystemExit(1 if report.failures else 0)


if __name__ == "__main__":
    main()
