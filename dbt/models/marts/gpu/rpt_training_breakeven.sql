{#- Per model version x month of its depreciation schedule: the month's inference token volume against the
    training token volume, and what the same traffic would have cost at pay-as-you-go API prices of the
    registry's `reference_api_model` (priced per request in int_ledger__model_version_days: LLM rate card in
    force at each request; prompt tokens at the input price, output tokens at the output price, batch requests
    at batch prices). The version breaks even once the cumulative API-equivalent cost reaches the cumulative
    in-house cost (depreciation + inference). -#}
with amortization as (
    select * from {{ ref('rpt_training_amortization') }}
),

registry as (
    select * from {{ ref('stg_gpu__model_registry') }}
),

served_days as (
    select * from {{ ref('int_ledger__model_version_days') }}
),

monthly_api as (
    select
        model_version,
        {{ add_months_to_month_start('request_date', 0) }} as schedule_month,
        {{ sum_count('api_unpriced_requests') }} as unpriced_requests,
        {{ sum_money('api_equivalent_cost_usd') }} as api_equivalent_cost_usd
    from served_days
    group by model_version, {{ add_months_to_month_start('request_date', 0) }}
),

joined as (
    select
        amortization.amortization_key as breakeven_key,
        amortization.model_version,
        amortization.schedule_month,
        amortization.month_number,
        registry.reference_api_model,
        registry.training_tokens,
        amortization.total_tokens as inference_tokens,
        amortization.requests,
        coalesce(monthly_api.unpriced_requests, 0) as api_unpriced_requests,
        {{ to_money('coalesce(monthly_api.api_equivalent_cost_usd, 0)') }} as api_equivalent_cost_usd,
        amortization.depreciation_usd,
        amortization.inference_cost_usd,
        {{ to_money('amortization.depreciation_usd + amortization.inference_cost_usd') }} as in_house_cost_usd
    from amortization
    inner join registry on amortization.model_version = registry.model_version
    left join monthly_api
        on
            amortization.model_version = monthly_api.model_version
            and amortization.schedule_month = monthly_api.schedule_month
),

cumulative as (
    select
        *,
        cast(sum(inference_tokens) over (
            partition by model_version order by month_number rows between unbounded preceding and current row
        ) as {{ dbt.type_bigint() }}) as cumulative_inference_tokens,
        sum(api_equivalent_cost_usd) over (
            partition by model_version order by month_number rows between unbounded preceding and current row
        ) as cumulative_api_equivalent_cost_usd,
        sum(in_house_cost_usd) over (
            partition by model_version order by month_number rows between unbounded preceding and current row
        ) as cumulative_in_house_cost_usd
    from joined
),

final as (
    select
        breakeven_key,
        model_version,
        schedule_month,
        month_number,
        reference_api_model,
        training_tokens,
        inference_tokens,
        cumulative_inference_tokens,
        {{ ratio('cumulative_inference_tokens', 'training_tokens') }} as inference_to_training_token_ratio,
        requests,
        api_unpriced_requests,
        api_equivalent_cost_usd,
        in_house_cost_usd as depreciation_plus_estimated_inference_cost_usd,
        -- deprecated alias of depreciation_plus_estimated_inference_cost_usd; will be removed
        in_house_cost_usd,
        depreciation_usd,
        inference_cost_usd as estimated_inference_cost_usd,
        -- deprecated alias of estimated_inference_cost_usd; will be removed
        inference_cost_usd,
        {{ to_money('cumulative_api_equivalent_cost_usd') }} as cumulative_api_equivalent_cost_usd,
        {{ to_money('cumulative_in_house_cost_usd') }} as cumulative_in_house_cost_usd,
        {{ to_money('cumulative_api_equivalent_cost_usd - cumulative_in_house_cost_usd') }}
            as cumulative_savings_vs_api_usd,
        cumulative_api_equivalent_cost_usd >= cumulative_in_house_cost_usd as has_broken_even
    from cumulative
)

select * from final
