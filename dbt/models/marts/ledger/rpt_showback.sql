{#- Showback for finance: month x team x feature x environment x tenant. Missing attributes are
    'unassigned' so every cent lands in a row. -#}
with requests as (
    select * from {{ ref('fct_requests') }}
),

final as (
    select
        {{ to_month('request_date') }} as usage_month,
        coalesce(team, 'unassigned') as team,
        coalesce(feature_tag, 'unassigned') as feature,
        coalesce(environment, 'unassigned') as environment,
        coalesce(tenant_id, 'unassigned') as tenant,
        count(*) as requests,
        sum(prompt_tokens) as prompt_tokens,
        sum(output_tokens) as output_tokens,
        sum(total_tokens) as total_tokens,
        {{ sum_money('total_cost_usd') }} as llm_cost_usd
    from requests
    group by 1, 2, 3, 4, 5
)

select * from final
