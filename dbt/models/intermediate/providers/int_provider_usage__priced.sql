{#- Provider usage with the canonical model (explicit aliases) and its cost priced with OUR rate card at the
    price in force on the usage day. Daily aggregates cannot tell which requests crossed a long-context
    threshold: the base tier is used, so usage-priced cost can sit below the ledger for such traffic. -#}
-- noqa: disable=LT02
-- (layout only: the price-in-force joins below are being replaced by one shared macro; lint them again then)
with usage as (
    select * from {{ ref('stg_llm_providers__usage') }}
    union all
    select * from {{ ref('stg_llm_providers__bedrock_invocations') }}
),

aliases as (
    select * from {{ ref('stg_rate_cards__llm_model_aliases') }}
),

prices as (
    select * from {{ ref('stg_rate_cards__llm_prices') }}
),

resolved as (
    select
        usage.*,
        coalesce(aliases.model, usage.reported_model) as model
    from usage
    left join aliases on usage.reported_model = aliases.alias
),

final as (
    select
        resolved.*,
        prices.card_version as rate_card_version,
        prices.model is not null as is_priced,
        -- null (never 0) when no card prices the model on that day
        case when prices.model is not null then {{ to_money(
            '(resolved.input_uncached_tokens * prices.input_usd_per_mtok'
            ~ ' + resolved.input_cached_tokens * prices.cached_input_usd_per_mtok'
            ~ ' + resolved.cache_write_tokens * prices.cache_write_usd_per_mtok'
            ~ ' + resolved.output_tokens * prices.output_usd_per_mtok) * 0.000001'
        ) }} end as usage_priced_cost_usd
    from resolved
    left join prices
        on resolved.model = prices.model
        and resolved.is_batch = prices.is_batch
        and resolved.bucket_start >= prices.effective_from
        and (prices.effective_to is null or resolved.bucket_start < prices.effective_to)
)

select * from final
