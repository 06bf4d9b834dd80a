{#- relationships, restricted to the months that are still open: a closed month is frozen as it was (month
    close), while its parent rows may since have been restated away; rpt_cost_conservation balances those.
    month_register is the close/reopen register (source audit.month_close): a month is closed when its
    latest action is 'close'. -#}
{% test relationships_in_open_months(model, column_name, to, field, month_column, month_register) %}
with register as (
    select
        month,
        action,
        row_number() over (partition by month order by acted_at desc, action asc) as action_rank
    from {{ month_register }}
),

closed_months as (
    select month from register
    where action_rank = 1 and action = 'close'
),

children as (
    select {{ column_name }} as child_key
    from {{ model }}
    where
        {{ column_name }} is not null
        and {{ month_column }} not in (select closed_months.month from closed_months)
)

select children.child_key
from children
left join {{ to }} as parents on children.child_key = parents.{{ field }}
where parents.{{ field }} is null
{% endtest %}
