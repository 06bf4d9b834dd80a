{#- Who shares each bill line, and by what weight (a non-negative whole number). Per the source-of-truth matrix:
    - LLM lines (provider cost reports, AI lines of cloud bills): the ledger's priced cost of the same provider
      (and model, where the bill has the model) on the days the line covers, per owner;
    - GPU instance lines: the GPU-milliseconds of the jobs on that instance type inside the line's period
      (fct_gpu_jobs: its idle share as a row of its own); a training / fine-tune job of a registered model
      version is capitalized; capacity no job used stays with the line's tags;
    - a line with no key (and the unused GPU capacity) falls back to its tags; untagged, it goes to the shared
      pool (cloud spend) or is unallocated with its reason (LLM spend the ledger cannot explain).
    GPU jobs are read from the fct_gpu_jobs mart on purpose: it is the one place their cost and idle time are
    decided. -#}
with lines as (
    select * from {{ ref('int_costs__bill_lines') }}
),

ledger as (
    select * from {{ ref('int_ledger__owner_days') }}
),

jobs as (
    select * from {{ ref('fct_gpu_jobs') }}
),

registry as (
    select * from {{ ref('stg_gpu__model_registry') }}
),

gpu_instances as (
    select distinct
        instance_type,
        gpus_per_instance
    from {{ ref('stg_rate_cards__gpu_prices') }}
),

llm_keys as (
    select
        lines.bill_line_id,
        'ledger' as target_kind,
        ledger.team,
        ledger.feature,
        ledger.environment,
        ledger.tenant,
        'billed' as x_cost_origin,
        'ledger_cost_share' as allocated_method_id,
        cast(null as {{ dbt.type_string() }}) as allocated_resource_id,
        cast(null as {{ dbt.type_string() }}) as x_allocation_reason,
        sum(ledger.ledger_cost_nano) as weight
    from lines
    inner join ledger
        on
            lines.ledger_provider = ledger.provider
            and (lines.ledger_model is null or lines.ledger_model = ledger.model)
            and lines.charge_start_date <= ledger.request_date
            and lines.charge_last_date >= ledger.request_date
    where lines.ledger_provider is not null
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
),

gpu_lines as (
    select
        lines.*,
        gpu_instances.instance_type,
        case
            when lower(lines.pricing_unit) like 'hr%' or lower(lines.pricing_unit) like '%hour%'
                then cast(lines.pricing_quantity * gpu_instances.gpus_per_instance * 3600000 as {{ wide_int_type() }})
        end as capacity_gpu_ms,
        row_number() over (
            partition by lines.bill_line_id order by length(gpu_instances.instance_type) desc
        ) as instance_rank
    from lines
    inner join gpu_instances
        on
            lower(concat(coalesce(lines.sku_id, ''), ' ', coalesce(lines.resource_id, '')))
            like concat('%', lower(gpu_instances.instance_type), '%')
    where lines.x_spend_kind = 'gpu_compute'
),

job_overlaps as (
    select
        gpu_lines.bill_line_id,
        gpu_lines.team as line_team,
        gpu_lines.feature as line_feature,
        gpu_lines.environment as line_environment,
        jobs.job_id,
        jobs.team as job_team,
        jobs.job_type,
        registry.model_version as registered_version,
        registry.team as version_team,
        registry.ledger_feature_tag as version_feature,
        jobs.model_version,
        cast(
            {{ wide_int_div(
                'cast(jobs.gpu_ms as ' ~ wide_int_type() ~ ') * cast(' ~ millis_between(
                    'greatest(cast(jobs.started_at as timestamp), cast(gpu_lines.charge_period_start as timestamp))',
                    'least(cast(jobs.ended_at as timestamp), cast(gpu_lines.charge_period_end as timestamp))')
                ~ ' as ' ~ wide_int_type() ~ ')',
                'cast(' ~ millis_between('jobs.started_at', 'jobs.ended_at') ~ ' as ' ~ wide_int_type() ~ ')') }}
            as {{ wide_int_type() }}
        ) as overlap_gpu_ms,
        jobs.gpu_ms,
        coalesce(jobs.idle_gpu_ms, 0) as idle_gpu_ms
    from gpu_lines
    inner join jobs
        on
            gpu_lines.instance_type = jobs.instance_type
            and cast(jobs.started_at as timestamp) < cast(gpu_lines.charge_period_end as timestamp)
            and cast(jobs.ended_at as timestamp) > cast(gpu_lines.charge_period_start as timestamp)
            and jobs.gpu_ms > 0
    left join registry on jobs.model_version = registry.model_version
    where gpu_lines.instance_rank = 1
),

capitalization as (
    select
        *,
        job_type in ('training', 'fine_tune') and registered_version is not null as is_capitalized,
        {{ wide_int_div('overlap_gpu_ms * idle_gpu_ms', 'gpu_ms') }} as idle_weight
    from job_overlaps
    where overlap_gpu_ms > 0
),

{# a capitalized job belongs to its model version's team and feature; any other to the job's team -#}
job_targets as (
    select
        *,
        case when is_capitalized then version_team else job_team end as owner_team,
        case
            when is_capitalized then coalesce(version_feature, 'unassigned')
            when line_team = job_team then coalesce(line_feature, 'unassigned')
            else 'unassigned'
        end as owner_feature,
        case when line_team = job_team then coalesce(line_environment, 'unassigned') else 'unassigned' end
            as owner_environment,
        case when is_capitalized then 'capitalized' else 'billed' end as owner_origin,
        case when is_capitalized then registered_version else job_id end as owner_resource
    from capitalization
),

gpu_keys as (
    select
        bill_line_id,
        'gpu_job' as target_kind,
        owner_team as team,
        owner_feature as feature,
        owner_environment as environment,
        'unassigned' as tenant,
        owner_origin as x_cost_origin,
        'gpu_hours_share' as allocated_method_id,
        owner_resource as allocated_resource_id,
        case
            when job_type in ('training', 'fine_tune') and registered_version is null
                then concat(
                    'training job of unregistered model version ', coalesce(model_version, '(none)'),
                    ': expensed'
                )
        end as x_allocation_reason,
        overlap_gpu_ms - idle_weight as weight
    from job_targets
    union all
    select
        bill_line_id,
        'gpu_idle' as target_kind,
        owner_team as team,
        owner_feature as feature,
        owner_environment as environment,
        'unassigned' as tenant,
        owner_origin as x_cost_origin,
        'gpu_idle' as allocated_method_id,
        owner_resource as allocated_resource_id,
        'idle GPU time of the job (DCGM below the idle threshold, or executors without tasks)'
            as x_allocation_reason,
        idle_weight as weight
    from job_targets
    where idle_weight > 0
),

gpu_used as (
    select
        bill_line_id,
        sum(overlap_gpu_ms) as used_gpu_ms
    from job_targets
    group by 1
),

unused_keys as (
    select
        gpu_lines.bill_line_id,
        'gpu_unused' as target_kind,
        gpu_lines.capacity_gpu_ms - gpu_used.used_gpu_ms as weight
    from gpu_lines
    inner join gpu_used on gpu_lines.bill_line_id = gpu_used.bill_line_id
    where gpu_lines.instance_rank = 1 and gpu_lines.capacity_gpu_ms > gpu_used.used_gpu_ms
),

keyed as (
    select * from llm_keys
    union all
    select * from gpu_keys
),

keyed_lines as (
    select bill_line_id from keyed
    group by 1
    having sum(weight) > 0
),

{# A line with no key, or the capacity of a GPU line no job used: the line's tags own it; untagged cloud spend
    goes to the shared pool, untagged LLM spend is unallocated with its reason. -#}
fallback_parts as (
    select
        lines.bill_line_id,
        'line' as target_kind,
        cast(1 as {{ wide_int_type() }}) as weight
    from lines
    left join keyed_lines on lines.bill_line_id = keyed_lines.bill_line_id
    where keyed_lines.bill_line_id is null
    union all
    select
        bill_line_id,
        target_kind,
        weight
    from unused_keys
),

fallback_keys as (
    select
        fallback_parts.bill_line_id,
        fallback_parts.target_kind,
        case
            when lines.team is not null then lines.team
            when lines.ledger_provider is not null then 'unallocated'
            else 'shared'
        end as team,
        case when lines.team is not null then coalesce(lines.feature, 'unassigned') else 'unassigned' end as feature,
        case when lines.team is not null then coalesce(lines.environment, 'unassigned') else 'unassigned' end
            as environment,
        case when lines.team is not null then coalesce(lines.tenant, 'unassigned') else 'unassigned' end as tenant,
        case
            when lines.team is not null then 'billed'
            when lines.ledger_provider is not null then 'unallocated'
            else 'shared_pool'
        end as x_cost_origin,
        case
            when lines.team is not null then 'tags'
            when lines.ledger_provider is not null then 'none'
            else 'shared_pool'
        end as allocated_method_id,
        cast(null as {{ dbt.type_string() }}) as allocated_resource_id,
        case
            when fallback_parts.target_kind = 'gpu_unused' then 'GPU capacity no job used'
            when lines.team is not null then null
            when lines.ledger_provider is not null
                then concat(
                    'no ledger usage of ', lines.ledger_provider,
                    case when lines.ledger_model is not null then concat(' model ', lines.ledger_model) else '' end,
                    ' on the days the line covers, and the line has no team tag'
                )
        end as x_allocation_reason,
        fallback_parts.weight
    from fallback_parts
    inner join lines on fallback_parts.bill_line_id = lines.bill_line_id
),

final as (
    select keyed.*
    from keyed
    inner join keyed_lines on keyed.bill_line_id = keyed_lines.bill_line_id
    where keyed.weight > 0
    union all
    select * from fallback_keys
)

select * from final
