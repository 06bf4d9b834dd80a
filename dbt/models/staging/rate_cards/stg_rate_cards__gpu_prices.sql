with source as (
    select * from {{ source('rate_cards', 'gpu_prices') }}
),

renamed as (
    select
        provider,
        instance_type,
        gpu_type,
        gpus_per_instance,
        purchase_option,
        card_version,
        effective_from,
        effective_to,
        {{ to_money('usd_per_gpu_hour') }} as usd_per_gpu_hour
    from source
)

select * from renamed
