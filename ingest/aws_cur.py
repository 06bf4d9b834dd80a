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
from dataclasses import dataclass, field
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
    text_or_null_sql,
    timestamp_out_of_range_sql,
    utc_offset_invalid_sql,
)
from ingest.storage import LandingStore
from ingest.tags import NORMALIZED_TAG_COLUMNS, TagMapping, load_tag_mapping

REQUIRED = (
    "line_item_line_item_type",
    "line_item_unblended_cost",
    "line_item_usage_start_date",
    "bill_billing_period_start_date",
)
# DuckDB's reject tables for CSV lines that do not split into the header's columns (temporary, per connection)
REJECTS_TABLE = "finops_cur_csv_rejects"
REJECTS_SCAN = "finops_cur_csv_scans"
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
    """One report's delivery of one billing period: its manifest (None when the files came without one), the
    data files it lists (store keys) and the report they belong to.

    `report` is the report's folder in the landing area (legacy `<prefix>/<report>`, CUR 2.0
    `<prefix>/<export>`, or the folder of manifest-less files): a load replaces (report, billing period), so
    two reports of one period (two payer accounts, a second report with other columns) never delete each
    other. `billing_period_start` is None for a manifest-less delivery: the periods are those in its rows."""

    manifest_key: str | None
    delivery_id: str
    data_keys: tuple[str, ...]
    billing_period_start: date | None
    report: str = ""


@dataclass(frozen=True)
class RejectedDelivery:
    """A delivery that cannot be loaded (a listed file is missing, the manifest is not JSON...): nothing of its
    report and period is replaced; `reason` is a one-line error naming the manifest and the problem."""

    manifest_key: str
    report: str
    error: SourceFormatError

    @property
    def reason(self) -> str:
        return str(self.error)


@dataclass
class DeliveryScan:
    """What `scan_deliveries` found: loadable deliveries, rejected ones, and warnings for the operator."""

    deliveries: list[Delivery] = field(default_factory=list)
    rejected: list[RejectedDelivery] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


DATA_SUFFIXES = (".csv", ".csv.gz", ".parquet")


def _bucket_relative(listed: str) -> list[str]:
    return [part for part in re.sub(r"^s3://[^/]+/", "", listed).split("/") if part]


def _resolve_listed(listed: str, report_root: str, anchor: list[str], folder: str, keys: set[str]) -> str | None:
    """The landing key of a file a manifest lists, matched exactly inside the delivery's own period folder.

    The landing area mirrors the bucket under some other prefix, so the listed key is re-rooted at the report
    folder: its tail from the period folder on (`<yyyymmdd-yyyymmdd>/...` or `data/BILLING_PERIOD=.../...`) must
    exist under the manifest's report folder. No suffix matching: a file of the same name in another period or
    report never stands in for a missing one."""
    parts = _bucket_relative(listed)
    for start in range(len(parts) - len(anchor), -1, -1):
        if parts[start : start + len(anchor)] == anchor:
            candidate = "/".join([report_root, *parts[start:]])
            return candidate if candidate in keys else None
    exact = "/".join(parts)  # a manifest written for this landing layout (keys relative to it or to the folder)
    scope = "/".join([report_root, *anchor]) + "/"
    for candidate in (exact, f"{folder}/{exact}"):
        if candidate in keys and candidate.startswith(scope):
            return candidate
    return None


def _manifest_layout(key: str) -> tuple[str, list[str], str] | None:
    """(report folder, anchor parts, period scope prefix) of a period manifest key, or None if it is not one.
    Legacy: `<root>/<report>/<yyyymmdd-yyyymmdd>/<name>-Manifest.json`; CUR 2.0:
    `<root>/<export>/metadata/BILLING_PERIOD=YYYY-MM/<name>-Manifest.json` (data in `<export>/data/...`)."""
    parts = key.split("/")
    if _LEGACY_MANIFEST.search(key) and len(parts) >= 3:
        report_root = "/".join(parts[:-2])
        return report_root, [parts[-2]], "/".join(parts[:-1]) + "/"
    if _CUR2_MANIFEST.search(key) and len(parts) >= 4:
        report_root = "/".join(parts[:-3])
        return report_root, ["data", parts[-2]], f"{report_root}/data/{parts[-2]}/"
    return None


def scan_deliveries(store: LandingStore, folder: str = "aws_cur") -> DeliveryScan:
    """Every delivery under `folder`: each period manifest (legacy period-level manifests and CUR 2.0
    metadata manifests) with exactly the files it lists, and every folder of CUR data files that no manifest
    covers (read as one delivery, with a warning). A manifest that cannot be used is a RejectedDelivery, not
    an exception: the other deliveries still load."""
    keys = store.list(folder)
    key_set = set(keys)
    scan = DeliveryScan()
    covered: list[str] = []  # period folders owned by a manifest, loaded or not: never read without it
    claimed: dict[str, str] = {}
    for key in keys:
        layout = _manifest_layout(key)
        if layout is None:
            continue
        report_root, anchor, scope = layout
        covered.append(scope)
        where = store.describe(key)
        try:
            manifest = json.loads(store.read_bytes(key))
            if not isinstance(manifest, dict):
                raise SourceFormatError(where, "manifest is not a JSON object")
            listed = manifest.get("reportKeys") or manifest.get("dataFiles") or []
            if not listed:
                raise SourceFormatError(where, "manifest lists no data files", field="reportKeys")
            data_keys: list[str] = []
            for item in listed:
                name = item if isinstance(item, str) else (item or {}).get("key", "")
                match = _resolve_listed(str(name), report_root, anchor, folder, key_set)
                if match is None:
                    raise SourceFormatError(
                        where, f"manifest lists {name}, which is not in the landing area under {scope}"
                    )
                if match in data_keys or match in claimed:
                    raise SourceFormatError(where, f"{match} is listed twice (also by {claimed.get(match, key)})")
                data_keys.append(match)
            period = _period_start(manifest, key, store)
        except json.JSONDecodeError as exc:
            error = SourceFormatError(where, f"manifest is not JSON: {exc}")
            scan.rejected.append(RejectedDelivery(key, report_root, error))
            continue
        except SourceFormatError as exc:
            scan.rejected.append(RejectedDelivery(key, report_root, exc))
            continue
        claimed.update(dict.fromkeys(data_keys, key))
        delivery_id = str(manifest.get("assemblyId") or manifest.get("executionId") or key)
        scan.deliveries.append(Delivery(key, delivery_id, tuple(data_keys), period, report_root))
    loose: dict[str, list[str]] = {}
    for key in keys:
        if key.lower().endswith(DATA_SUFFIXES) and not any(key.startswith(scope) for scope in covered):
            if "/metadata/" not in f"/{key}":
                loose.setdefault(key.rsplit("/", 1)[0], []).append(key)
    for report_root, data_keys in sorted(loose.items()):
        scan.warnings.append(
            f"{store.describe(report_root)}: {len(data_keys)} CUR data file(s) without a manifest, read as one "
            "delivery replacing the billing periods found in their rows"
        )
        scan.deliveries.append(Delivery(None, f"no manifest: {report_root}", tuple(data_keys), None, report_root))
    return scan


def find_deliveries(store: LandingStore, folder: str = "aws_cur") -> list[Delivery]:
    """The loadable deliveries under `folder`; raises the first rejected delivery's error (callers that must
    load the good ones anyway use `scan_deliveries`)."""
    scan = scan_deliveries(store, folder)
    if scan.rejected:
        raise scan.rejected[0].error
    return scan.deliveries


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
    local = store.local_file(key)
    if local is not None:
        return local
    target = scratch / key.replace("/", "_")
    target.write_bytes(store.read_bytes(key))
    return target


def _exact_money(text: str) -> str:
    """`try_cast(text as decimal(38, 9))`, computed through DECIMAL(18, 9) where that gives the same value.

    The 38-digit cast parses into a 128-bit integer and costs ten times the 18-digit one (64-bit); it was most of
    the CUR typing time. The 18-digit cast gives the same value for plain decimal text that fits it (|x| < 1e9)
    and null otherwise, which falls back to the exact 38-digit cast. Text in exponent notation always takes the
    38-digit cast: DuckDB's 18-digit cast of `585.4950746034162676483992E+6` drops the last digit."""
    return (
        f"coalesce(case when not contains({text}, 'e') and not contains({text}, 'E')"
        f" then try_cast({text} as decimal(18, 9)) end, try_cast({text} as decimal(38, 9)))"
    )


# Instants in this window convert to their UTC date by integer arithmetic on epoch microseconds (no ICU time zone
# call per value); outside it (broken values, `infinity`) the ICU cast runs, so every value converts as before.
_ARITHMETIC_FROM = "timestamptz '1900-01-01 00:00:00+00'"
_ARITHMETIC_TO = "timestamptz '2200-01-01 00:00:00+00'"


def _utc_date(instant: str) -> str:
    """The UTC date of a TIMESTAMPTZ (the connection runs in UTC): `cast(cast(x as timestamp) as date)`."""
    return (
        f"case when {instant} >= {_ARITHMETIC_FROM} and {instant} < {_ARITHMETIC_TO}"
        f" then cast(make_timestamp(epoch_us({instant})) as date) else cast(cast({instant} as timestamp) as date) end"
    )


def _tag_expressions(columns: dict[str, str], mapping: TagMapping | None) -> tuple[dict[str, str], str]:
    """SQL for the normalized tag columns and the raw tags JSON, from tag columns and/or a tags map."""
    tag_columns = {}
    for canonical, actual in columns.items():
        if actual.lower().startswith("resourcetags/"):
            tag_columns[actual.split("/", 1)[1]] = actual
        elif canonical.startswith("resource_tags_"):
            tag_columns[canonical[len("resource_tags_") :]] = actual
    tag_map = columns.get("resource_tags")
    mapping = mapping or load_tag_mapping()
    lowered = {key.lower(): actual for key, actual in tag_columns.items()}
    normalized = {}
    for column in NORMALIZED_TAG_COLUMNS:
        candidates = []
        for key in mapping[column]:
            if key in lowered:
                candidates.append(text_or_null_sql(sql_identifier(lowered[key])))
            if tag_map:
                path = sql_literal("$." + json.dumps(key))
                candidates.append(f"nullif(trim(json_extract_string(tags_json, {path})), '')")
        normalized[column] = f"coalesce({', '.join(candidates)})" if candidates else "cast(null as varchar)"
    if tag_map:
        raw = "tags_json"
    elif tag_columns:
        # JSON text built by concatenation (concat_ws skips the nulls; `||` of a null tag is null): cheaper than a
        # map per row; the trimmed value is the one the tag columns use, computed once
        parts = ", ".join(
            f"{sql_literal(json.dumps(key) + ':')} || cast(to_json({text_or_null_sql(sql_identifier(actual))}) as varchar)"
            for key, actual in tag_columns.items()
        )
        raw = f"nullif('{{' || concat_ws(',', {parts}) || '}}', '{{}}')"
    else:
        raw = "cast(null as varchar)"
    return normalized, raw


def cur_file_query(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source: str,
    *,
    delivery_id: str | None = None,
    tag_mapping: TagMapping | None = None,
) -> str:
    """SELECT over one CUR data file (CSV, CSV.gz or Parquet) giving CLOUD_COST_SCHEMA columns plus `problem`
    (why a row cannot load, else null), runnable on any DuckDB connection set to TimeZone UTC: the warehouse
    streams it straight into its table, `parse_cur_file` collects it as Arrow."""
    relation = _cur_relation(con, path)
    columns = _cur_columns(con, relation, source)
    return _focus_select(_typed_select(relation, columns, path, tag_mapping), source, delivery_id)


def _cur_relation(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """A relation over the file's rows, all text, with `source_line`: the row in a Parquet file (+1), null for
    CSV rows until `number_csv_rows` numbers them."""
    quoted = sql_literal(str(path))
    if str(path).endswith(".parquet"):
        relation = (
            f"(select * exclude (file_row_number), file_row_number + 1 as source_line"
            f" from read_parquet({quoted}, file_row_number = true))"
        )
    else:
        csv_options = "all_varchar = true, delim = ',', quote = '\"', header = true"
        # Rows shorter than the header are cut rows (quarantined through DuckDB's reject table) -- unless no row
        # of the file has the header's width: some generators omit trailing empty cells on every row, and such
        # a file is read with the missing cells as nulls.
        (full_rows,) = con.execute(
            f"select count(*) from (select 1 from read_csv({quoted}, {csv_options}, ignore_errors = true) limit 1)"
        ).fetchone()
        reading = (
            f"store_rejects = true, rejects_table = '{REJECTS_TABLE}', rejects_scan = '{REJECTS_SCAN}'"
            if full_rows
            else "null_padding = true"
        )
        # no line here: `row_number() over ()` would run the whole load on one thread; `number_csv_rows` gives
        # each row its line once the rows are in a table
        relation = f"(select *, cast(null as bigint) as source_line from read_csv({quoted}, {csv_options}, {reading}))"
    return relation


def _cur_columns(con: duckdb.DuckDBPyConnection, relation: str, source: str) -> dict[str, str]:
    """Canonical CUR column name -> the file's own column name; a missing required column fails the file."""
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
    return columns


def _typed_select(relation: str, columns: dict[str, str], path: Path, tag_mapping: TagMapping | None) -> str:
    """The file's fields typed (text trimmed, money DECIMAL(38,9), timestamps UTC) plus `problem`."""

    def col(name: str) -> str:
        return f"cast({sql_identifier(columns[name])} as varchar)" if name in columns else "cast(null as varchar)"

    def text(name: str) -> str:
        return text_or_null_sql(col(name))

    def money(name: str) -> str:
        return _exact_money(text(name))

    def stamp(name: str) -> str:
        # TIMESTAMPTZ, the table's type: converting to TIMESTAMP and back costs two ICU time zone calls per value
        return f"try_cast({text(name)} as timestamptz)"

    tags, raw_tags = _tag_expressions(columns, tag_mapping)
    tag_source = (
        f"cast(to_json({sql_identifier(columns['resource_tags'])}) as varchar)"
        if "resource_tags" in columns and not str(path).endswith((".csv", ".gz"))
        else (text("resource_tags") if "resource_tags" in columns else "null")
    )
    interval_start = f"try_cast(split_part({col('identity_time_interval')}, '/', 1) as timestamptz)"
    return f"""
    with source as (select *, {tag_source} as tags_json from {relation}),
    typed as (
        select
            source_line,
            {text("line_item_line_item_type")} as line_item_type,
            {money("line_item_unblended_cost")} as unblended_cost,
            {text("line_item_unblended_cost")} as unblended_cost_text,
            coalesce({stamp("line_item_usage_start_date")}, {interval_start}) as usage_start,
            {text("line_item_usage_start_date")} as usage_start_text,
            {text("bill_billing_period_start_date")} as period_start_text,
            {stamp("line_item_usage_end_date")} as usage_end,
            {_utc_date(stamp("bill_billing_period_start_date"))} as period_start,
            {_utc_date(stamp("bill_billing_period_end_date"))} as period_end,
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
            when unblended_cost_text is null then 'lineItem/UnblendedCost is empty (CUR writes 0 for no cost)'
            when line_item_type is null then 'lineItem/LineItemType is empty'
            when usage_start is null then 'lineItem/UsageStartDate is not a timestamp'
            when period_start is null then 'bill/BillingPeriodStartDate is not a timestamp'
            when {_offset_invalid("usage_start_text")} or {_offset_invalid("period_start_text")}
                then 'timestamp has an impossible UTC offset (accepted: -14:00 to +14:00)'
            when {timestamp_out_of_range_sql("usage_start", with_time_zone=True)} or {timestamp_out_of_range_sql("cast(period_start as timestamp)")}
                then {sql_literal("timestamp outside the accepted range " + TIMESTAMP_RANGE_TEXT)}
        end as problem
    from typed
    """


def _offset_invalid(text: str) -> str:
    # the offset pattern ends in digits: text ending in `Z` (how CUR writes its timestamps) cannot match, and the
    # four regular expressions per timestamp are skipped
    return f"(not suffix({text}, 'Z') and {utc_offset_invalid_sql(text)})"


def _focus_select(query: str, source: str, delivery_id: str | None) -> str:
    """The typed rows as CLOUD_COST_SCHEMA columns: FOCUS charge categories and effective cost by line item type."""
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
                -- most lines are Usage: one comparison instead of every branch
                when line_item_type = 'Usage' then 'Usage'
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
                when 'Usage' then coalesce(unblended_cost, 0)
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


def clear_csv_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """Forget the CSV lines DuckDB rejected in earlier scans on this connection (call before each file)."""
    for table in (REJECTS_TABLE, REJECTS_SCAN):
        if con.execute("select count(*) from duckdb_tables() where table_name = ?", [table]).fetchall()[0][0]:
            con.execute(f"delete from {table}").fetchall()


def csv_rejects(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str]]:
    """(line, reason, raw text) of the CSV lines the last scans could not split into the header's columns: a
    row cut mid-line, an unterminated quote. They are quarantined, never loaded with fields missing."""
    if not con.execute("select count(*) from duckdb_tables() where table_name = ?", [REJECTS_TABLE]).fetchall()[0][0]:
        return []
    # one line can be reported by several scans of the file (one per projection): once per line
    rows = con.execute(
        f"select line, min(error_type), min(csv_line) from {REJECTS_TABLE} group by line order by line"
    ).fetchall()
    return [
        (int(line), f"CSV line is not a complete row of the header's columns ({kind.lower()})", raw)
        for line, kind, raw in rows
    ]


def number_csv_rows(
    con: duckdb.DuckDBPyConnection, table: str, where: str, parameters: list, rejected_lines: list[int]
) -> int:
    """Give the rows one CSV file just inserted into `table` (those matching `where` whose `source_line` is null)
    their line in the file; returns how many were numbered.

    DuckDB keeps a file's row order when it inserts (preserve_insertion_order, set by the caller), so the rows of
    one insert have consecutive rowids in file order: the k-th is the k-th data row, on line k + 2 -- plus one for
    each line before it that DuckDB rejected (`rejected_lines`: rows cut mid-line, bad encoding), which never
    reached the table. Numbering after the insert keeps the insert parallel (a window over the scan ran it on one
    thread). Rowids that are not consecutive would make the lines wrong: that fails loudly instead."""
    rows = f"{table} where ({where}) and source_line is null"
    ((first, last, count),) = con.execute(f"select min(rowid), max(rowid), count(*) from {rows}", parameters).fetchall()
    if not count:
        return 0
    if last - first + 1 != count:
        raise AssertionError(f"{table}: {count} new rows span rowids {first}..{last}; cannot number their lines")
    # the j-th rejected line (1-based, in order) moves every row from ordinal (line - 1 - j) on down by one line
    thresholds = [line - 1 - index for index, line in enumerate(sorted(set(rejected_lines)), start=1)]
    shift = (
        "(select count(*) from unnest(cast(? as bigint[])) as shifts(threshold) where threshold <= rowid - ?)"
        if thresholds
        else "0"
    )
    con.execute(
        f"update {table} set source_line = rowid - ? + 2 + {shift} where ({where}) and source_line is null",
        [first, *([thresholds, first] if thresholds else []), *parameters],
    ).fetchall()
    return count


def parse_cur_file(path: Path, source: str, *, delivery_id: str | None = None) -> ParseResult:
    """One CUR data file -> typed rows in memory (small files, tests); rows that do not parse are rejected."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    try:
        query = cur_file_query(con, path, source, delivery_id=delivery_id)
        clear_csv_rejects(con)
        con.execute("set preserve_insertion_order = true")
        con.execute(f"create temp table finops_cur_rows as select * from ({query})").fetchall()
    except duckdb.Error as exc:  # not UTF-8, a broken Parquet file: one line naming the file
        con.close()
        raise SourceFormatError(source, f"unreadable CUR file: {str(exc).splitlines()[0]}") from None
    cut_rows = [Rejected(source, line, reason, raw) for line, reason, raw in csv_rejects(con)]
    number_csv_rows(con, "finops_cur_rows", "true", [], [row.line for row in cut_rows if row.line is not None])
    rows = con.sql("select * from finops_cur_rows order by source_line").to_arrow_table()
    problems = rows.column("problem").to_pylist()
    rejected = [
        Rejected(source, line, problem)
        for line, problem in zip(rows.column("source_line").to_pylist(), problems, strict=True)
        if problem
    ]
    rejected += cut_rows
    good = rows.filter(pa.array([problem is None for problem in problems], pa.bool_()))
    table = pa.table({name: good.column(name) for name in CLOUD_COST_SCHEMA.names}).cast(CLOUD_COST_SCHEMA)
    con.close()
    result = ParseResult(table, rejected, rows.num_rows + len(cut_rows))
    result.check_balance()
    return result


def local_files(store: LandingStore, delivery: Delivery, scratch: Path) -> list[tuple[str, Path]]:
    """(store key, local path) of a delivery's data files; files from S3 are copied into `scratch` first
    (DuckDB then streams them from disk)."""
    return [(key, _local_copy(store, key, scratch)) for key in delivery.data_keys]
