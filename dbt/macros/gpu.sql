{#- Dialect helpers of the GPU job models (each with a DuckDB default and a BigQuery version). -#}

{#- Case-insensitive regular-expression search (RE2 syntax on both warehouses). -#}
{% macro regex_matches_ci(value, pattern) -%}
    {{ return(adapter.dispatch('regex_matches_ci', 'finops')(value, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches_ci(value, pattern) -%}
    regexp_matches({{ value }}, concat('(?i)', {{ pattern }}))
{%- endmacro %}

{% macro bigquery__regex_matches_ci(value, pattern) -%}
    regexp_contains({{ value }}, concat('(?i)', {{ pattern }}))
{%- endmacro %}

{#- A relation of whole numbers 0 .. count - 1 in a column `month_offset` (month spine without dbt_utils). -#}
{% macro month_offsets(count) -%}
    {{ return(adapter.dispatch('month_offsets', 'finops')(count)) }}
{%- endmacro %}

{% macro default__month_offsets(count) -%}
    select cast(range as integer) as month_offset from range(0, {{ count }})
{%- endmacro %}

{% macro bigquery__month_offsets(count) -%}
    select month_offset from unnest(generate_array(0, {{ count }} - 1)) as month_offset
{%- endmacro %}

{#- First day of the month `offset` months after the month of `date_expression`, as a date. -#}
{% macro add_months_to_month_start(date_expression, offset) -%}
    {{ return(adapter.dispatch('add_months_to_month_start', 'finops')(date_expression, offset)) }}
{%- endmacro %}

{% macro default__add_months_to_month_start(date_expression, offset) -%}
    cast(date_trunc('month', {{ date_expression }}) + to_months(cast({{ offset }} as integer)) as date)
{%- endmacro %}

{% macro bigquery__add_months_to_month_start(date_expression, offset) -%}
    date_add(date_trunc(date({{ date_expression }}), month), interval {{ offset }} month)
{%- endmacro %}

{#- Whole milliseconds from `start_at` to `end_at` (timestamps). -#}
{% macro millis_between(start_at, end_at) -%}
    {{ return(adapter.dispatch('millis_between', 'finops')(start_at, end_at)) }}
{%- endmacro %}

{% macro default__millis_between(start_at, end_at) -%}
    (epoch_ms(cast({{ end_at }} as timestamp)) - epoch_ms(cast({{ start_at }} as timestamp)))
{%- endmacro %}

{% macro bigquery__millis_between(start_at, end_at) -%}
    timestamp_diff(cast({{ end_at }} as timestamp), cast({{ start_at }} as timestamp), millisecond)
{%- endmacro %}

{#- A timestamp plus a whole number of milliseconds. -#}
{% macro add_millis(timestamp_expression, millis) -%}
    {{ return(adapter.dispatch('add_millis', 'finops')(timestamp_expression, millis)) }}
{%- endmacro %}

{% macro default__add_millis(timestamp_expression, millis) -%}
    (cast({{ timestamp_expression }} as timestamp) + to_milliseconds(cast({{ millis }} as bigint)))
{%- endmacro %}

{% macro bigquery__add_millis(timestamp_expression, millis) -%}
    timestamp_add(cast({{ timestamp_expression }} as timestamp), interval {{ millis }} millisecond)
{%- endmacro %}

{#- Requests of `requests` (fct_requests) served by an in-house model version of `registry`
    (stg_gpu__model_registry): same feature_tag (and model when the registry names one), on or after the
    version's service start; when several versions qualify, the latest to enter service serves it. Which version
    serves depends only on (feature_tag, model, request_date): it is ranked once per such key (few), then the
    requests are joined to their key's version (a hash join on a small table) instead of ranking every request. -#}
{% macro requests_served_by_model_versions(requests, registry) -%}
    select
        {{ requests }}.request_id,
        {{ requests }}.requested_at,
        {{ requests }}.request_date,
        {{ requests }}.model,
        {{ requests }}.is_batch,
        {{ requests }}.prompt_tokens,
        {{ requests }}.output_tokens,
        {{ requests }}.total_tokens,
        {{ requests }}.total_cost_usd,
        serving.model_version
    from {{ requests }}
    inner join (
        {{ serving_model_versions(requests, registry) }}
    ) as serving
        on
            {{ requests }}.feature_tag = serving.feature_tag
            and {{ requests }}.model = serving.model
            and {{ requests }}.request_date = serving.request_date
{%- endmacro %}

{#- The version serving each (feature_tag, model, request_date) key of `keys` (one row per served key): the rule
    of requests_served_by_model_versions, also applied to aggregates keyed by day (int_ledger__owner_days). -#}
{% macro serving_model_versions(keys, registry, feature_column='feature_tag') -%}
        select
            ranked.feature_tag,
            ranked.model,
            ranked.request_date,
            ranked.model_version
        from (
            select
                request_keys.feature_tag,
                request_keys.model,
                request_keys.request_date,
                {{ registry }}.model_version,
                row_number() over (
                    partition by request_keys.feature_tag, request_keys.model, request_keys.request_date
                    order by {{ registry }}.service_start_date desc, {{ registry }}.model_version
                ) as version_rank
            from (
                select distinct {{ feature_column }} as feature_tag, model, request_date from {{ keys }}
            ) as request_keys
            inner join {{ registry }}
                on
                    request_keys.feature_tag = {{ registry }}.ledger_feature_tag
                    and ({{ registry }}.ledger_model is null or request_keys.model = {{ registry }}.ledger_model)
                    and request_keys.request_date >= {{ registry }}.service_start_date
        ) as ranked
        where ranked.version_rank = 1
{%- endmacro %}
