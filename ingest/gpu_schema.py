"""Output schemas of the GPU telemetry parsers (Spark event logs, Kubeflow runs and pods, DCGM scrapes).

This file is the source of truth for the raw tables `raw_gpu.spark_apps`, `raw_gpu.spark_executors`,
`raw_gpu.kfp_runs`, `raw_gpu.k8s_pods` and `raw_gpu.dcgm_samples`. Every column that the dbt staging models
read (see `pipelines.assets.gpu_jobs.EXPECTED_RAW_SCHEMAS`) is here under the same name and type; the other
columns are extra detail (exact GPU-seconds, JSON of labels / properties, lineage).

Conventions:
- timestamps are UTC wall-clock values stored tz-naive (`timestamp[us]`), as the staging models expect;
- GPU-seconds are exact decimals (MONEY_TYPE precision, 9 places) although they are not money, so that
  GPU-hours x price stays exact downstream; DCGM readings (utilization, watts, MiB) are float64: not money;
- JSON columns are canonical (`json.dumps(..., sort_keys=True)`).
"""

from __future__ import annotations

import pyarrow as pa

from ingest.common import MONEY_TYPE

TIMESTAMP = pa.timestamp("us")  # UTC, tz-naive
GPU_SECONDS_TYPE = MONEY_TYPE  # decimal128(38, 9)

# One row per Spark application attempt.
SPARK_APP_SCHEMA = pa.schema(
    [
        ("app_id", pa.string()),  # SparkListenerApplicationStart "App ID" (or spark.app.id, or the file name)
        ("attempt_id", pa.string()),  # "App Attempt ID"; null for client mode / single attempt
        ("job_id", pa.string()),  # app_id, or app_id/attempt_id when there is an attempt
        ("job_source", pa.string()),  # 'spark'
        ("app_name", pa.string()),  # "App Name" (spark.app.name)
        ("spark_user", pa.string()),  # "User"
        ("started_at", TIMESTAMP),
        ("ended_at", TIMESTAMP),  # ApplicationEnd, else the last event time seen
        ("is_complete", pa.bool_()),  # false when the log has no ApplicationEnd (in progress / truncated)
        ("executor_gpu_seconds", GPU_SECONDS_TYPE),  # sum over executors of lifetime x executor GPU amount
        ("task_gpu_seconds", GPU_SECONDS_TYPE),  # sum over finished tasks of (finish - launch) x task GPU amount
        ("max_concurrent_gpus", GPU_SECONDS_TYPE),  # peak of executor GPUs held at the same time
        ("gpu_count_requested", pa.int32()),  # spark.executor.instances x executor GPU amount of profile 0
        ("team", pa.string()),  # spark.finops.team (prefix configurable)
        ("feature", pa.string()),  # spark.finops.feature
        ("model_version", pa.string()),  # spark.finops.model_version
        ("job_type_tag", pa.string()),  # spark.finops.job_type: a hint for the job-type rules
        ("instance_type", pa.string()),  # spark.finops.instance_type
        ("purchase_option", pa.string()),  # spark.finops.purchase_option
        ("properties", pa.string()),  # JSON: app name, user and every spark.finops.* property
        ("spark_version", pa.string()),
        ("malformed_lines", pa.int64()),  # lines skipped (also quarantined, with their line numbers)
        ("source_file", pa.string()),  # the file, or the rolling directory
    ]
)

# One row per executor of a Spark application.
SPARK_EXECUTOR_SCHEMA = pa.schema(
    [
        ("app_id", pa.string()),
        ("attempt_id", pa.string()),
        ("job_id", pa.string()),
        ("executor_id", pa.string()),
        ("host", pa.string()),
        ("added_at", TIMESTAMP),
        ("removed_at", TIMESTAMP),  # null when never removed (the app end or last event closes it downstream)
        ("gpu_amount", pa.int32()),  # executor GPU amount from its resource profile (or its assigned addresses)
        ("resource_profile_id", pa.int32()),
        ("gpu_seconds", GPU_SECONDS_TYPE),  # (removed, else app end / last event) - added, x gpu_amount
        ("task_gpu_ms", pa.int64()),  # sum of (finish - launch) ms x task GPU amount, rounded half-even to a ms
        ("task_gpu_seconds", GPU_SECONDS_TYPE),  # the same, exact
        ("source_file", pa.string()),
    ]
)

# One row per Kubeflow Pipelines run (v2beta1).
KFP_RUN_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("display_name", pa.string()),
        ("experiment_id", pa.string()),
        ("state", pa.string()),
        ("created_at", TIMESTAMP),
        ("scheduled_at", TIMESTAMP),
        ("finished_at", TIMESTAMP),  # null for the zero time 1970-01-01T00:00:00Z of active runs
        ("pipeline_id", pa.string()),
        ("pipeline_version_id", pa.string()),
        ("requested_gpus_by_executor", pa.string()),  # JSON {executor: {"type": ..., "count": n}} from the IR
        ("parameters", pa.string()),  # JSON of runtime_config.parameters
        ("source_file", pa.string()),
    ]
)

# One row per Kubernetes pod.
K8S_POD_SCHEMA = pa.schema(
    [
        ("namespace", pa.string()),
        ("pod_name", pa.string()),
        ("run_id", pa.string()),  # label pipeline/runid
        ("workflow", pa.string()),  # label workflows.argoproj.io/workflow
        ("component", pa.string()),  # KFP task / component name from labels or annotations
        ("node_name", pa.string()),
        ("gpu_type", pa.string()),  # nvidia.com/gpu.product / gke-accelerator selector or label
        ("gpu_count", pa.int32()),  # sum of nvidia.com/gpu limits over containers and init containers
        ("started_at", TIMESTAMP),
        ("finished_at", TIMESTAMP),  # latest container termination; null while running
        ("phase", pa.string()),
        ("team", pa.string()),  # label team
        ("job_type_tag", pa.string()),  # label finops.io/job-type
        ("model_version", pa.string()),  # label finops.io/model-version
        ("instance_type", pa.string()),  # nodeSelector/label node.kubernetes.io/instance-type
        ("purchase_option", pa.string()),  # nodeSelector/label karpenter.sh/capacity-type (or similar)
        ("labels", pa.string()),  # JSON of metadata.labels
        ("gpu_seconds", GPU_SECONDS_TYPE),  # gpu_count x (finished_at - started_at); null while running
        ("source_file", pa.string()),
    ]
)

# One row per DCGM sample (long format: metric, GPU, scrape time).
DCGM_SAMPLE_SCHEMA = pa.schema(
    [
        ("sampled_at", TIMESTAMP),  # the sample's Prometheus timestamp (ms), else the scrape time given
        ("metric", pa.string()),
        ("value", pa.float64()),  # as exported (GPU_UTIL in %, POWER in W, FB in MiB, PROF_* ratios)
        ("value_ratio", pa.float64()),  # 0-1 for utilization-type metrics, else null
        ("gpu", pa.string()),
        ("gpu_uuid", pa.string()),  # label UUID
        ("model_name", pa.string()),  # label modelName
        ("hostname", pa.string()),  # label Hostname
        ("namespace", pa.string()),  # namespace, else exported_namespace
        ("pod", pa.string()),  # pod, else exported_pod
        ("container", pa.string()),  # container, else exported_container
        ("labels", pa.string()),  # JSON of every label
        ("source_file", pa.string()),
        ("source_line", pa.int64()),
    ]
)

SCHEMAS: dict[str, pa.Schema] = {
    "spark_apps": SPARK_APP_SCHEMA,
    "spark_executors": SPARK_EXECUTOR_SCHEMA,
    "kfp_runs": KFP_RUN_SCHEMA,
    "k8s_pods": K8S_POD_SCHEMA,
    "dcgm_samples": DCGM_SAMPLE_SCHEMA,
}


def rows_table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    """Arrow table in `schema` from row dicts; missing keys are null."""
    return pa.table({name: [row.get(name) for row in rows] for name in schema.names}, schema=schema)
