{#- The ledger's conversations per request day: requests, rate-card cost and the day's first request (by
    requested_at, then request_id). A conversation's totals are the sums over its days and its first request the
    first of its days' firsts, so rpt_cost_per_resolution reads this instead of every request.
    Incremental by request day: a night rebuilds only the days whose requests changed (macros/incremental.sql,
    day fingerprints of the columns read below), each day whole, so the rows equal a full build's. -#}
{{ incremental_by_day_config('stg_ledger__requests', [
    'conversation_id', 'request_id', 'requested_at', 'feature_tag', 'model', 'total_cost_usd',
]) }}

with requests as (
    select * from {{ ref('stg_ledger__requests') }}
    where {{ changed_days_only('request_date') }} and conversation_id is not null
),

conversation_days as (
    select
        request_date,
        conversation_id,
        count(*) as requests,
        {{ sum_money('total_cost_usd') }} as conversation_cost_usd,
        {{ first_row_struct(
            {'requested_at': 'requested_at', 'request_id': 'request_id', 'feature_tag': 'feature_tag',
             'model': 'model'},
            ['requested_at', 'request_id']
        ) }} as first_request
    from requests
    group by request_date, conversation_id
),

final as (
    select
        request_date,
        conversation_id,
        requests,
        conversation_cost_usd,
        {{ struct_field('first_request', 'requested_at') }} as first_requested_at,
        {{ struct_field('first_request', 'request_id') }} as first_request_id,
        {{ struct_field('first_request', 'feature_tag') }} as first_feature_tag,
        {{ struct_field('first_request', 'model') }} as first_model
    from conversation_days
)

select * from final
