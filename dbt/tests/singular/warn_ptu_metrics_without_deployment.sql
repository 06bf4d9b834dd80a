{#- Metric hours of a deployment no snapshot knows at that hour (never listed, or after the snapshot that no
    longer listed it): rpt_ptu_effective_rate cannot price them. Warn-level: the warning names the deployment
    and the hours, so a missing or late deployments snapshot is visible instead of silently dropped. -#}
{{ config(severity='warn') }}

with metrics as (
    select * from {{ ref('stg_azure_openai__metrics') }}
),

versions as (
    select * from {{ ref('int_ptu_deployments__versioned') }}
),

unmatched as (
    select
        metrics.deployment,
        metrics.hour_start
    from metrics
    left join versions
        on
            metrics.deployment = versions.deployment
            and (metrics.hour_start >= versions.valid_from or versions.is_first_version)
            and (versions.valid_to is null or metrics.hour_start < versions.valid_to)
    where versions.deployment is null
)

select
    deployment,
    count(distinct hour_start) as hours_without_deployment,
    min(hour_start) as first_hour,
    max(hour_start) as last_hour
from unmatched
group by deployment
