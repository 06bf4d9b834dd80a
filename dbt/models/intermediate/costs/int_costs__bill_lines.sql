{#- Every bill line, whatever the bill: the cloud billing exports (CUR, Azure, GCP, FOCUS) and the LLM providers'
    cost reports. Each line is classified by the source-of-truth matrix (seed cost_source_matrix: which kind of
    spend it is and which ledger provider keys its split) and converted to USD at the FX rate in force on its
    charge date (seed fx_rates); a line whose currency has no rate keeps a null USD amount and is flagged. -#}
{{ config(materialized='table') }}

with cloud as (
    select * from {{ ref('int_cloud_costs__unioned') }}
),

provider_costs as (
    select * from {{ ref('stg_llm_providers__costs') }}
),

aliases as (
    select * from {{ ref('stg_rate_cards__llm_model_aliases') }}
),

matrix as (
    select * from {{ ref('cost_source_matrix') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

cloud_lines as (
    select
        cloud_cost_id as bill_line_id,
        x_source,
        provider_name as service_provider_name,
        billing_account_id,
        sub_account_id,
        billing_period_start,
        charge_period_start,
        charge_period_end,
        charge_category,
        charge_description,
        service_name,
        service_category,
        resource_id,
        sku_id,
        pricing_quantity,
        pricing_unit,
        billing_currency,
        billed_cost,
        effective_cost,
        tags,
        team,
        feature,
        environment,
        tenant,
        {{ ai_workload('service_name', 'sku_id', 'charge_description', 'resource_id') }} as bill_match,
        cast(null as {{ dbt.type_string() }}) as ledger_model,
        source_file,
        source_line
    from cloud
),

provider_numbered as (
    select
        provider_costs.*,
        row_number() over (
            partition by
                provider_costs.provider,
                provider_costs.bucket_start,
                provider_costs.reported_model,
                provider_costs.project_id,
                provider_costs.api_key_id,
                provider_costs.line_item,
                provider_costs.cost_type,
                provider_costs.token_type,
                provider_costs.service_tier,
                provider_costs.source
            order by provider_costs.amount_usd
        ) as duplicate_number
    from provider_costs
),

provider_lines as (
    select
        {{ dbt.hash(dbt.concat([
            "provider_numbered.provider", "'|'", dbt.safe_cast("provider_numbered.bucket_start", api.Column.translate_type("string")),
            "'|'", "coalesce(provider_numbered.reported_model, '')", "'|'", "provider_numbered.project_id",
            "'|'", "coalesce(provider_numbered.api_key_id, '')", "'|'", "coalesce(provider_numbered.line_item, '')",
            "'|'", "coalesce(provider_numbered.cost_type, '')", "'|'", "coalesce(provider_numbered.token_type, '')",
            "'|'", "coalesce(provider_numbered.service_tier, '')", "'|'", "coalesce(provider_numbered.source, '')",
            "'|'", dbt.safe_cast("provider_numbered.duplicate_number", api.Column.translate_type("string"))])) }}
            as bill_line_id,
        concat(provider_numbered.provider, '_cost_report') as x_source,
        case provider_numbered.provider
            when 'openai' then 'OpenAI'
            when 'anthropic' then 'Anthropic'
            else provider_numbered.provider
        end as service_provider_name,
        provider_numbered.provider as billing_account_id,
        provider_numbered.project_id as sub_account_id,
        {{ add_months_to_month_start('provider_numbered.bucket_start', 0) }} as billing_period_start,
        provider_numbered.bucket_start as charge_period_start,
        provider_numbered.bucket_end as charge_period_end,
        'Usage' as charge_category,
        provider_numbered.line_item as charge_description,
        provider_numbered.line_item as service_name,
        'AI and Machine Learning' as service_category,
        cast(null as {{ dbt.type_string() }}) as resource_id,
        provider_numbered.reported_model as sku_id,
        cast(null as {{ money_type() }}) as pricing_quantity,
        cast(null as {{ dbt.type_string() }}) as pricing_unit,
        upper(coalesce(provider_numbered.currency, 'USD')) as billing_currency,
        provider_numbered.amount_usd as billed_cost,
        provider_numbered.amount_usd as effective_cost,
        cast(null as {{ dbt.type_string() }}) as tags,
        cast(null as {{ dbt.type_string() }}) as team,
        cast(null as {{ dbt.type_string() }}) as feature,
        cast(null as {{ dbt.type_string() }}) as environment,
        cast(null as {{ dbt.type_string() }}) as tenant,
        provider_numbered.provider as bill_match,
        coalesce(aliases.model, provider_numbered.reported_model) as ledger_model,
        provider_numbered.source as source_file,
        cast(null as bigint) as source_line
    from provider_numbered
    left join aliases
        on provider_numbered.reported_model = aliases.alias and provider_numbered.provider = aliases.provider
),

lines as (
    select * from cloud_lines
    union all
    select * from provider_lines
),

fx_candidates as (
    select
        lines.bill_line_id,
        {{ to_money('fx_rates.usd_per_unit') }} as fx_rate,
        fx_rates.rate_source as fx_rate_source,
        cast(fx_rates.effective_from as date) as fx_rate_date,
        row_number() over (partition by lines.bill_line_id order by fx_rates.effective_from desc) as rate_rank
    from lines
    inner join fx_rates
        on
            upper(lines.billing_currency) = fx_rates.currency
            and cast(fx_rates.effective_from as date) <= {{ to_date('lines.charge_period_start') }}
),

llm_kinds as (
    select * from matrix
    where ledger_provider is not null
),

gpu_kind as (
    select * from matrix
    where spend_kind = 'gpu_compute'
),

final as (
    select
        lines.bill_line_id,
        lines.x_source,
        case
            when llm_kinds.spend_kind is not null then llm_kinds.spend_kind
            when gpu_kind.spend_kind is not null then gpu_kind.spend_kind
            else 'cloud_infrastructure'
        end as x_spend_kind,
        llm_kinds.ledger_provider,
        lines.ledger_model,
        lines.service_provider_name,
        lines.billing_account_id,
        lines.sub_account_id,
        lines.billing_period_start,
        lines.charge_period_start,
        lines.charge_period_end,
        {{ to_date('lines.charge_period_start') }} as charge_start_date,
        {{ charge_last_date('lines.charge_period_start', 'lines.charge_period_end') }} as charge_last_date,
        {{ to_month('lines.charge_period_start') }} as x_charge_month,
        lines.charge_category,
        lines.charge_description,
        lines.service_name,
        lines.service_category,
        lines.resource_id,
        lines.sku_id,
        lines.pricing_quantity,
        lines.pricing_unit,
        lines.billing_currency,
        lines.billed_cost,
        lines.effective_cost,
        fx_candidates.fx_rate as x_fx_rate,
        fx_candidates.fx_rate_source as x_fx_rate_source,
        fx_candidates.fx_rate_date as x_fx_rate_date,
        {{ to_money('lines.billed_cost * fx_candidates.fx_rate') }} as x_billed_cost_usd,
        {{ to_money('lines.effective_cost * fx_candidates.fx_rate') }} as x_effective_cost_usd,
        lines.tags,
        lines.team,
        lines.feature,
        lines.environment,
        lines.tenant,
        lines.source_file,
        lines.source_line
    from lines
    left join fx_candidates on lines.bill_line_id = fx_candidates.bill_line_id and fx_candidates.rate_rank = 1
    left join llm_kinds on lines.bill_match = llm_kinds.bill_match
    left join gpu_kind on lines.bill_match = gpu_kind.bill_match
)

select * from final
