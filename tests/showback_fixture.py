"""The tables the showback and FOCUS exports read, built small by hand: rpt_showback rows whose money is all
direct cost, the rpt_cost_conservation and fct_costs totals they must agree with, and the month-close register."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from warehouse.exports import SHOWBACK_COLUMNS
from warehouse.month_close import ensure_month_close_table

MONEY_COLUMNS = [name for name in SHOWBACK_COLUMNS if name.endswith("_usd")]
_DIRECT = ("llm_cost_usd", "direct_cost_usd", "total_cost_usd", "expensed_cost_usd")


def seed_showback(
    con: duckdb.DuckDBPyConnection,
    rows: list[tuple[str, str, str, str, str, Decimal]],
    bills_total: Decimal | None = None,
    fact_total: Decimal | None = None,
) -> None:
    """rows: (month, team, feature, environment, tenant, direct cost). The bills and the fact default to the
    rows' total (all in month 2026-10)."""
    total = sum((row[-1] for row in rows), Decimal(0))
    ensure_month_close_table(con)
    con.execute(
        "create table rpt_showback (usage_month varchar, team varchar, feature varchar, environment varchar,"
        " tenant varchar, requests bigint, prompt_tokens bigint, output_tokens bigint, total_tokens bigint, "
        + ", ".join(f"{name} decimal(38, 9)" for name in MONEY_COLUMNS)
        + ")"
    )
    for month, team, feature, environment, tenant, cost in rows:
        amounts = [cost if name in _DIRECT else Decimal(0) for name in MONEY_COLUMNS]
        con.execute(
            f"insert into rpt_showback values (?, ?, ?, ?, ?, 1, 2, 3, 5, {', '.join('?' * len(amounts))})",
            [month, team, feature, environment, tenant, *amounts],
        )
    con.execute(
        "create table rpt_cost_conservation (charge_month varchar, bill_effective_cost_usd decimal(38, 9),"
        " estimated_accrual_usd decimal(38, 9))"
    )
    con.execute(
        "insert into rpt_cost_conservation values ('2026-10', ?, 0)", [total if bills_total is None else bills_total]
    )
    con.execute(
        "create table fct_costs (x_charge_month varchar, x_cost_origin varchar, x_effective_cost_usd decimal(38, 9),"
        " x_adjusted_origin varchar)"
    )
    con.execute(
        "insert into fct_costs values ('2026-10', 'billed', ?, null)", [total if fact_total is None else fact_total]
    )


def fct_costs_from_cloud_lines(con: duckdb.DuckDBPyConnection) -> None:
    """fct_costs as it holds a tagged cloud line: the whole line on its tags' owner (from fct_cloud_costs)."""
    con.execute(
        """create table fct_costs as select cloud_cost_id as cost_id, cloud_cost_id as bill_line_id,
            'aws_cur' as x_source, 'cloud_infrastructure' as x_spend_kind, 'billed' as x_cost_origin,
            provider_name as service_provider_name, provider_name as host_provider_name, billing_account_id,
            sub_account_id, billing_period_start, charge_period_start, charge_period_end,
            strftime(charge_period_start, '%Y-%m') as x_charge_month, charge_category, charge_description,
            service_name, service_category, resource_id, sku_id, pricing_unit, billing_currency, billed_cost,
            effective_cost, billed_cost as x_billed_cost_usd, effective_cost as x_effective_cost_usd,
            1.0 as x_fx_rate, 'tags' as allocated_method_id, null as allocated_resource_id,
            null as allocated_tags, team, 'unassigned' as feature, environment, 'unassigned' as tenant,
            null as x_allocation_reason, null as x_adjusted_month, null as x_adjusted_origin, tags
        from fct_cloud_costs"""
    )
