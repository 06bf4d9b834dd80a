with source as (
    select * from {{ source('ledger', 'requests') }}
),

renamed as (
    select
        cast(request_id as {{ dbt.type_string() }}) as request_id,
        requested_at,
        {{ to_date('requested_at') }} as request_date,
        ingest_date,
        model_id,
        model,
        provider,
        api_version,
        feature_tag,
        team,
        tenant_id,
        environment,
        conversation_id,
        status,
        is_batch,
        cache_hit,
        routing_reason,
        retry_of,
        input_tokens,
        output_tokens,
        cached_input_tokens,
        cache_write_tokens,
        reasoning_tokens,
        prompt_tokens,
        is_long_context,
        duration_ms,
        {{ to_money('total_cost_usd') }} as total_cost_usd,
        {{ to_money('client_cost_usd') }} as client_cost_usd,
        rate_card_version,
        source_file,
        source_line
    from source
)

select * from renamed
