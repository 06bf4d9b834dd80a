{#- The ledger as an allocation key: priced cost (nano-dollars, a whole number) and requests per provider x
    model x day x owner, with their tokens (for the marts that would otherwise read every request: showback,
    training amortization). Missing owner attributes are 'unassigned', so every request has an owner.
    Incremental by request day: a night rebuilds only the days whose requests changed (macros/incremental.sql,
    day fingerprints of the columns read below), each day whole, so the rows equal a full build's. -#}
{{ incremental_by_day_config('stg_ledger__requests', [
    'provider', 'model', 'team', 'feature_tag', 'environment', 'tenant_id', 'total_cost_usd', 'prompt_tokens',
    'output_tokens',
]) }}

with requests as (
    select * from {{ ref('stg_ledger__requests') }}
    where {{ changed_days_only('request_date') }}
),

final as (
    select
        provider,
        model,
        request_date,
        {{ to_month('request_date') }} as x_charge_month,
        coalesce(team, 'unassigned') as team,
        coalesce(feature_tag, 'unassigned') as feature,
        coalesce(environment, 'unassigned') as environment,
        coalesce(tenant_id, 'unassigned') as tenant,
        count(*) as requests,
        {{ sum_money('total_cost_usd') }} as ledger_cost_usd,
        sum({{ money_to_nano('total_cost_usd') }}) as ledger_cost_nano,
        {{ sum_count('prompt_tokens') }} as prompt_tokens,
        {{ sum_count('output_tokens') }} as output_tokens,
        {{ sum_count('prompt_tokens + output_tokens') }} as total_tokens
    from requests
    group by 1, 2, 3, 4, 5, 6, 7, 8
)

select * from final
