{#- Per provider x model x day: cost derived from our ledger, provider usage priced with our rate card, and
    what the bills say (provider cost reports; the Bedrock / Azure OpenAI / Vertex AI / SageMaker lines of
    cloud bills, model 'all'), with the variance of the billed amount against the ledger. bill_effective_cost_usd is
    only ever a bill: null (and no variance) where no bill covers the key yet. The ledger side is summed from
    int_ledger__owner_days (incremental by request day), not from every request. -#}
with ledger as (
    select
        provider,
        model,
        request_date as usage_date,
        {{ sum_count('requests') }} as ledger_requests,
        {{ sum_money('ledger_cost_usd') }} as ledger_cost_usd
    from {{ ref('int_ledger__owner_days') }}
    group by 1, 2, 3
),

usage as (
    select
        provider,
        model,
        usage_date,
        {{ sum_count('prompt_tokens + output_tokens') }} as usage_tokens,
        -- unpriced usage (null cost) makes the key's priced cost null, never a partial sum or $0
        case
            when count(*) = count(usage_priced_cost_usd) then {{ sum_money('usage_priced_cost_usd') }}
        end as usage_priced_cost_usd
    from {{ ref('fct_provider_usage') }}
    group by 1, 2, 3
),

{# Only bills are "billed": the providers' cost reports and the AI lines of cloud bills, in USD, at the bill's
    grain (model where the bill has it, else 'all'). -#}
reported as (
    select
        ledger_provider as provider,
        coalesce(ledger_model, 'all') as model,
        charge_start_date as usage_date,
        {{ sum_money('x_effective_cost_usd') }} as reported_cost_usd
    from {{ ref('int_costs__bill_lines') }}
    where ledger_provider is not null
    group by 1, 2, 3
),

keys as (
    select
        provider,
        model,
        usage_date
    from ledger
    union distinct
    select
        provider,
        model,
        usage_date
    from usage
    union distinct
    select
        provider,
        model,
        usage_date
    from reported
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
        reported.reported_cost_usd as bill_effective_cost_usd,
        -- deprecated alias of bill_effective_cost_usd (it is the bills' effective, amortized cost); will be removed
        reported.reported_cost_usd as billed_cost_usd,
        {{ to_money('reported.reported_cost_usd - coalesce(ledger.ledger_cost_usd, 0)') }} as variance_usd,
        {{ ratio('reported.reported_cost_usd - coalesce(ledger.ledger_cost_usd, 0)',
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
