{#- Ledger usage on days no bill of its provider covers yet (the open month, bill lag): the ledger's own
    estimate, on the request's owner, marked estimated_accrual. When a bill covering the day lands, the day
    leaves this model and the bill's split takes its place: never both. -#}
with ledger as (
    select * from {{ ref('int_ledger__owner_days') }}
),

lines as (
    select * from {{ ref('int_costs__bill_lines') }}
),

ledger_days as (
    select distinct
        provider,
        request_date
    from ledger
),

covered_days as (
    select distinct
        ledger_days.provider,
        ledger_days.request_date
    from ledger_days
    inner join lines
        on
            ledger_days.provider = lines.ledger_provider
            and ledger_days.request_date >= lines.charge_start_date
            and ledger_days.request_date <= lines.charge_last_date
),

uncovered as (
    select ledger.*
    from ledger
    left join covered_days
        on ledger.provider = covered_days.provider and ledger.request_date = covered_days.request_date
    where covered_days.provider is null
),

final as (
    select
        cast(null as {{ dbt.type_string() }}) as bill_line_id,
        'ledger' as x_source,
        'llm_accrual' as x_spend_kind,
        provider as ledger_provider,
        provider as service_provider_name,
        cast(null as {{ dbt.type_string() }}) as billing_account_id,
        cast(null as {{ dbt.type_string() }}) as sub_account_id,
        {{ add_months_to_month_start('request_date', 0) }} as billing_period_start,
        cast(request_date as {{ dbt.type_timestamp() }}) as charge_period_start,
        cast({{ dbt.dateadd('day', 1, 'request_date') }} as {{ dbt.type_timestamp() }}) as charge_period_end,
        x_charge_month,
        'Usage' as charge_category,
        concat('ledger estimate: ', provider, ' ', model) as charge_description,
        provider as service_name,
        'AI and Machine Learning' as service_category,
        cast(null as {{ dbt.type_string() }}) as resource_id,
        model as sku_id,
        cast(null as {{ money_type() }}) as pricing_quantity,
        cast(null as {{ dbt.type_string() }}) as pricing_unit,
        'USD' as billing_currency,
        ledger_cost_usd as billed_cost,
        ledger_cost_usd as effective_cost,
        ledger_cost_usd as x_billed_cost_usd,
        ledger_cost_usd as x_effective_cost_usd,
        {{ to_money(1) }} as x_fx_rate,
        'identity' as x_fx_rate_source,
        cast(null as date) as x_fx_rate_date,
        cast(null as {{ dbt.type_string() }}) as tags,
        'ledger' as target_kind,
        team,
        feature,
        environment,
        tenant,
        'estimated_accrual' as x_cost_origin,
        'ledger_estimate' as allocated_method_id,
        cast(null as {{ dbt.type_string() }}) as allocated_resource_id,
        concat('no bill of ', provider, ' covers ', cast(request_date as {{ dbt.type_string() }}), ' yet')
            as x_allocation_reason,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as bigint) as source_line
    from uncovered
)

select * from final
