{#- One row per job: a Spark application (attempt) or a Kubeflow run (pods without a run label are jobs of
    their own, so no GPU time is lost). Attributes come from Spark `spark.finops.*` properties or pod labels. -#}
with apps as (
    select * from {{ ref('stg_gpu__spark_apps') }}
),

runs as (
    select * from {{ ref('stg_gpu__kfp_runs') }}
),

pods as (
    select * from {{ ref('stg_gpu__k8s_pods') }}
),

allocations as (
    select * from {{ ref('int_gpu_allocations__unioned') }}
),

allocation_totals as (
    select
        job_id,
        count(*) as allocations,
        cast(sum(gpu_count) as bigint) as gpu_count,
        cast(sum(gpu_ms) as bigint) as gpu_ms,
        cast(sum(task_gpu_ms) as bigint) as task_gpu_ms,
        min(started_at) as first_allocation_at,
        max(ended_at) as last_allocation_at
    from allocations
    group by job_id
),

spark_jobs as (
    select
        'spark:' || app_id || coalesce('/' || attempt_id, '') as job_id,
        'spark' as job_source,
        app_name as job_name,
        spark_user as user_name,
        team,
        job_type_tag,
        model_version,
        instance_type,
        purchase_option,
        started_at,
        ended_at,
        is_complete
    from apps
),

pod_jobs as (
    select
        coalesce('kfp:' || run_id, 'pod:' || namespace || '/' || pod_name) as job_id,
        max(run_id) as run_id,
        max(pod_name) as pod_name,
        max(namespace) as namespace,
        max(team) as team,
        max(job_type_tag) as job_type_tag,
        max(model_version) as model_version,
        max(instance_type) as instance_type,
        max(purchase_option) as purchase_option,
        min(started_at) as started_at,
        max(finished_at) as finished_at,
        count(*) - count(finished_at) as running_pods
    from pods
    group by coalesce('kfp:' || run_id, 'pod:' || namespace || '/' || pod_name)
),

kubeflow_jobs as (
    select
        pod_jobs.job_id,
        case when pod_jobs.run_id is null then 'k8s_pod' else 'kubeflow' end as job_source,
        coalesce(runs.display_name, pod_jobs.pod_name) as job_name,
        pod_jobs.namespace as user_name,
        pod_jobs.team,
        pod_jobs.job_type_tag,
        pod_jobs.model_version,
        pod_jobs.instance_type,
        pod_jobs.purchase_option,
        coalesce(runs.created_at, pod_jobs.started_at) as started_at,
        coalesce(pod_jobs.finished_at, runs.finished_at) as ended_at,
        case
            when runs.state is not null then runs.state in ('SUCCEEDED', 'FAILED', 'CANCELED', 'SKIPPED')
            else pod_jobs.running_pods = 0
        end as is_complete
    from pod_jobs
    left join runs on pod_jobs.run_id = runs.run_id
),

jobs as (
    select * from spark_jobs
    union all
    select * from kubeflow_jobs
),

final as (
    select
        jobs.job_id,
        jobs.job_source,
        jobs.job_name,
        jobs.user_name,
        jobs.team,
        jobs.job_type_tag,
        jobs.model_version,
        jobs.instance_type,
        jobs.purchase_option,
        jobs.started_at,
        jobs.ended_at,
        jobs.is_complete,
        coalesce(allocation_totals.allocations, 0) as allocations,
        coalesce(allocation_totals.gpu_count, 0) as gpu_count,
        coalesce(allocation_totals.gpu_ms, 0) as gpu_ms,
        allocation_totals.task_gpu_ms
    from jobs
    left join allocation_totals on jobs.job_id = allocation_totals.job_id
)

select * from final
