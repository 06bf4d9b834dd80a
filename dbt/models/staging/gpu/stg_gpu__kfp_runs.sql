with source as (
    select * from {{ source('gpu', 'kfp_runs') }}
),

renamed as (
    select
        run_id,
        display_name,
        experiment_id,
        state,
        created_at,
        finished_at,
        source_file
    from source
)

select * from renamed
