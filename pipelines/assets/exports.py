"""Exports for finance, built from the marts."""

import dagster as dg

from pipelines.resources import WarehouseResource
from warehouse.exports import export_showback, showback_months


@dg.asset(
    key=dg.AssetKey(["exports", "showback_csv"]),
    group_name="exports",
    deps=[dg.AssetKey(["rpt_showback"]), dg.AssetKey(["fct_requests"])],
    description="warehouse/exports/showback_YYYY-MM.csv for every month in rpt_showback (+ .sha256).",
)
def showback_csv(warehouse: WarehouseResource) -> dg.MaterializeResult:
    exports_dir = warehouse.settings.exports_dir
    with warehouse.connect(read_only=True) as con:
        written = [export_showback(con, month, exports_dir / f"showback_{month}.csv") for month in showback_months(con)]
    return dg.MaterializeResult(
        metadata={
            "files": ", ".join(str(export.path) for export in written),
            "rows": sum(export.rows for export in written),
            "total_cost_usd": str(sum(export.total_cost_usd for export in written)),
        }
    )


@dg.asset(
    key=dg.AssetKey(["exports", "focus_costs"]),
    group_name="exports",
    deps=[dg.AssetKey(["fct_costs"]), dg.AssetKey(["fct_cloud_costs"])],
    description="fct_costs (cloud + LLM + GPU, allocated) in FOCUS column names: warehouse/exports/focus/focus_costs.*",
)
def focus_costs(warehouse: WarehouseResource) -> dg.MaterializeResult:
    from warehouse.focus_export import export_focus

    with warehouse.connect(read_only=True) as con:
        export = export_focus(con, warehouse.settings.exports_dir / "focus")
    return dg.MaterializeResult(
        metadata={
            "parquet": str(export.parquet),
            "csv": str(export.csv),
            "rows": export.rows,
            "billed_cost": str(export.billed_cost),
            "focus_version": export.focus_version,
        }
    )
