{#- The one allocated cost fact: every billed dollar once, on exactly one owner (team x feature x environment x
    tenant), FOCUS 1.3 names in snake_case. One row per bill line x owner (x job for GPU lines), plus marked
    estimates (estimated_accrual: ledger usage no bill covers yet) and depreciation of capitalized training.
    x_cost_origin: billed | allocated_shared | capitalized | unallocated (these sum exactly to the bills:
    rpt_cost_conservation) | estimated_accrual | depreciation (returns capitalized amounts over time, outside
    the bills' total) | adjustment. Amounts in the billing currency and in USD at the recorded FX rate.

    Month close: a month closed with `finops close` is never rewritten (this model is incremental and only
    ever replaces open months; full refresh is disabled so a closed month cannot be lost by accident). What
    has changed since for a closed month (a restated bill, late ledger rows, a late fine-tune) posts as
    `adjustment` rows in the first open month after it, with x_adjusted_month and the origin it adjusts:
    live now - (frozen rows + adjustments already frozen in later closed months), exactly. -#}
{#- on_schema_change: with an enforced contract dbt allows only append_new_columns or fail. A new column is
    added (frozen closed months keep null in it); a column dropped from the contract stays in the table
    until dropped by hand. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='append_new_columns',
        pre_hook=("{% if is_incremental_run() %}delete from {{ this }} where x_charge_month not in "
                  "(select month from {{ ref('stg_audit__month_close') }} where is_closed){% endif %}"),
    )
}}

with allocated as (
    select * from {{ ref('int_costs__allocated_lines') }}
    where x_cost_origin <> 'shared_pool'
),

shared as (
    select * from {{ ref('int_costs__shared_allocated') }}
),

accruals as (
    select * from {{ ref('int_costs__accruals') }}
),

depreciation as (
    select * from {{ ref('int_costs__depreciation') }}
),

unioned as (
    {%- for part in ['allocated', 'shared', 'accruals', 'depreciation'] %}
    select {{ cost_part_columns() | join(', ') }} from {{ part }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

live_rows as (
    select
        {{ dbt.hash(dbt.concat([
            "coalesce(bill_line_id, '')", "'|'", "x_cost_origin", "'|'", "target_kind", "'|'", "team", "'|'",
            "feature", "'|'", "environment", "'|'", "tenant", "'|'", "coalesce(allocated_resource_id, '')", "'|'",
            dbt.safe_cast("charge_period_start", api.Column.translate_type("string")), "'|'",
            "coalesce(sku_id, '')", "'|'", "coalesce(ledger_provider, '')", "'|'",
            "coalesce(charge_description, '')"])) }} as cost_id,
        bill_line_id,
        x_source,
        x_spend_kind,
        x_cost_origin,
        service_provider_name,
        service_provider_name as host_provider_name,
        billing_account_id,
        sub_account_id,
        billing_period_start,
        charge_period_start,
        charge_period_end,
        x_charge_month,
        charge_category,
        charge_description,
        service_name,
        service_category,
        resource_id,
        sku_id,
        pricing_unit,
        billing_currency,
        billed_cost,
        effective_cost,
        x_billed_cost_usd,
        x_effective_cost_usd,
        x_fx_rate,
        x_fx_rate_source,
        x_fx_rate_date,
        x_fx_rate is not null as x_has_fx_rate,
        allocated_method_id,
        allocated_resource_id,
        {{ owner_tags_json('team', 'feature', 'environment', 'tenant') }} as allocated_tags,
        team,
        feature,
        environment,
        tenant,
        ledger_provider as x_ledger_provider,
        x_allocation_reason,
        cast(null as {{ dbt.type_string() }}) as x_adjusted_month,
        cast(null as {{ dbt.type_string() }}) as x_adjusted_origin,
        tags,
        source_file,
        source_line
    from unioned
),

closed_months as (
    select month from {{ ref('stg_audit__month_close') }}
    where is_closed
),

{% if is_incremental_run() %}
frozen as (
    select * from {{ this }}
    where x_charge_month in (select month from closed_months)
),
{% else %}
frozen as (
    select * from live_rows
    where 1 = 0
),
{% endif %}

{#- An adjustment's grain besides the closed month and the origin it adjusts: its amounts, its key and its id. -#}
{%- set adjustment_grain = ['x_source', 'x_spend_kind', 'service_provider_name', 'billing_currency', 'team', 'feature',
                           'environment', 'tenant'] %}
{%- set adjustment_id_parts = ["'adjustment|'", "deltas.adjusted_month", "'|'", "deltas.adjusted_origin"] %}
{%- for column in adjustment_grain %}{% do adjustment_id_parts.extend(["'|'", 'deltas.' ~ column]) %}{% endfor %}

{# the money of each closed month: now (live) and as frozen (its own rows + adjustments for it frozen later) -#}
belonging as (
    select
        x_charge_month as adjusted_month,
        x_cost_origin as adjusted_origin,
        {{ adjustment_grain | join(',\n        ') }},
        billed_cost,
        effective_cost,
        x_billed_cost_usd,
        x_effective_cost_usd
    from live_rows
    where x_charge_month in (select month from closed_months)
    union all
    select
        coalesce(x_adjusted_month, x_charge_month) as adjusted_month,
        coalesce(x_adjusted_origin, x_cost_origin) as adjusted_origin,
        {{ adjustment_grain | join(',\n        ') }},
        -billed_cost as billed_cost,
        -effective_cost as effective_cost,
        -x_billed_cost_usd as x_billed_cost_usd,
        -x_effective_cost_usd as x_effective_cost_usd
    from frozen
    where coalesce(x_adjusted_month, x_charge_month) in (select month from closed_months)
),

deltas as (
    select
        adjusted_month,
        adjusted_origin,
        {{ adjustment_grain | join(',\n        ') }},
        {{ sum_money('billed_cost') }} as billed_cost,
        {{ sum_money('effective_cost') }} as effective_cost,
        {{ to_money('sum(x_billed_cost_usd)') }} as x_billed_cost_usd,
        {{ to_money('sum(x_effective_cost_usd)') }} as x_effective_cost_usd
    from belonging
    group by {{ range(1, adjustment_grain | length + 3) | join(', ') }}
    having
        sum(billed_cost) <> 0 or sum(effective_cost) <> 0
        or coalesce(sum(x_billed_cost_usd), 0) <> 0 or coalesce(sum(x_effective_cost_usd), 0) <> 0
),

{# the first open month after a closed month: a month with data, or the month right after a closed one -#}
open_candidates as (
    select distinct x_charge_month as month from live_rows
    union distinct
    select {{ to_month(add_months_to_month_start("cast(concat(month, '-01') as date)", 1)) }} as month
    from closed_months
),

posting as (
    select
        deltas.adjusted_month,
        min(open_candidates.month) as posting_month
    from (select distinct adjusted_month from deltas) as deltas
    inner join open_candidates on deltas.adjusted_month < open_candidates.month
    where open_candidates.month not in (select month from closed_months)
    group by 1
),

adjustments as (
    select
        {{ dbt.hash(dbt.concat(adjustment_id_parts)) }}
            as cost_id,
        cast(null as {{ dbt.type_string() }}) as bill_line_id,
        deltas.x_source,
        deltas.x_spend_kind,
        'adjustment' as x_cost_origin,
        deltas.service_provider_name,
        deltas.service_provider_name as host_provider_name,
        cast(null as {{ dbt.type_string() }}) as billing_account_id,
        cast(null as {{ dbt.type_string() }}) as sub_account_id,
        cast(concat(posting.posting_month, '-01') as date) as billing_period_start,
        cast(cast(concat(posting.posting_month, '-01') as date) as {{ dbt.type_timestamp() }}) as charge_period_start,
        cast(
            {{ add_months_to_month_start("cast(concat(posting.posting_month, '-01') as date)", 1) }}
            as {{ dbt.type_timestamp() }}
        ) as charge_period_end,
        posting.posting_month as x_charge_month,
        'Adjustment' as charge_category,
        concat('adjustment to closed month ', deltas.adjusted_month, ' (', deltas.adjusted_origin, ')')
            as charge_description,
        cast(null as {{ dbt.type_string() }}) as service_name,
        cast(null as {{ dbt.type_string() }}) as service_category,
        cast(null as {{ dbt.type_string() }}) as resource_id,
        cast(null as {{ dbt.type_string() }}) as sku_id,
        cast(null as {{ dbt.type_string() }}) as pricing_unit,
        deltas.billing_currency,
        deltas.billed_cost,
        deltas.effective_cost,
        deltas.x_billed_cost_usd,
        deltas.x_effective_cost_usd,
        cast(null as {{ money_type() }}) as x_fx_rate,
        cast(null as {{ dbt.type_string() }}) as x_fx_rate_source,
        cast(null as date) as x_fx_rate_date,
        deltas.x_effective_cost_usd is not null as x_has_fx_rate,
        'month_close_adjustment' as allocated_method_id,
        cast(null as {{ dbt.type_string() }}) as allocated_resource_id,
        {{ owner_tags_json('deltas.team', 'deltas.feature', 'deltas.environment', 'deltas.tenant') }} as allocated_tags,
        deltas.team,
        deltas.feature,
        deltas.environment,
        deltas.tenant,
        cast(null as {{ dbt.type_string() }}) as x_ledger_provider,
        concat('what changed in closed month ', deltas.adjusted_month, ' after it was closed') as x_allocation_reason,
        deltas.adjusted_month as x_adjusted_month,
        deltas.adjusted_origin as x_adjusted_origin,
        cast(null as {{ dbt.type_string() }}) as tags,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as bigint) as source_line
    from deltas
    inner join posting on deltas.adjusted_month = posting.adjusted_month
),

final as (
    select * from live_rows
    where x_charge_month not in (select month from closed_months)
    union all
    select * from adjustments
)

select * from final
