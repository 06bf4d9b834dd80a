{#- The provider-usage columns every usage staging model exposes (OpenAI/Anthropic reports and Bedrock
    invocations share ingest.provider_usage.USAGE_SCHEMA); missing grouping dimensions become 'default' / 'all'. -#}
{% macro provider_usage_columns() -%}
        provider,
        endpoint,
        bucket_start,
        bucket_end,
        {{ to_date('bucket_start') }} as usage_date,
        model as reported_model,
        coalesce(project_id, 'default') as project_id,
        coalesce(api_key_id, 'all') as api_key_id,
        user_id,
        -- one name per tier, as the cards name them: Anthropic's 'standard' and the batch tier (is_batch) are
        -- the default tier
        case
            when service_tier is null or lower(service_tier) in ('standard', 'default', 'batch') then 'default'
            else lower(service_tier)
        end as service_tier,
        coalesce(is_batch, false) as is_batch,
        coalesce(input_uncached_tokens, 0) as input_uncached_tokens,
        coalesce(input_cached_tokens, 0) as input_cached_tokens,
        coalesce(cache_write_tokens, 0) as cache_write_tokens,
        coalesce(output_tokens, 0) as output_tokens,
        {%- for kind in token_kinds() if kind.name not in ('input', 'cached_input', 'cache_write', 'output') %}
        coalesce({{ kind.count }}, 0) as {{ kind.count }},
        {%- endfor %}
        requests,
        extra,
        source
{%- endmacro %}

{#- The usage column that counts a token kind: usage reports name cache reads `input_cached_tokens` and give
    input uncached (`input_uncached_tokens`); every other kind has its ledger name (ingest.provider_usage). -#}
{% macro provider_usage_count_column(kind) -%}
    {{- {'input': 'input_uncached_tokens', 'cached_input': 'input_cached_tokens'}.get(kind.name, kind.count) -}}
{%- endmacro %}
