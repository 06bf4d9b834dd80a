with source as (
    select * from {{ source('focus', 'cost_rows') }}
),

renamed as (
    select
        {{ cloud_cost_columns() }},
        focus_version,
        host_provider_name,
        extra_columns
    from source
)

select * from renamed
