{#- Partitioned by delivery day: Dagster passes the partition window; a run replaces exactly those days, also
    when a day became empty (macros/incremental.sql). A request's kept copy can move to a day outside the window
    (raw_ledger keeps the earliest copy of a request_id over the whole history): the batch brings the moved
    copy along and the strategy replaces rows by request_id too, so a request is never lost nor held twice.
    BigQuery: static insert_overwrite of the window's days; a kept copy moving to an earlier day from outside
    the window is not removed from its old day there (needs a full refresh). -#}
{{
    config(
        materialized='incremental',
        unique_key='request_id',
        incremental_strategy=window_replace_strategy(),
        partitions=(partition_window_days() if target.type == 'bigquery' else none),
        meta={'partition_window_column': 'ingest_date'},
        partition_by=({'field': 'ingest_date', 'data_type': 'date'} if target.type == 'bigquery' else none),
        cluster_by=(['model', 'feature_tag'] if target.type == 'bigquery' else none),
        on_schema_change='append_new_columns',
    )
}}

{#- The staging view is named at each use, not through an import CTE: DuckDB materializes a CTE read three times,
    which copied the whole ledger (every column of every day) on each nightly run. -#}
{%- set ledger_requests = ref('stg_ledger__requests') %}

with requests as (
    select * from {{ ledger_requests }}
    {% if is_incremental_run() %}
        where {{ in_partition_window('ingest_date') }}
    union all
    -- requests held in the window until now whose kept copy now sits on another day
    select * from {{ ledger_requests }}
    where not {{ in_partition_window('ingest_date') }}
        and request_id in (
            -- held in the window until now
            select request_id from {{ this }} where {{ in_partition_window('ingest_date') }}
            {{ dbt.except() }}
            select request_id from {{ ledger_requests }} where {{ in_partition_window('ingest_date') }}
        )
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
