{#- Every cloud billing source in one FOCUS-shaped relation. Add a source (x_source: its model) to the list;
    Azure's actual and amortized rows of a charge arrive paired into one (int_azure_costs__paired). -#}
{{ config(materialized='table') }}

{%- set cloud_sources = [
    ('aws_cur', 'stg_aws_cur__line_items'),
    ('azure', 'int_azure_costs__paired'),
    ('gcp', 'stg_gcp__billing_export'),
    ('focus', 'stg_focus__cost_rows'),
] -%}

with unioned as (
    {% for x_source, model in cloud_sources %}
    select
        '{{ x_source }}' as x_source,
        {{ cloud_cost_columns() }}
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            "provider_name", "'|'", "source_file", "'|'",
            dbt.safe_cast("source_line", api.Column.translate_type("string")),
        ])) }}
            as cloud_cost_id,
        unioned.*
    from unioned
)

select * from final
