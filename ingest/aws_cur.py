"""AWS Cost and Usage Reports -> CLOUD_COST_SCHEMA rows: legacy CUR (`category/Name` CSV, gzip or plain, or
Parquet), Athena-style snake_case copies, and CUR 2.0 / Data Exports (Parquet or CSV, snake_case, `resource_tags`
map or JSON text), read through the period manifest so exactly the files it lists are ingested.

Typing runs in DuckDB over the whole file (all text, then exact DECIMAL casts: empty string = null, scientific
notation parses). Header names are normalized to CUR 2.0 snake_case (`lineItem/UnblendedCost` ->
`line_item_unblended_cost`), so one query serves every flavour; unknown columns are ignored, a missing
required column fails naming the file and the column. Account ids stay text.

Amortized (effective) cost by line item type (the usual CUDOS logic, formats.md): SavingsPlanCoveredUsage ->
SavingsPlanEffectiveCost; SavingsPlanRecurringFee -> TotalCommitmentToDate - UsedCommitment;
SavingsPlanNegation and SavingsPlanUpfrontFee -> 0; DiscountedUsage -> reservation EffectiveCost; RIFee ->
UnusedAmortizedUpfrontFeeForBillingPeriod + UnusedRecurringFee; a Fee carrying a ReservationARN (the RI upfront
fee) -> 0; everything else (usage, tax, credits, refunds, discounts) -> UnblendedCost. Credits and refunds keep
their sign and their own charge category.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest.cloud_schema import CLOUD_COST_SCHEMA, service_category_sql
from ingest.common import (
    TIMESTAMP_RANGE_TEXT,
    ParseResult,
    Rejected,
    SourceFormatError,
    sql_identifier,
    sql_literal,
    timestamp_out_of_range_sql,
    utc_offset_invalid_sql,
)
from ingest.storage import LandingStore, LocalStore
from ingest.tags import NORMALIZED_TAG_COLUMNS, load_tag_mapping

REQUIRED = (
    "line_item_line_item_type",
    "line_item_unblended_cost",
    "line_item_usage_start_date",
    "bill_billing_period_start_date",
)
_LEGACY_MANIFEST = re.compile(r"(^|/)\d{8}-\d{8}/[^/]+-Manifest\.json$")
_CUR2_MANIFEST = re.compile(r"(^|/)metadata/BILLING_PERIOD=\d{4}-\d{2}/[^/]+-Manifest\.json$")


def canonical_column(name: str) -> str:
    """`lineItem/UnblendedCost` -> `line_item_unblended_cost`; snake_case names pass through lower-cased."""

    def snake(part: str) -> str:
        # every capital starts a word, as CUR 2.0 spells it: ReservationARN -> reservation_a_r_n
        return re.sub(r"(?<!^)(?=[A-Z])", "_", part).replace(" ", "_").replace("__", "_").lower()

    if "/" in name:
        category, field = name.split("/", 1)
        return f"{snake(category)}_{snake(field)}"
    return name.strip().lower()


@dataclass(frozen=True)
class Delivery:
    """One billing period's delivery: the manifest and the data files it lists (store keys)."""

    manifest_key: str
    delivery_id: str
    data_keys: tuple[str, ...]
    billing_period_start: date


def _match_key(listed: str, keys: list[str]) -> str | None:
    listed = re.sub(r"^s3://[^/]+/", "", listed).lstrip("/")
    parts = listed.split("/")
    for start in range(len(parts)):  # the longest tail of the listed key that a landed key ends with
        tail = "/".join(parts[start:])
        found = [key for key in keys if key == tail or key.endswith("/" + tail)]
        if found:
            return found[0]
    return None


def find_deliveries(store: LandingStore, folder: str = "aws_cur") -> list[Delivery]:
    """Every period manifest under `folder` (legacy period-level manifests and CUR 2.0 metadata manifests)
    with the store keys of the data files it lists."""
    keys = store.list(folder)
    deliveries = []
    for key in keys:
        if not (_LEGACY_MANIFEST.search(key) or _CUR2_MANIFEST.search(key)):
            continue
        try:
            manifest = json.loads(store.read_bytes(key))
        except json.JSONDecodeError as exc:
            raise SourceFormatError(store.describe(key), f"manifest is not JSON: {exc}") from None
        listed = manifest.get("reportKeys") or manifest.get("dataFiles") or []
        if not listed:
            raise SourceFormatError(store.describe(key), "manifest lists no data files", field="reportKeys")
        data_keys = []
        for item in listed:
            match = _match_key(item if isinstance(item, str) else item.get("key", ""), keys)
            if match is None:
                raise SourceFormatError(store.describe(key), f"manifest lists {item}, which is not in the landing area")
            data_keys.append(match)
        delivery_id = str(manifest.get("assemblyId") or manifest.get("executionId") or key)
        deliveries.append(Delivery(key, delivery_id, tuple(data_keys), _period_start(manifest, key, store)))
    return deliveries


def _period_start(manifest: dict, key: str, store: LandingStore) -> date:
    """The billing period a manifest delivers: `billingPeriod.start` (`20180801T000000.000Z` or ISO), else the
    period in its key (`BILLING_PERIOD=2026-10` or `20261001-20261101`)."""
    start = str((manifest.get("billingPeriod") or {}).get("start") or "")
    digits = re.sub(r"\D", "", start)[:8]
    if len(digits) == 8:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    match = re.search(r"BILLING_PERIOD=(\d{4})-(\d{2})", key) or re.search(r"(\d{4})(\d{2})\d{2}-\d{8}", key)
    if match:
        return date(int(match.group(1)), int(match.group(2)), 1)
    raise SourceFormatError(
        store.describe(key), "cannot tell the billing period: no billingPeriod.start", field="billingPeriod"
    )


def _local_copy(store: LandingStore, key: str, scratch: Path) -> Path:
    if isinstance(store, LocalStore):
        return store.path(key)
    target = scratch / key.replace("/", "_")
    target.write_bytes(store.read_bytes(key))
    return target


def _tag_expressions(columns: dict[str, str]) -> tuple[dict[str, str], str]:
    """SQL for the normalized tag columns and the raw tags JSON, from tag columns and/or a tags map."""
    tag_columns = {}
    for canonical, actual in columns.items():
        if actual.lower().startswith("resourcetags/"):
            tag_columns[actual.split("/", 1)[1]] = actual
        elif canonical.startswith("resource_tags_"):
            tag_columns[canonical[len("resource_tags_") :]] = actual
    tag_map = columns.get("resource_tags")
    mapping = load_tag_mapping()
    lowered = {key.lower(): actual for key, actual in tag_columns.items()}
    normalized = {}
    for column in NORMALIZED_TAG_COLUMNS:
        candidates = []
        for key in mapping[column]:
            if key in lowered:
                candidates.append(f"nullif(trim({sql_identifier(lowered[key])}), '')")
            if tag_map:
                path = sql_literal("$." + json.dumps(key))
                candidates.append(f"nullif(trim(json_extract_string(tags_json, {path})), '')")
        normalized[column] = f"coalesce({', '.join(candidates)})" if candidates else "cast(null as varchar)"
    if tag_map:
        raw = "tags_json"
    elif tag_columns:
        # JSON text built by concatenation (concat_ws skips the nulls): cheaper than a map per row
        parts = ", ".join(
            f"case when nullif(trim({sql_identifier(actual)}), '') is not null then {sql_literal(json.dumps(key) + ':')} "
            f"|| cast(to_json(trim({sql_identifier(actual)})) as varchar) end"
            for key, actual in tag_columns.items()
        )
        raw = f"nullif('{{' || concat_ws(',', {parts}) || '}}', '{{}}')"
    else:
        raw = "cast(null as varchar)"
    return normalized, raw


def cur_file_query(con: duckdb.DuckDBPyConnection, path: Path, source: str, *, delivery_id: str | None = None) -> str:
    """SELECT over one CUR data file (CSV, CSV.gz or Parquet) giving CLOUD_COST_SCHEMA columns plus `problem`
    (why a row cannot load, else null), runnable on any DuckDB connection set to TimeZone UTC: the warehouse
    streams it straight into its table, `parse_cur_file` collects it as Arrow."""
    quoted = sql_literal(str(path))
    if str(path).endswith(".parquet"):
        relation = (
            f"(select * exclude (file_row_number), file_row_number + 1 as source_line"
            f" from read_parquet({quoted}, file_row_number = true))"
        )
    else:
        relation = (
            f"(select *, row_number() over () + 1 as source_line from read_csv({quoted}, all_varchar = true, delim = ',', quote = '\"', null_padding = true,"
            " header = true))"
        )
    try:
        described = con.execute(f"describe select * from {relation}").fetchall()
    except duckdb.Error as exc:
        raise SourceFormatError(source, f"unreadable CUR file: {str(exc).splitlines()[0]}") from None
    actual_names = [row[0] for row in described if row[0] != "source_line"]
    columns: dict[str, str] = {}
    for actual in actual_names:
        columns.setdefault(canonical_column(actual), actual)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise SourceFormatError(source, f"missing required CUR column {missing[0]}", field=missing[0])

    def col(name: str) -> str:
        return f"cast({sql_identifier(columns[name])} as varchar)" if name in columns else "cast(null as varchar)"

    def text(name: str) -> str:
        return f"nullif(trim({col(name)}), '')"

    def money(name: str) -> str:
        return f"try_cast({text(name)} as decimal(38, 9))"

    def stamp(name: str) -> str:
        return f"cast(try_cast({text(name)} as timestamptz) as timestamp)"

    tags, raw_tags = _tag_expressions(columns)
    tag_source = (
        f"cast(to_json({sql_identifier(columns['resource_tags'])}) as varchar)"
        if "resource_tags" in columns and not str(path).endswith((".csv", ".gz"))
        else (text("resource_tags") if "resource_tags" in columns else "null")
    )
    interval_start = f"try_cast(split_part({col('identity_time_interval')}, '/', 1) as timestamptz)"
    query = f"""
    with source as (select *, {tag_source} as tags_json from {relation}),
    typed as (
        select
            source_line,
            {text("line_item_line_item_type")} as line_item_type,
            {money("line_item_unblended_cost")} as unblended_cost,
            {text("line_item_unblended_cost")} as unblended_cost_text,
            coalesce({stamp("line_item_usage_start_date")}, cast({interval_start} as timestamp)) as usage_start,
            {text("line_item_usage_start_date")} as usage_start_text,
            {text("bill_billing_period_start_date")} as period_start_text,
            {stamp("line_item_usage_end_date")} as usage_end,
            cast({stamp("bill_billing_period_start_date")} as date) as period_start,
            cast({stamp("bill_billing_period_end_date")} as date) as period_end,
            {text("bill_payer_account_id")} as payer_account,
            {text("line_item_usage_account_id")} as usage_account,
            {text("line_item_usage_account_name")} as usage_account_name,
            {text("product_product_name")} as product_name,
            {text("line_item_product_code")} as product_code,
            {text("line_item_usage_type")} as usage_type,
            {text("line_item_line_item_description")} as description,
            {text("line_item_resource_id")} as resource_id,
            coalesce({text("product_region_code")}, {text("product_region")}) as region,
            {money("line_item_usage_amount")} as usage_amount,
            {text("pricing_unit")} as pricing_unit,
            {money("pricing_public_on_demand_cost")} as public_cost,
            coalesce({text("line_item_currency_code")}, 'USD') as currency,
            {money("savings_plan_savings_plan_effective_cost")} as sp_effective,
            {money("savings_plan_total_commitment_to_date")} as sp_commitment,
            {money("savings_plan_used_commitment")} as sp_used,
            {money("reservation_effective_cost")} as ri_effective,
            {money("reservation_unused_amortized_upfront_fee_for_billing_period")} as ri_unused_upfront,
            {money("reservation_unused_recurring_fee")} as ri_unused_recurring,
            {text("reservation_reservation_a_r_n")} as reservation_arn,
            {raw_tags} as tags,
            {", ".join(f"{expression} as {name}" for name, expression in tags.items())}
        from source
    )
    select
        *,
        case
            when unblended_cost_text is not null and unblended_cost is null
                then 'lineItem/UnblendedCost is not a number: ' || unblended_cost_text
            when line_item_type is null then 'lineItem/LineItemType is empty'
            when usage_start is null then 'lineItem/UsageStartDate is not a timestamp'
            when period_start is null then 'bill/BillingPeriodStartDate is not a timestamp'
            when {utc_offset_invalid_sql("usage_start_text")} or {utc_offset_invalid_sql("period_start_text")}
                then 'timestamp has an impossible UTC offset (accepted: -14:00 to +14:00)'
            when {timestamp_out_of_range_sql("usage_start")} or {timestamp_out_of_range_sql("cast(period_start as timestamp)")}
                then {sql_literal("timestamp outside the accepted range " + TIMESTAMP_RANGE_TEXT)}
        end as problem
    from typed
    """
    return f"""
        select
            'AWS' as provider_name,
            coalesce(payer_account, usage_account) as billing_account_id,
            usage_account as sub_account_id,
            usage_account_name as sub_account_name,
            period_start as billing_period_start,
            coalesce(period_end, cast(date_trunc('month', period_start) + interval 1 month as date)) as billing_period_end,
            strftime(period_start, '%Y-%m') as invoice_month,
            usage_start as charge_period_start,
            usage_end as charge_period_end,
            case
                when line_item_type = 'Tax' then 'Tax'
                when line_item_type in ('Credit', 'Refund') or line_item_type like '%Discount' then 'Credit'
                when line_item_type in ('Fee', 'RIFee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee')
                    then 'Purchase'
                else 'Usage'
            end as charge_category,
            case when line_item_type = 'Refund' then 'Correction' end as charge_class,
            description as charge_description,
            line_item_type,
            coalesce(product_name, product_code) as service_name,
            {service_category_sql("coalesce(product_name, product_code)")} as service_category,
            resource_id,
            cast(null as varchar) as resource_name,
            region as region_id,
            usage_type as sku_id,
            usage_amount as pricing_quantity,
            pricing_unit,
            coalesce(unblended_cost, 0) as billed_cost,
            case line_item_type
                when 'SavingsPlanCoveredUsage' then coalesce(sp_effective, 0)
                when 'SavingsPlanRecurringFee' then coalesce(sp_commitment, 0) - coalesce(sp_used, 0)
                when 'SavingsPlanNegation' then 0
                when 'SavingsPlanUpfrontFee' then 0
                when 'DiscountedUsage' then coalesce(ri_effective, 0)
                when 'RIFee' then coalesce(ri_unused_upfront, 0) + coalesce(ri_unused_recurring, 0)
                when 'Fee' then case when reservation_arn is not null then 0 else coalesce(unblended_cost, 0) end
                else coalesce(unblended_cost, 0)
            end as effective_cost,
            public_cost as list_cost,
            currency as billing_currency,
            tags,
            {", ".join(NORMALIZED_TAG_COLUMNS)},
            {sql_literal(delivery_id or "")} as delivery_id,
            {sql_literal(source)} as source_file,
            source_line,
            problem
        from ({query})
    """


def parse_cur_file(path: Path, source: str, *, delivery_id: str | None = None) -> ParseResult:
    """One CUR data file -> typed rows in memory (small files, tests); rows that do not parse are rejected."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    try:
        query = cur_file_query(con, path, source, delivery_id=delivery_id)
        rows = con.sql(f"select * from ({query}) order by source_line").to_arrow_table()
    except duckdb.Error as exc:  # not UTF-8, a broken Parquet file: one line naming the file
        con.close()
        raise SourceFormatError(source, f"unreadable CUR file: {str(exc).splitlines()[0]}") from None
    problems = rows.column("problem").to_pylist()
    rejected = [
        Rejected(source, line, problem)
        for line, problem in zip(rows.column("source_line").to_pylist(), problems, strict=True)
        if problem
    ]
    good = rows.filter(pa.array([problem is None for problem in problems], pa.bool_()))
    table = pa.table({name: good.column(name) for name in CLOUD_COST_SCHEMA.names}).cast(CLOUD_COST_SCHEMA)
    con.close()
    result = ParseResult(table, rejected, rows.num_rows)
    result.check_balance()
    return result


def local_files(store: LandingStore, delivery: Delivery, scratch: Path) -> list[tuple[str, Path]]:
    """(store key, local path) of a delivery's data files; files from S3 are copied into `scratch` first
    (DuckDB then streams them from disk)."""
    return [(key, _local_copy(store, key, scratch)) for key in delivery.data_keys]
