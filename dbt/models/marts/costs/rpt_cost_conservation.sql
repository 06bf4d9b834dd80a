{#- Conservation of money, per charge month x provider x bill source x billing currency: what the bills hold
    against what fct_costs hands out (billed + allocated_shared + capitalized + unallocated), with estimated
    accruals beside them (no bill yet). Adjustments count for the closed month they belong to
    (x_adjusted_month), so a closed month still balances after its bills are restated: frozen rows +
    adjustments = the bills now. Every difference must be exactly 0: the test assert_costs_conserved blocks
    the run otherwise. -#}
with bills as (
    select
        x_charge_month,
        service_provider_name,
        x_source,
        billing_currency,
        count(*) as bill_lines,
        {{ sum_money('billed_cost') }} as bill_billed_cost,
        {{ sum_money('effective_cost') }} as bill_effective_cost,
        {{ sum_money('x_effective_cost_usd') }} as bill_effective_cost_usd,
        {{ sum_count('case when x_fx_rate is null then 1 else 0 end') }} as unconverted_bill_lines
    from {{ ref('int_costs__bill_lines') }}
    group by 1, 2, 3, 4
),

costs as (
    select
        coalesce(x_adjusted_month, x_charge_month) as x_charge_month,
        coalesce(x_adjusted_origin, x_cost_origin) as x_cost_origin,
        x_cost_origin = 'adjustment' as is_adjustment,
        service_provider_name,
        x_source,
        billing_currency,
        billed_cost,
        effective_cost,
        x_effective_cost_usd
    from {{ ref('fct_costs') }}
),

handed_out as (
    select
        x_charge_month,
        service_provider_name,
        x_source,
        billing_currency,
        {{ sum_money("case when x_cost_origin <> 'estimated_accrual' then billed_cost end") }} as allocated_billed_cost,
        {{ sum_money("case when x_cost_origin <> 'estimated_accrual' then effective_cost end") }}
            as allocated_effective_cost,
        {{ sum_money("case when x_cost_origin <> 'estimated_accrual' then x_effective_cost_usd end") }}
            as allocated_effective_cost_usd,
        {{ sum_money("case when x_cost_origin = 'billed' then x_effective_cost_usd end") }} as billed_usd,
        {{ sum_money("case when x_cost_origin = 'allocated_shared' then x_effective_cost_usd end") }}
            as allocated_shared_usd,
        {{ sum_money("case when x_cost_origin = 'capitalized' then x_effective_cost_usd end") }} as capitalized_usd,
        {{ sum_money("case when x_cost_origin = 'unallocated' then x_effective_cost_usd end") }} as unallocated_usd,
        {{ sum_money("case when x_cost_origin = 'estimated_accrual' then x_effective_cost_usd end") }}
            as estimated_accrual_usd,
        {{ sum_money("case when is_adjustment then x_effective_cost_usd end") }} as adjustment_usd
    from costs
    where x_cost_origin <> 'depreciation'
    group by 1, 2, 3, 4
),

keys as (
    select
        x_charge_month,
        service_provider_name,
        x_source,
        billing_currency
    from bills
    union distinct
    select
        x_charge_month,
        service_provider_name,
        x_source,
        billing_currency
    from handed_out
),

final as (
    select
        keys.x_charge_month as charge_month,
        keys.service_provider_name,
        keys.x_source,
        keys.billing_currency,
        coalesce(bills.bill_lines, 0) as bill_lines,
        coalesce(bills.unconverted_bill_lines, 0) as unconverted_bill_lines,
        {{ to_money('coalesce(bills.bill_billed_cost, 0)') }} as bill_billed_cost,
        {{ to_money('coalesce(bills.bill_effective_cost, 0)') }} as bill_effective_cost,
        {{ to_money('coalesce(bills.bill_effective_cost_usd, 0)') }} as bill_effective_cost_usd,
        {{ to_money('coalesce(handed_out.billed_usd, 0)') }} as billed_usd,
        {{ to_money('coalesce(handed_out.allocated_shared_usd, 0)') }} as allocated_shared_usd,
        {{ to_money('coalesce(handed_out.capitalized_usd, 0)') }} as capitalized_usd,
        {{ to_money('coalesce(handed_out.unallocated_usd, 0)') }} as unallocated_usd,
        {{ to_money('coalesce(handed_out.allocated_effective_cost_usd, 0)') }} as allocated_effective_cost_usd,
        {{ to_money('coalesce(handed_out.estimated_accrual_usd, 0)') }} as estimated_accrual_usd,
        {{ to_money('coalesce(handed_out.adjustment_usd, 0)') }} as adjustment_usd,
        {{ to_money('coalesce(handed_out.allocated_billed_cost, 0) - coalesce(bills.bill_billed_cost, 0)') }}
            as difference_billed_cost,
        {{ to_money('coalesce(handed_out.allocated_effective_cost, 0) - coalesce(bills.bill_effective_cost, 0)') }}
            as difference_effective_cost,
        {{ to_money('coalesce(handed_out.allocated_effective_cost_usd, 0)'
                    ~ ' - coalesce(bills.bill_effective_cost_usd, 0)') }} as difference_effective_cost_usd
    from keys
    left join bills
        on
            keys.x_charge_month = bills.x_charge_month
            and keys.service_provider_name = bills.service_provider_name
            and keys.x_source = bills.x_source
            and keys.billing_currency = bills.billing_currency
    left join handed_out
        on
            keys.x_charge_month = handed_out.x_charge_month
            and keys.service_provider_name = handed_out.service_provider_name
            and keys.x_source = handed_out.x_source
            and keys.billing_currency = handed_out.billing_currency
)

select * from final
