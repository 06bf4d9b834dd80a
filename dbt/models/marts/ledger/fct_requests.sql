{#- Partitioned by delivery day: Dagster passes the partition window; a re-run replaces those days.
    An empty re-delivered day is emptied by the raw load; run a full refresh to drop it here too. -#}
{{
    config(
        materialized='incremental',
        unique_key='ingest_date',
        incremental_strategy=('insert_overwrite' if target.type == 'bigquery' else 'delete+insert'),
        partition_by=({'field': 'ingest_date', 'data_type': 'date'} if target.type == 'bigquery' else none),
        cluster_by=(['model', 'feature_tag'] if target.type == 'bigquery' else none),
        on_schema_change='append_new_columns',
    )
}}

with requests as (
    select * from {{ ref('stg_ledger__requests') }}
    {% if is_incremental_run() %}
        where {{ in_partition_window('ingest_date') }}
    {% endif %}
),

final as (
    select
        request_id,
        requested_at,
        request_date,
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
        prompt_tokens + output_tokens as total_tokens,
        is_long_context,
        duration_ms,
        total_cost_usd,
        client_cost_usd,
        {{ to_money('client_cost_usd - total_cost_usd') }} as client_cost_difference_usd,
        coalesce(abs(client_cost_usd - total_cost_usd) > 0.01, false) as has_cost_mismatch,
        rate_card_version,
        source_file,
        source_line
    from requests
)

select * from final
