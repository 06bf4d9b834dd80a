"""GCP Cloud Billing export -> CLOUD_COST_SCHEMA rows, from exported files or from BigQuery.

- Files: newline-delimited JSON and Parquet (nested records, as BigQuery exports them) and flattened CSV
  (dotted column names such as `usage.amount`; arrays serialized as JSON or as *Python repr*, which is
  read with `ast.literal_eval`, never `eval`).
- BigQuery (the production path): `fetch_export_rows` queries the export table for a usage window with
  google-cloud-bigquery (project and credentials from the environment) and feeds the same row parser.

Money: `cost` is gross; credits are nested. billed_cost = effective_cost = cost + sum(credits.amount)
(GCP's committed-use and sustained-use discounts arrive as credits); list_cost = `cost_at_list` when the
export has it, else the gross cost. `cost_type` adjustment and rounding_error land as Adjustment (a
Correction when it is an adjustment), tax as Tax. The invoice month (`invoice.month`, YYYYMM) is the
billing period: late rows for past usage belong to the invoice month they were billed in.
"""

from __future__ import annotations

import ast
import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from ingest.cloud_schema import cloud_rows_table, service_category
from ingest.common import (
    ParseResult,
    Rejected,
    SourceFormatError,
    is_null_text,
    parse_decimal,
    parse_timestamp,
    to_money,
    utc_naive,
)
from ingest.tags import TagMapping, normalize_tags, tags_json

REQUIRED = ("billing_account_id", "cost", "usage_start_time", "invoice.month")
_CHARGE_CATEGORY = {"regular": "Usage", "tax": "Tax", "adjustment": "Adjustment", "rounding_error": "Adjustment"}


def _field(row: Mapping[str, Any], dotted: str) -> Any:
    """`usage.amount` from a flattened row (key with a dot) or a nested one."""
    if dotted in row:
        return row[dotted]
    value: Any = row
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _array(value: Any, what: str) -> list:
    """A repeated record as a list of dicts: already a list, JSON text, or Python-repr text."""
    if value is None or (isinstance(value, str) and is_null_text(value)):
        return []
    if isinstance(value, list):
        return value
    if hasattr(value, "tolist"):
        return list(value.tolist())
    text = str(value).strip()
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError:
        try:
            parsed = ast.literal_eval(text)  # Python repr as in flattened CSV copies: literals only
        except (ValueError, SyntaxError):
            # our own words: Python's message can name an object's memory address, which differs every run
            raise ValueError(f"{what}: expected a list of records (JSON or a Python literal): {text[:40]!r}") from None
        if not isinstance(parsed, list):
            raise ValueError(f"expected a list of records, got {type(parsed).__name__}") from None
        return parsed


def _money(value: Any) -> Decimal | None:
    if isinstance(value, float):
        return Decimal(repr(value))  # the shortest repr is what the export wrote
    return parse_decimal(value)


def _timestamp(value: Any, what: str) -> datetime | None:
    if value is None or (isinstance(value, str) and is_null_text(value)):
        return None
    return parse_timestamp(value, what)


def _labels(value: Any, what: str) -> dict:
    return {str(item.get("key")): item.get("value") for item in _array(value, what) if isinstance(item, Mapping)}


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def parse_rows(
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    source: str,
    delivery_id: str | None = None,
    *,
    tag_mapping: TagMapping | None = None,
) -> ParseResult:
    """Parse (line, row) pairs of one delivery."""
    out: list[dict] = []
    rejected: list[Rejected] = []
    input_rows = 0
    for line, row in rows:
        input_rows += 1
        if isinstance(row, _Unreadable):
            rejected.append(Rejected(source, line, row["reason"]))
            continue
        try:
            amounts = _Amounts.read(row)
        except (ValueError, TypeError, SyntaxError, KeyError, IndexError, ArithmeticError, RecursionError) as exc:
            rejected.append(Rejected(source, line, f"unreadable row: {exc}"))
            continue
        out.append(
            {
                **_cloud_columns(row, amounts, tag_mapping),
                "delivery_id": delivery_id or str(_field(row, "export_time") or "") or None,
                "source_file": source,
                "source_line": line,
            }
        )
    table, unstorable = cloud_rows_table(out)
    result = ParseResult(table, rejected + unstorable, input_rows)
    result.check_balance()
    return result


@dataclass(frozen=True)
class _Amounts:
    """The values of a row that can be unreadable (raising ValueError and kin): a row with one is quarantined."""

    period: date
    start: datetime | None
    end: datetime | None
    tags: dict
    net: Decimal
    list_cost: Decimal
    quantity: Decimal | None

    @classmethod
    def read(cls, row: Mapping[str, Any]) -> _Amounts:
        missing = [name for name in REQUIRED if _field(row, name) in (None, "")]
        if missing:
            raise ValueError(f"missing required field {missing[0]}")
        cost = _money(_field(row, "cost"))
        credits = _array(_field(row, "credits"), "credits")
        if not all(isinstance(credit, Mapping) for credit in credits):
            raise ValueError("credits is not a list of records")
        credit_total = sum((_money(credit.get("amount")) or Decimal(0) for credit in credits), Decimal(0))
        invoice = str(_field(row, "invoice.month")).strip()
        if len(invoice) != 6 or not invoice.isdigit():
            raise ValueError(f"invoice.month is not YYYYMM: {invoice[:20]!r}")
        period = date(int(invoice[:4]), int(invoice[4:6]), 1)
        utc_naive(datetime(period.year, period.month, 1), "invoice.month")
        start = _timestamp(_field(row, "usage_start_time"), "usage_start_time")
        end = _timestamp(_field(row, "usage_end_time"), "usage_end_time")
        tags = {
            **_labels(_field(row, "project.labels"), "project.labels"),
            **_labels(_field(row, "tags"), "tags"),
            **_labels(_field(row, "labels"), "labels"),
        }
        at_list = _money(_field(row, "cost_at_list"))
        quantity = _money(_field(row, "usage.amount_in_pricing_units"))
        if cost is None:
            raise ValueError("cost is empty")
        net = to_money(cost + credit_total)
        list_cost = to_money(at_list if at_list is not None else cost)
        return cls(period, start, end, tags, net, list_cost, to_money(quantity))


def _cloud_columns(row: Mapping[str, Any], amounts: _Amounts, tag_mapping: TagMapping | None) -> dict:
    """The CLOUD_COST_SCHEMA columns of one readable row (all but the delivery and source columns)."""
    cost_type = str(_field(row, "cost_type") or "regular").lower()
    service = _field(row, "service.description")
    period = amounts.period
    return {
        "provider_name": "Google Cloud",
        "billing_account_id": str(_field(row, "billing_account_id")),
        "sub_account_id": _field(row, "project.id") or None,
        "sub_account_name": _field(row, "project.name") or None,
        "billing_period_start": period,
        "billing_period_end": _next_month(period),
        "invoice_month": period.strftime("%Y-%m"),
        "charge_period_start": amounts.start,
        "charge_period_end": amounts.end,
        "charge_category": _CHARGE_CATEGORY.get(cost_type, "Usage"),
        "charge_class": "Correction" if cost_type == "adjustment" else None,
        "charge_description": _field(row, "sku.description"),
        "line_item_type": cost_type,
        "service_name": service,
        "service_category": service_category(service),
        "resource_id": _field(row, "resource.global_name") or _field(row, "resource.name") or None,
        "resource_name": _field(row, "resource.name") or None,
        "region_id": _field(row, "location.region") or _field(row, "location.location") or None,
        "sku_id": _field(row, "sku.id"),
        "pricing_quantity": amounts.quantity,
        "pricing_unit": _field(row, "usage.pricing_unit") or None,
        "billed_cost": amounts.net,
        "effective_cost": amounts.net,
        "list_cost": amounts.list_cost,
        "billing_currency": _field(row, "currency") or "USD",
        "tags": tags_json(amounts.tags),
        **normalize_tags(amounts.tags, tag_mapping),
    }


def _decoded(content: bytes, source: str) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(source, f"expected UTF-8 text: invalid byte at offset {exc.start}") from None


def _csv_rows(content: bytes, source: str) -> Iterator[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(_decoded(content, source), newline=""))
    line = 1
    while True:
        line += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a NUL byte, a field beyond the csv module's size limit
            raise SourceFormatError(source, f"unreadable CSV record: {exc}", line=line) from None
        yield line, {key: (None if is_null_text(value) else value) for key, value in row.items()}


class _Unreadable(dict):
    """A JSON line that cannot be read: parse_rows rejects it with its reason."""


def _jsonl_rows(content: bytes, source: str) -> Iterator[tuple[int, dict]]:
    for line, text in enumerate(_decoded(content, source).splitlines(), start=1):
        if text.strip():
            try:
                record = json.loads(text, parse_float=Decimal)
            except json.JSONDecodeError as exc:
                record = _Unreadable(reason=f"not JSON: {exc.msg}")
            except RecursionError:
                record = _Unreadable(reason="JSON nested too deeply to read")
            if not isinstance(record, dict):
                record = _Unreadable(reason="expected a JSON object per line")
            yield line, record


def _parquet_rows(content: bytes, source: str) -> Iterator[tuple[int, dict]]:
    import pyarrow.parquet as pq

    try:
        rows = pq.read_table(io.BytesIO(content)).to_pylist()
    except (pa.ArrowException, OSError, ValueError, OverflowError) as exc:  # also timestamps beyond year 9999
        raise SourceFormatError(source, f"unreadable Parquet file: {exc}") from None
    yield from enumerate(rows, start=1)


def parse_export_file(content: bytes, source: str, *, tag_mapping: TagMapping | None = None) -> ParseResult:
    lower = source.lower()
    if lower.endswith(".csv"):
        header = _decoded(content, source).split("\n", 1)[0]
        for required in REQUIRED:
            if required not in header.split(","):
                raise SourceFormatError(source, f"missing required column '{required}'", field=required)
        return parse_rows(_csv_rows(content, source), source, tag_mapping=tag_mapping)
    if lower.endswith((".json", ".jsonl", ".ndjson")):
        return parse_rows(_jsonl_rows(content, source), source, tag_mapping=tag_mapping)
    if lower.endswith(".parquet"):
        return parse_rows(_parquet_rows(content, source), source, tag_mapping=tag_mapping)
    raise SourceFormatError(source, "unknown GCP export file type; expected .csv, .json/.jsonl or .parquet")


EXPORT_QUERY = """
select *
from `{table}`
where invoice.month in unnest(@invoice_months)
"""


def fetch_export_rows(
    client: Any, table: str, invoice_months: list[str], *, tag_mapping: TagMapping | None = None
) -> ParseResult:
    """Query the billing export table (e.g. `project.dataset.gcp_billing_export_v1_XXXXXX`) for whole invoice
    months ('YYYYMM'; the open month and the one before, which still takes late rows and adjustments) with
    a google-cloud-bigquery `Client`; rows are parsed exactly like exported files, and the caller replaces
    those invoice months."""
    from google.cloud import bigquery

    job = client.query(
        EXPORT_QUERY.format(table=table),
        job_config=bigquery.QueryJobConfig(
            query_parameters=[bigquery.ArrayQueryParameter("invoice_months", "STRING", invoice_months)]
        ),
    )
    rows = ((line, dict(row.items())) for line, row in enumerate(job.result(), start=1))
    return parse_rows(
        rows,
        f"bigquery://{table}",
        delivery_id="invoice months " + ",".join(invoice_months),
        tag_mapping=tag_mapping,
    )
