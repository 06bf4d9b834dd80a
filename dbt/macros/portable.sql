{#- Dialect differences live here, each with a DuckDB (default) and a BigQuery version. -#}

{#- Exact continuous percentiles (DuckDB's quantile_cont, digit for digit) from a histogram instead of an
    aggregate that holds every value in memory (quantile_cont does not spill; BigQuery has only approximate
    quantiles). The model groups its rows by grain + value into a histogram (a hash aggregate, which spills);
    histogram_positions places each bucket among its grain's values (a window over the histogram);
    percentile_bounds reads, per grain, the two values the percentile falls between; percentile_interpolated
    interpolates them. Nulls are not values: a bucket counts only its non-null values. -#}

{#- Select-list items over a histogram relation: <prefix>_before (values of the grain in lower buckets) and
    <prefix>_total (values of the grain). `counts` is the bucket's count of non-null values. -#}
{% macro histogram_positions(value, counts, partition_by, prefix) -%}
    coalesce(sum({{ counts }}) over (
        partition by {{ partition_by | join(', ') }} order by {{ value }}
        rows between unbounded preceding and 1 preceding
    ), 0) as {{ prefix }}_before,
    sum({{ counts }}) over (partition by {{ partition_by | join(', ') }}) as {{ prefix }}_total
{%- endmacro %}

{#- Aggregate select items over one grain's buckets (with histogram_positions): <name>_position, h = (n - 1) x
    fraction in double as quantile_cont computes it (null when the grain has no value), and <name>_low /
    <name>_high, the values at positions floor(h) and ceil(h) (0-based, in value order). -#}
{% macro percentile_bounds(value, fraction, counts, prefix, name) -%}
    {%- if not (fraction == 0 or (fraction >= 0.00390625 and fraction <= 1)) -%}
        {#- below 2^-8 the exact interpolation (default__interpolate_percentile) would lose bits -#}
        {% do exceptions.raise_compiler_error("percentile_bounds: fraction must be 0 or in [2^-8, 1], got " ~ fraction) %}
    {%- endif -%}
    {%- set position = 'cast(' ~ prefix ~ '_total - 1 as ' ~ double_type() ~ ') * cast(' ~ fraction ~ ' as '
        ~ double_type() ~ ')' -%}
    max(case when {{ prefix }}_total > 0 then {{ position }} end) as {{ name }}_position,
    {%- for bound, rounding in [('low', 'floor'), ('high', 'ceil')] %}
    max(
        case
            when {{ prefix }}_before <= {{ rounding }}({{ position }})
                and {{ rounding }}({{ position }}) < {{ prefix }}_before + {{ counts }}
                then {{ value }}
        end
    ) as {{ name }}_{{ bound }}{% if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- The percentile from the columns of percentile_bounds: the value itself when h is whole, else the two values
    interpolated at d = h - floor(h); null when the grain had no value. -#}
{% macro percentile_interpolated(name) -%}
    case
        when {{ name }}_position is null then null
        when floor({{ name }}_position) = ceil({{ name }}_position)
            then cast({{ name }}_low as {{ double_type() }})
        else {{ interpolate_percentile(
            'cast(' ~ name ~ '_low as ' ~ double_type() ~ ')',
            'cast(' ~ name ~ '_high as ' ~ double_type() ~ ')',
            '(' ~ name ~ '_position - floor(' ~ name ~ '_position))'
        ) }}
    end
{%- endmacro %}

{#- low x (1 - d) + high x d, in double. -#}
{% macro interpolate_percentile(low, high, d) -%}
    {{ return(adapter.dispatch('interpolate_percentile', 'finops')(low, high, d)) }}
{%- endmacro %}

{#- DuckDB's quantile_cont computes low * (1 - d) + high * d with one fused multiply-add (its build contracts
    it): high * d rounded to double, then low * (1 - d) added to it exactly and rounded once. SQL has no fused
    multiply-add, so the sum is formed exactly in hugeint scaled by 2^60 (d and 1 - d are whole multiples of
    2^-60 for fractions >= 2^-8; the doubles scaled by 2^60 are whole numbers below 2^124) and rounded once to
    double through its decimal text (correctly rounded, unlike hugeint -> double). -#}
{% macro default__interpolate_percentile(low, high, d) -%}
    {%- set scale = 'cast(1152921504606846976 as double)' -%}
    cast(cast(
        cast({{ low }} as hugeint) * cast((1 - {{ d }}) * {{ scale }} as hugeint)
        + cast({{ high }} * ({{ d }} * {{ scale }}) as hugeint)
        as varchar) as double) / {{ scale }}
{%- endmacro %}

{% macro bigquery__interpolate_percentile(low, high, d) -%}
    {{ low }} * (1 - {{ d }}) + {{ high }} * {{ d }}
{%- endmacro %}

{#- IEEE double precision: DuckDB's `float` is single precision, hence not dbt.type_float(). -#}
{% macro double_type() -%}
    {{ return(adapter.dispatch('double_type', 'finops')()) }}
{%- endmacro %}

{% macro default__double_type() -%}double{%- endmacro %}

{% macro bigquery__double_type() -%}float64{%- endmacro %}

{#- The row of a group that comes first by `order_by` (a list of columns that orders the group's rows
    uniquely), as a struct of `columns` (name -> expression); read its fields as <alias>.<name>. An aggregate:
    no window over every row of the group. -#}
{% macro first_row_struct(columns, order_by) -%}
    {{ return(adapter.dispatch('first_row_struct', 'finops')(columns, order_by)) }}
{%- endmacro %}

{#- arg_min over a struct key; a struct argument is never null (arg_min skips rows whose argument is null). -#}
{% macro default__first_row_struct(columns, order_by) -%}
    arg_min(
        struct_pack({% for name, expression in columns.items() %}{{ name }} := {{ expression }}{% if not loop.last %}, {% endif %}{% endfor %}),
        struct_pack({% for column in order_by %}order_{{ loop.index }} := {{ column }}{% if not loop.last %}, {% endif %}{% endfor %})
    )
{%- endmacro %}

{% macro bigquery__first_row_struct(columns, order_by) -%}
    array_agg(
        struct({% for name, expression in columns.items() %}{{ expression }} as {{ name }}{% if not loop.last %}, {% endif %}{% endfor %})
        order by {{ order_by | join(', ') }} limit 1
    )[offset(0)]
{%- endmacro %}

{#- A field of a struct column (first_row_struct), without the dotted path that reads as a table reference. -#}
{% macro struct_field(struct, field) -%}
    {{ return(adapter.dispatch('struct_field', 'finops')(struct, field)) }}
{%- endmacro %}

{% macro default__struct_field(struct, field) -%}
    struct_extract({{ struct }}, '{{ field }}')
{%- endmacro %}

{% macro bigquery__struct_field(struct, field) -%}
    {{ struct }}.{{ field }}
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

{#- The run's partition window of incremental facts: [start, end) as two 'YYYY-MM-DD' strings, or none when
    no window is set (plain `dbt build` rebuilds everything). Dagster sets it in the environment, not as
    --vars: dbt re-parses the whole project when its vars change (~5 s every night), but only the files that
    read an env var when that variable changes. -#}
{% macro partition_window() -%}
    {%- set start = env_var('FINOPS_PARTITION_START_DATE', '') -%}
    {%- set end = env_var('FINOPS_PARTITION_END_DATE', '') -%}
    {{ return([start, end] if start and end else none) }}
{%- endmacro %}

{#- Incremental window on a date column (partition_window); true when no window is set. -#}
{% macro in_partition_window(date_column) -%}
    {%- set window = partition_window() -%}
    {%- if window -%}
        ({{ date_column }} >= cast('{{ window[0] }}' as date) and {{ date_column }} < cast('{{ window[1] }}' as date))
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
