with source as (
    select * from {{ source('rate_cards', 'llm_prices') }}
),

renamed as (
    select
        provider,
        model,
        card_version,
        card_source,
        effective_from,
        effective_to,
        is_batch,
        cached_input_counted_in_input,
        reasoning_counted_in_output,
        long_context_threshold_tokens,
        {{ to_money('input_usd_per_mtok') }} as input_usd_per_mtok,
        {{ to_money('cached_input_usd_per_mtok') }} as cached_input_usd_per_mtok,
        {{ to_money('cache_write_usd_per_mtok') }} as cache_write_usd_per_mtok,
        {{ to_money('output_usd_per_mtok') }} as output_usd_per_mtok,
        {{ to_money('reasoning_usd_per_mtok') }} as reasoning_usd_per_mtok,
        {{ to_money('lc_input_usd_per_mtok') }} as lc_input_usd_per_mtok,
        {{ to_money('lc_cached_input_usd_per_mtok') }} as lc_cached_input_usd_per_mtok,
        {{ to_money('lc_cache_write_usd_per_mtok') }} as lc_cache_write_usd_per_mtok,
        {{ to_money('lc_output_usd_per_mtok') }} as lc_output_usd_per_mtok,
        {{ to_money('lc_reasoning_usd_per_mtok') }} as lc_reasoning_usd_per_mtok
    from source
)

select * from renamed
