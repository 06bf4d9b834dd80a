{#- The one allocated cost fact: every billed dollar once, on exactly one owner (team x feature x environment x
    tenant), FOCUS 1.3 names in snake_case. One row per bill line x owner (x job for GPU lines), plus marked
    estimates (estimated_accrual: ledger usage no bill covers yet) and depreciation of capitalized training.
    x_cost_origin: billed | allocated_shared | capitalized | unallocated (these sum exactly to the bills:
    rpt_cost_conservation) | estimated_accrual | depreciation (returns capitalized amounts over time, outside
    the bills' total). Amounts in the billing currency and in USD at the recorded FX rate. -#}
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
    select * from allocated
    union all
    select * from shared
    union all
    select * from accruals
    union all
    select * from depreciation
),

final as (
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
        tags,
        source_file,
        source_line
    from unioned
)

select * from final
