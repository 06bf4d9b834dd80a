{#- The shared pool (untagged cloud spend, unused GPU capacity of untagged lines) shared out to the owners of
    its month by the rule in var `shared_cost_allocation_method`:
    - direct_cost (default): pro rata to each owner's direct (billed, owned) cost of the month in USD;
    - requests: pro rata to each owner's ledger requests of the month;
    - fixed: by the team weights in var `shared_cost_fixed_shares` (e.g. {"search": 60, "support": 40}).
    Parts sum exactly to each pooled amount (split_exactly); a month with no owner to share with leaves the
    amount unallocated, with the reason. -#}
{%- set method = var('shared_cost_allocation_method', 'direct_cost') -%}
{%- set fixed_shares = var('shared_cost_fixed_shares', {}) -%}
{%- if method not in ('direct_cost', 'requests', 'fixed') -%}
    {{ exceptions.raise_compiler_error("var shared_cost_allocation_method must be direct_cost, requests or fixed; got " ~ method) }}
{%- endif -%}

with allocated as (
    select * from {{ ref('int_costs__allocated_lines') }}
),

-- read by the 'requests' method only; declared for every method so that dbt always knows the dependency
ledger as (  -- noqa: ST03
    select * from {{ ref('int_ledger__owner_days') }}
),

pool as (
    select
        allocated.*,
        row_number() over (
            order by allocated.bill_line_id, allocated.target_kind, coalesce(allocated.allocated_resource_id, '')
        ) as pool_part_id
    from allocated
    where allocated.x_cost_origin = 'shared_pool'
),

owner_weights as (
    {%- if method == 'direct_cost' %}
    select
        x_charge_month,
        team,
        feature,
        environment,
        tenant,
        sum({{ money_to_nano('x_effective_cost_usd') }}) as weight
    from allocated
    where x_cost_origin = 'billed' and x_effective_cost_usd is not null
    group by 1, 2, 3, 4, 5
    {%- elif method == 'requests' %}
    select
        x_charge_month,
        team,
        feature,
        environment,
        tenant,
        sum(requests) as weight
    from ledger
    group by 1, 2, 3, 4, 5
    {%- else %}
    select
        months.x_charge_month,
        shares.team,
        'unassigned' as feature,
        'unassigned' as environment,
        'unassigned' as tenant,
        shares.weight
    from (select distinct x_charge_month from pool) as months
    cross join (
        {%- for team, share in fixed_shares.items() %}
        select '{{ team | replace("'", "''") }}' as team, cast({{ (share * 1000000) | int }} as bigint) as weight
        {% if not loop.last %}union all{% endif %}
        {%- else %}
        select cast(null as {{ dbt.type_string() }}) as team, cast(0 as bigint) as weight
        {%- endfor %}
    ) as shares
    {%- endif %}
),

positive_weights as (
    select * from owner_weights
    where weight > 0
),

keyed as (
    select
        pool.*,
        positive_weights.team as owner_team,
        positive_weights.feature as owner_feature,
        positive_weights.environment as owner_environment,
        positive_weights.tenant as owner_tenant,
        positive_weights.weight as owner_weight
    from pool
    inner join positive_weights on pool.x_charge_month = positive_weights.x_charge_month
),

split as (
    {{ split_exactly(
        'keyed', 'pool_part_id', 'owner_team, owner_feature, owner_environment, owner_tenant', 'owner_weight',
        ['billed_cost', 'effective_cost', 'x_billed_cost_usd', 'x_effective_cost_usd']) }}
),

shared as (
    {%- set shared_part = split_part_overrides() %}
    {%- do shared_part.update({
        'x_cost_origin': "'allocated_shared'",
        'allocated_method_id': "'shared_" ~ method ~ "'",
        'x_allocation_reason': 'cast(null as ' ~ dbt.type_string() ~ ')',
    }) %}
    select
        {{- cost_part_select(shared_part) }}
    from split
),

unshared as (
    {%- set no_owner = {
        'team': "'unallocated'",
        'feature': "'unassigned'",
        'environment': "'unassigned'",
        'tenant': "'unassigned'",
        'x_cost_origin': "'unallocated'",
        'allocated_method_id': "'none'",
        'x_allocation_reason': "'shared cost with no owner to share it with in its month (rule " ~ method ~ ")'",
    } %}
    select
        {{- cost_part_select(no_owner) }}
    from pool
    where not exists (
        select 1 from positive_weights
        where positive_weights.x_charge_month = pool.x_charge_month
    )
),

final as (
    select * from shared
    union all
    select * from unshared
)

select * from final
