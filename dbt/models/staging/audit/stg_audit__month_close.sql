with source as (
    select * from {{ source('audit', 'month_close') }}
),

ranked as (
    select
        month,
        action,
        actor,
        acted_at,
        row_number() over (partition by month order by acted_at desc, action asc) as action_rank
    from source
),

final as (
    select
        month,
        action = 'close' as is_closed,
        actor,
        acted_at
    from ranked
    where action_rank = 1
)

select * from final
