with source as (
    select * from {{ source('azure_openai', 'deployments') }}
),

renamed as (
    select
        deployment,
        snapshot_at,
        resource_id,
        deployment_type,
        capacity as ptus,
        is_provisioned,
        model_format,
        model_name,
        model_version
    from source
)

select * from renamed
