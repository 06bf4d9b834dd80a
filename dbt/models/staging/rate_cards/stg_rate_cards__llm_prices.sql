{#- One row per model, service tier, price period and batch flag: USD per 1M tokens of every token kind
    (token_kinds(), generated from rate_cards/token_kinds.py) for both tiers, and the same as whole
    pico-dollars per token for token_cost_nano(). -#}
with source as (
    select * from {{ source('rate_cards', 'llm_prices') }}
),

renamed as (
    select
        provider,
        model,
        coalesce(service_tier, 'default') as service_tier,
        card_version,
        card_source,
        effective_from,
        effective_to,
        is_batch,
        cached_input_counted_in_input,
        reasoning_counted_in_output,
        long_context_threshold_tokens,
        {%- for kind in token_kinds() %}
        {{ to_money(kind.name ~ '_usd_per_mtok') }} as {{ kind.name }}_usd_per_mtok,
        {{ to_money('lc_' ~ kind.name ~ '_usd_per_mtok') }} as lc_{{ kind.name }}_usd_per_mtok,
        {%- endfor %}
        {{ token_price_pico_columns() }}
    from source
)

select * from renamed
