{#- Ratios stay ratios: GPU_UTIL is a percentage (0-100) and becomes a 0-1 ratio here; PROF_* are already
    0-1 ratios. -#}
with source as (
    select * from {{ source('gpu', 'dcgm_samples') }}
),

renamed as (
    select
        sampled_at,
        hostname,
        gpu_uuid,
        namespace,
        pod,
        metric,
        case when metric = 'DCGM_FI_DEV_GPU_UTIL' then value / 100.0 else value end as metric_value
    from source
    where metric in ('DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_PROF_SM_ACTIVE', 'DCGM_FI_DEV_POWER_USAGE')
)

select * from renamed
