{#- Azure's actual and amortized exports describe the same charges; FOCUS has one row per charge with both
    costs. A covered usage line appears in both exports (actual: billed, amortized: effective): the two rows
    become one, billed_cost from the actual row and effective_cost from the amortized row. A row with no
    partner (a purchase only in the actual export, unused reservation only in the amortized one, or a period
    with one kind delivered) keeps its own columns, as the loader set them (ingest/azure_exports.py). Rows
    pair on what identifies the charge; equal rows pair in source-line order. Totals are unchanged: each
    actual row gives its billed_cost once, each amortized row its effective_cost once. -#}
{%- set charge_key = [
    'billing_account_id', 'sub_account_id', dbt.safe_cast('billing_period_start', api.Column.translate_type('string')),
    dbt.safe_cast('charge_period_start', api.Column.translate_type('string')), 'charge_category', 'line_item_type',
    'charge_description', 'service_name', 'resource_id', 'region_id', 'sku_id',
    dbt.safe_cast('pricing_quantity', api.Column.translate_type('string')), 'pricing_unit', 'billing_currency', 'tags',
] -%}
{%- set key_parts = [] -%}
{%- for part in charge_key -%}
{%- do key_parts.extend(["coalesce(" ~ part ~ ", '')", "'|'"]) -%}
{%- endfor %}

with costs as (
    select * from {{ ref('stg_azure__cost_details') }}
),

keyed as (
    select
        costs.*,
        {{ dbt.hash(dbt.concat(key_parts[:-1])) }} as charge_key
    from costs
),

numbered as (
    select
        keyed.*,
        row_number() over (
            partition by keyed.charge_key, keyed.export_kind order by keyed.source_file, keyed.source_line
        ) as charge_number
    from keyed
),

actual as (
    select * from numbered
    where export_kind = 'actual'
),

amortized as (
    select * from numbered
    where export_kind = 'amortized'
),

final as (
    select
        {%- for column in cloud_cost_column_names() if column not in ('billed_cost', 'effective_cost') %}
        coalesce(actual.{{ column }}, amortized.{{ column }}) as {{ column }},
        {%- endfor %}
        coalesce(actual.billed_cost, amortized.billed_cost) as billed_cost,
        coalesce(amortized.effective_cost, actual.effective_cost) as effective_cost,
        case
            when actual.source_file is not null and amortized.source_file is not null then 'actual+amortized'
            else coalesce(actual.export_kind, amortized.export_kind)
        end as export_kind
    from actual
    full outer join amortized
        on actual.charge_key = amortized.charge_key and actual.charge_number = amortized.charge_number
)

select * from final
