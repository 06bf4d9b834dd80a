{#- Training and fine-tune jobs whose model version is not in the model registry: their GPU bill share stays
    expense (not capitalized) until the version is registered. Listed so someone registers them. -#}
with jobs as (
    select * from {{ ref('fct_gpu_jobs') }}
),

registry as (
    select * from {{ ref('stg_gpu__model_registry') }}
),

costs as (
    select * from {{ ref('fct_costs') }}
),

billed as (
    select
        allocated_resource_id as job_id,
        {{ sum_money('x_effective_cost_usd') }} as billed_cost_usd
    from costs
    where x_spend_kind = 'gpu_compute' and allocated_resource_id is not null
    group by 1
),

final as (
    select
        jobs.job_id,
        jobs.job_name,
        jobs.job_type,
        jobs.team,
        jobs.model_version,
        jobs.started_at,
        jobs.ended_at,
        jobs.gpu_hours,
        jobs.list_price_cost_usd as list_price_estimate_usd,
        {{ to_money('coalesce(billed.billed_cost_usd, 0)') }} as billed_cost_usd,
        billed.job_id is not null as has_bill_line
    from jobs
    left join registry on jobs.model_version = registry.model_version
    left join billed on jobs.job_id = billed.job_id
    where jobs.job_type in ('training', 'fine_tune') and registry.model_version is null
)

select * from final
