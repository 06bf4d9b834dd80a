{#- Aggregate requests per conversation first, then join outcomes one-to-one: no fan-out.
    A conversation is attributed to the feature and model of its first request. -#}
with requests as (
    select * from {{ ref('fct_requests') }}
    where conversation_id is not null
),

outcomes as (
    select * from {{ ref('stg_outcomes__conversations') }}
),

-- one aggregate per conversation (spills to disk), its first request picked by the aggregate too: no window
-- that sorts every request
conversation_costs as (
    select
        conversation_id,
        count(*) as requests,
        {{ sum_money('total_cost_usd') }} as conversation_cost_usd,
        {{ first_row_struct(
            {'feature_tag': 'feature_tag', 'model': 'model', 'request_date': 'request_date'},
            ['requested_at', 'request_id']
        ) }} as first_request
    from requests
    group by conversation_id
),

conversations as (
    select
        conversation_totals.conversation_id,
        conversation_totals.requests,
        conversation_totals.conversation_cost_usd,
        {{ struct_field('conversation_totals.first_request', 'feature_tag') }} as feature_tag,
        {{ struct_field('conversation_totals.first_request', 'model') }} as model,
        coalesce(outcomes.outcome, 'unknown') as outcome,
        coalesce(
            outcomes.outcome = 'resolved'
            and (
                outcomes.reopened_at is null
                or outcomes.reopened_at
                > {{ dbt.dateadd('day', var('resolution_reopen_window_days'), 'outcomes.resolved_at') }}
            ),
            false
        ) as is_resolution,
        coalesce(
            {{ to_date('outcomes.resolved_at') }},
            {{ to_date('outcomes.opened_at') }},
            {{ struct_field('conversation_totals.first_request', 'request_date') }}
        ) as outcome_date
    from conversation_costs as conversation_totals
    left join outcomes
        on conversation_totals.conversation_id = outcomes.conversation_id
),

aggregated as (
    select
        outcome_date,
        feature_tag,
        model,
        count(*) as conversations,
        {{ sum_count('case when is_resolution then 1 else 0 end') }} as resolutions,
        {{ sum_count('case when is_resolution then requests else 0 end') }} as resolution_requests,
        {{ sum_money('case when is_resolution then conversation_cost_usd end') }} as resolution_cost_usd,
        {{ sum_money('conversation_cost_usd') }} as all_conversations_cost_usd
    from conversations
    group by outcome_date, feature_tag, model
),

final as (
    select
        outcome_date,
        feature_tag,
        model,
        conversations,
        resolutions,
        resolution_requests,
        resolution_cost_usd,
        {{ money_divide('resolution_cost_usd', 'resolutions') }} as cost_per_resolution_usd,
        all_conversations_cost_usd,
        {{ money_divide('all_conversations_cost_usd', 'resolutions') }} as loaded_cost_per_resolution_usd
    from aggregated
)

select * from final
