with source as (
    select * from {{ source('gpu', 'job_type_rules') }}
),

renamed as (
    select
        priority,
        field as match_field,
        pattern,
        job_type
    from source
)

select * from renamed
