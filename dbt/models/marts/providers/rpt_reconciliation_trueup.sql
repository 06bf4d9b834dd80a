{#- The billed amount of each provider and month allocated back to features in proportion to their ledger
    cost, in whole cents that sum exactly to the billed amount (rounded to the cent): each feature gets the
    floor of its share, and the cents left over go one each to the largest remainders. -#}
with requests as (
    select * from {{ ref('fct_requests') }}
),

monthly as (
    select * from {{ ref('rpt_reconciliation_monthly') }}
),

feature_costs as (
    select
        {{ to_month('request_date') }} as usage_month,
        provider,
        coalesce(feature_tag, 'unassigned') as feature,
        {{ sum_money('total_cost_usd') }} as ledger_cost_usd
    from requests
    group by 1, 2, 3
),

provider_months as (
    select
        usage_month,
        provider,
        {{ sum_money('ledger_cost_usd') }} as provider_ledger_cost_usd,
        {{ sum_money('billed_cost_usd') }} as provider_billed_cost_usd
    from monthly
    group by 1, 2
),

weighted as (
    select
        feature_costs.*,
        provider_months.provider_ledger_cost_usd,
        provider_months.provider_billed_cost_usd,
        cast(round(provider_months.provider_billed_cost_usd * 100) as {{ wide_int_type() }}) as billed_cents,
        cast(feature_costs.ledger_cost_usd * 1000000000 as {{ wide_int_type() }}) as weight,
        cast(provider_months.provider_ledger_cost_usd * 1000000000 as {{ wide_int_type() }}) as total_weight
    from feature_costs
    inner join provider_months
        on feature_costs.usage_month = provider_months.usage_month and feature_costs.provider = provider_months.provider
),

floored as (
    select
        *,
        case when total_weight = 0 then 0 else {{ wide_int_div('billed_cents * weight', 'total_weight') }} end as base_cents,
        case when total_weight = 0 then 0
            else billed_cents * weight - {{ wide_int_div('billed_cents * weight', 'total_weight') }} * total_weight
        end as remainder
    from weighted
),

ranked as (
    select
        *,
        billed_cents - sum(base_cents) over (partition by usage_month, provider) as cents_left,
        row_number() over (partition by usage_month, provider order by remainder desc, feature) as remainder_rank
    from floored
),

final as (
    select
        usage_month,
        provider,
        feature,
        ledger_cost_usd,
        {{ ratio('ledger_cost_usd', 'provider_ledger_cost_usd') }} as ledger_share,
        provider_billed_cost_usd,
        {{ to_money('cast(base_cents + case when remainder_rank <= cents_left then 1 else 0 end as '
                    ~ money_type() ~ ') * 0.01') }} as allocated_billed_cost_usd,
        {{ ratio('provider_billed_cost_usd', 'provider_ledger_cost_usd') }} as trueup_factor
    from ranked
)

select * from final
