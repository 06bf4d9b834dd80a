{#- rpt_reconciliation by month; billed and variance stay null for a provider x model with no bill. -#}
with daily as (
    select * from {{ ref('rpt_reconciliation') }}
),

final as (
    select
        {{ to_month('usage_date') }} as usage_month,
        provider,
        model,
        sum(ledger_requests) as ledger_requests,
        {{ sum_money('ledger_cost_usd') }} as ledger_cost_usd,
        case
            when count(*) = count(usage_priced_cost_usd) then {{ sum_money('usage_priced_cost_usd') }}
        end as usage_priced_cost_usd,
        {{ to_money('sum(reported_cost_usd)') }} as reported_cost_usd,
        {{ to_money('sum(billed_cost_usd)') }} as billed_cost_usd,
        {{ to_money('sum(variance_usd)') }} as variance_usd,
        {{ ratio('sum(variance_usd)', sum_money('ledger_cost_usd')) }} as variance_pct
    from daily
    group by 1, 2, 3
)

select * from final
