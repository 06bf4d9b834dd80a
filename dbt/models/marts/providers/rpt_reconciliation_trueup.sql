{#- What each feature is billed for its LLM use, per month x provider: the fct_costs rows of LLM bills (the
    ledger's split of each bill line, exact to the nano-dollar by split_exactly), beside the feature's ledger
    estimate. Bill amounts no ledger usage explains appear as feature 'unallocated' (or on the line's tags),
    so the features of a provider-month always sum to its bills exactly, including providers with no ledger
    cost at all. The ledger estimate is summed from int_ledger__owner_days (incremental by request day), not from
    every request. -#}
with costs as (
    select * from {{ ref('fct_costs') }}
),

owner_days as (
    select * from {{ ref('int_ledger__owner_days') }}
),

billed as (
    select
        x_charge_month as usage_month,
        x_ledger_provider as provider,
        case when x_cost_origin = 'unallocated' then 'unallocated' else feature end as feature,
        {{ sum_money('x_effective_cost_usd') }} as allocated_billed_cost_usd
    from costs
    where x_spend_kind in ('llm_provider_bill', 'llm_cloud_bill')
    group by 1, 2, 3
),

ledger as (
    select
        x_charge_month as usage_month,
        provider,
        feature,
        {{ sum_money('ledger_cost_usd') }} as ledger_cost_usd
    from owner_days
    group by 1, 2, 3
),

billed_months as (
    select
        usage_month,
        provider,
        {{ sum_money('allocated_billed_cost_usd') }} as provider_billed_cost_usd
    from billed
    group by 1, 2
),

ledger_months as (
    select
        usage_month,
        provider,
        {{ sum_money('ledger_cost_usd') }} as provider_ledger_cost_usd
    from ledger
    group by 1, 2
),

keys as (
    select
        billed.usage_month,
        billed.provider,
        billed.feature
    from billed
    union distinct
    select
        ledger.usage_month,
        ledger.provider,
        ledger.feature
    from ledger
    inner join billed_months
        on ledger.usage_month = billed_months.usage_month and ledger.provider = billed_months.provider
),

final as (
    select
        keys.usage_month,
        keys.provider,
        keys.feature,
        {{ to_money('coalesce(ledger.ledger_cost_usd, 0)') }} as ledger_cost_usd,
        {{ ratio('coalesce(ledger.ledger_cost_usd, 0)', 'ledger_months.provider_ledger_cost_usd') }} as ledger_share,
        billed_months.provider_billed_cost_usd,
        {{ to_money('coalesce(billed.allocated_billed_cost_usd, 0)') }} as allocated_billed_cost_usd,
        {{ ratio('billed_months.provider_billed_cost_usd', 'ledger_months.provider_ledger_cost_usd') }}
            as trueup_factor
    from keys
    inner join billed_months on keys.usage_month = billed_months.usage_month and keys.provider = billed_months.provider
    left join ledger_months on keys.usage_month = ledger_months.usage_month and keys.provider = ledger_months.provider
    left join billed
        on keys.usage_month = billed.usage_month and keys.provider = billed.provider and keys.feature = billed.feature
    left join ledger
        on keys.usage_month = ledger.usage_month and keys.provider = ledger.provider and keys.feature = ledger.feature
)

select * from final
