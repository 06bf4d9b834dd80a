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
        {%- for kind in token_kinds() %}
        coalesce({{ kind.usage_column }}, 0) as {{ kind.usage_column }},
        {%- endfor %}
        requests,
        extra,
        source
{%- endmacro %}
