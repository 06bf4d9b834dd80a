"""Export of fct_costs (cloud, LLM and GPU spend as allocated to owners, plus marked accruals and
depreciation) in FOCUS column names (PascalCase), as Parquet and CSV, for FOCUS 1.2 or 1.3 (1.3 = the 1.2
columns plus ServiceProviderName, HostProviderName, the Allocated* columns and ContractApplied). The bill line's
descriptive columns (region, resource name, charge class, period end, list cost, quantity) come from
fct_cloud_costs where the line is a cloud bill line; `x_CostOrigin` tells billed money from estimates and
depreciation. The demo export passes the FinOps Foundation's validator (tests/integration/test_focus_validator.py).

How the FOCUS rules are met where our data has no direct value:
- ListCost: the bill line's list cost when the line is exported whole; otherwise (a line split over owners, a
  source without list prices) the BilledCost, as FOCUS asks of a charge without a list unit price.
  ContractedCost is the same value: we hold no negotiated price apart from the public one.
- A Purchase row that also carries unused commitment (CUR SavingsPlanRecurringFee / RIFee: billed fee, effective
  = the unused part) is two FOCUS charges: the purchase (EffectiveCost 0) and a Usage row of the unused
  commitment (BilledCost 0, CommitmentDiscountStatus Unused). Totals are unchanged.
- PricingUnit in the spec's unit format (`Hours`, `GB-Months`, `1000 Units`; see `focus_unit`), the source's
  unit kept in x_SourcePricingUnit. PricingQuantity: the line's quantity, pro rata to the part's cost when the
  line is split; 1 `Charges` when the source reports no quantity; null on Tax rows.
- Billing period timestamps are UTC instants (Parquet timestamp with zone, CSV `...Z`).

Money stays exact: DECIMAL in Parquet, fixed-point decimal strings in CSV (the shared writer in
`warehouse.csv_files`: quoted fields, formula-neutralized text, `.sha256` beside the CSV). Only FOCUS columns are
exported, and `x_`-prefixed extensions (FOCUS allows provider/consumer extensions with an x_ prefix).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ingest.common import sql_literal
from warehouse.csv_files import CsvWriter
from warehouse.duckdb_store import duckdb_settings

FOCUS_VERSIONS = ("1.2", "1.3")
DEFAULT_FOCUS_VERSION = "1.3"

_LIST_COST = (
    "case when line_parts.parts = 1 and cloud.list_cost is not null then cloud.list_cost else costs.billed_cost end"
)
# a split line's quantity goes to each part in proportion to the part's share of the line's cost
_PART_SHARE = """case
    when line_parts.parts = 1 then 1
    when line_parts.line_effective <> 0 then cast(costs.effective_cost as double) / cast(line_parts.line_effective as double)
    when line_parts.line_billed <> 0 then cast(costs.billed_cost as double) / cast(line_parts.line_billed as double)
    else 1.0 / line_parts.parts
end"""
_QUANTITY = f"""case
    when costs.charge_category = 'Tax' then null
    when cloud.pricing_quantity is null then cast(1 as decimal(38, 9))
    else cast(cloud.pricing_quantity * {_PART_SHARE} as decimal(38, 9))
end"""
_GENERATIVE_AI = "lower(coalesce(costs.service_name, '') || ' ' || costs.x_source || ' ' || costs.x_spend_kind)"
_CATEGORY = "coalesce(costs.service_category, 'Other')"

# (FOCUS column, SQL expression over `charges`, first FOCUS version that has it)
FOCUS_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("BilledCost", "billed_cost", "1.2"),
    ("EffectiveCost", "effective_cost", "1.2"),
    ("ListCost", "list_cost", "1.2"),
    ("ContractedCost", "list_cost", "1.2"),
    ("BillingAccountId", "billing_account_id", "1.2"),
    ("BillingAccountName", "billing_account_name", "1.2"),
    ("BillingCurrency", "billing_currency", "1.2"),
    ("BillingPeriodStart", "billing_period_start", "1.2"),
    ("BillingPeriodEnd", "billing_period_end", "1.2"),
    ("ChargeCategory", "charge_category", "1.2"),
    ("ChargeClass", "charge_class", "1.2"),
    ("ChargeDescription", "charge_description", "1.2"),
    ("ChargeFrequency", "charge_frequency", "1.2"),
    ("ChargePeriodStart", "charge_period_start", "1.2"),
    ("ChargePeriodEnd", "charge_period_end", "1.2"),
    ("CommitmentDiscountStatus", "commitment_discount_status", "1.2"),
    ("InvoiceId", "invoice_id", "1.2"),
    ("InvoiceIssuerName", "provider_name", "1.2"),
    ("PricingQuantity", "pricing_quantity", "1.2"),
    ("PricingUnit", "pricing_unit", "1.2"),
    ("ProviderName", "provider_name", "1.2"),
    ("PublisherName", "provider_name", "1.2"),
    ("RegionId", "region_id", "1.2"),
    ("ResourceId", "resource_id", "1.2"),
    ("ResourceName", "resource_name", "1.2"),
    ("ServiceCategory", "service_category", "1.2"),
    ("ServiceSubcategory", "service_subcategory", "1.2"),
    ("ServiceName", "service_name", "1.2"),
    ("SkuId", "sku_id", "1.2"),
    ("SubAccountId", "sub_account_id", "1.2"),
    ("SubAccountName", "sub_account_name", "1.2"),
    ("Tags", "tags", "1.2"),
    ("ServiceProviderName", "provider_name", "1.3"),
    ("HostProviderName", "host_provider_name", "1.3"),
    ("AllocatedMethodId", "allocated_method_id", "1.3"),
    ("AllocatedMethodDetails", "allocated_method_details", "1.3"),
    ("AllocatedResourceId", "allocated_resource_id", "1.3"),
    ("AllocatedResourceName", "allocated_resource_name", "1.3"),
    ("AllocatedTags", "allocated_tags", "1.3"),
    ("ContractApplied", "contract_applied", "1.3"),
    ("x_CostId", "cost_id", "1.2"),
    ("x_CostOrigin", "x_cost_origin", "1.2"),
    ("x_SpendKind", "x_spend_kind", "1.2"),
    ("x_Source", "x_source", "1.2"),
    ("x_BilledCostUsd", "x_billed_cost_usd", "1.2"),
    ("x_EffectiveCostUsd", "x_effective_cost_usd", "1.2"),
    ("x_FxRate", "x_fx_rate", "1.2"),
    ("x_Team", "team", "1.2"),
    ("x_Feature", "feature", "1.2"),
    ("x_Environment", "environment", "1.2"),
    ("x_Tenant", "tenant", "1.2"),
    ("x_AllocationReason", "x_allocation_reason", "1.2"),
    ("x_LineItemType", "line_item_type", "1.2"),
    ("x_SourcePricingUnit", "source_pricing_unit", "1.2"),
)

# one row per fct_costs row, the columns FOCUS needs; `commitment_part` splits a Purchase row that also
# carries unused commitment (see the module docstring)
_CHARGES = f"""
with line_parts as (
    select bill_line_id, count(*) as parts, sum(billed_cost) as line_billed, sum(effective_cost) as line_effective
    from fct_costs group by bill_line_id
),
rows as (
    select
        costs.cost_id,
        costs.billed_cost,
        costs.effective_cost,
        {_LIST_COST} as list_cost,
        coalesce(costs.billing_account_id, costs.service_provider_name, costs.x_source) as billing_account_id,
        cast(null as varchar) as invoice_id,  -- fct_costs keeps no invoice id yet
        cast(null as varchar) as billing_account_name,  -- no source gives us the display name yet
        costs.billing_currency,
        cast(costs.billing_period_start as timestamp) at time zone 'UTC' as billing_period_start,
        cast(coalesce(cloud.billing_period_end, costs.billing_period_start + interval 1 month) as timestamp)
            at time zone 'UTC' as billing_period_end,
        costs.charge_category,
        cloud.charge_class,
        costs.charge_description,
        costs.charge_period_start,
        costs.charge_period_end,
        coalesce(costs.service_provider_name, costs.x_source) as provider_name,
        coalesce(costs.host_provider_name, costs.service_provider_name, costs.x_source) as host_provider_name,
        {_QUANTITY} as pricing_quantity,
        coalesce(costs.pricing_unit, cloud.pricing_unit) as source_pricing_unit,
        cast(null as varchar) as pricing_unit,  -- from source_pricing_unit by a lookup (focus_unit per unit)
        cloud.region_id,
        costs.resource_id,
        cloud.resource_name,
        {_CATEGORY} as service_category,
        case
            when {_CATEGORY} = 'AI and Machine Learning' and regexp_matches({_GENERATIVE_AI},
                'openai|anthropic|bedrock|cognitive|foundry|vertex|llm|gemini|claude|gpt')
                then 'Generative AI'
            else 'Other (' || {_CATEGORY} || ')'
        end as service_subcategory,
        coalesce(costs.service_name, costs.x_source) as service_name,
        costs.sku_id,
        costs.sub_account_id,
        cloud.sub_account_name,
        costs.tags,
        costs.allocated_method_id,
        costs.x_allocation_reason as allocated_method_details,
        costs.allocated_resource_id,
        costs.allocated_resource_id as allocated_resource_name,
        costs.allocated_tags,
        cast(null as varchar) as contract_applied,
        costs.x_cost_origin,
        costs.x_spend_kind,
        costs.x_source,
        costs.x_billed_cost_usd,
        costs.x_effective_cost_usd,
        costs.x_fx_rate,
        costs.team,
        costs.feature,
        costs.environment,
        costs.tenant,
        costs.x_allocation_reason,
        cloud.line_item_type
    from fct_costs as costs
    left join fct_cloud_costs as cloud on costs.bill_line_id = cloud.cloud_cost_id
    left join line_parts on costs.bill_line_id = line_parts.bill_line_id
),
split as (
    select rows.*, 'charge' as commitment_part from rows
    union all
    select rows.*, 'unused_commitment' as commitment_part from rows
    where charge_category = 'Purchase' and effective_cost <> 0
)
select
    * replace (
        case when commitment_part = 'unused_commitment' then 'Usage' else charge_category end as charge_category,
        case when commitment_part = 'unused_commitment' then 0 else billed_cost end as billed_cost,
        case
            when commitment_part = 'unused_commitment' then effective_cost
            when charge_category = 'Purchase' then 0
            else effective_cost
        end as effective_cost,
        case
            when commitment_part = 'unused_commitment' then 0
            else list_cost
        end as list_cost,
        case when commitment_part = 'unused_commitment' then cost_id || ':unused' else cost_id end as cost_id,
        case when commitment_part = 'unused_commitment' then 'Unused commitment: ' || coalesce(charge_description, '')
            else charge_description end as charge_description
    ),
    case
        when commitment_part = 'unused_commitment' then 'Usage-Based'
        when charge_category = 'Purchase' and (line_item_type like '%Recurring%' or line_item_type = 'RIFee')
            then 'Recurring'
        when charge_category = 'Usage' and x_cost_origin = 'depreciation' then 'Recurring'
        when charge_category = 'Usage' then 'Usage-Based'
        else 'One-Time'
    end as charge_frequency,
    case when commitment_part = 'unused_commitment' then 'Unused' end as commitment_discount_status
from split
"""


@dataclass(frozen=True)
class FocusExport:
    parquet: Path
    csv: Path
    rows: int
    billed_cost: Decimal
    csv_sha256: str
    focus_version: str


_COUNT_UNIT = r"[A-Za-z][A-Za-z0-9]*(?: [A-Za-z][A-Za-z0-9]*)*"
_TIME_SINGULAR = ("Year", "Month", "Day", "Hour", "Minute", "Second")
_UNIT_WORDS = {
    "hr": "Hours",
    "hrs": "Hours",
    "hour": "Hours",
    "hours": "Hours",
    "h": "Hours",
    "month": "Months",
    "months": "Months",
    "/month": "Months",
    "day": "Days",
    "days": "Days",
    "gb/month": "GB-Months",
    "gb-mo": "GB-Months",
    "gibibyte month": "GiB-Months",
    "gb": "GB",
    "gib": "GiB",
    "requests": "Requests",
    "request": "Requests",
    "tokens": "Tokens",
    "token": "Tokens",
}
_MULTIPLIER = {"k": 1_000, "m": 1_000_000}


def focus_unit(unit: str | None) -> str | None:
    """A provider's pricing unit in the FOCUS unit format: `Hrs`/`hour`/`1 Hour` -> `Hours`, `1 GB/Month` ->
    `GB-Months`, `1K` -> `1000 Units`, `10K Tokens` -> `10000 Tokens`, `1 /Month` -> `Months`; a unit already in the
    format (a count word like `Requests`) stays; anything else becomes `Units` (the source's text is exported
    beside it)."""
    if unit is None or not unit.strip():
        return None
    text = " ".join(unit.split())
    match = re.fullmatch(r"(\d+)\s*([KkMm](?![A-Za-z]))?\s*(.*)", text)
    count, rest = 1, text
    if match:
        count = int(match.group(1)) * _MULTIPLIER.get((match.group(2) or "").lower(), 1)
        rest = match.group(3).strip()
    rest = _UNIT_WORDS.get(rest.lower().replace(" ", ""), _UNIT_WORDS.get(rest.lower(), rest))
    if not rest:
        rest = "Units"
    if not re.fullmatch(_COUNT_UNIT + r"(-[A-Za-z]+)?", rest) or rest in _TIME_SINGULAR and count != 1:
        rest = "Units"
    return rest if count == 1 else f"{count} {rest}"


# rows per Arrow batch read from DuckDB and per Parquet row group: the export holds about one batch at a time
# (Arrow, its CSV text), and DuckDB builds the batches it hands over outside its memory_limit. bench_focus_export's
# export phase, 512 MB limit, 10M rows: 65,536-row batches peaked at 995 MB, 16,384-row batches at 857 MB (and ran
# 127 -> 120 s); at 2M rows the Parquet file grows 1.6% (more row groups), the CSV is the same bytes
EXPORT_BATCH_ROWS = 16_384
# rows per sorted chunk. One ORDER BY over every FOCUS row (55 wide columns) took DuckDB far past its memory_limit
# (peak RSS 2.5 GB at 10M rows with a 512 MB limit, bench_focus_export). A chunk's sort is what the export's memory
# follows (512 MB limit, runs minutes apart on a loaded machine): 250k-row chunks peaked at 977 MB at 2M rows and
# 2,504 MB at 10M; 100k-row chunks at 764 MB and 1,034 MB, and faster (500k rows, back to back: 84 -> 52 s)
EXPORT_CHUNK_ROWS = 100_000
_SAMPLES_PER_CHUNK = 64
CSV_SLICE_ROWS = 8_192
_SCRATCH = "focus_export_scratch"


def export_focus(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    focus_version: str = DEFAULT_FOCUS_VERSION,
    *,
    batch_rows: int = EXPORT_BATCH_ROWS,
    chunk_rows: int = EXPORT_CHUNK_ROWS,
) -> FocusExport:
    """Stream fct_costs in FOCUS columns, ordered by x_CostId, into Parquet and CSV batch by batch: memory stays
    about one batch whatever the row count.

    The rows are first written unsorted to a scratch DuckDB file in `folder` (attached to `con`, which may be
    read-only; removed at the end), then read back in x_CostId ranges of about `chunk_rows` rows, each range
    sorted on its own: DuckDB never sorts more than a chunk. Ranges are contiguous and in order, so the CSV is the
    bytes one sorted query gives (10M rows: same sha256). Batches are re-cut to `batch_rows` rows, one Parquet
    row group each (one big sort emitted batches of DuckDB's own sizes, 65,536 and 57,344 rows at 10M rows)."""
    if focus_version not in FOCUS_VERSIONS:
        raise ValueError(f"FOCUS version {focus_version!r}: expected one of {', '.join(FOCUS_VERSIONS)}")
    columns = [(name, expression) for name, expression, since in FOCUS_COLUMNS if since <= focus_version]
    select = ", ".join(f"{expression} as {name}" for name, expression in columns)
    units = _focus_unit_map(con)  # before the stream: DuckDB serves one open result per connection
    folder.mkdir(parents=True, exist_ok=True)
    parquet_path, csv_path = folder / "focus_costs.parquet", folder / "focus_costs.csv"
    parquet_tmp = parquet_path.with_suffix(".parquet.tmp")
    scratch = folder / ".focus_costs.scratch.duckdb"
    rows, billed = 0, Decimal(0)
    with _scratch_charges(con, scratch, select) as table:
        with con.sql(f"select * from {table} limit 0").to_arrow_reader(batch_rows) as empty:
            schema = _export_schema(empty.schema)
        try:
            # the shared writer quotes, neutralizes formulas in text cells and writes the .sha256
            with pq.ParquetWriter(parquet_tmp, schema) as parquet, CsvWriter(csv_path, schema.names) as csv_out:
                for source_batch in _rebatched(_sorted_chunks(con, table, chunk_rows, batch_rows), batch_rows):
                    batch = _focus_batch(source_batch, schema, units)
                    parquet.write_batch(batch)
                    # the CSV text of a slice at a time: a whole batch's text (55 columns, then joined lines) is
                    # a few hundred MB of transient Arrow arrays; the lines are the same bytes either way
                    for start in range(0, batch.num_rows, CSV_SLICE_ROWS):
                        csv_out.write_batch(batch.slice(start, CSV_SLICE_ROWS))
                    rows += batch.num_rows
                    batch_billed = pc.sum(batch.column("BilledCost")).as_py()  # exact: decimal128 arithmetic
                    billed += batch_billed if batch_billed is not None else Decimal(0)
        except BaseException:
            parquet_tmp.unlink(missing_ok=True)
            raise
    parquet_tmp.replace(parquet_path)
    assert csv_out.result is not None
    return FocusExport(
        parquet=parquet_path,
        csv=csv_path,
        rows=rows,
        billed_cost=billed,
        csv_sha256=csv_out.result.sha256,
        focus_version=focus_version,
    )


@contextmanager
def _scratch_charges(con: duckdb.DuckDBPyConnection, scratch: Path, select: str) -> Iterator[str]:
    """The FOCUS rows, unsorted, in a table of a scratch database file attached to `con`; detached and deleted
    on the way out, whatever happens. Returns the table's qualified name."""
    for leftover in (scratch, scratch.with_name(scratch.name + ".wal")):
        leftover.unlink(missing_ok=True)  # a crashed export's scratch
    # writable even when `con` is read-only (an attach inherits the connection's access mode otherwise)
    con.execute(f"attach {sql_literal(str(scratch))} as {_SCRATCH} (read_only false)")
    try:
        # unsorted on purpose: a plain insert streams within the memory limit, an ordered one would not
        with duckdb_settings(con, preserve_insertion_order=False):
            con.execute(f"create table {_SCRATCH}.charges as select {select} from ({_CHARGES})")
        yield f"{_SCRATCH}.charges"
    finally:
        con.execute(f"detach {_SCRATCH}")
        for leftover in (scratch, scratch.with_name(scratch.name + ".wal")):
            leftover.unlink(missing_ok=True)


def _chunk_bounds(con: duckdb.DuckDBPyConnection, table: str, chunk_rows: int) -> list[str]:
    """x_CostId values that cut the table into ranges of about `chunk_rows` rows, ascending, from a sample (a
    bound only changes where a chunk ends, never which rows are exported or their order)."""
    ((total,),) = con.execute(f"select count(*) from {table}").fetchall()  # fetchall: the result must be finished
    chunks = -(-total // chunk_rows)
    if chunks <= 1:
        return []
    sample = sorted(
        value
        for (value,) in con.execute(
            f"select x_CostId from {table} where x_CostId is not null"
            f" using sample reservoir({chunks * _SAMPLES_PER_CHUNK} rows) repeatable (12)"
        ).fetchall()
    )
    picked = {sample[len(sample) * k // chunks] for k in range(1, chunks)} if sample else set()
    return sorted(picked)


def _sorted_chunks(
    con: duckdb.DuckDBPyConnection, table: str, chunk_rows: int, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """The table's rows in x_CostId order (nulls last, as ORDER BY puts them), one range sorted at a time."""
    bounds = _chunk_bounds(con, table, chunk_rows)
    edges: list[str | None] = [None, *bounds, None]
    ranges = []
    for low, high in zip(edges, edges[1:], strict=False):
        conditions = ["x_CostId is not null"]
        conditions += [f"x_CostId >= {sql_literal(low)}"] if low is not None else []
        conditions += [f"x_CostId < {sql_literal(high)}"] if high is not None else []
        ranges.append(" and ".join(conditions))
    ranges.append("x_CostId is null")
    for condition in ranges:
        query = f"select * from {table} where {condition} order by x_CostId"
        # closed before the next range's query: DuckDB serves one open result per connection
        with con.sql(query).to_arrow_reader(batch_rows) as reader:
            yield from reader


def _rebatched(batches: Iterable[pa.RecordBatch], size: int) -> Iterator[pa.RecordBatch]:
    """The same rows in batches of exactly `size` rows (the last one shorter): each batch is a Parquet row group,
    so the chunks' edges leave no trace in the file."""
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        while batch.num_rows:
            take = min(size - count, batch.num_rows)
            pending.append(batch.slice(0, take))
            count += take
            batch = batch.slice(take)
            if count == size:
                yield _joined(pending)
                pending, count = [], 0
    if count:
        yield _joined(pending)


def _joined(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
    if len(batches) == 1:
        return batches[0]
    return pa.Table.from_batches(batches).combine_chunks().to_batches()[0]


def _focus_unit_map(con: duckdb.DuckDBPyConnection) -> tuple[pa.Array, pa.Array]:
    """(source unit, FOCUS unit) for every distinct source unit: a few dozen at most, so `focus_unit` runs once
    per unit and each batch maps its column by lookup. A unit without a FOCUS form counts charges."""
    sources = [
        unit
        for (unit,) in con.execute(
            "select pricing_unit from fct_costs where pricing_unit is not null"
            " union select pricing_unit from fct_cloud_costs where pricing_unit is not null"
        ).fetchall()
    ]
    return pa.array(sources, pa.string()), pa.array([focus_unit(unit) or "Charges" for unit in sources], pa.string())


def _export_schema(source: pa.Schema) -> pa.Schema:
    """The query's schema with PricingUnit as text and every timestamp a UTC instant."""
    utc = pa.timestamp("us", tz="UTC")
    fields = []
    for field in source:
        if field.name == "PricingUnit":
            field = pa.field("PricingUnit", pa.string())
        elif pa.types.is_timestamp(field.type):
            field = pa.field(field.name, utc)
        fields.append(field)
    return pa.schema(fields, metadata=source.metadata)


def _focus_batch(batch: pa.RecordBatch, schema: pa.Schema, units: tuple[pa.Array, pa.Array]) -> pa.RecordBatch:
    """PricingUnit from the source's unit (x_SourcePricingUnit), a row with a quantity but no unit counting
    charges; every timestamp as a UTC instant, whatever the session's time zone."""
    arrays = []
    for field, column in zip(schema, batch.columns, strict=True):
        if field.name == "PricingUnit":
            column = _pricing_units(batch, units)
        elif pa.types.is_timestamp(column.type):
            if column.type.tz is None:  # naive timestamps in the warehouse are UTC by convention
                column = column.cast(pa.timestamp("us")).cast(field.type)
            column = column.cast(field.type)
        arrays.append(column)
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _pricing_units(batch: pa.RecordBatch, units: tuple[pa.Array, pa.Array]) -> pa.Array:
    sources, focus_units = units
    source = batch.column("x_SourcePricingUnit")
    positions = pc.index_in(source, value_set=sources.cast(source.type))
    if pc.sum(pc.and_(pc.is_valid(source), pc.is_null(positions))).as_py():
        raise RuntimeError("x_SourcePricingUnit holds a unit missing from the unit map: fct_costs changed mid-export?")
    mapped = pc.take(focus_units, positions).fill_null("Charges")
    return pc.if_else(pc.is_null(batch.column("PricingQuantity")), pa.scalar(None, pa.string()), mapped)
