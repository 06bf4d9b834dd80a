{#- Per provisioned deployment x hour with metrics: PTUs, utilization (null when Azure reported no point),
    tokens served, the PTU cost of the hour (hourly price, or the reservation amortized over the hours of
    its term), the effective $ per 1M tokens, and what the same tokens would cost pay-as-you-go at our LLM
    card. Spillover to standard deployments is not in these metrics: spillover_tokens stays null.
    History does not move: an hour takes the deployment version valid at its start (a later snapshot that
    scales or deletes a deployment only changes hours from that snapshot on) and the reservation in effect
    then. -#}
with deployments as (
    select * from {{ ref('int_ptu_deployments__versioned') }}
),

metrics as (
    select * from {{ ref('stg_azure_openai__metrics') }}
),

ptu_prices as (
    select * from {{ ref('stg_rate_cards__ptu_prices') }}
),

reservations as (
    select * from {{ ref('stg_rate_cards__ptu_reservations') }}
),

llm_prices as (
    select * from {{ ref('stg_rate_cards__llm_prices') }}
    where not is_batch and service_tier = 'default'
),

hourly as (
    select
        deployment,
        hour_start,
        max(case when metric = 'AzureOpenAIProvisionedManagedUtilizationV2' then metric_value end) as utilization_pct,
        coalesce(sum(case when metric = 'ProcessedPromptTokens' then metric_value end), 0) as prompt_tokens,
        coalesce(sum(case when metric = 'GeneratedTokens' then metric_value end), 0) as generated_tokens
    from metrics
    group by 1, 2
),

costed as (
    select
        hourly.deployment,
        hourly.hour_start,
        deployments.deployment_type,
        deployments.model_name,
        deployments.ptus,
        coalesce(reservations.term, 'hourly') as billing_term,
        hourly.utilization_pct / 100 as utilization,
        cast(hourly.prompt_tokens as {{ dbt.type_bigint() }}) as prompt_tokens,
        cast(hourly.generated_tokens as {{ dbt.type_bigint() }}) as generated_tokens,
        -- a reservation is spread over the hours of its month or year by the straight-line rule, so the hours
        -- of a term sum exactly to its price
        case coalesce(reservations.term, 'hourly')
            {%- set terms = [
                ('month', 'monthly_reservation_usd_per_ptu'), ('year', 'yearly_reservation_usd_per_ptu')
            ] %}
            {%- for term, price in terms %}
            {%- set term_start = dbt.date_trunc(term, 'hourly.hour_start') %}
            when '{{ term }}ly' then {{ nano_to_money(straight_line_part(
                money_to_nano('deployments.ptus * ptu_prices.' ~ price),
                dbt.datediff(term_start, dbt.dateadd(term, 1, term_start), 'hour'),
                dbt.datediff(term_start, 'hourly.hour_start', 'hour')
            )) }}
            {%- endfor %}
            else {{ to_money('deployments.ptus * ptu_prices.hourly_usd_per_ptu') }}
        end as ptu_cost_usd,
        case when llm_prices.model is not null then {{ nano_to_money(token_cost_nano(
            {'input': 'hourly.prompt_tokens', 'output': 'hourly.generated_tokens'}, 'llm_prices', per_request=false
        )) }} end as payg_cost_usd
    from hourly
    inner join deployments
        on
            hourly.deployment = deployments.deployment
            and (hourly.hour_start >= deployments.valid_from or deployments.is_first_version)
            and (deployments.valid_to is null or hourly.hour_start < deployments.valid_to)
            and deployments.is_provisioned
    left join reservations
        on
            hourly.deployment = reservations.deployment
            and {{ price_in_force('reservations', 'hourly.hour_start') }}
    left join ptu_prices
        on
            deployments.deployment_type = ptu_prices.deployment_type
            and {{ price_in_force('ptu_prices', 'hourly.hour_start') }}
    left join llm_prices
        on
            deployments.model_name = llm_prices.model
            and {{ price_in_force('llm_prices', 'hourly.hour_start') }}
),

final as (
    select
        deployment,
        hour_start,
        deployment_type,
        model_name,
        ptus,
        billing_term,
        utilization,
        prompt_tokens,
        generated_tokens,
        prompt_tokens + generated_tokens as tokens_served,
        ptu_cost_usd,
        {{ money_divide('ptu_cost_usd * 1000000', 'prompt_tokens + generated_tokens') }} as effective_usd_per_mtok,
        payg_cost_usd,
        cast(null as {{ dbt.type_bigint() }}) as spillover_tokens
    from costed
)

select * from final
