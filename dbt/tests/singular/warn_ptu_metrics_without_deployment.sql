{#- Metric hours no deployment version covers (int_ptu_metrics__unmatched), one row per deployment with the
    hours. Warn-level: the data loads; the warning names the deployment whose snapshot is missing or late. -#}
{{ config(severity='warn') }}

select
    deployment,
    count(distinct hour_start) as hours_without_deployment,
    min(hour_start) as first_hour,
    max(hour_start) as last_hour
from {{ ref('int_ptu_metrics__unmatched') }}
group by deployment
