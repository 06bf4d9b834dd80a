{#- Exact allocation: every split of money in the warehouse goes through split_exactly, so the parts of an
    amount always sum to it to the nano-dollar. -#}

{#- A whole number of nano-units (wide_int_type) as money: exact, never float. -#}
{% macro nano_to_money(expression) -%}
    {{ return(adapter.dispatch('nano_to_money', 'finops')(expression)) }}
{%- endmacro %}

{% macro default__nano_to_money(expression) -%}
    cast(cast({{ expression }} as decimal(38, 0)) * cast(0.000000001 as decimal(18, 9)) as {{ money_type() }})
{%- endmacro %}

{% macro bigquery__nano_to_money(expression) -%}
    cast(cast({{ expression }} as bignumeric) * bignumeric '0.000000001' as numeric)
{%- endmacro %}

{#- Money as a whole number of nano-units (wide_int_type), sign kept. -#}
{% macro money_to_nano(expression) -%}
    cast(({{ expression }}) * 1000000000 as {{ wide_int_type() }})
{%- endmacro %}

{#- A SELECT over `relation` that adds `<amount>_split` for each name in `amounts`: the group's amount (the
    same on every row of a group of `group_by`) split across the group's rows in proportion to the
    non-negative whole-number `weight`, by the largest-remainder rule in nano-units: each row gets the floor
    of its share, and the units left over go one each to the largest remainders (ties by `order_by`). The
    parts of a group sum exactly to its amount, whatever its sign. Rows of a group whose weights sum to 0
    get 0: callers send such groups elsewhere (unallocated) before splitting. Helper columns start with
    `split_`. `group_by`, `order_by` and `weight` are unqualified expressions over the relation's columns. -#}
{% macro split_exactly(relation, group_by, order_by, weight, amounts) -%}
    select
        split_floored.*
        {%- for amount in amounts %},
        case when split_floored.split_total_weight = 0 then {{ to_money(0) }} else
            {{ nano_to_money(
                'sign(split_floored.' ~ amount ~ ') * (split_floored.split_base_' ~ loop.index
                ~ ' + case when row_number() over (partition by ' ~ group_by ~ ' order by split_floored.split_rest_'
                ~ loop.index ~ ' desc, ' ~ order_by ~ ') <= split_floored.split_units_' ~ loop.index
                ~ ' - sum(split_floored.split_base_' ~ loop.index ~ ') over (partition by ' ~ group_by
                ~ ') then 1 else 0 end)') }}
        end as {{ amount }}_split
        {%- endfor %}
    from (
        select
            split_weighted.*
            {%- for amount in amounts %},
            case when split_weighted.split_total_weight = 0 then 0 else
                {{ wide_int_div('split_weighted.split_units_' ~ loop.index ~ ' * split_weighted.split_weight',
                                'split_weighted.split_total_weight') }}
            end as split_base_{{ loop.index }},
            case when split_weighted.split_total_weight = 0 then 0 else
                split_weighted.split_units_{{ loop.index }} * split_weighted.split_weight
                - {{ wide_int_div('split_weighted.split_units_' ~ loop.index ~ ' * split_weighted.split_weight',
                                  'split_weighted.split_total_weight') }} * split_weighted.split_total_weight
            end as split_rest_{{ loop.index }}
            {%- endfor %}
        from (
            select
                split_input.*,
                cast({{ weight }} as {{ wide_int_type() }}) as split_weight,
                sum(cast({{ weight }} as {{ wide_int_type() }})) over (partition by {{ group_by }})
                    as split_total_weight
                {%- for amount in amounts %},
                {{ money_to_nano('abs(split_input.' ~ amount ~ ')') }} as split_units_{{ loop.index }}
                {%- endfor %}
            from {{ relation }} as split_input
        ) as split_weighted
    ) as split_floored
{%- endmacro %}

{#- The owner of a cost row as FOCUS AllocatedTags: a JSON object text. -#}
{% macro owner_tags_json(team, feature, environment, tenant) -%}
    {{ return(adapter.dispatch('owner_tags_json', 'finops')(team, feature, environment, tenant)) }}
{%- endmacro %}

{% macro default__owner_tags_json(team, feature, environment, tenant) -%}
    cast(to_json(struct_pack(team := {{ team }}, feature := {{ feature }}, environment := {{ environment }},
        tenant := {{ tenant }})) as varchar)
{%- endmacro %}

{% macro bigquery__owner_tags_json(team, feature, environment, tenant) -%}
    to_json_string(struct({{ team }} as team, {{ feature }} as feature, {{ environment }} as environment,
        {{ tenant }} as tenant))
{%- endmacro %}

{#- Last calendar day a charge period covers (its end is exclusive; a period ending at 23:59:59 covers that
    day). -#}
{% macro charge_last_date(start_at, end_at) -%}
    case
        when {{ end_at }} is null then {{ to_date(start_at) }}
        else greatest({{ to_date(start_at) }}, {{ to_date(dbt.dateadd('millisecond', -1, end_at)) }})
    end
{%- endmacro %}

{#- The columns every part of fct_costs provides (int_costs__allocated_lines, __shared_allocated, __accruals,
    __depreciation): fct_costs unions the parts by these names, so no part depends on another's column order. -#}
{% macro cost_part_columns() -%}
    {{ return([
        'bill_line_id', 'x_source', 'x_spend_kind', 'ledger_provider', 'service_provider_name',
        'billing_account_id', 'sub_account_id', 'billing_period_start', 'charge_period_start', 'charge_period_end',
        'x_charge_month', 'charge_category', 'charge_description', 'service_name', 'service_category',
        'resource_id', 'sku_id', 'pricing_quantity', 'pricing_unit', 'billing_currency', 'billed_cost',
        'effective_cost', 'x_billed_cost_usd', 'x_effective_cost_usd', 'x_fx_rate', 'x_fx_rate_source',
        'x_fx_rate_date', 'tags', 'target_kind', 'team', 'feature', 'environment', 'tenant', 'x_cost_origin',
        'allocated_method_id', 'allocated_resource_id', 'x_allocation_reason', 'source_file', 'source_line',
    ]) }}
{%- endmacro %}

{#- The select list of a cost part: every cost_part_columns() column in its order, each taken as is or from
    the expression `overrides` gives it (e.g. a split amount, a fixed origin). -#}
{% macro cost_part_select(overrides) -%}
    {%- for column in cost_part_columns() %}
        {%- if column in overrides %}
        {{ overrides[column] }} as {{ column }}{{ "," if not loop.last }}
        {%- else %}
        {{ column }}{{ "," if not loop.last }}
        {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- A part of a split_exactly: its split amounts in place of the line's, and the owner the key gave it. -#}
{% macro split_part_overrides() -%}
    {{ return({
        'billed_cost': 'billed_cost_split', 'effective_cost': 'effective_cost_split',
        'x_billed_cost_usd': 'x_billed_cost_usd_split', 'x_effective_cost_usd': 'x_effective_cost_usd_split',
        'team': 'owner_team', 'feature': 'owner_feature', 'environment': 'owner_environment',
        'tenant': 'owner_tenant',
    }) }}
{%- endmacro %}

{#- Straight-line part `period_index` (0-based) of a whole number of units (cents, nano-dollars; never
    negative) spread over `periods`: the floor of the share, plus one unit in each of the first
    (units mod periods) periods, so the parts sum exactly to the units. One rule for every schedule. -#}
{% macro straight_line_part(units, periods, period_index) -%}
    {%- set wide_units = 'cast(' ~ units ~ ' as ' ~ wide_int_type() ~ ')' -%}
    {%- set wide_periods = 'cast(' ~ periods ~ ' as ' ~ wide_int_type() ~ ')' -%}
    ({{ wide_int_div(wide_units, wide_periods) }}
        + case
            when {{ period_index }} < {{ wide_units }} - {{ wide_int_div(wide_units, wide_periods) }} * {{ wide_periods }}
                then 1
            else 0
        end)
{%- endmacro %}
