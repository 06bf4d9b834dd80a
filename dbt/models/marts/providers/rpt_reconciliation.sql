{#- Per provider x model x day: cost derived from our ledger, provider usage priced with our rate card, and
    what the provider reports (cost APIs; for Bedrock and Azure OpenAI, their bill lines in fct_cloud_costs,
    model 'all'), with the variance of the billed amount against the ledger. -#}
with ledger as (
    select
        provider,
        model,
        request_date as usage_date,
        count(*) as ledger_requests,
        {{ sum_money('total_cost_usd') }} as ledger_cost_usd
    from {{ ref('fct_requests') }}
    group by 1, 2, 3
),

usage as (
    select
        provider,
        model,
        usage_date,
        sum(prompt_tokens + output_tokens) as usage_tokens,
        {{ sum_money('usage_priced_cost_usd') }} as usage_priced_cost_usd
    from {{ ref('fct_provider_usage') }}
    group by 1, 2, 3
),

aliases as (
    select * from {{ ref('stg_rate_cards__llm_model_aliases') }}
),

api_costs as (
    select
        costs.provider,
        coalesce(aliases.model, costs.reported_model, 'unattributed') as model,
        costs.usage_date,
        {{ sum_money('costs.amount_usd') }} as reported_cost_usd
    from {{ ref('stg_llm_providers__costs') }} as costs
    left join aliases on costs.reported_model = aliases.alias
    group by 1, 2, 3
),

cloud_bills as (
    select
        ai_workload as provider,
        'all' as model,
        charge_date as usage_date,
        {{ sum_money('billed_cost') }} as reported_cost_usd
    from {{ ref('fct_cloud_costs') }}
    where ai_workload in ('bedrock', 'azure_openai')
    group by 1, 2, 3
),

reported as (
    select * from api_costs
    union all
    select * from cloud_bills
),

keys as (
    select provider, model, usage_date from ledger
    union distinct
    select provider, model, usage_date from usage
    union distinct
    select provider, model, usage_date from reported
),

final as (
    select
        keys.provider,
        keys.model,
        keys.usage_date,
        coalesce(ledger.ledger_requests, 0) as ledger_requests,
        {{ to_money('coalesce(ledger.ledger_cost_usd, 0)') }} as ledger_cost_usd,
        coalesce(usage.usage_tokens, 0) as usage_tokens,
        usage.usage_priced_cost_usd,
        reported.reported_cost_usd,
        {{ to_money('coalesce(reported.reported_cost_usd, usage.usage_priced_cost_usd, 0)') }} as billed_cost_usd,
        {{ to_money('coalesce(reported.reported_cost_usd, usage.usage_priced_cost_usd, 0)'
                    ~ ' - coalesce(ledger.ledger_cost_usd, 0)') }} as variance_usd,
        {{ ratio('coalesce(reported.reported_cost_usd, usage.usage_priced_cost_usd, 0) - coalesce(ledger.ledger_cost_usd, 0)',
                 'coalesce(ledger.ledger_cost_usd, 0)') }} as variance_pct
    from keys
    left join ledger
        on keys.provider = ledger.provider and keys.model = ledger.model and keys.usage_date = ledger.usage_date
    left join usage
        on keys.provider = usage.provider and keys.model = usage.model and keys.usage_date = usage.usage_date
    left join reported
        on keys.provider = reported.provider and keys.model = reported.model and keys.usage_date = reported.usage_date
)

select * from final
