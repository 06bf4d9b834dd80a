with source as (
    select * from {{ source('gpu', 'model_registry') }}
),

renamed as (
    select
        model_version,
        service_start_date,
        useful_life_months,
        {{ to_money('other_capitalized_costs_usd') }} as other_capitalized_costs_usd,
        ledger_feature_tag,
        ledger_model,
        reference_api_model,
        training_tokens,
        team
    from source
)

select * from renamed
