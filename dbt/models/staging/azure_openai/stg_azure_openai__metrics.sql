with source as (
    select * from {{ source('azure_openai', 'metrics') }}
),

renamed as (
    select
        deployment,
        metric,
        hour_start,
        value as metric_value
    from source
)

select * from renamed
