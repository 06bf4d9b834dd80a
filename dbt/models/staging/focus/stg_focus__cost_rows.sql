with source as (
    select * from {{ source('focus', 'cost_rows') }}
),

renamed as (
    select
        {{ cloud_cost_columns() }}
    from source
)

select * from renamed
