with source as (
    select * from {{ source('llm_providers', 'costs') }}
),

renamed as (
    select
        provider,
        bucket_start,
        bucket_end,
        {{ to_date('bucket_start') }} as usage_date,
        model as reported_model,
        coalesce(project_id, 'default') as project_id,
        api_key_id,
        line_item,
        cost_type,
        token_type,
        service_tier,
        {{ to_money('amount_usd') }} as amount_usd,
        currency,
        source
    from source
)

select * from renamed
