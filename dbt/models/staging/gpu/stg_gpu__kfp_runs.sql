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
        -- active runs may report the zero time 1970-01-01T00:00:00Z as finished_at
        case when finished_at > cast('1971-01-01' as timestamp) then finished_at end as finished_at,
        source_file
    from source
)

select * from renamed
