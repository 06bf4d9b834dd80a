with source as (
    select * from {{ source('azure_openai', 'deployment_snapshots') }}
),

renamed as (
    select
        snapshot_at,
        source as snapshot_source,
        deployments as deployment_count
    from source
)

select * from renamed
