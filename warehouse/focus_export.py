"""Export of fct_costs (cloud, LLM and GPU spend as allocated to owners, plus marked accruals and
depreciation) in FOCUS column names (PascalCase), as Parquet and CSV. The bill line's descriptive columns
(region, resource name, charge class, period end, list cost) come from fct_cloud_costs where the line is a
cloud bill line; `x_CostOrigin` tells billed money from estimates and depreciation.

Money stays exact: DECIMAL in Parquet, fixed-point decimal strings in CSV (the shared writer in
`warehouse.csv_files`: quoted fields, formula-neutralized text, `.sha256` beside the CSV). Only FOCUS columns are
exported (1.2, plus the 1.3 allocation and provider columns), and `x_`-prefixed extensions (FOCUS allows
provider/consumer extensions with an x_ prefix).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from warehouse.csv_files import write_csv

FOCUS_COLUMNS = (
    ("BilledCost", "costs.billed_cost"),
    ("EffectiveCost", "costs.effective_cost"),
    # a cloud line's list cost belongs to the whole line: only an unsplit line carries it
    ("ListCost", "case when line_parts.parts = 1 then cloud.list_cost end"),
    ("BillingAccountId", "costs.billing_account_id"),
    ("BillingCurrency", "costs.billing_currency"),
    ("BillingPeriodStart", "cast(costs.billing_period_start as timestamp)"),
    (
        "BillingPeriodEnd",
        "cast(coalesce(cloud.billing_period_end, costs.billing_period_start + interval 1 month) as timestamp)",
    ),
    ("ChargeCategory", "costs.charge_category"),
    ("ChargeClass", "cloud.charge_class"),
    ("ChargeDescription", "costs.charge_description"),
    ("ChargePeriodStart", "costs.charge_period_start"),
    ("ChargePeriodEnd", "costs.charge_period_end"),
    ("InvoiceIssuerName", "costs.service_provider_name"),
    ("PricingUnit", "costs.pricing_unit"),
    ("ProviderName", "costs.service_provider_name"),
    ("PublisherName", "costs.service_provider_name"),
    ("ServiceProviderName", "costs.service_provider_name"),
    ("HostProviderName", "costs.host_provider_name"),
    ("RegionId", "cloud.region_id"),
    ("ResourceId", "costs.resource_id"),
    ("ResourceName", "cloud.resource_name"),
    ("ServiceCategory", "costs.service_category"),
    ("ServiceName", "costs.service_name"),
    ("SkuId", "costs.sku_id"),
    ("SubAccountId", "costs.sub_account_id"),
    ("SubAccountName", "cloud.sub_account_name"),
    ("Tags", "costs.tags"),
    ("AllocatedMethodId", "costs.allocated_method_id"),
    ("AllocatedResourceId", "costs.allocated_resource_id"),
    ("AllocatedTags", "costs.allocated_tags"),
    ("x_CostOrigin", "costs.x_cost_origin"),
    ("x_SpendKind", "costs.x_spend_kind"),
    ("x_Source", "costs.x_source"),
    ("x_BilledCostUsd", "costs.x_billed_cost_usd"),
    ("x_EffectiveCostUsd", "costs.x_effective_cost_usd"),
    ("x_FxRate", "costs.x_fx_rate"),
    ("x_Team", "costs.team"),
    ("x_Feature", "costs.feature"),
    ("x_Environment", "costs.environment"),
    ("x_Tenant", "costs.tenant"),
    ("x_AllocationReason", "costs.x_allocation_reason"),
    ("x_LineItemType", "cloud.line_item_type"),
)
_FROM = """
from fct_costs as costs
left join fct_cloud_costs as cloud on costs.bill_line_id = cloud.cloud_cost_id
left join (select bill_line_id, count(*) as parts from fct_costs group by bill_line_id) as line_parts
    on costs.bill_line_id = line_parts.bill_line_id
"""


@dataclass(frozen=True)
class FocusExport:
    parquet: Path
    csv: Path
    rows: int
    billed_cost: Decimal
    csv_sha256: str


def export_focus(con: duckdb.DuckDBPyConnection, folder: Path) -> FocusExport:
    select = ", ".join(f"{expression} as {name}" for name, expression in FOCUS_COLUMNS)
    table = con.sql(f"select {select} {_FROM} order by costs.cost_id").to_arrow_table()
    folder.mkdir(parents=True, exist_ok=True)
    parquet_path, csv_path = folder / "focus_costs.parquet", folder / "focus_costs.csv"
    pq.write_table(table, parquet_path.with_suffix(".parquet.tmp"))
    parquet_path.with_suffix(".parquet.tmp").replace(parquet_path)
    # the shared writer quotes, neutralizes formulas in text cells and writes the .sha256
    written = write_csv(
        csv_path, table.column_names, zip(*(column.to_pylist() for column in table.columns), strict=True)
    )
    billed = sum((value for value in table.column("BilledCost").to_pylist() if value is not None), Decimal(0))
    return FocusExport(
        parquet=parquet_path, csv=csv_path, rows=table.num_rows, billed_cost=billed, csv_sha256=written.sha256
    )
