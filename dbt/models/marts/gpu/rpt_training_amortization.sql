{#- Training as a depreciated asset. Per model version: GPU cost of its training and fine-tune jobs plus
    other capitalized costs, booked to the cent when the version enters service, depreciated straight-line
    over `useful_life_months` from the service month. Cents are distributed, never lost: base =
    floor(cents / n), the first (cents mod n) months carry one more cent, so the schedule sums exactly to
    the capitalized amount and the net book value is exactly 0 after the last month. Each month's
    depreciation is spread over that month's requests served by the version (their days:
    int_ledger__model_version_days). -#}
{%- set max_life_months = var('max_useful_life_months', 240) -%}

with registry as (
    select * from {{ ref('stg_gpu__model_registry') }}
),

jobs as (
    select * from {{ ref('fct_gpu_jobs') }}
),

served_days as (
    select * from {{ ref('int_ledger__model_version_days') }}
),

month_offsets as (
    {{ month_offsets(max_life_months) }}
),

training_costs as (
    select
        model_version,
        count(*) as training_jobs,
        {{ sum_count('case when is_priced then 0 else 1 end') }} as unpriced_training_jobs,
        {{ sum_money('list_price_cost_usd') }} as gpu_training_cost_usd
    from jobs
    where job_type in ('training', 'fine_tune') and model_version is not null
    group by model_version
),

capitalized as (
    select
        registry.model_version,
        registry.team,
        registry.service_start_date,
        registry.useful_life_months,
        coalesce(training_costs.training_jobs, 0) as training_jobs,
        coalesce(training_costs.unpriced_training_jobs, 0) as unpriced_training_jobs,
        {{ to_money('coalesce(training_costs.gpu_training_cost_usd, 0)') }} as gpu_training_cost_usd,
        registry.other_capitalized_costs_usd,
        cast(
            {{ round_half_even(
                'coalesce(training_costs.gpu_training_cost_usd, 0) + registry.other_capitalized_costs_usd', 2
            ) }} * 100
            as bigint
        ) as capitalized_cents
    from registry
    left join training_costs on registry.model_version = training_costs.model_version
),

schedule as (
    select
        capitalized.*,
        month_offsets.month_offset + 1 as month_number,
        {{ add_months_to_month_start('capitalized.service_start_date', 'month_offsets.month_offset') }}
            as schedule_month,
        {{ straight_line_part('capitalized.capitalized_cents', 'capitalized.useful_life_months',
                              'month_offsets.month_offset') }} as depreciation_cents
    from capitalized
    inner join month_offsets on capitalized.useful_life_months > month_offsets.month_offset
),

accumulated as (
    select
        *,
        sum(depreciation_cents) over (
            partition by model_version order by month_number rows between unbounded preceding and current row
        ) as accumulated_cents
    from schedule
),

monthly_requests as (
    select
        model_version,
        {{ add_months_to_month_start('request_date', 0) }} as schedule_month,
        {{ sum_count('requests') }} as requests,
        {{ sum_count('total_tokens') }} as total_tokens,
        {{ sum_money('inference_cost_usd') }} as inference_cost_usd
    from served_days
    group by model_version, {{ add_months_to_month_start('request_date', 0) }}
),

joined as (
    select
        accumulated.*,
        {{ money_divide('accumulated.capitalized_cents', 100) }} as capitalized_amount_usd,
        {{ money_divide('accumulated.depreciation_cents', 100) }} as depreciation_usd,
        {{ money_divide('accumulated.accumulated_cents', 100) }} as accumulated_depreciation_usd,
        {{ money_divide('accumulated.capitalized_cents - accumulated.accumulated_cents', 100) }}
            as net_book_value_usd,
        coalesce(monthly_requests.requests, 0) as requests,
        coalesce(monthly_requests.total_tokens, 0) as total_tokens,
        {{ to_money('coalesce(monthly_requests.inference_cost_usd, 0)') }} as inference_cost_usd
    from accumulated
    left join monthly_requests
        on
            accumulated.model_version = monthly_requests.model_version
            and accumulated.schedule_month = monthly_requests.schedule_month
),

final as (
    select
        concat(model_version, '|', cast(schedule_month as {{ dbt.type_string() }})) as amortization_key,
        model_version,
        team,
        service_start_date,
        useful_life_months,
        month_number,
        schedule_month,
        training_jobs,
        unpriced_training_jobs,
        gpu_training_cost_usd,
        other_capitalized_costs_usd,
        capitalized_amount_usd,
        depreciation_usd,
        accumulated_depreciation_usd,
        net_book_value_usd,
        requests,
        total_tokens,
        inference_cost_usd as estimated_inference_cost_usd,
        -- deprecated alias of estimated_inference_cost_usd (a rate-card estimate, not a bill); will be removed
        inference_cost_usd,
        {{ money_divide('depreciation_usd', 'requests') }} as amortized_training_cost_per_request_usd,
        {{ money_divide('depreciation_usd * 1000', 'total_tokens') }} as amortized_training_cost_per_1k_tokens_usd,
        {{ money_divide('inference_cost_usd', 'requests') }} as inference_cost_per_request_usd,
        {{ money_divide('inference_cost_usd * 1000', 'total_tokens') }} as inference_cost_per_1k_tokens_usd,
        {{ money_divide('depreciation_usd + inference_cost_usd', 'requests') }} as fully_loaded_cost_per_request_usd,
        {{ money_divide('(depreciation_usd + inference_cost_usd) * 1000', 'total_tokens') }}
            as fully_loaded_cost_per_1k_tokens_usd
    from joined
)

select * from final
