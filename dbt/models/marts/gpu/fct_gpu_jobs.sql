{#- One row per GPU job. Cost = GPU-hours x the card's USD per GPU-hour for the job's instance type and
    purchase option in force on the job's start date (exact: GPU-milliseconds x price / 3,600,000).
    Idle GPU time: DCGM scrapes below `gpu_idle_utilization_threshold` (each scrape stands for the time
    to the next scrape of the same GPU), or, for a Spark job without DCGM coverage, executor GPU time
    during which no task ran (executor GPU-ms - task GPU-ms). -#}
{%- set idle_threshold = var('gpu_idle_utilization_threshold', 0.05) -%}

with jobs as (
    select * from {{ ref('int_gpu_jobs__classified') }}
),

samples as (
    select * from {{ ref('int_gpu_samples__matched') }}
),

prices as (
    select * from {{ ref('stg_rate_cards__gpu_prices') }}
),

utilization as (
    select
        job_id,
        count(*) as observed_samples,
        cast(sum(interval_ms) as bigint) as observed_gpu_ms,
        cast(sum(
            case when coalesce(gpu_utilization, sm_active) < {{ idle_threshold }} then interval_ms else 0 end
        ) as bigint) as idle_gpu_ms,
        -- order-independent means: identical runs give identical digits
        {{ stable_avg('gpu_utilization') }} as avg_gpu_utilization,
        {{ stable_avg('sm_active') }} as avg_sm_active,
        {{ stable_avg('power_watts') }} as avg_power_watts
    from samples
    group by job_id
),

priced as (
    select
        jobs.*,
        prices.gpu_type,
        prices.usd_per_gpu_hour,
        prices.card_version as gpu_card_version,
        utilization.observed_samples,
        utilization.observed_gpu_ms,
        utilization.avg_gpu_utilization,
        utilization.avg_sm_active,
        utilization.avg_power_watts,
        case
            when utilization.observed_samples is not null
                then least(utilization.idle_gpu_ms, jobs.gpu_ms)
            when jobs.task_gpu_ms is not null
                then greatest(jobs.gpu_ms - jobs.task_gpu_ms, 0)
        end as idle_gpu_ms,
        case
            when utilization.observed_samples is not null then 'dcgm'
            when jobs.task_gpu_ms is not null then 'spark_tasks'
            else 'none'
        end as idle_basis
    from jobs
    left join utilization on jobs.job_id = utilization.job_id
    left join prices
        on
            jobs.instance_type = prices.instance_type
            and jobs.purchase_option = prices.purchase_option
            and {{ price_in_force('prices', to_date('jobs.started_at')) }}
),

costed as (
    select
        *,
        case
            when gpu_ms = 0 then {{ to_money(0) }}
            else {{ money_divide('gpu_ms * usd_per_gpu_hour', 3600000) }}
        end as job_cost_usd,
        case
            when idle_gpu_ms = 0 then {{ to_money(0) }}
            else {{ money_divide('idle_gpu_ms * usd_per_gpu_hour', 3600000) }}
        end as idle_cost_usd
    from priced
),

final as (
    select
        job_id,
        job_source,
        job_name,
        user_name,
        job_type,
        job_type_origin,
        coalesce(team, 'unattributed') as team,
        model_version,
        instance_type,
        gpu_type,
        purchase_option,
        started_at,
        ended_at,
        {{ to_date('started_at') }} as job_date,
        is_complete,
        allocations,
        gpu_count,
        gpu_ms,
        {{ money_divide('gpu_ms', 3600000) }} as gpu_hours,
        usd_per_gpu_hour,
        gpu_card_version,
        usd_per_gpu_hour is not null or gpu_ms = 0 as is_priced,
        {{ to_money("case when purchase_option = 'on_demand' then job_cost_usd else 0 end") }}
            as cost_on_demand_usd,
        {{ to_money("case when purchase_option = 'spot' then job_cost_usd else 0 end") }}
            as cost_spot_usd,
        {{ to_money("case when purchase_option = 'reserved' then job_cost_usd else 0 end") }}
            as cost_reserved_usd,
        job_cost_usd as list_price_cost_usd,
        -- deprecated alias of list_price_cost_usd (analysts read it as the bill); will be removed
        job_cost_usd as total_cost_usd,
        observed_samples,
        {{ money_divide('coalesce(observed_gpu_ms, 0)', 3600000) }} as observed_gpu_hours,
        avg_gpu_utilization,
        avg_sm_active,
        avg_power_watts,
        idle_basis,
        idle_gpu_ms,
        {{ money_divide('idle_gpu_ms', 3600000) }} as idle_gpu_hours,
        idle_cost_usd
    from costed
)

select * from final
