with costs as (
    select * from {{ ref('fct_cloud_costs') }}
),

final as (
    select
        charge_date,
        provider_name,
        service_name,
        sub_account_id,
        coalesce(team, 'unassigned') as team,
        billing_currency,
        count(*) as cost_lines,
        {{ sum_money('billed_cost') }} as billed_cost,
        {{ sum_money('effective_cost') }} as effective_cost,
        {{ sum_money('list_cost') }} as list_cost,
        {{ sum_money("case when ai_workload is not null then effective_cost end") }} as ai_effective_cost
    from costs
    group by 1, 2, 3, 4, 5, 6
)

select * from final
