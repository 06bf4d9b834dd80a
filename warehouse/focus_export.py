"""Export of fct_cloud_costs in FOCUS 1.2 column names (PascalCase), as Parquet and CSV.

Money stays exact: DECIMAL in Parquet, fixed-point decimal strings in CSV (the shared writer in
`warehouse.csv_files`: quoted fields, formula-neutralized text, `.sha256` beside the CSV). Only FOCUS columns are
exported, plus `x_`-prefixed extensions for our normalized tags and AI workload (FOCUS allows
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
    ("BilledCost", "billed_cost"),
    ("EffectiveCost", "effective_cost"),
    ("ListCost", "list_cost"),
    ("BillingAccountId", "billing_account_id"),
    ("BillingCurrency", "billing_currency"),
    ("BillingPeriodStart", "cast(billing_period_start as timestamp)"),
    ("BillingPeriodEnd", "cast(billing_period_end as timestamp)"),
    ("ChargeCategory", "charge_category"),
    ("ChargeClass", "charge_class"),
    ("ChargeDescription", "charge_description"),
    ("ChargePeriodStart", "charge_period_start"),
    ("ChargePeriodEnd", "charge_period_end"),
    ("InvoiceIssuerName", "provider_name"),
    ("PricingQuantity", "pricing_quantity"),
    ("PricingUnit", "pricing_unit"),
    ("ProviderName", "provider_name"),
    ("PublisherName", "provider_name"),
    ("RegionId", "region_id"),
    ("ResourceId", "resource_id"),
    ("ResourceName", "resource_name"),
    ("ServiceCategory", "service_category"),
    ("ServiceName", "service_name"),
    ("SkuId", "sku_id"),
    ("SubAccountId", "sub_account_id"),
    ("SubAccountName", "sub_account_name"),
    ("Tags", "tags"),
    ("x_Team", "team"),
    ("x_Feature", "feature"),
    ("x_Environment", "environment"),
    ("x_Tenant", "tenant"),
    ("x_CostCenter", "cost_center"),
    ("x_AiWorkload", "ai_workload"),
    ("x_LineItemType", "line_item_type"),
)


@dataclass(frozen=True)
class FocusExport:
    parquet: Path
    csv: Path
    rows: int
    billed_cost: Decimal
    csv_sha256: str


def export_focus(con: duckdb.DuckDBPyConnection, folder: Path) -> FocusExport:
    select = ", ".join(f"{expression} as {name}" for name, expression in FOCUS_COLUMNS)
    table = con.sql(f"select {select} from fct_cloud_costs order by cloud_cost_id").to_arrow_table()
    folder.mkdir(parents=True, exist_ok=True)
    parquet_path, csv_path = folder / "focus_1_2_cloud_costs.parquet", folder / "focus_1_2_cloud_costs.csv"
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
