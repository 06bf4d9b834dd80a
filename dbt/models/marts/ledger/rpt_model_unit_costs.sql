{#- Exact latency percentiles without holding every duration in memory: the requests are first grouped by grain
    + duration (a hash aggregate, which spills to disk), then each grain's percentiles are read off its
    histogram (macros/portable.sql). The other measures are summed per bucket, then per grain.
    Incremental by request day: a night rebuilds only the days whose requests changed (macros/incremental.sql,
    day fingerprints of the columns read below), each day whole, so the rows equal a full build's. -#}
{{ incremental_by_day_config('fct_requests', [
    'model', 'api_version', 'provider', 'duration_ms', 'prompt_tokens', 'output_tokens', 'total_tokens',
    'total_cost_usd', 'status',
]) }}
{%- set grain = ['request_date', 'model', 'api_version', 'provider'] %}
{%- set percentiles = {'p50': 0.5, 'p95': 0.95, 'p99': 0.99} %}

with requests as (
    select * from {{ ref('fct_requests') }}
    where {{ changed_days_only('request_date') }}
),

duration_histogram as (
    select
        {{ grain | join(',\n        ') }},
        duration_ms,
        count(*) as requests,
        count(duration_ms) as timed_requests,
        sum(prompt_tokens) as prompt_tokens,
        sum(output_tokens) as output_tokens,
        sum(total_tokens) as total_tokens,
        sum(total_cost_usd) as total_cost_usd,
        sum(case when status = 'error' then 1 else 0 end) as error_requests
    from requests
    group by {{ grain | join(', ') }}, duration_ms
),

positioned as (
    select
        *,
        {{ histogram_positions('duration_ms', 'timed_requests', grain, 'durations') }}
    from duration_histogram
),

grouped as (
    select
        {{ grain | join(',\n        ') }},
        {{ sum_count('requests') }} as requests,
        {{ sum_count('prompt_tokens') }} as prompt_tokens,
        {{ sum_count('output_tokens') }} as output_tokens,
        {{ sum_count('total_tokens') }} as total_tokens,
        {{ sum_money('total_cost_usd') }} as total_cost_usd,
        {{ money_divide(sum_money('total_cost_usd') ~ ' * 1000', 'sum(total_tokens)') }} as cost_per_1k_tokens_usd,
        {%- for name, fraction in percentiles.items() %}
        {{ percentile_bounds('duration_ms', fraction, 'timed_requests', 'durations', name) }},
        {%- endfor %}
        {{ sum_count('error_requests') }} as error_requests,
        {{ ratio('sum(error_requests)', 'sum(requests)') }} as error_rate
    from positioned
    group by {{ grain | join(', ') }}
),

final as (
    select
        {{ grain | join(',\n        ') }},
        requests,
        prompt_tokens,
        output_tokens,
        total_tokens,
        total_cost_usd,
        cost_per_1k_tokens_usd,
        {%- for name in percentiles %}
        {{ percentile_interpolated(name) }} as {{ name }}_duration_ms,
        {%- endfor %}
        error_requests,
        error_rate
    from grouped
)

select * from final
