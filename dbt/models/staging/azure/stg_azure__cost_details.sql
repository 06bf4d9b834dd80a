with source as (
    select * from {{ source('azure', 'cost_details') }}
),

renamed as (
    select
        {{ cloud_cost_columns() }},
        export_kind
    from source
)

select * from renamed
