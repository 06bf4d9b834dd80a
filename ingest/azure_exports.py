"""Azure Cost Management exports (EA, MCA and the legacy PreTaxCost set) -> CLOUD_COST_SCHEMA rows.

Column sets differ by export version (PascalCase EA, camelCase MCA, legacy `PreTaxCost`/`UsageDateTime`/
`InstanceId`); names are matched case-insensitively from a list of candidates. UTF-8 BOM, `M/D/YYYY` and ISO
dates, scientific notation and `Tags` with or without braces are handled; money is parsed exactly.

Actual vs amortized: the two exports describe the same charges. The actual export lands as **billed**
cost, the amortized export as **effective** cost, never summed: a row from the actual export carries
billed_cost = its cost and effective_cost = 0; a row from the amortized export carries billed_cost = 0 and
effective_cost = its cost, so any grouping sums to the actual total (billed) and the amortized total
(effective). When only one kind is delivered for a period, its rows carry the same amount in both columns
(an actual-only export has no amortization to offer). The kind comes from the folder or file name
(`amortized` anywhere in the path = amortized, otherwise actual) and is kept in `export_kind`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa

from ingest.cloud_schema import cloud_rows_table, cloud_table, service_category
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

EXTRA_SCHEMA = pa.schema([("export_kind", pa.string())])

_CANDIDATES = {
    "date": ("date", "usagedatetime", "usagedate"),
    "cost": ("costinbillingcurrency", "cost", "pretaxcost", "costinusd"),
    "currency": ("billingcurrencycode", "billingcurrency", "currency"),
    "subscription_id": ("subscriptionid", "subscriptionguid"),
    "subscription_name": ("subscriptionname",),
    "billing_account_id": ("billingaccountid",),
    "period_start": ("billingperiodstartdate",),
    "period_end": ("billingperiodenddate",),
    "meter_category": ("metercategory", "servicename"),
    "meter_subcategory": ("metersubcategory",),
    "meter_name": ("metername",),
    "meter_id": ("meterid",),
    "resource_id": ("resourceid", "instanceid", "instancename"),
    "resource_name": ("resourcename",),
    "location": ("resourcelocation", "location", "meterregion"),
    "quantity": ("quantity", "usagequantity"),
    "unit": ("unitofmeasure",),
    "charge_type": ("chargetype",),
    "payg_price": ("paygprice",),
    "tags": ("tags",),
    "product": ("productname", "product"),
    "cost_center": ("costcenter",),
}
REQUIRED = ("date", "cost", "subscription_id")
_CHARGE_CATEGORY = {
    "usage": "Usage",
    "purchase": "Purchase",
    "refund": "Credit",
    "unusedreservation": "Usage",
    "unusedsavingsplan": "Usage",
    "roundingadjustment": "Adjustment",
    "tax": "Tax",
}


def parse_date(text: str | None, what: str = "date") -> date:
    """`M/D/YYYY`, `MM/DD/YYYY`, ISO dates and ISO timestamps, within the accepted range (ingest.common);
    raises ValueError naming `what` otherwise."""
    if text is None or not text.strip():
        raise ValueError(f"{what} is empty")
    value = text.strip()
    if "/" in value:
        try:
            month, day, year = value.split(" ")[0].split("/")
            parsed = date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"{what} is not a M/D/YYYY date: {value[:40]!r}") from None
    elif "T" in value or " " in value:
        return parse_timestamp(value, what).date()
    else:
        try:
            parsed = date.fromisoformat(value[:10])
        except ValueError:
            raise ValueError(f"{what} is not an ISO date: {value[:40]!r}") from None
    utc_naive(datetime(parsed.year, parsed.month, parsed.day), what)
    return parsed


def parse_tags(text: str | None) -> dict:
    """`"k": "v","k2": "v2"` (EA, no braces) or `{"k": "v"}`; empty means no tags."""
    if is_null_text(text):
        return {}
    body = text.strip()
    if not body.startswith("{"):
        body = "{" + body + "}"
    parsed = json.loads(body)
    if not isinstance(parsed, dict):
        raise ValueError("Tags is not a JSON object")
    return parsed


def export_kind_of(path: str) -> str:
    return "amortized" if "amortized" in path.lower() else "actual"


def parse_azure_export(
    content: bytes,
    source: str,
    *,
    delivery_id: str | None = None,
    both_kinds_delivered: bool = False,
    tag_mapping: TagMapping | None = None,
) -> ParseResult:
    """Parse one export file (CSV). `both_kinds_delivered`: actual and amortized exports of this period
    both exist, so each kind fills only its own cost column. `tag_mapping`: see ingest.tags (default file)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(source, f"expected UTF-8 CSV text: invalid byte at offset {exc.start}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return ParseResult(cloud_table([], EXTRA_SCHEMA), [], 0)
    except csv.Error as exc:
        raise SourceFormatError(source, f"unreadable CSV header: {exc}", line=1) from None
    columns = _column_positions(header, source)
    kind = export_kind_of(source)
    rows: list[dict] = []
    rejected: list[Rejected] = []
    input_rows = 0
    for line, record in _records(reader, source):
        if not any(cell.strip() for cell in record):
            continue
        input_rows += 1
        get = _Record(columns, record)
        try:
            amounts = _Amounts.read(get)
        except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:
            rejected.append(Rejected(source, line, f"unreadable row: {exc}", ",".join(record)[:2000]))
            continue
        cost = amounts.cost
        single_kind = not both_kinds_delivered
        billed = cost if kind == "actual" or single_kind else Decimal(0)
        effective = cost if kind == "amortized" or single_kind else Decimal(0)
        rows.append(
            {
                **_cloud_columns(get, amounts, billed=billed, effective=effective, tag_mapping=tag_mapping),
                "delivery_id": delivery_id,
                "source_file": source,
                "source_line": line,
                "export_kind": kind,
            }
        )
    table, unstorable = cloud_rows_table(rows, EXTRA_SCHEMA)
    result = ParseResult(table, rejected + unstorable, input_rows)
    result.check_balance()
    return result


def _column_positions(header: list[str], source: str) -> dict[str, int | None]:
    """field -> position of the first of its candidate columns present (case-insensitive), None if absent;
    a missing required field fails the file."""
    index = {name.strip().lower(): position for position, name in enumerate(header)}
    columns = {
        field: next((index[c] for c in candidates if c in index), None) for field, candidates in _CANDIDATES.items()
    }
    for field in REQUIRED:
        if columns[field] is None:
            raise SourceFormatError(
                source, f"missing required column: one of {list(_CANDIDATES[field])}", field=_CANDIDATES[field][0]
            )
    return columns


class _Record:
    """One CSV record read by field name: stripped text, None when absent or null."""

    def __init__(self, columns: dict[str, int | None], record: list[str]) -> None:
        self.columns = columns
        self.record = record

    def __call__(self, field: str) -> str | None:
        position = self.columns[field]
        if position is None or position >= len(self.record):
            return None
        value = self.record[position]
        return None if is_null_text(value) else value.strip()


@dataclass(frozen=True)
class _Amounts:
    """The values of a row that can be unreadable (raising ValueError and kin): a row with one is quarantined."""

    usage_date: date
    cost: Decimal
    quantity: Decimal | None
    list_cost: Decimal | None
    tags: dict
    period_start: date

    @classmethod
    def read(cls, get: _Record) -> _Amounts:
        usage_date = parse_date(get("date"))
        cost = to_money(parse_decimal(get("cost")))
        if cost is None:
            raise ValueError("cost is empty")
        quantity = to_money(parse_decimal(get("quantity")))
        payg = parse_decimal(get("payg_price"))
        list_cost = to_money(payg * quantity) if payg is not None and quantity is not None else None
        tags = parse_tags(get("tags"))
        period_start = (
            parse_date(get("period_start"), "BillingPeriodStartDate")
            if get("period_start")
            else usage_date.replace(day=1)
        )
        return cls(usage_date, cost, quantity, list_cost, tags, period_start)


def _cloud_columns(
    get: _Record, amounts: _Amounts, *, billed: Decimal, effective: Decimal, tag_mapping: TagMapping | None
) -> dict:
    """The CLOUD_COST_SCHEMA columns of one readable row (all but the delivery and source columns)."""
    tags = amounts.tags
    if get("cost_center") and "costcenter" not in {k.lower() for k in tags}:
        tags = {**tags, "CostCenter": get("cost_center")}
    charge_type = get("charge_type") or "Usage"
    period_start = amounts.period_start
    usage_date = amounts.usage_date
    start = datetime(usage_date.year, usage_date.month, usage_date.day)
    service = get("meter_category")
    return {
        "provider_name": "Microsoft",
        "billing_account_id": get("billing_account_id") or get("subscription_id"),
        "sub_account_id": get("subscription_id"),
        "sub_account_name": get("subscription_name"),
        "billing_period_start": period_start,
        "billing_period_end": _next_month(period_start),
        "invoice_month": period_start.strftime("%Y-%m"),
        "charge_period_start": start,
        "charge_period_end": start + _ONE_DAY,
        "charge_category": _CHARGE_CATEGORY.get(charge_type.replace(" ", "").lower(), "Usage"),
        "charge_class": None,
        "charge_description": " / ".join(filter(None, (get("product"), get("meter_name")))) or None,
        "line_item_type": charge_type,
        "service_name": service,
        "service_category": service_category(service, get("meter_subcategory"), get("product")),
        "resource_id": get("resource_id"),
        "resource_name": get("resource_name"),
        "region_id": get("location"),
        "sku_id": get("meter_id"),
        "pricing_quantity": amounts.quantity,
        "pricing_unit": get("unit"),
        "billed_cost": to_money(billed),
        "effective_cost": to_money(effective),
        "list_cost": amounts.list_cost,
        "billing_currency": get("currency") or "USD",
        "tags": tags_json(tags),
        **normalize_tags(tags, tag_mapping),
    }


def _records(reader, source: str):
    """(line, record) pairs of a csv reader; a record the csv module cannot read (a NUL byte, a field beyond
    its size limit) fails the file with its line."""
    line = 1
    while True:
        line += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise SourceFormatError(source, f"unreadable CSV record: {exc}", line=line) from None
        yield line, record


_ONE_DAY = timedelta(days=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


_PERIOD_FOLDER = re.compile(r"^\d{8}-\d{8}$")


def select_latest_runs(keys: list[str], manifests: dict[str, dict] | None = None) -> list[str]:
    """Keep only the latest run of each period for exports laid out as
    `<export>/<YYYYMMDD-YYYYMMDD>/<runId>/part_*.csv` (each run re-delivers the whole period). The latest run
    is the one whose `manifest.json` has the newest `runInfo.submittedTime`; without manifests, the
    greatest run folder name. Files outside that layout are all kept."""
    manifests = manifests or {}
    runs: dict[str, dict[str, list[str]]] = {}
    kept: list[str] = []
    for key in keys:
        parts = key.split("/")
        period_index = next((i for i, part in enumerate(parts[:-2]) if _PERIOD_FOLDER.match(part)), None)
        if period_index is None:
            kept.append(key)
            continue
        period = "/".join(parts[: period_index + 1])
        run = "/".join(parts[: period_index + 2])
        runs.setdefault(period, {}).setdefault(run, []).append(key)

    def run_order(run: str) -> tuple[str, str]:
        submitted = (manifests.get(run) or {}).get("runInfo", {}).get("submittedTime") or ""
        return (submitted, run)

    for period_runs in runs.values():
        latest = max(period_runs, key=run_order)
        kept.extend(period_runs[latest])
    return sorted(kept)
