{#- Per deployment x month: PTU cost, tokens, effective $ per 1M tokens, average utilization over the hours
    that reported it, the pay-as-you-go cost of the same tokens, and the break-even utilization: PAYG cost
    scales with traffic, so at utilization u it would be payg_cost x u / average_utilization; PTU wins above
    u = average_utilization x ptu_cost / payg_cost (above 1: PTU cannot win at this price). -#}
with hourly as (
    select * from {{ ref('rpt_ptu_effective_rate') }}
),

monthly as (
    select
        deployment,
        {{ to_month('hour_start') }} as usage_month,
        max(ptus) as ptus,
        count(*) as hours,
        count(utilization) as hours_with_utilization,
        avg(utilization) as average_utilization,
        {{ sum_count('tokens_served') }} as tokens_served,
        {{ sum_money('ptu_cost_usd') }} as ptu_cost_usd,
        {{ sum_money('payg_cost_usd') }} as payg_cost_usd
    from hourly
    group by 1, 2
),

final as (
    select
        deployment,
        usage_month,
        ptus,
        hours,
        hours_with_utilization,
        average_utilization,
        tokens_served,
        ptu_cost_usd,
        {{ money_divide('ptu_cost_usd * 1000000', 'tokens_served') }} as effective_usd_per_mtok,
        payg_cost_usd,
        {{ ratio('average_utilization * ptu_cost_usd', 'payg_cost_usd') }} as break_even_utilization
    from monthly
)

select * from final
