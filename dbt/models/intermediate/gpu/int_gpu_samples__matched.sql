{#- DCGM samples pivoted to one row per GPU and scrape, then matched to the allocation that held the GPU:
    by pod (and namespace) when the exporter reports Kubernetes labels, else by hostname and time window.
    A sample inside two allocations (two jobs on one host) goes to one of them only, never counted twice. -#}
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
        max(case when metric = 'DCGM_FI_DEV_GPU_UTIL' then value end) as gpu_utilization,
        max(case when metric = 'DCGM_FI_PROF_SM_ACTIVE' then value end) as sm_active,
        max(case when metric = 'DCGM_FI_DEV_POWER_USAGE' then value end) as power_watts
    from samples
    group by sampled_at, hostname, gpu_uuid, namespace, pod
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
        allocations.job_id,
        allocations.allocation_id,
        row_number() over (
            partition by pivoted.sampled_at, pivoted.hostname, pivoted.gpu_uuid, pivoted.pod
            order by allocations.started_at desc, allocations.allocation_id
        ) as match_rank
    from pivoted
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
        job_id,
        allocation_id
    from matched
    where match_rank = 1
)

select * from final
