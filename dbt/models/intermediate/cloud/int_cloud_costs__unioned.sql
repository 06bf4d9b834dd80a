{#- Every cloud billing source in one FOCUS-shaped relation. Add a source's staging model to the list. -#}
{%- set cloud_sources = [
    'stg_aws_cur__line_items', 'stg_azure__cost_details', 'stg_gcp__billing_export', 'stg_focus__cost_rows',
] -%}

with unioned as (
    {% for model in cloud_sources %}
    select
        '{{ model.split('__')[0][4:] }}' as x_source,
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
