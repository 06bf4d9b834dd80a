"""FOCUS files (1.0-preview to 1.4) from any provider -> CLOUD_COST_SCHEMA rows (+ EXTRA_SCHEMA).

The version is detected from the header (columns added per version, see `detect_version`) and recorded on
every row (`focus_version`). The provider is 1.3's ServiceProviderName (who sells the service), else the older
ProviderName; 1.3's HostProviderName is kept beside it, and 1.4 files (no ProviderName / PublisherName) need
ServiceProviderName. Columns the cloud schema has no place for (other FOCUS columns, `x_` extensions, anything
else) are kept as a JSON object in `extra_columns`, so nothing in the file is dropped. A file lacking the
required FOCUS columns fails with the list of what it lacks. Literal `NULL`
and empty strings are null; timestamps may be ISO-8601 or `2024-09-18 22:00:00` (taken as UTC); `Tags` is
JSON text; account ids stay strings. 1.0-preview names (`ChargeType`, `Provider`, `Region`) are accepted.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from typing import Any

import pyarrow as pa

from ingest.cloud_schema import cloud_rows_table
from ingest.common import (
    ParseResult,
    Rejected,
    SourceFormatError,
    is_null_text,
    parse_decimal,
    parse_timestamp,
    to_money,
)
from ingest.tags import TagMapping, normalize_tags, tags_json

_ADDED_IN_1_4 = {"InvoiceDetailId", "CommitmentProgramEligibilityDetails"}
_ADDED_IN_1_3 = {
    "ServiceProviderName",
    "HostProviderName",
    "AllocatedMethodId",
    "AllocatedMethodDetails",
    "AllocatedResourceId",
    "AllocatedResourceName",
    "AllocatedTags",
    "ContractApplied",
}
_ADDED_IN_1_2 = {"InvoiceId", "BillingAccountType", "SubAccountType", "PricingCurrency"}
_ADDED_IN_1_1 = {
    "ServiceSubcategory",
    "SkuMeter",
    "SkuPriceDetails",
    "CommitmentDiscountQuantity",
    "CapacityReservationId",
}
# snake_case name -> FOCUS column ids, newest first (1.0-preview spellings last)
_COLUMNS = {
    "provider_name": ("ServiceProviderName", "ProviderName", "Provider"),
    "host_provider_name": ("HostProviderName",),
    "billing_account_id": ("BillingAccountId",),
    "sub_account_id": ("SubAccountId",),
    "sub_account_name": ("SubAccountName",),
    "billing_period_start": ("BillingPeriodStart",),
    "billing_period_end": ("BillingPeriodEnd",),
    "charge_period_start": ("ChargePeriodStart",),
    "charge_period_end": ("ChargePeriodEnd",),
    "charge_category": ("ChargeCategory", "ChargeType"),
    "charge_class": ("ChargeClass",),
    "charge_description": ("ChargeDescription",),
    "service_name": ("ServiceName",),
    "service_category": ("ServiceCategory",),
    "resource_id": ("ResourceId",),
    "resource_name": ("ResourceName",),
    "region_id": ("RegionId", "Region"),
    "sku_id": ("SkuId",),
    "pricing_quantity": ("PricingQuantity",),
    "pricing_unit": ("PricingUnit",),
    "billed_cost": ("BilledCost",),
    "effective_cost": ("EffectiveCost",),
    "list_cost": ("ListCost",),
    "billing_currency": ("BillingCurrency",),
    "tags": ("Tags",),
    "invoice_id": ("InvoiceId",),
}
REQUIRED = (
    "provider_name",
    "billing_account_id",
    "billing_period_start",
    "charge_period_start",
    "charge_category",
    "billed_cost",
    "billing_currency",
)
_MONEY = ("billed_cost", "effective_cost", "list_cost", "pricing_quantity")
EXTRA_SCHEMA = pa.schema(
    [
        ("focus_version", pa.string()),  # detected from the file's columns: 1.0-preview, 1.0 ... 1.4
        ("host_provider_name", pa.string()),  # FOCUS 1.3+ HostProviderName (where the service runs)
        ("extra_columns", pa.string()),  # JSON object of the file's other columns, by their names in the file
    ]
)


def detect_version(header: list[str]) -> str:
    columns = set(header)
    if columns & _ADDED_IN_1_4:
        return "1.4"
    if columns & _ADDED_IN_1_3:
        return "1.3"
    if columns & _ADDED_IN_1_2:
        return "1.2"
    if columns & _ADDED_IN_1_1:
        return "1.1"
    if "ChargeCategory" in columns:
        return "1.0"
    if "ChargeType" in columns:
        return "1.0-preview"
    raise ValueError("not a FOCUS header: neither ChargeCategory nor ChargeType is present")


def _records(content: bytes, source: str) -> tuple[list[str], list[tuple[int, dict]]]:
    if source.lower().endswith(".parquet"):
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(io.BytesIO(content))
            pylist = table.to_pylist()
        except (pa.ArrowException, OSError, ValueError, OverflowError) as exc:  # also timestamps beyond year 9999
            raise SourceFormatError(source, f"unreadable Parquet file: {exc}") from None
        rows = [
            (
                line,
                {
                    k: (None if v is None else (v if isinstance(v, (datetime, date)) else str(v)))
                    for k, v in row.items()
                },
            )
            for line, row in enumerate(pylist, start=1)
        ]
        return table.column_names, rows
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(source, f"expected UTF-8 CSV text: invalid byte at offset {exc.start}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    records: list[tuple[int, dict]] = []
    try:
        header = list(reader.fieldnames or [])
        for line, record in enumerate(reader, start=2):
            records.append((line, record))
    except csv.Error as exc:  # a NUL byte, a field beyond the csv module's size limit
        raise SourceFormatError(source, f"unreadable CSV record: {exc}", line=len(records) + 2) from None
    return header, records


def parse_focus_file(content: bytes, source: str, *, tag_mapping: TagMapping | None = None) -> ParseResult:
    header, records = _records(content, source)
    present = {name: next((c for c in candidates if c in header), None) for name, candidates in _COLUMNS.items()}
    missing = [" or ".join(_COLUMNS[name]) for name in REQUIRED if present[name] is None]
    try:
        version = detect_version(header)
    except ValueError:
        raise SourceFormatError(
            source, f"not a FOCUS file: it lacks the FOCUS columns {', '.join(missing)}", field=missing[0]
        ) from None
    if missing:
        raise SourceFormatError(
            source, f"missing required FOCUS {version} column(s): {', '.join(missing)}", field=missing[0]
        )
    mapped = {column for column in present.values() if column}
    extra_names = [column for column in header if column not in mapped]
    rows: list[dict] = []
    rejected: list[Rejected] = []
    for line, record in records:

        def get(name: str, record=record) -> Any:
            column = present[name]
            value = record.get(column) if column else None
            return None if value is None or (isinstance(value, str) and is_null_text(value)) else value

        try:
            values = {name: get(name) for name in _COLUMNS}
            for name in _MONEY:
                values[name] = to_money(parse_decimal(values[name]))
            for name in REQUIRED:
                if values[name] is None:
                    raise ValueError(f"{_COLUMNS[name][0]} is empty")
            for name in ("charge_period_start", "charge_period_end", "billing_period_start", "billing_period_end"):
                if values[name] is not None:
                    moment = values[name]
                    if isinstance(moment, date) and not isinstance(moment, datetime):
                        moment = datetime(moment.year, moment.month, moment.day)
                    values[name] = parse_timestamp(
                        moment if isinstance(moment, datetime) else str(moment), _COLUMNS[name][0]
                    )
            extra = {column: _json_value(record.get(column)) for column in extra_names}
            tags = json.loads(values["tags"]) if values["tags"] else {}
            if not isinstance(tags, dict):
                raise ValueError(f"Tags is not a JSON object: {str(values['tags'])[:80]!r}")
        except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:
            rejected.append(Rejected(source, line, f"unreadable row: {exc}"))
            continue
        period_start = values["billing_period_start"].date()
        period_end = values["billing_period_end"].date() if values["billing_period_end"] else None
        invoice_id = values.pop("invoice_id")
        rows.append(
            {
                **values,
                "billing_period_start": period_start,
                "billing_period_end": period_end,
                "invoice_month": period_start.strftime("%Y-%m"),
                "effective_cost": values["effective_cost"]
                if values["effective_cost"] is not None
                else values["billed_cost"],
                "line_item_type": values["charge_category"],
                "charge_category": _charge_category(values["charge_category"]),
                "tags": tags_json(tags),
                **normalize_tags(tags, tag_mapping),
                "delivery_id": invoice_id or f"focus-{version}",
                "source_file": source,
                "source_line": line,
                "focus_version": version,
                "extra_columns": json.dumps(extra, sort_keys=True) if extra else None,
            }
        )
    table, unstorable = cloud_rows_table(rows, EXTRA_SCHEMA)
    result = ParseResult(table, rejected + unstorable, len(records))
    result.check_balance()
    return result


def _json_value(value: Any) -> Any:
    """A cell as JSON: text as it is, dates and timestamps as ISO text, null (or `NULL` text) as null."""
    if value is None or (isinstance(value, str) and is_null_text(value)):
        return None
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _charge_category(value: str) -> str:
    """1.0-preview ChargeType values map onto the 1.0 categories."""
    mapping = {
        "usage": "Usage",
        "purchase": "Purchase",
        "tax": "Tax",
        "credit": "Credit",
        "adjustment": "Adjustment",
        "refund": "Credit",
    }
    return mapping.get(str(value).strip().lower(), str(value))
