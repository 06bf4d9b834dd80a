"""Azure OpenAI provisioned deployments and their hourly metrics (Azure Resource Manager and Azure Monitor
JSON, as the REST API returns them or as recorded in the landing folder).

- Deployments (`Microsoft.CognitiveServices/accounts/deployments`): sku name = deployment type, sku capacity
  = PTUs for the provisioned types, properties.model{format, name, version}.
- Metrics (`value[].timeseries[].metadatavalues[] + data[{timeStamp, average|total}]`), split by
  `ModelDeploymentName`: `AzureOpenAIProvisionedManagedUtilizationV2` (percent, average) and token counts
  (`ProcessedPromptTokens`, `GeneratedTokens`, total; names as in Azure Monitor's supported-metrics list,
  not verified against a live feed). **A missing point means no data, not 0**: it stays null.

History: a deployments file is one complete snapshot of the account at one moment (`snapshot_at`, see
`snapshot_at`); the warehouse keeps every snapshot and derives each deployment's validity periods from them.
A metrics file covers a window (its `timespan`, else the hours of its points) for the deployments it names
(`metrics_coverage`): a load replaces exactly that, never other hours.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow as pa

from ingest.common import SourceFormatError, parse_timestamp
from ingest.http_client import JsonApiClient
from ingest.storage import LandingStore

PROVISIONED_SKUS = frozenset({"ProvisionedManaged", "GlobalProvisionedManaged", "DataZoneProvisionedManaged"})
DEPLOYMENTS_SCHEMA = pa.schema(
    [
        ("deployment", pa.string()),
        ("resource_id", pa.string()),
        ("deployment_type", pa.string()),
        ("capacity", pa.int64()),
        ("is_provisioned", pa.bool_()),
        ("model_format", pa.string()),
        ("model_name", pa.string()),
        ("model_version", pa.string()),
        ("source", pa.string()),
        ("snapshot_at", pa.timestamp("us", tz="UTC")),
    ]
)
# One row per snapshot loaded, deployments or none: an empty snapshot (every deployment deleted) must count too
SNAPSHOTS_SCHEMA = pa.schema(
    [
        ("snapshot_at", pa.timestamp("us", tz="UTC")),
        ("source", pa.string()),
        ("deployments", pa.int64()),
    ]
)
METRICS_SCHEMA = pa.schema(
    [
        ("deployment", pa.string()),
        ("metric", pa.string()),
        ("hour_start", pa.timestamp("us", tz="UTC")),
        ("value", pa.decimal128(38, 9)),
        ("source", pa.string()),
    ]
)


def _json(content: bytes, source: str) -> dict:
    try:
        return json.loads(content, parse_float=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceFormatError(source, f"truncated or malformed JSON: {exc}") from None


def snapshot_at(content: bytes, source: str) -> datetime | None:
    """The snapshot's own time: a top-level `snapshot_at` (ISO 8601, `Z` or an offset; naive = UTC) as recorders
    write it, or None when the file has none (the caller then uses the file's modification time)."""
    document = _json(content, source)
    value = document.get("snapshot_at") if isinstance(document, dict) else None
    if value is None:
        return None
    try:
        return parse_timestamp(value, "snapshot_at").replace(tzinfo=UTC)
    except ValueError as exc:
        raise SourceFormatError(source, str(exc), field="snapshot_at") from None


def parse_deployments(content: bytes, source: str, taken_at: datetime | None = None) -> pa.Table:
    """The deployments of one snapshot; `taken_at` (tz-aware) stamps every row's `snapshot_at`."""
    document = _json(content, source)
    body = document.get("responses", {}).get("200", {}).get("body", document)  # the REST spec example wraps it
    if not isinstance(body.get("value"), list):
        raise SourceFormatError(source, "expected a deployments list with a 'value' array", field="value")
    rows = []
    for index, item in enumerate(body["value"], start=1):
        sku = item.get("sku") or {}
        model = (item.get("properties") or {}).get("model") or {}
        if "name" not in item or "capacity" not in sku:
            raise SourceFormatError(source, "deployment without name or sku.capacity", field=f"value[{index}]")
        rows.append(
            {
                "deployment": item["name"],
                "resource_id": item.get("id"),
                "deployment_type": sku.get("name"),
                "capacity": int(sku["capacity"]),
                "is_provisioned": sku.get("name") in PROVISIONED_SKUS,
                "model_format": model.get("format"),
                "model_name": model.get("name"),
                "model_version": model.get("version"),
                "source": source,
                "snapshot_at": taken_at,
            }
        )
    return pa.Table.from_pylist(rows, schema=DEPLOYMENTS_SCHEMA) if rows else DEPLOYMENTS_SCHEMA.empty_table()


def parse_metrics(content: bytes, source: str) -> pa.Table:
    document = _json(content, source)
    if not isinstance(document.get("value"), list):
        raise SourceFormatError(source, "expected a metrics response with a 'value' array", field="value")
    rows = []
    for metric in document["value"]:
        name = (metric.get("name") or {}).get("value")
        for series in metric.get("timeseries", []):
            deployment = _deployment_of(series)
            for point in series.get("data", []):
                value = point.get("average", point.get("total"))
                if value is None:
                    continue  # no data for that hour: not a zero
                stamp = datetime.fromisoformat(point["timeStamp"].replace("Z", "+00:00")).astimezone(UTC)
                rows.append(
                    {
                        "deployment": deployment,
                        "metric": name,
                        "hour_start": stamp,
                        "value": Decimal(str(value)),
                        "source": source,
                    }
                )
    return pa.Table.from_pylist(rows, schema=METRICS_SCHEMA) if rows else METRICS_SCHEMA.empty_table()


@dataclass(frozen=True)
class MetricsCoverage:
    """What one metrics response speaks for: hours [start, end) of the named deployments (None: all of them,
    as an account-wide live fetch does). `start` is None when the response has neither a timespan nor a point
    (it covers nothing)."""

    start: datetime | None
    end: datetime | None
    deployments: frozenset[str | None] | None


def _deployment_of(series: dict) -> str | None:
    return next(
        (
            m.get("value")
            for m in series.get("metadatavalues", [])
            if (m.get("name") or {}).get("value", "").lower() == "modeldeploymentname"
        ),
        None,
    )


def metrics_coverage(content: bytes, source: str, rows: pa.Table) -> MetricsCoverage:
    """The window the response was fetched for (`timespan` "start/end"), else from its first point's hour to
    one hour after its last; and every deployment with a series in it, with or without points."""
    document = _json(content, source)
    deployments = frozenset(
        _deployment_of(series) for metric in document.get("value", []) for series in metric.get("timeseries", [])
    )
    timespan = document.get("timespan")
    if timespan is not None:
        start_text, separator, end_text = str(timespan).partition("/")
        try:
            if not separator:
                raise ValueError(f"expected 'start/end', got {str(timespan)[:80]!r}")
            start = parse_timestamp(start_text, "timespan start").replace(tzinfo=UTC)
            end = parse_timestamp(end_text, "timespan end").replace(tzinfo=UTC)
        except ValueError as exc:
            raise SourceFormatError(source, f"timespan: {exc}", field="timespan") from None
        if end < start:
            raise SourceFormatError(source, f"timespan ends before it starts: {timespan}", field="timespan")
        return MetricsCoverage(start, end, deployments)
    if rows.num_rows == 0:
        return MetricsCoverage(None, None, deployments)
    hours = rows.column("hour_start").to_pylist()
    return MetricsCoverage(min(hours), max(hours) + timedelta(hours=1), deployments)


METRIC_NAMES = ("AzureOpenAIProvisionedManagedUtilizationV2", "ProcessedPromptTokens", "GeneratedTokens")


def fetch_deployments(client, account_resource_id: str, taken_at: datetime) -> pa.Table:
    """Live: ARM `GET {account}/deployments` (following nextLink) with a JsonApiClient authorised for ARM; one
    snapshot stamped `taken_at` (the time of the request)."""
    tables, path = [], f"{account_resource_id}/deployments"
    params = [("api-version", "2024-10-01")]
    while path:
        page = client.get(path, params)
        tables.append(
            parse_deployments(
                json.dumps(page, default=str).encode(), f"arm:{account_resource_id}/deployments", taken_at
            )
        )
        next_link = page.get("nextLink")
        path, params = (next_link.split(client.base_url.rstrip("/"), 1)[-1], []) if next_link else (None, [])
    return pa.concat_tables(tables) if tables else DEPLOYMENTS_SCHEMA.empty_table()


def fetch_metrics(client, account_resource_id: str, start: datetime, end: datetime) -> pa.Table:
    """Live: Azure Monitor hourly metrics of the account for [start, end), split by deployment."""
    params = [
        ("api-version", "2023-10-01"),
        ("metricnames", ",".join(METRIC_NAMES)),
        ("timespan", f"{start:%Y-%m-%dT%H:%M:%SZ}/{end:%Y-%m-%dT%H:%M:%SZ}"),
        ("interval", "PT1H"),
        ("aggregation", "Average,Total"),
        ("$filter", "ModelDeploymentName eq '*'"),
    ]
    page = client.get(f"{account_resource_id}/providers/Microsoft.Insights/metrics", params)
    return parse_metrics(json.dumps(page, default=str).encode(), f"monitor:{account_resource_id}")


@dataclass(frozen=True)
class DeploymentSnapshot:
    taken_at: datetime
    source: str
    rows: pa.Table


@dataclass(frozen=True)
class MetricsDelivery:
    source: str
    rows: pa.Table
    coverage: MetricsCoverage


def landing_snapshots(store: LandingStore, folder: str) -> list[DeploymentSnapshot]:
    """One snapshot per file, timed by its own `snapshot_at`, else its modification time (S3 LastModified)."""
    snapshots = []
    for key in store.list(folder, pattern="*.json"):
        content, source = store.read_bytes(key), store.describe(key)
        taken_at = snapshot_at(content, source) or store.modified_at(key).replace(tzinfo=UTC)
        snapshots.append(DeploymentSnapshot(taken_at, source, parse_deployments(content, source, taken_at)))
    return snapshots


def landing_metrics(store: LandingStore, folder: str) -> list[MetricsDelivery]:
    """Each file with the window it covers, oldest delivery first so a newer fetch of the same hours wins."""
    deliveries = []
    for key in sorted(store.list(folder, pattern="*.json"), key=lambda k: (store.modified_at(k), k)):
        content, source = store.read_bytes(key), store.describe(key)
        rows = parse_metrics(content, source)
        deliveries.append(MetricsDelivery(source, rows, metrics_coverage(content, source, rows)))
    return deliveries


def api_deliveries(
    client: JsonApiClient, account_resource_id: str, lookback_hours: int, now: datetime | None = None
) -> tuple[list[DeploymentSnapshot], list[MetricsDelivery]]:
    """From the ARM API: one deployments snapshot timed now, and the last `lookback_hours` whole hours of
    metrics. The metrics fetch is account-wide, so it speaks for every deployment in its window."""
    taken_at = now or datetime.now(UTC)
    end = taken_at.replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=lookback_hours)
    account = account_resource_id
    snapshots = [
        DeploymentSnapshot(taken_at, f"arm:{account}/deployments", fetch_deployments(client, account, taken_at))
    ]
    rows = fetch_metrics(client, account, start, end)
    return snapshots, [MetricsDelivery(f"monitor:{account}", rows, MetricsCoverage(start, end, None))]


def landing_deliveries(
    store: LandingStore, folder: str, warn: Callable[[str], object] = lambda message: None
) -> tuple[list[DeploymentSnapshot] | None, list[MetricsDelivery] | None]:
    """From recorded responses in `<folder>/deployments/` and `<folder>/metrics/`; None for a missing
    sub-folder (no delivery: its table is left as it was, and `warn` is told)."""
    deliveries: dict[str, list | None] = {}
    for name, read in (("deployments", landing_snapshots), ("metrics", landing_metrics)):
        path = f"{folder}/{name}"
        if store.exists(path):
            deliveries[name] = read(store, path)
        else:
            deliveries[name] = None
            warn(f"no delivery: {store.describe(path)} does not exist; its table is left as it was")
    return deliveries["deployments"], deliveries["metrics"]
