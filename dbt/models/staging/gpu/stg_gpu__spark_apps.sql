with source as (
    select * from {{ source('gpu', 'spark_apps') }}
),

renamed as (
    select
        app_id,
        attempt_id,
        app_name,
        spark_user,
        started_at,
        ended_at,
        is_complete,
        team,
        job_type_tag,
        model_version,
        instance_type,
        replace(lower(coalesce(purchase_option, 'on_demand')), '-', '_') as purchase_option,
        source_file
    from source
)

select * from renamed
