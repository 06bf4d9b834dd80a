{#- Each bill line split over its allocation keys (int_costs__allocation_keys) by the one exact rule
    (split_exactly): the parts of a line sum to the line in its billing currency and in USD. Parts still owned
    by the shared pool are shared out in int_costs__shared_allocated. -#}
{{ config(materialized='table') }}

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
        {{- cost_part_select(split_part_overrides()) }}
    from split
)

select * from final
