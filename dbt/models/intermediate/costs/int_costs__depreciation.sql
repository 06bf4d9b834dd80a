{#- Capitalized training (the GPU bill amounts int_costs__allocated_lines capitalized for a registered model
    version) returns as straight-line depreciation over the version's useful_life_months, from the later of
    its service month and the month the cost was capitalized (a late fine-tune never changes an earlier
    month). Nano-dollars are distributed, never lost: the first (amount mod months) months carry one more.
    Each month's depreciation is split over the owners of the version's requests that month (by count), or
    lands on the version's team in a month without requests. Rows run up to the last month with data.
    The ledger is read through int_ledger__owner_days (requests per day x model x owner, incremental by request
    day), not request by request: a night does not rescan the whole ledger. A null feature_tag is 'unassigned'
    there, so it would be served by a version registered for the feature tag 'unassigned' (none is). -#}
{%- set max_life_months = var('max_useful_life_months', 240) -%}

with allocated as (
    select * from {{ ref('int_costs__allocated_lines') }}
),

lines as (
    select * from {{ ref('int_costs__bill_lines') }}
),

owner_days as (
    select * from {{ ref('int_ledger__owner_days') }}
),

registry as (
    select * from {{ ref('stg_gpu__model_registry') }}
),

month_offsets as (
    {{ month_offsets(max_life_months) }}
),

last_month as (
    select max(x_charge_month) as last_charge_month
    from (
        select x_charge_month from lines
        union all
        select x_charge_month from owner_days
    ) as months
),

capitalized as (
    select
        allocated.allocated_resource_id as model_version,
        {{ add_months_to_month_start('allocated.charge_period_start', 0) }} as capitalized_month,
        sum({{ money_to_nano('allocated.x_effective_cost_usd') }}) as capitalized_nano
    from allocated
    where allocated.x_cost_origin = 'capitalized' and allocated.x_effective_cost_usd is not null
    group by 1, 2
),

schedule as (
    select
        capitalized.model_version,
        capitalized.capitalized_month,
        registry.team as version_team,
        registry.useful_life_months,
        month_offsets.month_offset,
        {{ add_months_to_month_start(
            'greatest(capitalized.capitalized_month, ' ~ add_months_to_month_start('registry.service_start_date', 0) ~ ')',
            'month_offsets.month_offset') }} as depreciation_month,
        sign(capitalized.capitalized_nano)
        * {{ straight_line_part('abs(capitalized.capitalized_nano)', 'registry.useful_life_months',
                                'month_offsets.month_offset') }} as depreciation_nano
    from capitalized
    inner join registry on capitalized.model_version = registry.model_version
    inner join month_offsets on registry.useful_life_months > month_offsets.month_offset
),

schedule_to_date as (
    select
        schedule.*,
        {{ nano_to_money('schedule.depreciation_nano') }} as depreciation_usd,
        row_number() over (order by schedule.model_version, schedule.capitalized_month, schedule.month_offset)
            as schedule_row_id
    from schedule
    cross join last_month
    where {{ to_month('schedule.depreciation_month') }} <= last_month.last_charge_month
),

served as (
    {{ serving_model_versions('owner_days', 'registry', 'feature') }}
),

version_owners as (
    select
        served.model_version,
        {{ add_months_to_month_start('served.request_date', 0) }} as depreciation_month,
        owner_days.team,
        owner_days.feature,
        owner_days.environment,
        owner_days.tenant,
        {{ sum_count('owner_days.requests') }} as requests
    from served
    inner join owner_days
        on
            served.feature_tag = owner_days.feature
            and served.model = owner_days.model
            and served.request_date = owner_days.request_date
    group by 1, 2, 3, 4, 5, 6
),

owned as (
    select
        schedule_to_date.*,
        coalesce(version_owners.team, schedule_to_date.version_team) as owner_team,
        coalesce(version_owners.feature, 'unassigned') as owner_feature,
        coalesce(version_owners.environment, 'unassigned') as owner_environment,
        coalesce(version_owners.tenant, 'unassigned') as owner_tenant,
        coalesce(version_owners.requests, 1) as owner_weight,
        version_owners.requests is not null as has_requests
    from schedule_to_date
    left join version_owners
        on
            schedule_to_date.model_version = version_owners.model_version
            and schedule_to_date.depreciation_month = version_owners.depreciation_month
),

split as (
    {{ split_exactly(
        'owned', 'schedule_row_id', 'owner_team, owner_feature, owner_environment, owner_tenant', 'owner_weight',
        ['depreciation_usd']) }}
),

final as (
    select
        cast(null as {{ dbt.type_string() }}) as bill_line_id,
        'model_registry' as x_source,
        'training_depreciation' as x_spend_kind,
        cast(null as {{ dbt.type_string() }}) as ledger_provider,
        'in-house model' as service_provider_name,
        cast(null as {{ dbt.type_string() }}) as billing_account_id,
        cast(null as {{ dbt.type_string() }}) as sub_account_id,
        depreciation_month as billing_period_start,
        cast(depreciation_month as {{ dbt.type_timestamp() }}) as charge_period_start,
        cast({{ add_months_to_month_start('depreciation_month', 1) }} as {{ dbt.type_timestamp() }})
            as charge_period_end,
        {{ to_month('depreciation_month') }} as x_charge_month,
        'Usage' as charge_category,
        concat(
            'depreciation of ', model_version, ' capitalized in ',
            {{ to_month('capitalized_month') }}
        ) as charge_description,
        'Model training (depreciation)' as service_name,
        'AI and Machine Learning' as service_category,
        cast(null as {{ dbt.type_string() }}) as resource_id,
        cast(null as {{ dbt.type_string() }}) as sku_id,
        cast(null as {{ money_type() }}) as pricing_quantity,
        cast(null as {{ dbt.type_string() }}) as pricing_unit,
        'USD' as billing_currency,
        {{ to_money(0) }} as billed_cost,
        depreciation_usd_split as effective_cost,
        {{ to_money(0) }} as x_billed_cost_usd,
        depreciation_usd_split as x_effective_cost_usd,
        {{ to_money(1) }} as x_fx_rate,
        'identity' as x_fx_rate_source,
        cast(null as date) as x_fx_rate_date,
        cast(null as {{ dbt.type_string() }}) as tags,
        'depreciation' as target_kind,
        owner_team as team,
        owner_feature as feature,
        owner_environment as environment,
        owner_tenant as tenant,
        'depreciation' as x_cost_origin,
        case when has_requests then 'straight_line_by_requests' else 'straight_line_team' end as allocated_method_id,
        model_version as allocated_resource_id,
        cast(null as {{ dbt.type_string() }}) as x_allocation_reason,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as bigint) as source_line
    from split
)

select * from final
