with source as (
    select * from {{ source('aws_cur', 'line_items') }}
),

renamed as (
    select
        {{ cloud_cost_columns() }}
    from source
)

select * from renamed
