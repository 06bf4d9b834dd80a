"""Azure OpenAI PTU parsers: the shared ARM ListDeployments sample, PTU skus, and metrics where a missing
point stays missing (no data is not 0%)."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ingest.azure_openai_ptu import metrics_coverage, parse_deployments, parse_metrics, snapshot_at
from ingest.common import SourceFormatError


def test_shared_list_deployments_sample(samples_root) -> None:
    path = samples_root.joinpath("azure", "azure-rest-api-specs_cognitiveservices_2024-10-01_ListDeployments.json")
    table = parse_deployments(path.read_bytes(), path.name)
    rows = table.to_pylist()
    assert len(rows) == 1
    row = rows[0]
    assert row["deployment"] == "deploymentName"
    assert (row["deployment_type"], row["capacity"], row["is_provisioned"]) == ("Standard", 1, False)
    assert (row["model_format"], row["model_name"], row["model_version"]) == ("OpenAI", "ada", "1")
    assert row["resource_id"].endswith("/accounts/accountName/deployments/deploymentName")


def test_provisioned_skus_capacity_is_ptus() -> None:
    body = {
        "value": [
            {
                "name": name,
                "sku": {"name": sku, "capacity": capacity},
                "properties": {"model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-08-06"}},
            }
            for name, sku, capacity in [
                ("a", "ProvisionedManaged", 100),
                ("b", "GlobalProvisionedManaged", 15),
                ("c", "DataZoneProvisionedManaged", 25),
                ("d", "GlobalStandard", 450),
            ]
        ]
    }
    rows = parse_deployments(json.dumps(body).encode(), "list.json").to_pylist()
    provisioned = {r["deployment"]: r["capacity"] for r in rows if r["is_provisioned"]}
    assert provisioned == {"a": 100, "b": 15, "c": 25}
    assert sum(provisioned.values()) == 140


def _point(stamp: str, average: object = None) -> dict:
    return {"timeStamp": stamp} if average is None else {"timeStamp": stamp, "average": average}


METRICS = b"""{
  "cost": 0, "timespan": "2026-10-01T00:00:00Z/2026-10-01T04:00:00Z", "interval": "PT1H",
  "value": [{
    "name": {"value": "AzureOpenAIProvisionedManagedUtilizationV2", "localizedValue": "Provisioned-managed Utilization V2"},
    "unit": "Percent",
    "timeseries": [{
      "metadatavalues": [{"name": {"value": "modeldeploymentname"}, "value": "support-gpt4o-ptu"}],
      "data": [
        {"timeStamp": "2026-10-01T00:00:00Z", "average": 12.5},
        {"timeStamp": "2026-10-01T01:00:00Z"},
        {"timeStamp": "2026-10-01T02:00:00Z", "average": 0},
        {"timeStamp": "2026-10-01T03:00:00Z", "average": 87.25}
      ]
    }]
  }]
}"""


def test_metrics_missing_point_is_no_data_not_zero() -> None:
    rows = parse_metrics(METRICS, "metrics.json").to_pylist()
    by_hour = {r["hour_start"]: r["value"] for r in rows}
    assert len(rows) == 3  # the 01:00 point carries no value: no row, not a 0% row
    assert datetime(2026, 10, 1, 1, tzinfo=UTC) not in by_hour
    assert by_hour[datetime(2026, 10, 1, 2, tzinfo=UTC)] == Decimal("0")  # a real zero stays a zero
    assert sum(by_hour.values()) == Decimal("99.75")  # 12.5 + 0 + 87.25, exact
    assert {r["deployment"] for r in rows} == {"support-gpt4o-ptu"}
    assert {r["metric"] for r in rows} == {"AzureOpenAIProvisionedManagedUtilizationV2"}


def test_truncated_metrics_names_the_file() -> None:
    with pytest.raises(SourceFormatError, match="metrics-broken.json"):
        parse_metrics(METRICS[:200], "metrics-broken.json")


def test_deployment_without_capacity_names_the_entry() -> None:
    body = json.dumps({"value": [{"name": "x", "sku": {"name": "ProvisionedManaged"}}]}).encode()
    with pytest.raises(SourceFormatError, match=r"value\[1\]"):
        parse_deployments(body, "deployments.json")


def test_snapshot_time_from_the_file_or_none() -> None:
    stamped = b'{"snapshot_at": "2026-11-01T02:00:00+02:00", "value": []}'
    assert snapshot_at(stamped, "d.json") == datetime(2026, 11, 1, 0, tzinfo=UTC)  # the offset is honoured
    assert snapshot_at(b'{"value": []}', "d.json") is None  # caller falls back to the modification time
    with pytest.raises(SourceFormatError, match=r"d\.json, field 'snapshot_at': snapshot_at is not an ISO 8601"):
        snapshot_at(b'{"snapshot_at": "yesterday", "value": []}', "d.json")
    rows = parse_deployments(
        b'{"value": [{"name": "a", "sku": {"name": "ProvisionedManaged", "capacity": 5}}]}',
        "d.json",
        datetime(2026, 11, 1, tzinfo=UTC),
    ).to_pylist()
    assert [(r["deployment"], r["capacity"], r["snapshot_at"]) for r in rows] == [
        ("a", 5, datetime(2026, 11, 1, tzinfo=UTC))
    ]


def test_metrics_coverage_is_the_timespan_else_the_hours_of_its_points() -> None:
    rows = parse_metrics(METRICS, "m.json")
    coverage = metrics_coverage(METRICS, "m.json", rows)
    # the fetched window, not the hours that happened to carry a value (01:00 has none)
    assert (coverage.start, coverage.end) == (
        datetime(2026, 10, 1, 0, tzinfo=UTC),
        datetime(2026, 10, 1, 4, tzinfo=UTC),
    )
    assert coverage.deployments == {"support-gpt4o-ptu"}
    without_timespan = METRICS.replace(b'"timespan": "2026-10-01T00:00:00Z/2026-10-01T04:00:00Z", ', b"")
    coverage = metrics_coverage(without_timespan, "m.json", parse_metrics(without_timespan, "m.json"))
    # first point 00:00, last point 03:00: the window ends one hour after the last point
    assert (coverage.start, coverage.end) == (
        datetime(2026, 10, 1, 0, tzinfo=UTC),
        datetime(2026, 10, 1, 4, tzinfo=UTC),
    )
    empty = b'{"value": [{"name": {"value": "GeneratedTokens"}, "timeseries": []}]}'
    assert metrics_coverage(empty, "m.json", parse_metrics(empty, "m.json")).start is None
    broken = METRICS.replace(b"2026-10-01T00:00:00Z/2026-10-01T04:00:00Z", b"PT4H")
    with pytest.raises(SourceFormatError, match=r"m\.json, field 'timespan': timespan: expected 'start/end'"):
        metrics_coverage(broken, "m.json", rows)
