with source as (
    select * from {{ source('rate_cards', 'ptu_prices') }}
),

renamed as (
    select
        deployment_type,
        effective_from,
        effective_to,
        {{ to_money('hourly_usd_per_ptu') }} as hourly_usd_per_ptu,
        {{ to_money('monthly_reservation_usd_per_ptu') }} as monthly_reservation_usd_per_ptu,
        {{ to_money('yearly_reservation_usd_per_ptu') }} as yearly_reservation_usd_per_ptu,
        card_version
    from source
)

select * from renamed
