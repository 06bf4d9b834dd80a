{#- Each bill line split over its allocation keys (int_costs__allocation_keys) by the one exact rule
    (split_exactly): the parts of a line sum to the line in its billing currency and in USD. Parts still owned
    by the shared pool are shared out in int_costs__shared_allocated. -#}
with lines as (
    select * from {{ ref('int_costs__bill_lines') }}
),

keys as (
    select * from {{ ref('int_costs__allocation_keys') }}
),

keyed as (
    select
        lines.*,
        keys.target_kind,
        keys.team as owner_team,
        keys.feature as owner_feature,
        keys.environment as owner_environment,
        keys.tenant as owner_tenant,
        keys.x_cost_origin,
        keys.allocated_method_id,
        keys.allocated_resource_id,
        keys.x_allocation_reason,
        keys.weight
    from lines
    inner join keys on lines.bill_line_id = keys.bill_line_id
),

split as (
    {{ split_exactly(
        'keyed', 'bill_line_id',
        "target_kind, owner_team, owner_feature, owner_environment, owner_tenant, coalesce(allocated_resource_id, '')",
        'weight',
        ['billed_cost', 'effective_cost', 'x_billed_cost_usd', 'x_effective_cost_usd']) }}
),

final as (
    select
        bill_line_id,
        x_source,
        x_spend_kind,
        ledger_provider,
        service_provider_name,
        billing_account_id,
        sub_account_id,
        billing_period_start,
        charge_period_start,
        charge_period_end,
        x_charge_month,
        charge_category,
        charge_description,
        service_name,
        service_category,
        resource_id,
        sku_id,
        pricing_quantity,
        pricing_unit,
        billing_currency,
        billed_cost_split as billed_cost,
        effective_cost_split as effective_cost,
        x_billed_cost_usd_split as x_billed_cost_usd,
        x_effective_cost_usd_split as x_effective_cost_usd,
        x_fx_rate,
        x_fx_rate_source,
        x_fx_rate_date,
        tags,
        target_kind,
        owner_team as team,
        owner_feature as feature,
        owner_environment as environment,
        owner_tenant as tenant,
        x_cost_origin,
        allocated_method_id,
        allocated_resource_id,
        x_allocation_reason,
        source_file,
        source_line
    from split
)

select * from final
