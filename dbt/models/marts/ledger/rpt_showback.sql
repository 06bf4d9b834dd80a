-- depends_on: {{ ref('stg_audit__month_close') }}
{#- Showback for finance: month x team x feature x environment x tenant, built from fct_costs (USD, effective
    i.e. amortized cost). Direct = billed cost owned through tags, the ledger's split of LLM bills or GPU jobs;
    shared = untagged cost shared out by the shared-cost rule; estimated = ledger usage no bill covers yet;
    capitalized = training GPU cost booked as an asset; unallocated = bill amounts no key explains (team
    'unallocated'). total_cost_usd = direct + shared + estimated + capitalized + unallocated, so a month's
    total equals its bills plus accruals exactly (rpt_cost_conservation). expensed_cost_usd swaps capitalized
    for the month's depreciation. Bill lines with no FX rate have no USD amount and are counted apart.
    A closed month (`finops close`) is frozen here as in fct_costs: never rewritten, so its export is
    byte-identical every time; changes to it arrive as adjustment_cost_usd in the first open month. -#}
{#- on_schema_change: with an enforced contract dbt allows only append_new_columns or fail. A new column is
    added (frozen closed months keep null in it); a column dropped from the contract stays in the table
    until dropped by hand. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='append_new_columns',
        pre_hook=("{% if is_incremental_run() %}delete from {{ this }} where usage_month not in "
                  "(select month from {{ ref('stg_audit__month_close') }} where is_closed){% endif %}"),
    )
}}

{%- set showback_grain = ['usage_month', 'team', 'feature', 'environment', 'tenant'] %}

-- the requests summed per day x model x owner (incremental by request day), not every request
with owner_days as (
    select * from {{ ref('int_ledger__owner_days') }}
),

costs as (
    select * from {{ ref('fct_costs') }}
),

usage as (
    select
        x_charge_month as usage_month,
        team,
        feature,
        environment,
        tenant,
        {{ sum_count('requests') }} as requests,
        {{ sum_count('prompt_tokens') }} as prompt_tokens,
        {{ sum_count('output_tokens') }} as output_tokens,
        {{ sum_count('total_tokens') }} as total_tokens
    from owner_days
    group by 1, 2, 3, 4, 5
),

owned as (
    select
        x_charge_month as usage_month,
        team,
        feature,
        environment,
        tenant,
        {{ sum_money("case when x_spend_kind like 'llm%'"
                     ~ " and x_cost_origin in ('billed', 'estimated_accrual', 'unallocated')"
                     ~ " then x_effective_cost_usd end") }}
            as llm_cost_usd,
        {{ sum_money("case when x_spend_kind not like 'llm%' and x_cost_origin = 'billed'"
                     ~ " then x_effective_cost_usd end") }}
            as cloud_direct_cost_usd,
        {{ sum_money("case when x_cost_origin = 'billed' then x_effective_cost_usd end") }} as direct_cost_usd,
        {{ sum_money("case when x_cost_origin = 'allocated_shared' then x_effective_cost_usd end") }}
            as shared_allocated_cost_usd,
        {{ sum_money("case when x_cost_origin = 'estimated_accrual' then x_effective_cost_usd end") }}
            as estimated_cost_usd,
        {{ sum_money("case when x_cost_origin = 'capitalized' then x_effective_cost_usd end") }}
            as capitalized_cost_usd,
        {{ sum_money("case when x_cost_origin = 'unallocated' then x_effective_cost_usd end") }}
            as unallocated_cost_usd,
        {{ sum_money("case when x_cost_origin = 'adjustment' and x_adjusted_origin <> 'depreciation'"
                     ~ " then x_effective_cost_usd end") }}
            as adjustment_cost_usd,
        {{ sum_money("case when x_cost_origin = 'depreciation' or x_adjusted_origin = 'depreciation'"
                     ~ " then x_effective_cost_usd end") }}
            as depreciation_cost_usd,
        {{ sum_count('case when x_has_fx_rate then 0 else 1 end') }} as unconverted_cost_rows
    from costs
    group by 1, 2, 3, 4, 5
),

keys as (
    {%- for part in ['usage', 'owned'] %}
    select
        {{ showback_grain | join(',\n        ') }}
    from {{ part }}
    {%- if not loop.last %}
    union distinct
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        keys.usage_month,
        keys.team,
        keys.feature,
        keys.environment,
        keys.tenant,
        coalesce(usage.requests, 0) as requests,
        coalesce(usage.prompt_tokens, 0) as prompt_tokens,
        coalesce(usage.output_tokens, 0) as output_tokens,
        coalesce(usage.total_tokens, 0) as total_tokens,
        {{ to_money('coalesce(owned.llm_cost_usd, 0)') }} as llm_cost_usd,
        {{ to_money('coalesce(owned.cloud_direct_cost_usd, 0)') }} as cloud_direct_cost_usd,
        {{ to_money('coalesce(owned.direct_cost_usd, 0)') }} as direct_cost_usd,
        {{ to_money('coalesce(owned.shared_allocated_cost_usd, 0)') }} as shared_allocated_cost_usd,
        {{ to_money('coalesce(owned.estimated_cost_usd, 0)') }} as estimated_cost_usd,
        {{ to_money('coalesce(owned.capitalized_cost_usd, 0)') }} as capitalized_cost_usd,
        {{ to_money('coalesce(owned.unallocated_cost_usd, 0)') }} as unallocated_cost_usd,
        {{ to_money('coalesce(owned.adjustment_cost_usd, 0)') }} as adjustment_cost_usd,
        {{ to_money('coalesce(owned.direct_cost_usd, 0) + coalesce(owned.shared_allocated_cost_usd, 0)'
                    ~ ' + coalesce(owned.estimated_cost_usd, 0) + coalesce(owned.capitalized_cost_usd, 0)'
                    ~ ' + coalesce(owned.unallocated_cost_usd, 0) + coalesce(owned.adjustment_cost_usd, 0)') }}
            as total_cost_usd,
        {{ to_money('coalesce(owned.depreciation_cost_usd, 0)') }} as depreciation_cost_usd,
        {{ to_money('coalesce(owned.direct_cost_usd, 0) + coalesce(owned.shared_allocated_cost_usd, 0)'
                    ~ ' + coalesce(owned.estimated_cost_usd, 0) + coalesce(owned.unallocated_cost_usd, 0)'
                    ~ ' + coalesce(owned.adjustment_cost_usd, 0) + coalesce(owned.depreciation_cost_usd, 0)') }}
            as expensed_cost_usd,
        coalesce(owned.unconverted_cost_rows, 0) as unconverted_cost_rows
    from keys
    left join usage
        on
            keys.usage_month = usage.usage_month and keys.team = usage.team and keys.feature = usage.feature
            and keys.environment = usage.environment and keys.tenant = usage.tenant
    left join owned
        on
            keys.usage_month = owned.usage_month and keys.team = owned.team and keys.feature = owned.feature
            and keys.environment = owned.environment and keys.tenant = owned.tenant
)

select * from final
{% if is_incremental_run() %}
where usage_month not in (select month from {{ ref('stg_audit__month_close') }} where is_closed)
{% endif %}
