with source as (
    select * from {{ source('rate_cards', 'ptu_reservations') }}
),

renamed as (
    select
        deployment,
        term,
        effective_from,
        effective_to
    from source
)

select * from renamed
