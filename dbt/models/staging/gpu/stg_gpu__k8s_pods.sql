with source as (
    select * from {{ source('gpu', 'k8s_pods') }}
),

renamed as (
    select
        namespace,
        pod_name,
        run_id,
        component,
        node_name,
        cast(gpu_count as integer) as gpu_count,
        started_at,
        finished_at,
        team,
        job_type_tag,
        model_version,
        instance_type,
        replace(lower(coalesce(purchase_option, 'on_demand')), '-', '_') as purchase_option
    from source
)

select * from renamed
