with source as (
    select * from {{ source('gcp', 'billing_export') }}
),

renamed as (
    select
        {{ cloud_cost_columns() }}
    from source
)

select * from renamed
