"""The model registry: `landing/model_registry/models.csv`, one row per in-house model version.

Columns (header required, order free):
| column | meaning |
|---|---|
| model_version | e.g. support-ranker-v3 (matches the `model_version` tag of training / fine-tune jobs) |
| service_start_date | YYYY-MM-DD the version entered service: capitalization date, depreciation starts that month |
| useful_life_months | whole number >= 1: straight-line depreciation period |
| other_capitalized_costs_usd | decimal, >= 0 (data labelling, evaluation, ...) added to the GPU cost; empty = 0 |
| ledger_feature_tag | the `fct_requests.feature_tag` whose requests this version serves |
| ledger_model | optional: only requests with this `fct_requests.model` (empty = every model of the feature) |
| reference_api_model | optional: LLM rate-card model the same traffic would have been priced with (break-even) |
| training_tokens | optional whole number: tokens the version was trained on |
| team | optional: owning team |

A request is served by the version of its feature (and model) whose service_start_date is the latest
on or before the request date. Bad rows are quarantined with the line and the reason.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pyarrow as pa

from ingest.common import MONEY_TYPE, ParseResult, Rejected, SourceFormatError, is_null_text, parse_decimal, to_money

REQUIRED_COLUMNS = ("model_version", "service_start_date", "useful_life_months", "ledger_feature_tag")
OPTIONAL_COLUMNS = ("other_capitalized_costs_usd", "ledger_model", "reference_api_model", "training_tokens", "team")

MODEL_REGISTRY_SCHEMA = pa.schema(
    [
        ("model_version", pa.string()),
        ("service_start_date", pa.date32()),
        ("useful_life_months", pa.int32()),
        ("other_capitalized_costs_usd", MONEY_TYPE),
        ("ledger_feature_tag", pa.string()),
        ("ledger_model", pa.string()),
        ("reference_api_model", pa.string()),
        ("training_tokens", pa.int64()),
        ("team", pa.string()),
        ("source_file", pa.string()),
        ("source_line", pa.int64()),
    ]
)


def _row(record: dict[str, str]) -> dict[str, object]:
    version = (record.get("model_version") or "").strip()
    if not version:
        raise ValueError("model_version: expected a non-empty name")
    try:
        start = date.fromisoformat((record.get("service_start_date") or "").strip())
    except ValueError:
        raise ValueError(
            f"service_start_date: expected a date YYYY-MM-DD, got {record.get('service_start_date')!r}"
        ) from None
    life_text = (record.get("useful_life_months") or "").strip()
    if not life_text.isdigit() or int(life_text) < 1:
        raise ValueError(f"useful_life_months: expected a whole number of months >= 1, got {life_text!r}")
    try:
        other = parse_decimal(record.get("other_capitalized_costs_usd")) or Decimal(0)
    except ValueError:
        raise ValueError(
            f"other_capitalized_costs_usd: expected a decimal amount, got {record.get('other_capitalized_costs_usd')!r}"
        ) from None
    if other < 0:
        raise ValueError(f"other_capitalized_costs_usd: expected an amount >= 0, got {other}")
    feature = (record.get("ledger_feature_tag") or "").strip()
    if not feature:
        raise ValueError("ledger_feature_tag: expected the feature_tag whose requests this version serves")
    tokens_text = record.get("training_tokens")
    tokens = None
    if not is_null_text(tokens_text):
        if not tokens_text.strip().isdigit():
            raise ValueError(f"training_tokens: expected a whole number, got {tokens_text!r}")
        tokens = int(tokens_text.strip())

    def optional(name: str) -> str | None:
        value = record.get(name)
        return None if is_null_text(value) else value.strip()

    return {
        "model_version": version,
        "service_start_date": start,
        "useful_life_months": int(life_text),
        "other_capitalized_costs_usd": to_money(other),
        "ledger_feature_tag": feature,
        "ledger_model": optional("ledger_model"),
        "reference_api_model": optional("reference_api_model"),
        "training_tokens": tokens,
        "team": optional("team"),
    }


def parse_model_registry(files: list[tuple[str, bytes]]) -> ParseResult:
    """Parse registry CSV files ((name, bytes) pairs). A version listed twice is rejected the second time."""
    rows: list[dict[str, object]] = []
    rejected: list[Rejected] = []
    input_rows = 0
    seen: dict[str, str] = {}
    for name, data in files:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SourceFormatError(name, f"expected UTF-8 CSV text: {exc}") from None
        reader = csv.DictReader(io.StringIO(text))
        header = [column.strip() for column in reader.fieldnames or []]
        missing = [column for column in REQUIRED_COLUMNS if column not in header]
        if missing:
            raise SourceFormatError(
                name,
                f"missing columns {missing}; expected {list(REQUIRED_COLUMNS)} (+ optional {list(OPTIONAL_COLUMNS)})",
            )
        for record in reader:
            line = reader.line_num
            input_rows += 1
            record = {(key or "").strip(): value for key, value in record.items()}
            try:
                row = _row(record)
            except ValueError as exc:
                rejected.append(Rejected(name, line, str(exc), ",".join(str(v) for v in record.values())))
                continue
            version = str(row["model_version"])
            if version in seen:
                rejected.append(
                    Rejected(name, line, f"model_version {version!r} already registered in {seen[version]}")
                )
                continue
            seen[version] = f"{name} line {line}"
            rows.append({**row, "source_file": name, "source_line": line})
    table = pa.Table.from_pylist(rows, schema=MODEL_REGISTRY_SCHEMA)
    result = ParseResult(table=table, rejected=rejected, input_rows=input_rows)
    result.check_balance()
    return result
