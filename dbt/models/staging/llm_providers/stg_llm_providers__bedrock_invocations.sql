with source as (
    select * from {{ source('llm_providers', 'bedrock_invocations') }}
),

renamed as (
    select
        {{ provider_usage_columns() }}
    from source
)

select * from renamed
