{#- Type-2 history of Azure OpenAI deployments, derived from every snapshot kept: a version starts at the
    snapshot where the deployment first appears or its attributes (type, PTUs, model, resource) change, and
    ends (valid_to, exclusive) at the first later snapshot that lists it differently or not at all (deleted
    deployments are closed, not removed). The open version has valid_to null. The result depends only on the
    set of snapshots, not on the order they were loaded in, so a new snapshot never moves an earlier period.
    is_first_version marks the earliest version of a deployment: it also prices hours before the first
    snapshot that saw it (nothing earlier is known). -#}
{%- set attributes = ['resource_id', 'deployment_type', 'ptus', 'is_provisioned', 'model_format', 'model_name',
                     'model_version'] -%}
with deployments as (
    -- the same listing in two files of one snapshot time counts once; conflicting ones fail the unique test
    select distinct
        deployment,
        snapshot_at,
        {{ attributes | join(',\n        ') }}
    from {{ ref('stg_azure_openai__deployments') }}
),

snapshot_times as (
    select distinct snapshot_at
    from {{ ref('stg_azure_openai__deployment_snapshots') }}
),

snapshots as (
    select
        snapshot_at,
        lag(snapshot_at) over (order by snapshot_at) as previous_snapshot_at,
        lead(snapshot_at) over (order by snapshot_at) as next_snapshot_at
    from snapshot_times
),

observed as (
    select
        deployments.*,
        snapshots.previous_snapshot_at,
        snapshots.next_snapshot_at,
        {%- for attribute in attributes %}
        lag(deployments.{{ attribute }}) over (
            partition by deployments.deployment order by deployments.snapshot_at
        ) as last_{{ attribute }},
        {%- endfor %}
        lag(deployments.snapshot_at) over (
            partition by deployments.deployment order by deployments.snapshot_at
        ) as last_seen_at
    from deployments
    inner join snapshots on deployments.snapshot_at = snapshots.snapshot_at
),

flagged as (
    select
        *,
        case
            when last_seen_at is null then 1
            -- absent from the snapshot just before: deleted, then created again
            when previous_snapshot_at is null or last_seen_at <> previous_snapshot_at then 1
            {%- for attribute in attributes %}
            when not (
                {{ attribute }} = last_{{ attribute }}
                or ({{ attribute }} is null and last_{{ attribute }} is null)
            ) then 1
            {%- endfor %}
            else 0
        end as starts_version
    from observed
),

numbered as (
    select
        *,
        sum(starts_version) over (
            partition by deployment order by snapshot_at rows between unbounded preceding and current row
        ) as version_number
    from flagged
),

versions as (
    select
        deployment,
        version_number,
        min(snapshot_at) as valid_from,
        max(snapshot_at) as last_seen_at
    from numbered
    group by 1, 2
),

final as (
    select
        versions.deployment,
        versions.version_number,
        versions.valid_from,
        last_row.next_snapshot_at as valid_to,
        versions.last_seen_at,
        versions.version_number = 1 as is_first_version,
        last_row.next_snapshot_at is null as is_current,
        last_row.resource_id,
        last_row.deployment_type,
        last_row.ptus,
        last_row.is_provisioned,
        last_row.model_format,
        last_row.model_name,
        last_row.model_version
    from versions
    inner join numbered as last_row
        on
            versions.deployment = last_row.deployment
            and versions.last_seen_at = last_row.snapshot_at
)

select * from final
