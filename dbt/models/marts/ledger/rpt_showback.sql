{#- Showback for finance: month x team x feature x environment x tenant. LLM request cost from the ledger,
    plus cloud cost allocated by tag (effective, i.e. amortized, cost): lines with a team tag are direct,
    lines without one land on team 'unassigned' as untagged, shown apart. Missing attributes are
    'unassigned' so every cent lands in a row. -#}
with requests as (
    select * from {{ ref('fct_requests') }}
),

cloud_costs as (
    select * from {{ ref('fct_cloud_costs') }}
),

llm as (
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
        {{ sum_money('total_cost_usd') }} as llm_cost_usd,
        {{ to_money('0') }} as cloud_direct_cost_usd,
        {{ to_money('0') }} as cloud_untagged_cost_usd
    from requests
    group by 1, 2, 3, 4, 5
),

cloud as (
    select
        {{ to_month('charge_date') }} as usage_month,
        coalesce(team, 'unassigned') as team,
        coalesce(feature, 'unassigned') as feature,
        coalesce(environment, 'unassigned') as environment,
        coalesce(tenant, 'unassigned') as tenant,
        0 as requests,
        0 as prompt_tokens,
        0 as output_tokens,
        0 as total_tokens,
        {{ to_money('0') }} as llm_cost_usd,
        {{ sum_money('case when has_team then effective_cost end') }} as cloud_direct_cost_usd,
        {{ sum_money('case when not has_team then effective_cost end') }} as cloud_untagged_cost_usd
    from cloud_costs
    group by 1, 2, 3, 4, 5
),

combined as (
    select * from llm
    union all
    select * from cloud
),

final as (
    select
        usage_month,
        team,
        feature,
        environment,
        tenant,
        sum(requests) as requests,
        sum(prompt_tokens) as prompt_tokens,
        sum(output_tokens) as output_tokens,
        sum(total_tokens) as total_tokens,
        {{ sum_money('llm_cost_usd') }} as llm_cost_usd,
        {{ sum_money('cloud_direct_cost_usd') }} as cloud_direct_cost_usd,
        {{ sum_money('cloud_untagged_cost_usd') }} as cloud_untagged_cost_usd,
        {{ sum_money('llm_cost_usd + cloud_direct_cost_usd + cloud_untagged_cost_usd') }} as total_cost_usd
    from combined
    group by 1, 2, 3, 4, 5
)

select * from final
