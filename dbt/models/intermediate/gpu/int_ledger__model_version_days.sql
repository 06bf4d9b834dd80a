{#- The requests served by in-house model versions (macros/gpu.sql: requests_served_by_model_versions), per request
    day and version: how many, their tokens and rate-card cost, and what they would have cost at pay-as-you-go
    prices of the version's `reference_api_model` (LLM rate card in force at each request, priced per request;
    prompt tokens at the input price, output tokens at the output price, batch requests at batch prices). The
    training marts sum these days instead of reading every request every night.
    Incremental by request day (macros/incremental.sql): a night rebuilds only the days whose requests changed,
    each day whole; a change to the registry or to the LLM prices rebuilds every day. -#}
{{ incremental_by_day_config('fct_requests', [
    'requested_at', 'feature_tag', 'model', 'is_batch', 'prompt_tokens', 'output_tokens', 'total_tokens',
    'total_cost_usd',
], whole_inputs=['stg_gpu__model_registry', 'stg_rate_cards__llm_prices']) }}

with requests as (
    select * from {{ ref('fct_requests') }}
    where {{ changed_days_only('request_date') }}
),

registry as (
    select * from {{ ref('stg_gpu__model_registry') }}
),

llm_prices as (
    select * from {{ ref('stg_rate_cards__llm_prices') }}
),

served as (
    {{ requests_served_by_model_versions('requests', 'registry') }}
),

api_priced as (
    select
        served.request_date,
        served.model_version,
        served.total_tokens,
        served.total_cost_usd,
        llm_prices.model as reference_model,
        {{ nano_to_money(token_cost_nano(
            {'input': 'served.prompt_tokens', 'output': 'served.output_tokens'}, 'llm_prices', parts_beside_totals=true
        )) }} as api_equivalent_cost_usd
    from served
    inner join registry on served.model_version = registry.model_version
    left join llm_prices
        on
            registry.reference_api_model = llm_prices.model
            and served.is_batch = llm_prices.is_batch
            and llm_prices.service_tier = 'default'
            and {{ price_in_force('llm_prices', 'served.requested_at') }}
),

final as (
    select
        request_date,
        model_version,
        count(*) as requests,
        {{ sum_count('total_tokens') }} as total_tokens,
        {{ sum_money('total_cost_usd') }} as inference_cost_usd,
        count(*) - count(reference_model) as api_unpriced_requests,
        {{ sum_money('api_equivalent_cost_usd') }} as api_equivalent_cost_usd
    from api_priced
    group by request_date, model_version
)

select * from final
