{#- Dialect differences live here, each with a DuckDB (default) and a BigQuery version. -#}

{#- Continuous percentile of a numeric column as an aggregate. -#}
{% macro percentile_cont(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'finops')(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}

{#- BigQuery has no exact percentile aggregate; approx_quantiles over 1000 buckets is within 0.1%. -#}
{% macro bigquery__percentile_cont(expression, fraction) -%}
    approx_quantiles({{ expression }}, 1000)[offset({{ (fraction * 1000) | int }})]
{%- endmacro %}

{#- Calendar date (UTC) of a timestamp. -#}
{% macro to_date(expression) -%}
    {{ return(adapter.dispatch('to_date', 'finops')(expression)) }}
{%- endmacro %}

{% macro default__to_date(expression) -%}
    cast({{ expression }} as date)
{%- endmacro %}

{% macro bigquery__to_date(expression) -%}
    date({{ expression }})
{%- endmacro %}

{#- 'YYYY-MM' of a date or timestamp. -#}
{% macro to_month(expression) -%}
    {{ return(adapter.dispatch('to_month', 'finops')(expression)) }}
{%- endmacro %}

{% macro default__to_month(expression) -%}
    strftime({{ expression }}, '%Y-%m')
{%- endmacro %}

{% macro bigquery__to_month(expression) -%}
    format_date('%Y-%m', date({{ expression }}))
{%- endmacro %}

{#- Ratio as a plain decimal (not money): numerator / denominator, null when the denominator is 0. -#}
{% macro ratio(numerator, denominator) -%}
    {{ return(adapter.dispatch('ratio', 'finops')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__ratio(numerator, denominator) -%}
    case when ({{ denominator }}) = 0 then null else cast({{ numerator }} as double) / ({{ denominator }}) end
{%- endmacro %}

{% macro bigquery__ratio(numerator, denominator) -%}
    safe_divide({{ numerator }}, {{ denominator }})
{%- endmacro %}

{#- Incremental window on a date column from the vars Dagster passes; true when no window is set. -#}
{% macro in_partition_window(date_column) -%}
    {%- set start = var('partition_start_date') -%}
    {%- set end = var('partition_end_date') -%}
    {%- if start and end -%}
        ({{ date_column }} >= cast('{{ start }}' as date) and {{ date_column }} < cast('{{ end }}' as date))
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}

{#- is_incremental() asks the warehouse whether the table exists; `dbt compile --no-introspect` (the
    BigQuery compile check, which has no warehouse to ask) renders the full-refresh SQL instead. -#}
{% macro is_incremental_run() -%}
    {%- if flags.INTROSPECT is defined and not flags.INTROSPECT -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(is_incremental()) }}
{%- endmacro %}

{#- A whole-number type wide enough for cents x nano-dollar weights (allocation arithmetic). -#}
{% macro wide_int_type() -%}
    {{ return(adapter.dispatch('wide_int_type', 'finops')()) }}
{%- endmacro %}

{% macro default__wide_int_type() -%}hugeint{%- endmacro %}

{% macro bigquery__wide_int_type() -%}bignumeric{%- endmacro %}

{#- Integer division of wide whole numbers (wide_int_type), truncating toward zero; operands non-negative. -#}
{% macro wide_int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('wide_int_div', 'finops')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__wide_int_div(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}

{% macro bigquery__wide_int_div(numerator, denominator) -%}
    trunc(({{ numerator }}) / ({{ denominator }}))
{%- endmacro %}

{#- Sum of a float measure (utilization, watts) that does not depend on row order: each value rounded to
    12 decimals and summed as DECIMAL (exact), so identical runs give identical digits whatever order the
    threads read the rows in; a DOUBLE sum changes in the last digits with the order. -#}
{% macro stable_sum(expression) -%}
    {{ return(adapter.dispatch('stable_sum', 'finops')(expression)) }}
{%- endmacro %}

{% macro default__stable_sum(expression) -%}
    sum(cast({{ expression }} as decimal(38, 12)))
{%- endmacro %}

{% macro bigquery__stable_sum(expression) -%}
    sum(cast({{ expression }} as bignumeric))
{%- endmacro %}

{#- Mean of a float measure, order-independent (see stable_sum); null when no value is present. -#}
{% macro stable_avg(expression) -%}
    {{ return(adapter.dispatch('stable_avg', 'finops')(expression)) }}
{%- endmacro %}

{% macro default__stable_avg(expression) -%}
    cast({{ stable_sum(expression) }} as double) / nullif(count({{ expression }}), 0)
{%- endmacro %}

{% macro bigquery__stable_avg(expression) -%}
    safe_divide(cast({{ stable_sum(expression) }} as float64), count({{ expression }}))
{%- endmacro %}

{#- Sum of whole numbers (counts, tokens) as BIGINT / INT64: DuckDB widens sum(bigint) to HUGEINT, a type the
    marts' contracts do not declare (and BigQuery does not have). -#}
{% macro sum_count(expression) -%}
    cast(sum({{ expression }}) as {{ dbt.type_bigint() }})
{%- endmacro %}
