{#- rpt_reconciliation by month; billed and variance stay null for a provider x model with no bill. -#}
with daily as (
    select * from {{ ref('rpt_reconciliation') }}
),

final as (
    select
        {{ to_month('usage_date') }} as usage_month,
        provider,
        model,
        {{ sum_count('ledger_requests') }} as ledger_requests,
        {{ sum_money('ledger_cost_usd') }} as ledger_cost_usd,
        {#- a day with usage the card cannot price makes the month's priced usage null, never a partial sum -#}
        case
            when sum(case when usage_tokens > 0 and usage_priced_cost_usd is null then 1 else 0 end) = 0
                then {{ to_money('sum(usage_priced_cost_usd)') }}
        end as usage_priced_cost_usd,
        {{ to_money('sum(reported_cost_usd)') }} as reported_cost_usd,
        {{ to_money('sum(bill_effective_cost_usd)') }} as bill_effective_cost_usd,
        -- deprecated alias of bill_effective_cost_usd; will be removed
        {{ to_money('sum(bill_effective_cost_usd)') }} as billed_cost_usd,
        {{ to_money('sum(variance_usd)') }} as variance_usd,
        {{ ratio('sum(variance_usd)', sum_money('ledger_cost_usd')) }} as variance_pct
    from daily
    group by 1, 2, 3
)

select * from final
