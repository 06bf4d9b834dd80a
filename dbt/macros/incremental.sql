{#- Partition-window replacement for incremental facts, on DuckDB and BigQuery.

    A run for the window [start, end) of partition_window() replaces exactly those days, including
    days that became empty (a plain delete+insert keyed on the days present in the batch would keep them).
    Rows whose key the batch carries are replaced wherever they sit, so a key that moved to another day
    (a re-sent request promoted when its first copy was restated away) is never held twice. -#}

{#- DuckDB: custom strategy `replace_window`, one transaction (dbt-duckdb wraps the statement). The window
    column is named in the model's meta `partition_window_column`; no window set = the whole table. -#}
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
    none without a window (dynamic: the days present in the batch). -#}
{% macro partition_window_days() -%}
    {%- set window = partition_window() -%}
    {%- if not window -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set first = modules.datetime.date.fromisoformat(window[0]) -%}
    {%- set last = modules.datetime.date.fromisoformat(window[1]) -%}
    {%- set days = [] -%}
    {%- for offset in range((last - first).days) -%}
        {%- do days.append("date('" ~ (first + modules.datetime.timedelta(days=offset)).isoformat() ~ "')") -%}
    {%- endfor -%}
    {{ return(days) }}
{%- endmacro %}

{#- Marts incremental by day (request day, not delivery day), correct night after night.

    Beside the model a table `<model>__day_fingerprints` holds, per day, the row count and the sum of a 64-bit
    hash of the source columns the model reads. Before the build, delete_changed_days (pre-hook) fingerprints
    the source's days into `<model>__day_changes` and deletes from the model the days that changed: the run's
    window, a day whose count or hash sum moved (a restated delivery, a request whose kept copy moved to another
    day), a day that emptied (fingerprinted before, no source row now) and a new day. The model reads only those
    days (changed_days_only) and appends them; refresh_day_fingerprints (post-hook, same transaction on DuckDB)
    stores their fingerprints. A day is a group of the model's grain, so rebuilding whole days gives exactly the
    full build's rows. The fingerprints also name the model's SQL (its checksum): after a change of the
    model's code every day rebuilds, as when the fingerprint table is missing (first build, --full-refresh,
    a model that was a plain table before). The model's meta `day_fingerprint`: {source: <ref name>,
    day_column, columns: [...]}; the day column is never null (raw_ledger.requests.requested_at is not null). -#}

{% macro day_fingerprint_spec() -%}
    {%- set spec = config.get('meta', {}).get('day_fingerprint') -%}
    {%- if not spec -%}
        {% do exceptions.raise_compiler_error("day fingerprints need meta.day_fingerprint on " ~ this) %}
    {%- endif -%}
    {{ return(spec) }}
{%- endmacro %}

{% macro day_fingerprints_relation() -%}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__day_fingerprints'})) }}
{%- endmacro %}

{% macro day_changes_relation() -%}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__day_changes'})) }}
{%- endmacro %}

{#- True when this build adds changed days to an existing model whose fingerprints are kept; false when it
    builds every day. The same answer in the model body, the pre-hook and the post-hook of one build. -#}
{% macro builds_changed_days_only() -%}
    {%- if not is_incremental_run() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set fingerprints = day_fingerprints_relation() -%}
    {%- if adapter.get_relation(fingerprints.database, fingerprints.schema, fingerprints.identifier) is none -%}
        {{ return(false) }}
    {%- endif -%}
    {#- fingerprints kept by another version of the model's SQL: its rows are not this version's -#}
    {%- set other_versions = run_query(
        "select count(*) from " ~ fingerprints ~ " where model_checksum <> '" ~ model_checksum() ~ "'"
    ).columns[0].values()[0] -%}
    {{ return(other_versions == 0) }}
{%- endmacro %}

{#- What the kept days were built by: the model's SQL (its checksum) and, when its meta day_fingerprint names
    `whole_inputs` (small refs every day reads, such as a registry or a rate card), a digest of every row of
    each: a change to one of them rebuilds every day, as a change of the SQL does. -#}
{% macro model_checksum() -%}
    {%- set parts = [model.checksum.checksum] -%}
    {%- for name in config.get('meta', {}).get('day_fingerprint', {}).get('whole_inputs', []) -%}
        {%- do parts.append(run_query(relation_digest_sql(ref(name))).columns[0].values()[0]) -%}
    {%- endfor -%}
    {{ return(parts | join(':')) }}
{%- endmacro %}

{#- One text of a relation's row count and the sum of its rows' 64-bit hashes (the day fingerprint's rule over
    a whole table). -#}
{% macro relation_digest_sql(relation) -%}
    select concat(
        cast(count(*) as {{ dbt.type_string() }}),
        '-',
        cast(coalesce(sum(cast({{ row_hash(['digested']) }} as {{ wide_int_type() }})), 0) as {{ dbt.type_string() }})
    )
    from {{ relation }} as digested
{%- endmacro %}

{#- A 64-bit hash of one row's columns (nulls hash too). -#}
{% macro row_hash(columns) -%}
    {{ return(adapter.dispatch('row_hash', 'finops')(columns)) }}
{%- endmacro %}

{% macro default__row_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro bigquery__row_hash(columns) -%}
    farm_fingerprint(to_json_string(struct({{ columns | join(', ') }})))
{%- endmacro %}

{#- The model's filter on its source: only the changed days on an incremental build, every row otherwise. -#}
{% macro changed_days_only(day_column) -%}
    {%- if is_incremental_run() -%}
        {{ day_column }} in (select fingerprint_day from {{ day_changes_relation() }} where is_changed)
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook: fingerprint the source's days, delete the changed ones from the model. -#}
{% macro delete_changed_days() -%}
    {#- parsing renders hooks with a config that holds no meta yet: nothing to render then -#}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set spec = day_fingerprint_spec() -%}
    {{ return(day_changes_sql(
        ref(spec['source']), spec['day_column'], spec['columns'], this, day_fingerprints_relation(),
        day_changes_relation(), is_incremental_run(), builds_changed_days_only()
    )) }}
{%- endmacro %}

{#- Post-hook: store the rebuilt days' fingerprints. -#}
{% macro refresh_day_fingerprints() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {{ return(day_fingerprints_refresh_sql(
        day_fingerprints_relation(), day_changes_relation(), model_checksum(), builds_changed_days_only()
    )) }}
{%- endmacro %}

{#- The pre-hook's statements, from explicit arguments (tests/integration/test_bigquery_compile.py renders them
    for BigQuery): `incremental` when the model exists, `changed_only` when its fingerprints are kept. -#}
{% macro day_changes_sql(source, day_column, columns, model_relation, fingerprints, changes, incremental, changed_only) -%}
    create or replace table {{ changes }} as
    with current_days as (
        select
            {{ day_column }} as fingerprint_day,
            count(*) as row_count,
            sum(cast({{ row_hash(columns) }} as {{ wide_int_type() }})) as hash_sum
        from {{ source }}
        group by 1
    ),

    stored_days as (
        {%- if changed_only %}
        select fingerprint_day, row_count, hash_sum from {{ fingerprints }}
        {%- else %}
        select fingerprint_day, row_count, hash_sum from current_days where 1 = 0
        {%- endif %}
    )

    select
        coalesce(current_days.fingerprint_day, stored_days.fingerprint_day) as fingerprint_day,
        current_days.row_count,
        current_days.hash_sum,
        (
            -- the fingerprint clause: a new day, an emptied day, a day whose rows changed
            current_days.fingerprint_day is null
            or stored_days.fingerprint_day is null
            or current_days.row_count <> stored_days.row_count
            or current_days.hash_sum <> stored_days.hash_sum
            -- the run's delivery window, read as request days
            or {{ in_partition_window('coalesce(current_days.fingerprint_day, stored_days.fingerprint_day)') }}
        ) as is_changed
    from current_days
    full outer join stored_days on current_days.fingerprint_day = stored_days.fingerprint_day;
    {%- if incremental %}

    delete from {{ model_relation }}
    {%- if changed_only %}
    where {{ day_column }} in (select fingerprint_day from {{ changes }} where is_changed)
    {%- else %}
    where 1 = 1
    {%- endif %};
    {%- endif %}
{%- endmacro %}

{% macro day_fingerprints_refresh_sql(fingerprints, changes, checksum, changed_only) -%}
    {%- if changed_only %}
    delete from {{ fingerprints }}
    where fingerprint_day in (select fingerprint_day from {{ changes }} where is_changed);

    insert into {{ fingerprints }} (fingerprint_day, row_count, hash_sum, model_checksum)
    select fingerprint_day, row_count, hash_sum, '{{ checksum }}' as model_checksum
    from {{ changes }}
    where is_changed and row_count is not null;
    {%- else %}
    create or replace table {{ fingerprints }} as
    select fingerprint_day, row_count, hash_sum, '{{ checksum }}' as model_checksum
    from {{ changes }}
    where row_count is not null;
    {%- endif %}

    drop table if exists {{ changes }}
{%- endmacro %}

{#- Appending the changed days: DuckDB `append`; BigQuery `merge` without a unique key (an insert-only MERGE). -#}
{% macro day_append_strategy() -%}
    {{ return(adapter.dispatch('day_append_strategy', 'finops')()) }}
{%- endmacro %}

{% macro default__day_append_strategy() -%}
    {{ return('append') }}
{%- endmacro %}

{% macro bigquery__day_append_strategy() -%}
    {{ return('merge') }}
{%- endmacro %}

{#- The config of a model incremental by day (the rule above, in one place): day fingerprints of `columns` of
    the ref `source` by `day_column`, the changed days deleted before the build and appended by it; any change
    to a ref of `whole_inputs` rebuilds every day (model_checksum). -#}
{% macro incremental_by_day_config(source, columns, day_column='request_date', whole_inputs=[]) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy=day_append_strategy(),
        on_schema_change='append_new_columns',
        meta={'day_fingerprint': {
            'source': source, 'day_column': day_column, 'columns': columns, 'whole_inputs': whole_inputs,
        }},
        pre_hook='{{ delete_changed_days() }}',
        post_hook='{{ refresh_day_fingerprints() }}',
        partition_by=({'field': day_column, 'data_type': 'date'} if target.type == 'bigquery' else none),
    ) }}
{%- endmacro %}
