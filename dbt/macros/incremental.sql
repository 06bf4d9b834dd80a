{#- Partition-window replacement for incremental facts, on DuckDB and BigQuery.

    A run for the window [partition_start_date, partition_end_date) replaces exactly those days, including
    days that became empty (a plain delete+insert keyed on the days present in the batch would keep them).
    Rows whose key the batch carries are replaced wherever they sit, so a key that moved to another day
    (a re-sent request promoted when its first copy was restated away) is never held twice. -#}

{#- DuckDB: custom strategy `replace_window`, one transaction (dbt-duckdb wraps the statement). The window
    column is named in the model's meta `partition_window_column`; no window vars = the whole table. -#}
{% macro get_incremental_replace_window_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- set window_column = config.get('meta', {}).get('partition_window_column') -%}
    {%- if not window_column -%}
        {% do exceptions.raise_compiler_error("replace_window needs meta.partition_window_column on " ~ this) %}
    {%- endif -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ in_partition_window(window_column) }}
    {%- if unique_key %}
        or {{ unique_key }} in (select {{ unique_key }} from {{ source }})
    {%- endif %};

    insert into {{ target }} ({{ dest_cols_csv }})
    select {{ dest_cols_csv }} from {{ source }}
{%- endmacro %}

{#- The incremental strategy of a window-replaced fact: DuckDB `replace_window`; BigQuery `insert_overwrite`
    with the window's days as static partitions (a MERGE that deletes every listed partition, empty or not). -#}
{% macro window_replace_strategy() -%}
    {{ return(adapter.dispatch('window_replace_strategy', 'finops')()) }}
{%- endmacro %}

{% macro default__window_replace_strategy() -%}
    {{ return('replace_window') }}
{%- endmacro %}

{% macro bigquery__window_replace_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}

{#- The days of the partition window as BigQuery date literals (static partitions of insert_overwrite);
    none without window vars (dynamic: the days present in the batch). -#}
{% macro partition_window_days() -%}
    {%- set start = var('partition_start_date') -%}
    {%- set end = var('partition_end_date') -%}
    {%- if not (start and end) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set first = modules.datetime.date.fromisoformat(start | string) -%}
    {%- set last = modules.datetime.date.fromisoformat(end | string) -%}
    {%- set days = [] -%}
    {%- for offset in range((last - first).days) -%}
        {%- do days.append("date('" ~ (first + modules.datetime.timedelta(days=offset)).isoformat() ~ "')") -%}
    {%- endfor -%}
    {{ return(days) }}
{%- endmacro %}
