with source as (
    select * from {{ source('outcomes', 'conversations') }}
),

renamed as (
    select
        conversation_id,
        opened_at,
        resolved_at,
        outcome,
        reopened_at
    from source
)

select * from renamed
