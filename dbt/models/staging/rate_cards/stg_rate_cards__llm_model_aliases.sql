with source as (
    select * from {{ source('rate_cards', 'llm_model_aliases') }}
),

renamed as (
    select
        alias,
        model,
        provider,
        card_version
    from source
)

select * from renamed
