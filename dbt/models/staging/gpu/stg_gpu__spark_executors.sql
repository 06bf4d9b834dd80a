with source as (
    select * from {{ source('gpu', 'spark_executors') }}
),

renamed as (
    select
        app_id,
        attempt_id,
        executor_id,
        host,
        added_at,
        removed_at,
        cast(gpu_amount as integer) as gpu_count,
        cast(task_gpu_ms as bigint) as task_gpu_ms
    from source
)

select * from renamed
