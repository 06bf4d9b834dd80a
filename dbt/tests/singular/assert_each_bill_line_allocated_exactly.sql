{{ config(meta={"dagster": {"ref": {"name": "fct_costs"}}}) }}
{#- Each bill line's rows in fct_costs sum exactly to the line (billed, effective, USD); a line with no row at
    all is lost money and fails too. Lines of closed months are frozen as they were: rpt_cost_conservation
    balances those with their adjustments. -#}
with lines as (
    select * from {{ ref('int_costs__bill_lines') }}
    -- the register itself, not its staging model: a test that refs a staging model runs with the staging step
    where x_charge_month not in (
        select month from (
            select
                month,
                action,
                row_number() over (partition by month order by acted_at desc, action asc) as latest
            from {{ source('audit', 'month_close') }}
        ) as register
        where latest = 1 and action = 'close'
    )
),

parts as (
    select
        bill_line_id,
        {{ sum_money('billed_cost') }} as billed_cost,
        {{ sum_money('effective_cost') }} as effective_cost,
        {{ sum_money('x_effective_cost_usd') }} as x_effective_cost_usd
    from {{ ref('fct_costs') }}
    where bill_line_id is not null and x_cost_origin <> 'depreciation'
    group by bill_line_id
)

select lines.bill_line_id
from lines
left join parts on lines.bill_line_id = parts.bill_line_id
where
    parts.bill_line_id is null
    or parts.billed_cost <> lines.billed_cost
    or parts.effective_cost <> lines.effective_cost
    or parts.x_effective_cost_usd <> coalesce(lines.x_effective_cost_usd, 0)
