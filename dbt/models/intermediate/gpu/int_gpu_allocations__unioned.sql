{#- One row per GPU allocation: a Spark executor or a Kubernetes pod, with the GPUs it held and for how long.
    An executor never removed (running or truncated log) holds its GPUs until the application's last event. -#}
with apps as (
    select * from {{ ref('stg_gpu__spark_apps') }}
),

executors as (
    select * from {{ ref('stg_gpu__spark_executors') }}
),

pods as (
    select * from {{ ref('stg_gpu__k8s_pods') }}
),

spark_allocations as (
    select
        'spark:' || apps.app_id || coalesce('/' || apps.attempt_id, '') as job_id,
        concat('executor:', executors.executor_id) as allocation_id,
        executors.host as hostname,
        cast(null as {{ dbt.type_string() }}) as namespace,
        cast(null as {{ dbt.type_string() }}) as pod_name,
        executors.added_at as started_at,
        coalesce(executors.removed_at, apps.ended_at) as ended_at,
        coalesce(executors.gpu_count, 0) as gpu_count,
        executors.task_gpu_ms
    from executors
    inner join apps
        on
            executors.app_id = apps.app_id
            and coalesce(executors.attempt_id, '') = coalesce(apps.attempt_id, '')
),

pod_allocations as (
    select
        coalesce('kfp:' || pods.run_id, 'pod:' || pods.namespace || '/' || pods.pod_name) as job_id,
        concat('pod:', coalesce(pods.namespace, ''), '/', pods.pod_name) as allocation_id,
        pods.node_name as hostname,
        pods.namespace,
        pods.pod_name,
        pods.started_at,
        pods.finished_at as ended_at,
        coalesce(pods.gpu_count, 0) as gpu_count,
        cast(null as bigint) as task_gpu_ms
    from pods
),

unioned as (
    select * from spark_allocations
    union all
    select * from pod_allocations
),

final as (
    select
        job_id,
        allocation_id,
        hostname,
        namespace,
        pod_name,
        started_at,
        ended_at,
        gpu_count,
        task_gpu_ms,
        case
            when ended_at is null or ended_at <= started_at then 0
            else {{ millis_between('started_at', 'ended_at') }}
        end * gpu_count as gpu_ms
    from unioned
)

select * from final
