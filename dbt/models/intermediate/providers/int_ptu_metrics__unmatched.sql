{#- Metric hours of a deployment no snapshot knows at that hour (never listed, or after the snapshot that no
    longer listed it): rpt_ptu_effective_rate cannot price them. Read by the warn-level test
    warn_ptu_metrics_without_deployment, so a missing or late snapshot is visible instead of silently dropped. -#}
with metrics as (
    select * from {{ ref('stg_azure_openai__metrics') }}
),

versions as (
    select * from {{ ref('int_ptu_deployments__versioned') }}
),

final as (
    select
        metrics.deployment,
        metrics.hour_start,
        metrics.metric
    from metrics
    left join versions
        on
            metrics.deployment = versions.deployment
            and (metrics.hour_start >= versions.valid_from or versions.is_first_version)
            and (versions.valid_to is null or metrics.hour_start < versions.valid_to)
    where versions.deployment is null
)

select * from final
