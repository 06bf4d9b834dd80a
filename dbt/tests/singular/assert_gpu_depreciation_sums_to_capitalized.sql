-- Every schedule sums exactly to its capitalized amount and ends at a net book value of exactly 0.
with schedule as (
    select * from {{ ref('rpt_training_amortization') }}
),

totals as (
    select
        model_version,
        max(capitalized_amount_usd) as capitalized_amount_usd,
        sum(depreciation_usd) as depreciation_usd,
        max(useful_life_months) as useful_life_months,
        count(*) as months
    from schedule
    group by model_version
),

last_month as (
    select
        model_version,
        net_book_value_usd
    from schedule
    where month_number = useful_life_months
)

select
    totals.model_version,
    totals.capitalized_amount_usd,
    totals.depreciation_usd,
    last_month.net_book_value_usd
from totals
left join last_month on totals.model_version = last_month.model_version
where
    totals.depreciation_usd != totals.capitalized_amount_usd
    or totals.months != totals.useful_life_months
    or last_month.net_book_value_usd is null
    or last_month.net_book_value_usd != 0
