{#- DCGM samples pivoted to one row per GPU and scrape, then matched to the allocation that held the GPU:
    by pod (and namespace) when the exporter reports Kubernetes labels, else by hostname and time window.
    A sample inside two allocations (two jobs on one host) goes to one of them only, never counted twice.
    Each sample stands for the GPU time until the next scrape of the same GPU (the last one: the gap since
    the previous scrape), capped at `dcgm_max_scrape_gap_seconds` so a stopped exporter is not read as
    hours of one value. -#}
{%- set max_gap_ms = var('dcgm_max_scrape_gap_seconds', 300) * 1000 -%}
with samples as (
    select * from {{ ref('stg_gpu__dcgm_samples') }}
),

allocations as (
    select * from {{ ref('int_gpu_allocations__unioned') }}
),

pivoted as (
    select
        sampled_at,
        hostname,
        gpu_uuid,
        namespace,
        pod,
        max(case when metric = 'DCGM_FI_DEV_GPU_UTIL' then metric_value end) as gpu_utilization,
        max(case when metric = 'DCGM_FI_PROF_SM_ACTIVE' then metric_value end) as sm_active,
        max(case when metric = 'DCGM_FI_DEV_POWER_USAGE' then metric_value end) as power_watts
    from samples
    group by sampled_at, hostname, gpu_uuid, namespace, pod
),

neighbours as (
    select
        *,
        lead(sampled_at) over (partition by hostname, gpu_uuid order by sampled_at) as next_sampled_at,
        lag(sampled_at) over (partition by hostname, gpu_uuid order by sampled_at) as previous_sampled_at
    from pivoted
),

with_intervals as (
    select
        *,
        least(
            coalesce(
                {{ millis_between('sampled_at', 'next_sampled_at') }},
                {{ millis_between('previous_sampled_at', 'sampled_at') }},
                0
            ),
            {{ max_gap_ms }}
        ) as interval_ms
    from neighbours
),

matched as (
    select
        pivoted.sampled_at,
        pivoted.hostname,
        pivoted.gpu_uuid,
        pivoted.namespace,
        pivoted.pod,
        pivoted.gpu_utilization,
        pivoted.sm_active,
        pivoted.power_watts,
        pivoted.interval_ms,
        allocations.job_id,
        allocations.allocation_id,
        row_number() over (
            partition by pivoted.sampled_at, pivoted.hostname, pivoted.gpu_uuid, pivoted.pod
            order by allocations.started_at desc, allocations.allocation_id asc
        ) as match_rank
    from with_intervals as pivoted
    inner join allocations
        on
            pivoted.sampled_at >= allocations.started_at
            and (allocations.ended_at is null or pivoted.sampled_at < allocations.ended_at)
            and (
                (
                    pivoted.pod is not null
                    and pivoted.pod = allocations.pod_name
                    and coalesce(pivoted.namespace, '') = coalesce(allocations.namespace, '')
                )
                or (pivoted.pod is null and pivoted.hostname = allocations.hostname)
            )
),

final as (
    select
        sampled_at,
        hostname,
        gpu_uuid,
        namespace,
        pod,
        gpu_utilization,
        sm_active,
        power_watts,
        interval_ms,
        job_id,
        allocation_id
    from matched
    where match_rank = 1
)

select * from final
