with source as (
    select * from {{ source('llm_providers', 'usage') }}
),

renamed as (
    select
        {{ provider_usage_columns() }}
    from source
)

select * from renamed
