{#- Per provisioned deployment x hour with metrics: PTUs, utilization (null when Azure reported no point),
    tokens served, the PTU cost of the hour (hourly price, or the reservation amortized over the hours of
    its term), the effective $ per 1M tokens, and what the same tokens would cost pay-as-you-go at our LLM
    card. Spillover to standard deployments is not in these metrics: spillover_tokens stays null.
    History does not move: an hour takes the deployment version valid at its start (a later snapshot that
    scales or deletes a deployment only changes hours from that snapshot on) and the reservation in effect
    then. -#}
-- noqa: disable=LT02
-- (layout only: the price-in-force joins below are being replaced by one shared macro; lint them again then)
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
    where not is_batch
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
        case coalesce(reservations.term, 'hourly')
            when 'monthly' then {{ money_divide('deployments.ptus * ptu_prices.monthly_reservation_usd_per_ptu',
                dbt.datediff(dbt.date_trunc('month', 'hourly.hour_start'),
                             dbt.dateadd('month', 1, dbt.date_trunc('month', 'hourly.hour_start')), 'hour')) }}
            when 'yearly' then {{ money_divide('deployments.ptus * ptu_prices.yearly_reservation_usd_per_ptu',
                dbt.datediff(dbt.date_trunc('year', 'hourly.hour_start'),
                             dbt.dateadd('year', 1, dbt.date_trunc('year', 'hourly.hour_start')), 'hour')) }}
            else {{ to_money('deployments.ptus * ptu_prices.hourly_usd_per_ptu') }}
        end as ptu_cost_usd,
        {{ to_money('(hourly.prompt_tokens * llm_prices.input_usd_per_mtok'
                    ~ ' + hourly.generated_tokens * llm_prices.output_usd_per_mtok) * 0.000001') }} as payg_cost_usd
    from hourly
    inner join deployments
        on hourly.deployment = deployments.deployment
        and (hourly.hour_start >= deployments.valid_from or deployments.is_first_version)
        and (deployments.valid_to is null or hourly.hour_start < deployments.valid_to)
        and deployments.is_provisioned
    left join reservations
        on hourly.deployment = reservations.deployment
        and hourly.hour_start >= reservations.effective_from
        and (reservations.effective_to is null or hourly.hour_start < reservations.effective_to)
    left join ptu_prices
        on deployments.deployment_type = ptu_prices.deployment_type
        and hourly.hour_start >= ptu_prices.effective_from
        and (ptu_prices.effective_to is null or hourly.hour_start < ptu_prices.effective_to)
    left join llm_prices
        on deployments.model_name = llm_prices.model
        and hourly.hour_start >= llm_prices.effective_from
        and (llm_prices.effective_to is null or hourly.hour_start < llm_prices.effective_to)
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
