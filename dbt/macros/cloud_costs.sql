{#- The FOCUS-shaped columns every cloud billing staging model exposes (ingest/cloud_schema.py), money
    cast to the one money type. One list, so the union in int_cloud_costs__unioned always lines up. -#}
{% macro cloud_cost_columns() -%}
    {%- for column in cloud_cost_column_names() %}
        {% if column in ('billed_cost', 'effective_cost', 'list_cost') -%}
            {{ to_money(column) }} as {{ column }}
        {%- else -%}
            {{ column }}
        {%- endif -%}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- The names of those columns, in order (ingest/cloud_schema.py CLOUD_COST_SCHEMA). -#}
{% macro cloud_cost_column_names() -%}
    {{ return([
        'provider_name', 'billing_account_id', 'sub_account_id', 'sub_account_name', 'billing_period_start',
        'billing_period_end', 'invoice_month', 'charge_period_start', 'charge_period_end', 'charge_category',
        'charge_class', 'charge_description', 'line_item_type', 'service_name', 'service_category', 'resource_id',
        'resource_name', 'region_id', 'sku_id', 'pricing_quantity', 'pricing_unit', 'billed_cost', 'effective_cost',
        'list_cost', 'billing_currency', 'tags', 'team', 'feature', 'environment', 'tenant', 'cost_center',
        'delivery_id', 'source_file', 'source_line',
    ]) }}
{%- endmacro %}



{#- What kind of AI workload a cost line pays for, from words in its service, SKU, description and
    resource (lowercased); null when none matches. The rules live here only; extend them as providers add
    products. -#}
{% macro ai_workload(service_name, sku_id, charge_description, resource_id) -%}
    {%- set gpu_patterns = [
        '%gpu%', '%nvidia%', '%a100%', '%h100%', '%h200%', '%v100%', '%a10g%', '%l40s%',
        '%p3.%', '%p4d.%', '%p4de.%', '%p5.%', '%p5e.%', '%p5en.%', '%g4dn.%', '%g5.%', '%g6.%', '%g6e.%',
        '%a2-highgpu%', '%a2-ultragpu%', '%a3-highgpu%', '%a3-megagpu%', '%g2-standard%'
    ] -%}
    {%- set searchable = "lower(" ~ dbt.concat([
        "coalesce(" ~ sku_id ~ ", '')", "' '",
        "coalesce(" ~ charge_description ~ ", '')", "' '",
        "coalesce(" ~ resource_id ~ ", '')"]) ~ ")" -%}
    case
        when lower({{ service_name }}) like '%bedrock%' then 'bedrock'
        when lower({{ service_name }}) like '%openai%'
            or lower({{ service_name }}) like '%cognitive services%'
            or lower({{ service_name }}) like '%foundry%' then 'azure_openai'
        when lower({{ service_name }}) like '%vertex ai%' then 'vertex_ai'
        when lower({{ service_name }}) like '%sagemaker%' then 'sagemaker'
        when {% for pattern in gpu_patterns %}{{ searchable }} like '{{ pattern }}'{% if not loop.last %}
            or {% endif %}{% endfor %} then 'gpu_compute'
    end
{%- endmacro %}
