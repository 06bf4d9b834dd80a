with requests as (
    select * from {{ ref('fct_requests') }}
),

final as (
    select
        request_date,
        model,
        api_version,
        provider,
        count(*) as requests,
        {{ sum_count('prompt_tokens') }} as prompt_tokens,
        {{ sum_count('output_tokens') }} as output_tokens,
        {{ sum_count('total_tokens') }} as total_tokens,
        {{ sum_money('total_cost_usd') }} as total_cost_usd,
        {{ money_divide(sum_money('total_cost_usd') ~ ' * 1000', 'sum(total_tokens)') }} as cost_per_1k_tokens_usd,
        {{ percentile_cont('duration_ms', 0.5) }} as p50_duration_ms,
        {{ percentile_cont('duration_ms', 0.95) }} as p95_duration_ms,
        {{ percentile_cont('duration_ms', 0.99) }} as p99_duration_ms,
        {{ sum_count("case when status = 'error' then 1 else 0 end") }} as error_requests,
        {{ ratio('sum(case when status = \'error\' then 1 else 0 end)', 'count(*)') }} as error_rate
    from requests
    group by request_date, model, api_version, provider
)

select * from final
