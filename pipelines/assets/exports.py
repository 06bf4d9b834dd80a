"""Exports for finance, built from the marts."""

from pathlib import Path

import dagster as dg

from pipelines.resources import WarehouseResource
from pipelines.settings import PROJECT_ROOT
from pipelines.unchanged import StepState, outputs_detail, unchanged_results
from warehouse.build_state import files_digest, recorded_state
from warehouse.exports import export_showback, showback_months


def _export_state(context: dg.AssetExecutionContext, warehouse: WarehouseResource, step: str) -> StepState:
    """An export is a function of the marts' last builds, the export code and where it writes."""
    with warehouse.connect() as con:
        builds = {name: recorded_state(con, name) for name in ("dbt_daily_facts", "dbt_marts")}
    parts = {
        "step": step,
        "builds": builds,
        "code": files_digest(PROJECT_ROOT / "warehouse", ["*.py"]),
        "exports_dir": str(warehouse.settings.exports_dir),
    }
    return StepState(context, warehouse, step, parts)


@dg.asset(
    key=dg.AssetKey(["exports", "showback_csv"]),
    group_name="exports",
    deps=[dg.AssetKey(["rpt_showback"]), dg.AssetKey(["fct_requests"])],
    description="warehouse/exports/showback_YYYY-MM.csv for every month in rpt_showback (+ .sha256).",
)
def showback_csv(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    state = _export_state(context, warehouse, "showback_csv")
    unchanged, since_run = state.unchanged()
    if unchanged:
        yield from unchanged_results(context, "showback_csv", since_run)
        return
    exports_dir = warehouse.settings.exports_dir
    with warehouse.connect(read_only=True) as con:
        written = [export_showback(con, month, exports_dir / f"showback_{month}.csv") for month in showback_months(con)]
    state.record(outputs_detail([path for export in written for path in (export.path, _sidecar(export.path))]))
    yield dg.MaterializeResult(
        metadata={
            "files": ", ".join(str(export.path) for export in written),
            "rows": sum(export.rows for export in written),
            "total_cost_usd": str(sum(export.total_cost_usd for export in written)),
        }
    )


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


@dg.asset(
    key=dg.AssetKey(["exports", "focus_costs"]),
    group_name="exports",
    deps=[dg.AssetKey(["fct_costs"]), dg.AssetKey(["fct_cloud_costs"])],
    description="fct_costs (cloud + LLM + GPU, allocated) in FOCUS column names: warehouse/exports/focus/focus_costs.*",
)
def focus_costs(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    from warehouse.focus_export import export_focus

    state = _export_state(context, warehouse, "focus_costs")
    unchanged, since_run = state.unchanged()
    if unchanged:
        yield from unchanged_results(context, "focus_costs", since_run)
        return
    with warehouse.connect(read_only=True) as con:
        export = export_focus(con, warehouse.settings.exports_dir / "focus")
    state.record(outputs_detail([Path(export.parquet), Path(export.csv)]))
    yield dg.MaterializeResult(
        metadata={
            "parquet": str(export.parquet),
            "csv": str(export.csv),
            "rows": export.rows,
            "billed_cost": str(export.billed_cost),
            "focus_version": export.focus_version,
        }
    )
