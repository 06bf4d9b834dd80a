"""The register of closed months (audit.month_close), which the cost marts read to keep closed months frozen.
It is written by `finops close` / `finops reopen`; this asset only makes sure it exists and reports it."""

import dagster as dg

from pipelines.resources import WarehouseResource


@dg.asset(
    key=dg.AssetKey(["audit", "month_close"]),
    group_name="audit",
    description="Closed months (finops close / reopen, with who and when); fct_costs and rpt_showback never "
    "rewrite a closed month.",
)
def month_close_register(warehouse: WarehouseResource) -> dg.MaterializeResult:
    from warehouse.month_close import closed_months, ensure_month_close_table

    with warehouse.connect() as con:
        ensure_month_close_table(con)
        months = closed_months(con)
    return dg.MaterializeResult(metadata={"closed_months": ", ".join(months) or "none"})
