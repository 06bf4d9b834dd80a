{#- Provider usage with the canonical model (explicit aliases) and its cost priced with OUR rate card at the
    price in force on the usage day, by the one token-pricing rule (token_cost_nano). Usage reports give
    uncached input (parts beside the totals). Daily aggregates cannot tell which requests crossed a
    long-context threshold: the base tier is used, so usage-priced cost can sit below the ledger for such
    traffic. -#}
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

{%- set counts = {} %}
{%- for kind in token_kinds() %}
{%- do counts.update({kind.name: 'resolved.' ~ kind.usage_column}) %}
{%- endfor %}

priced as (
    select
        resolved.*,
        prices.card_version as rate_card_version,
        -- null (never 0) when no card prices the model on that day, or the card sells no price for a kind the
        -- usage counts (a tool)
        case when prices.model is not null then {{ nano_to_money(
            token_cost_nano(counts, 'prices', per_request=false, parts_beside_totals=true)
        ) }} end as usage_priced_cost_usd
    from resolved
    left join prices
        on
            resolved.model = prices.model
            and resolved.is_batch = prices.is_batch
            and resolved.service_tier = prices.service_tier
            and {{ price_in_force('prices', 'resolved.bucket_start') }}
),

final as (
    select
        priced.*,
        priced.usage_priced_cost_usd is not null as is_priced
    from priced
)

select * from final
