{#- `unique` for a fact replaced by partition window (fct_requests), paid for by the window, not by history.
    With a window set (partition_window(): a nightly run), the rows of the window hold each value once, and
    no row outside the window holds one of them: a hash of the window's values, probed by one column of the
    rest. The rows outside were unique before the run and the run only deleted there (the strategy replaces
    rows by key wherever they sit), so the whole table stays unique. Without one (a full build), the full
    test. -#}
{% test unique_in_partition_window(model, column_name, window_column) %}
{%- if partition_window() %}
with window_values as (
    select {{ column_name }} as unique_field
    from {{ model }}
    where {{ column_name }} is not null and {{ in_partition_window(window_column) }}
),

repeated_in_window as (
    select
        unique_field,
        count(*) as n_records
    from window_values
    group by unique_field
    having count(*) > 1
),

also_outside_window as (
    select
        {{ column_name }} as unique_field,
        1 as n_records
    from {{ model }}
    where
        not {{ in_partition_window(window_column) }}
        and {{ column_name }} in (select unique_field from window_values)
)

select * from repeated_in_window
union all
select * from also_outside_window
{%- else %}
select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
group by {{ column_name }}
having count(*) > 1
{%- endif %}
{% endtest %}
