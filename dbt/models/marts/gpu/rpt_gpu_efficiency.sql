{#- Day (the job's start date, UTC) x team x job type. Utilization is weighted by DCGM-observed GPU time. -#}
with jobs as (
    select * from {{ ref('fct_gpu_jobs') }}
),

aggregated as (
    select
        job_date,
        team,
        job_type,
        count(*) as jobs,
        cast(sum(gpu_ms) as bigint) as gpu_ms,
        sum(coalesce(observed_samples, 0)) as observed_samples,
        {{ stable_sum('avg_gpu_utilization * observed_samples') }} as utilization_weighted,
        cast(sum(coalesce(idle_gpu_ms, 0)) as bigint) as idle_gpu_ms,
        {{ sum_money('list_price_cost_usd') }} as list_price_cost_usd,
        {{ sum_money('idle_cost_usd') }} as idle_cost_usd,
        {{ sum_count('case when is_priced then 0 else 1 end') }} as unpriced_jobs
    from jobs
    group by job_date, team, job_type
),

final as (
    select
        concat(cast(job_date as {{ dbt.type_string() }}), '|', team, '|', job_type) as efficiency_key,
        job_date,
        team,
        job_type,
        jobs,
        {{ money_divide('gpu_ms', 3600000) }} as gpu_hours,
        -- a group holding an unpriced job has an unknown cost: null, never a partial sum or $0
        case when unpriced_jobs = 0 then list_price_cost_usd end as list_price_cost_usd,
        -- deprecated alias of list_price_cost_usd; will be removed
        case when unpriced_jobs = 0 then list_price_cost_usd end as total_cost_usd,
        {{ ratio('utilization_weighted', 'observed_samples') }} as avg_gpu_utilization,
        {{ money_divide('idle_gpu_ms', 3600000) }} as idle_gpu_hours,
        case when unpriced_jobs = 0 then idle_cost_usd end as idle_cost_usd,
        case when unpriced_jobs = 0 then {{ ratio('idle_cost_usd', 'list_price_cost_usd') }} end as idle_cost_share,
        unpriced_jobs,
        unpriced_jobs = 0 as is_priced
    from aggregated
)

select * from final
