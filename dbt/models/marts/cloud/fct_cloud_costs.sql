{#- One FOCUS-shaped fact for every cloud provider: one row per billing line as delivered (one per charge for
    Azure, whose actual and amortized rows of a charge are paired by int_azure_costs__paired). billed_cost is
    what is invoiced, effective_cost amortizes commitments; never add the two. -#}
with costs as (
    select * from {{ ref('int_cloud_costs__unioned') }}
),

final as (
    select
        cloud_cost_id,
        provider_name,
        billing_account_id,
        sub_account_id,
        sub_account_name,
        billing_period_start,
        billing_period_end,
        invoice_month,
        charge_period_start,
        charge_period_end,
        {{ to_date('coalesce(charge_period_start, cast(billing_period_start as timestamp))') }} as charge_date,
        charge_category,
        charge_class,
        charge_description,
        line_item_type,
        service_name,
        service_category,
        resource_id,
        resource_name,
        region_id,
        sku_id,
        pricing_quantity,
        pricing_unit,
        billed_cost,
        effective_cost,
        list_cost,
        billing_currency,
        tags,
        team,
        feature,
        environment,
        tenant,
        cost_center,
        team is not null as has_team,
        feature is not null as has_feature,
        {{ ai_workload('service_name', 'sku_id', 'charge_description', 'resource_id') }} as ai_workload,
        delivery_id,
        source_file,
        source_line
    from costs
)

select * from final
