{#- `not_null` for a table loaded by partition window (the raw ledger behind stg_ledger__requests), paid for by
    the window, not by history. With a window set (partition_window(): a nightly run), the window's rows; the
    rest is held by the load's own invariant (raw_ledger.requests and raw_ledger.duplicate_requests, where a copy
    promoted outside the window comes from, declare request_id NOT NULL, and DuckDB refuses a null there).
    Without a window (a full build), every row. -#}
{% test not_null_in_partition_window(model, column_name, window_column) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is null and {{ in_partition_window(window_column) }}
{% endtest %}
