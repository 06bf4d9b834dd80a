{#- Provider-reported usage: provider x day x model x project/workspace x key x service tier x batch. Cost
    APIs report at a coarser grain (line item / description), so provider-reported cost sits in
    rpt_reconciliation; here is the same usage priced with our rate card. -#}
with usage as (
    select * from {{ ref('int_provider_usage__priced') }}
),

final as (
    select
        provider,
        usage_date,
        model,
        project_id,
        api_key_id,
        service_tier,
        is_batch,
        {{ sum_count('input_uncached_tokens') }} as input_uncached_tokens,
        {{ sum_count('input_cached_tokens') }} as input_cached_tokens,
        {{ sum_count('cache_write_tokens') }} as cache_write_tokens,
        {{ sum_count('output_tokens') }} as output_tokens,
        {{ sum_count('input_uncached_tokens + input_cached_tokens + cache_write_tokens') }} as prompt_tokens,
        {{ sum_count('requests') }} as requests,
        min(case when is_priced then 1 else 0 end) = 1 as is_priced,
        -- unpriced is unknown, never $0: one unpriced row makes the group's cost null
        case
            when min(case when is_priced then 1 else 0 end) = 1 then {{ sum_money('usage_priced_cost_usd') }}
        end as usage_priced_cost_usd
    from usage
    group by 1, 2, 3, 4, 5, 6, 7
)

select * from final
