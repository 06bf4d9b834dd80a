with source as (
    select * from {{ source('rate_cards', 'ptu_reservations') }}
),

renamed as (
    select
        deployment,
        term
    from source
)

select * from renamed
