with source as (
    select * from {{ source('aws_cur', 'line_items') }}
    -- a problem row is in the table only between a load's two transactions (warehouse/cur_load.py)
    where load_problem is null
),

renamed as (
    select
        {{ cloud_cost_columns() }}
    from source
)

select * from renamed
