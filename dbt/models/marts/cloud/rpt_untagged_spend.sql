{#- Spend nobody is accountable for: cost with no team or no feature tag, on the effective (amortized) basis
    that showback uses, with its share of the total. -#}
with costs as (
    select * from {{ ref('fct_cloud_costs') }}
),

final as (
    select
        provider_name,
        service_name,
        sub_account_id,
        billing_currency,
        {{ sum_money('effective_cost') }} as effective_cost,
        {{ sum_money('case when not has_team then effective_cost end') }} as no_team_cost,
        {{ sum_money('case when not has_feature then effective_cost end') }} as no_feature_cost,
        {{ sum_money('case when not has_team or not has_feature then effective_cost end') }} as untagged_cost,
        {{ ratio(sum_money('case when not has_team or not has_feature then effective_cost end'),
                 sum_money('effective_cost')) }} as untagged_share
    from costs
    group by 1, 2, 3, 4
)

select * from final
