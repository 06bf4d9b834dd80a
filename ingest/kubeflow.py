"""Kubeflow Pipelines v2beta1 runs (`KFP_RUN_SCHEMA`) and the Kubernetes pods that ran them (`K8S_POD_SCHEMA`).

Runs come as a single Run JSON, a ListRunsResponse page `{runs[], total_size, next_page_token}`, a JSON array
of runs, or straight from the live API (`fetch_runs`, paginated, urllib with a timeout). GPU requests of the
pipeline's executors are read from an inline `pipeline_spec` IR
(`deploymentSpec.executors.<exec>.container.resources.accelerator`, old `type`/`count` and new
`resourceType`/`resourceCount` keys, counts as strings).

Pods come as an API PodList (or `kind: List`), a single Pod, in JSON or YAML (multi-document YAML too). GPUs
are `nvidia.com/gpu` limits summed over containers and init containers (strings or ints); the GPU window is
`status.startTime` (else the earliest container start) to the latest container termination (null while any
container still runs). Runs and pods join on the label `pipeline/runid`.

`parse_landing` keeps the pods that hold GPUs; a pod without an `nvidia.com/gpu` limit is not GPU cost and is
neither loaded nor counted as input.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import PurePosixPath

from ingest.common import ParseResult, Rejected, SourceFormatError, table_keeping_storable_rows, utc_naive
from ingest.gpu_schema import K8S_POD_SCHEMA, KFP_RUN_SCHEMA
from ingest.storage import LandingStore

GPU_RESOURCE = "nvidia.com/gpu"
RUN_ID_LABEL = "pipeline/runid"
WORKFLOW_LABEL = "workflows.argoproj.io/workflow"
# label / annotation keys naming the KFP task of a pod, most specific first
COMPONENT_KEYS = (
    "pipelines.kubeflow.org/task_name",
    "pipelines.kubeflow.org/task_display_name",
    "pipelines.kubeflow.org/component_name",
    "pipelines.kubeflow.org/component",
    "kfp.kubeflow.org/task_name",
)
GPU_TYPE_KEYS = ("nvidia.com/gpu.product", "cloud.google.com/gke-accelerator", "k8s.amazonaws.com/accelerator")
INSTANCE_TYPE_KEYS = ("node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type")
CAPACITY_KEYS = ("karpenter.sh/capacity-type", "eks.amazonaws.com/capacityType", "cloud.google.com/gke-spot")
TEAM_KEYS = ("team", "finops.io/team")
JOB_TYPE_KEYS = ("finops.io/job-type", "job-type")
MODEL_VERSION_KEYS = ("finops.io/model-version", "model-version")

_EPOCH = datetime(1970, 1, 1)
_ZERO_TIMES = (_EPOCH, datetime(1, 1, 1))
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$"
)


def parse_rfc3339(value: object, *, source: str = "", field: str = "") -> datetime | None:
    """RFC 3339 text (Z or offset, up to nanoseconds) → tz-naive UTC datetime; '' / None → None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    match = _RFC3339.match(str(value).strip())
    if not match:
        raise SourceFormatError(source, f"expected an RFC 3339 timestamp, got {value!r}", field=field or None)
    year, month, day, hour, minute, second, fraction, _, sign, off_h, off_m = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micros)
        if moment in _ZERO_TIMES and not (sign and int(off_h + off_m)):
            return None  # Go's and protobuf's zero time: the field is not set (an active run's finished_at)
        if sign:
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            if int(off_m) > 59:
                raise ValueError(f"impossible UTC offset {sign}{off_h}:{off_m}")
            moment = moment.replace(tzinfo=timezone(offset if sign == "+" else -offset))
        return utc_naive(moment, field or "timestamp")
    except (ValueError, OverflowError) as exc:
        raise SourceFormatError(source, f"expected an RFC 3339 timestamp: {exc}", field=field or None) from None


def _json(value: object) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def _count(value: object, *, source: str, field: str) -> int:
    """A Kubernetes / KFP quantity of whole devices: 1, "1", " 2 "."""
    if value is None or isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not text:
        return 0
    try:
        number = Decimal(text)
    except ArithmeticError:
        raise SourceFormatError(source, f"expected a whole number of GPUs, got {value!r}", field=field) from None
    if number != number.to_integral_value() or number < 0:
        raise SourceFormatError(source, f"expected a whole number of GPUs, got {value!r}", field=field)
    return int(number)


# ---------------------------------------------------------------------------------------------------- runs


def requested_gpus_by_executor(pipeline_spec: object, *, source: str = "") -> dict[str, dict]:
    """{executor label: {"type": ..., "count": n}} for every executor of a KFP IR that asks for accelerators."""
    if not isinstance(pipeline_spec, dict):
        return {}
    spec = pipeline_spec.get("pipeline_spec", pipeline_spec)  # PipelineSpec may be wrapped with platform_spec
    executors = ((spec.get("deploymentSpec") or {}).get("executors")) or {}
    found = {}
    for name, executor in executors.items():
        resources = ((executor or {}).get("container") or {}).get("resources") or {}
        accelerator = resources.get("accelerator")
        if not isinstance(accelerator, dict):
            continue
        kind = accelerator.get("resourceType") or accelerator.get("type")
        raw_count = accelerator.get("resourceCount", accelerator.get("count"))
        field = f"deploymentSpec.executors.{name}.container.resources.accelerator"
        found[name] = {"type": kind, "count": _count(raw_count, source=source, field=field)}
    return found


def run_row(run: dict, source_file: str) -> dict:
    """One v2beta1 Run → a KFP_RUN_SCHEMA row. Raises SourceFormatError when run_id or a timestamp is bad."""
    if not isinstance(run, dict) or not run.get("run_id"):
        raise SourceFormatError(source_file, "expected a v2beta1 Run object with a run_id", field="run_id")
    finished = parse_rfc3339(run.get("finished_at"), source=source_file, field="finished_at")
    if finished is not None and finished <= _EPOCH:  # active runs report the zero time
        finished = None
    reference = run.get("pipeline_version_reference") or {}
    return {
        "run_id": str(run["run_id"]),
        "display_name": run.get("display_name"),
        "experiment_id": run.get("experiment_id"),
        "state": run.get("state"),
        "created_at": parse_rfc3339(run.get("created_at"), source=source_file, field="created_at"),
        "scheduled_at": parse_rfc3339(run.get("scheduled_at"), source=source_file, field="scheduled_at"),
        "finished_at": finished,
        "pipeline_id": reference.get("pipeline_id"),
        "pipeline_version_id": reference.get("pipeline_version_id"),
        "requested_gpus_by_executor": _json(requested_gpus_by_executor(run.get("pipeline_spec"), source=source_file)),
        "parameters": _json((run.get("runtime_config") or {}).get("parameters")),
        "source_file": source_file,
    }


def parse_runs(documents: Iterable[tuple[str, object]]) -> ParseResult:
    """Runs from (source, document) pairs: a Run, a ListRunsResponse page or a list of Runs.

    A run seen twice (overlapping pages or exports) is kept once: the copy from the last document wins."""
    rows: dict[str, dict] = {}
    rejected: list[Rejected] = []
    seen = 0
    for source, document in documents:
        runs = (document.get("runs") or []) if isinstance(document, dict) and "runs" in document else document
        for index, run in enumerate(runs if isinstance(runs, list) else [runs], start=1):
            seen += 1
            try:
                row = run_row(run, source)
            except SourceFormatError as exc:
                rejected.append(Rejected(source, index, str(exc)))
                continue
            except (AttributeError, TypeError, ValueError) as exc:  # a field of an unexpected type
                rejected.append(Rejected(source, index, f"unexpected Run shape: {exc}"))
                continue
            if row["run_id"] in rows:
                seen -= 1  # the same run again: not a second input row
            rows[row["run_id"]] = row
    table, unstorable = table_keeping_storable_rows(list(rows.values()), KFP_RUN_SCHEMA, source_key="source_file")
    return ParseResult(table, rejected + unstorable, seen)


def fetch_runs(
    base_url: str,
    *,
    page_size: int = 100,
    token: str | None = None,
    timeout: float = 30.0,
    max_pages: int = 10_000,
    extra_params: dict[str, str] | None = None,
) -> Iterator[tuple[str, dict]]:
    """Pages of GET {base_url}/apis/v2beta1/runs, following next_page_token; yields (page url, page JSON).

    `token` (from the environment, never logged) is sent as a bearer token."""
    page_token = ""
    for _ in range(max_pages):
        params = {"page_size": str(page_size), **(extra_params or {})}
        if page_token:
            params["page_token"] = page_token
        url = f"{base_url.rstrip('/')}/apis/v2beta1/runs?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read()
        except OSError as exc:  # URLError, HTTPError, timeouts
            raise SourceFormatError(url, f"KFP runs API request failed: {exc}") from None
        try:
            page = json.loads(body)
        except ValueError as exc:
            raise SourceFormatError(url, f"expected a ListRunsResponse JSON body: {exc}") from None
        if not isinstance(page, dict):
            raise SourceFormatError(url, "expected a ListRunsResponse JSON object")
        yield url, page
        page_token = page.get("next_page_token") or ""
        if not page_token:
            return
    raise SourceFormatError(base_url, f"KFP runs API still paging after {max_pages} pages")


# ---------------------------------------------------------------------------------------------------- pods


def _first(mappings: Iterable[dict], keys: Iterable[str]) -> str | None:
    for key in keys:
        for mapping in mappings:
            value = mapping.get(key)
            if value not in (None, ""):
                return str(value)
    return None


def _component(labels: dict, annotations: dict) -> str | None:
    named = _first([labels, annotations], COMPONENT_KEYS)
    if named:
        return named
    node = annotations.get("workflows.argoproj.io/node-name")  # e.g. "wf-x.root.train-model"
    if node and "." in node:
        return node.rsplit(".", 1)[-1] or None
    return None


def pod_gpu_count(pod: dict, *, source: str = "") -> int:
    """Σ nvidia.com/gpu limits over containers and init containers (requests when no limit is given)."""
    spec = pod.get("spec") or {}
    total = 0
    for group in ("initContainers", "containers"):
        for index, container in enumerate(spec.get(group) or []):
            resources = (container or {}).get("resources") or {}
            limit = (resources.get("limits") or {}).get(GPU_RESOURCE)
            if limit is None:
                limit = (resources.get("requests") or {}).get(GPU_RESOURCE)
            total += _count(limit, source=source, field=f"spec.{group}[{index}].resources.limits.{GPU_RESOURCE}")
    return total


def _pod_window(pod: dict, source: str) -> tuple[datetime | None, datetime | None]:
    status = pod.get("status") or {}
    starts, finishes, running = [], [], False
    statuses = (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])
    for index, container in enumerate(statuses):
        state = (container or {}).get("state") or {}
        terminated, active = state.get("terminated"), state.get("running")
        field = f"status.containerStatuses[{index}]"
        if terminated:
            starts.append(parse_rfc3339(terminated.get("startedAt"), source=source, field=field + ".startedAt"))
            finishes.append(parse_rfc3339(terminated.get("finishedAt"), source=source, field=field + ".finishedAt"))
        else:
            running = True
            if active:
                starts.append(parse_rfc3339(active.get("startedAt"), source=source, field=field + ".startedAt"))
    started = parse_rfc3339(status.get("startTime"), source=source, field="status.startTime")
    if started is None:
        started = min((s for s in starts if s is not None), default=None)
    finished = None
    if statuses and not running and status.get("phase") in (None, "Succeeded", "Failed"):
        finished = max((f for f in finishes if f is not None), default=None)
    return started, finished


def pod_row(pod: dict, source_file: str) -> dict:
    """One Pod object → a K8S_POD_SCHEMA row. Raises SourceFormatError on a bad GPU count or timestamp."""
    metadata = pod.get("metadata") or {}
    if not metadata.get("name"):
        raise SourceFormatError(source_file, "expected a Pod with metadata.name", field="metadata.name")
    labels = {str(k): str(v) for k, v in (metadata.get("labels") or {}).items()}
    annotations = {str(k): str(v) for k, v in (metadata.get("annotations") or {}).items()}
    spec = pod.get("spec") or {}
    selector = {str(k): str(v) for k, v in (spec.get("nodeSelector") or {}).items()}
    where = [selector, labels]
    gpus = pod_gpu_count(pod, source=source_file)
    started, finished = _pod_window(pod, source_file)
    seconds = None
    if started is not None and finished is not None:
        delta = finished - started
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        seconds = Decimal(max(0, micros) * gpus) / 1_000_000
    capacity = _first(where, CAPACITY_KEYS)
    if capacity == "true" and selector.get("cloud.google.com/gke-spot") == "true":
        capacity = "spot"
    return {
        "namespace": metadata.get("namespace"),
        "pod_name": str(metadata["name"]),
        "run_id": labels.get(RUN_ID_LABEL),
        "workflow": labels.get(WORKFLOW_LABEL),
        "component": _component(labels, annotations),
        "node_name": spec.get("nodeName"),
        "gpu_type": _first(where, GPU_TYPE_KEYS),
        "gpu_count": gpus,
        "started_at": started,
        "finished_at": finished,
        "phase": (pod.get("status") or {}).get("phase"),
        "team": _first([labels], TEAM_KEYS),
        "job_type_tag": _first([labels], JOB_TYPE_KEYS),
        "model_version": _first([labels], MODEL_VERSION_KEYS),
        "instance_type": _first(where, INSTANCE_TYPE_KEYS),
        "purchase_option": capacity,
        "labels": json.dumps(labels, sort_keys=True),
        "gpu_seconds": seconds,
        "source_file": source_file,
    }


def _pods_in(document: object) -> list | None:
    """The pod objects of a document, or None when it holds no pods."""
    if not isinstance(document, dict):
        return None
    if document.get("kind") == "Pod":
        return [document]
    items = document.get("items")
    if isinstance(items, list) and (document.get("kind") in ("PodList", "List") or "items" in document):
        return [item for item in items if isinstance(item, dict) and item.get("kind", "Pod") == "Pod"]
    return None


def parse_pods(documents: Iterable[tuple[str, object]], *, gpu_only: bool = False) -> ParseResult:
    rows: dict[tuple, dict] = {}
    rejected: list[Rejected] = []
    seen = 0
    for source, document in documents:
        for index, pod in enumerate(_pods_in(document) or [], start=1):
            try:
                row = pod_row(pod, source)
            except SourceFormatError as exc:
                seen += 1
                rejected.append(Rejected(source, index, str(exc)))
                continue
            except (AttributeError, TypeError, ValueError) as exc:  # a field of an unexpected type
                seen += 1
                rejected.append(Rejected(source, index, f"unexpected Pod shape: {exc}"))
                continue
            if gpu_only and not row["gpu_count"]:
                continue
            seen += 1
            key = (row["namespace"], row["pod_name"])
            if key in rows:
                seen -= 1  # the same pod in two exports: the later copy wins
            rows[key] = row
    table, unstorable = table_keeping_storable_rows(list(rows.values()), K8S_POD_SCHEMA, source_key="source_file")
    return ParseResult(table, rejected + unstorable, seen)


# ------------------------------------------------------------------------------------------------ helpers


def gpu_hours_by_run(pods: ParseResult | list[dict]) -> dict[str | None, Decimal]:
    """GPU-hours per pipeline run id (None: pods without a run label), finished pods only."""
    return _gpu_hours(pods, lambda row: row["run_id"])


def gpu_hours_by_component(pods: ParseResult | list[dict]) -> dict[tuple[str | None, str | None], Decimal]:
    """GPU-hours per (run id, component)."""
    return _gpu_hours(pods, lambda row: (row["run_id"], row["component"]))


def _gpu_hours(pods: ParseResult | list[dict], key) -> dict:
    rows = pods.table.to_pylist() if isinstance(pods, ParseResult) else pods
    totals: dict = {}
    for row in rows:
        if row["gpu_seconds"] is not None:
            totals[key(row)] = totals.get(key(row), Decimal(0)) + row["gpu_seconds"] / 3600
    return totals


# ------------------------------------------------------------------------------------------------ landing


def load_documents(name: str, data: bytes) -> list[object]:
    """JSON or (multi-document) YAML by file suffix."""
    suffix = PurePosixPath(name).suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            import yaml

            return [doc for doc in yaml.safe_load_all(data.decode("utf-8")) if doc is not None]
        return [json.loads(data)]
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceFormatError(name, f"expected JSON or YAML: {exc}") from None
    except Exception as exc:  # yaml.YAMLError
        raise SourceFormatError(name, f"expected YAML: {exc}") from None


def _is_run_document(document: object) -> bool:
    if isinstance(document, dict):
        return "runs" in document or "run_id" in document
    return isinstance(document, list) and all(isinstance(item, dict) and "run_id" in item for item in document)


def parse_landing(store: LandingStore, prefix: str = "kubeflow") -> dict[str, ParseResult]:
    """Every JSON/YAML file under `prefix` → {"kfp_runs", "k8s_pods"}. Files that hold neither runs nor pods
    (pipeline specs, Argo workflows, unreadable files) are quarantined under kfp_runs with the reason."""
    run_docs, pod_docs, bad = [], [], []
    for key in store.list(prefix):
        if PurePosixPath(key).suffix.lower() not in (".json", ".yaml", ".yml"):
            continue
        source = store.describe(key)
        try:
            documents = load_documents(source, store.read_bytes(key))
        except SourceFormatError as exc:
            bad.append(Rejected(source, None, str(exc)))
            continue
        for document in documents:
            if _is_run_document(document):
                run_docs.append((source, document))
            elif _pods_in(document) is not None:
                pod_docs.append((source, document))
            else:
                kind = document.get("kind") if isinstance(document, dict) else type(document).__name__
                bad.append(Rejected(source, None, f"neither KFP runs nor Kubernetes pods (kind {kind!r}): skipped"))
    runs = parse_runs(run_docs)
    runs = ParseResult(runs.table, runs.rejected + bad, runs.input_rows + len(bad))
    return {"kfp_runs": runs, "k8s_pods": parse_pods(pod_docs, gpu_only=True)}
