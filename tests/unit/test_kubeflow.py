"""Kubeflow runs (shared samples, IR accelerator keys, paginated live API) and Kubernetes GPU pods."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from ingest.common import SourceFormatError
from ingest.kubeflow import (
    fetch_runs,
    gpu_hours_by_component,
    gpu_hours_by_run,
    load_documents,
    parse_landing,
    parse_pods,
    parse_runs,
    requested_gpus_by_executor,
)
from ingest.storage import LocalStore


def test_shared_run_samples(samples_root: Path) -> None:
    names = [
        "kfp_v2beta1_run_completed.json",
        "kfp_v2beta1_run_completed_with_spec.json",
        "kfp_v2beta1_run_failed.json",
    ]
    documents = [(name, json.loads((samples_root / "kubeflow" / name).read_text())) for name in names]
    result = parse_runs(documents)
    rows = {row["run_id"]: row for row in result.table.to_pylist()}
    # the two "completed" samples share run_id completed-run-123: one run, the later file wins
    assert set(rows) == {"completed-run-123", "failed-run-456"}
    assert result.input_rows == 2 and result.rejected == []
    completed = rows["completed-run-123"]
    assert completed["state"] == "SUCCEEDED" and completed["created_at"].isoformat() == "2024-01-01T12:00:00"
    assert completed["source_file"] == "kfp_v2beta1_run_completed_with_spec.json"
    assert rows["failed-run-456"]["state"] == "FAILED"
    assert json.loads(parse_runs(documents[:1]).table.column("parameters")[0].as_py()) == {
        "batch_size": 1000,
        "learning_rate": "foo",
    }


def test_ir_accelerator_old_and_new_keys(samples_root) -> None:
    path = samples_root.joinpath("kubeflow", "kfp_ir_nvidia_gpu_scheduling_check.yaml")
    spec, *platform = list(yaml.safe_load_all(path.read_text()))  # the IR, then its platform spec
    assert platform and requested_gpus_by_executor(platform[0]) == {}
    assert requested_gpus_by_executor(spec) == {"exec-verify-gpu-scheduled": {"type": "nvidia.com/gpu", "count": 1}}
    old_only = {
        "deploymentSpec": {
            "executors": {"e": {"container": {"resources": {"accelerator": {"type": "x", "count": "4"}}}}}
        }
    }
    new_only = {
        "deploymentSpec": {
            "executors": {
                "e": {"container": {"resources": {"accelerator": {"resourceType": "y", "resourceCount": "2"}}}}
            }
        }
    }
    assert requested_gpus_by_executor(old_only) == {"e": {"type": "x", "count": 4}}
    assert requested_gpus_by_executor(new_only) == {"e": {"type": "y", "count": 2}}
    with pytest.raises(SourceFormatError, match="whole number of GPUs"):
        bad = {"deploymentSpec": {"executors": {"e": {"container": {"resources": {"accelerator": {"count": "1.5"}}}}}}}
        requested_gpus_by_executor(bad, source="spec.yaml")


def test_zero_finished_at_is_null_and_bad_timestamp_quarantined() -> None:
    page = {
        "runs": [
            {
                "run_id": "r1",
                "state": "RUNNING",
                "created_at": "2026-10-03T10:00:00.123456789Z",
                "finished_at": "1970-01-01T00:00:00Z",
            },
            {"run_id": "r2", "created_at": "yesterday"},
            {"display_name": "no id"},
        ],
        "total_size": 3,
    }
    result = parse_runs([("page.json", page)])
    assert result.table.num_rows == 1 and len(result.rejected) == 2
    result.check_balance()
    row = result.table.to_pylist()[0]
    assert row["finished_at"] is None and row["created_at"].isoformat() == "2026-10-03T10:00:00.123456"
    assert "created_at" in result.rejected[0].reason and result.rejected[0].line == 2


def test_shared_pod_yaml_int_limit(samples_root) -> None:
    path = samples_root.joinpath("k8s", "nvidia_dcgm_exporter_gpu-pod.yaml")
    result = parse_pods([(str(path), doc) for doc in load_documents(str(path), path.read_bytes())])
    (row,) = result.table.to_pylist()
    assert (row["pod_name"], row["gpu_count"], row["started_at"], row["gpu_seconds"]) == ("nbody-pod", 1, None, None)


def _pod(name: str, run_id: str | None, limits: list, *, start: str, end: str | None, init: list | None = None) -> dict:
    state = {"terminated": {"startedAt": start, "finishedAt": end}} if end else {"running": {"startedAt": start}}
    labels = {"pipeline/runid": run_id, "team": "search"} if run_id else {}
    annotations = {"pipelines.kubeflow.org/task_name": "train"} if run_id else {}
    return {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "ml", "labels": labels, "annotations": annotations},
        "spec": {
            "nodeName": "node-1",
            "nodeSelector": {"cloud.google.com/gke-accelerator": "nvidia-tesla-a100"},
            "initContainers": [{"name": "i", "resources": {"limits": {"nvidia.com/gpu": g}}} for g in init or []],
            "containers": [
                {"name": f"c{i}", "resources": {"limits": {"nvidia.com/gpu": g}}} for i, g in enumerate(limits)
            ],
        },
        "status": {
            "phase": "Succeeded" if end else "Running",
            "startTime": start,
            "containerStatuses": [{"state": state}],
        },
    }


def test_pod_list_gpu_hours_per_run_and_component(tmp_path: Path) -> None:
    pods = {
        "kind": "PodList",
        "items": [
            _pod("a", "run-1", ["2", 1], start="2026-10-01T00:00:00Z", end="2026-10-01T01:30:00Z", init=["1"]),
            _pod("b", "run-1", [4], start="2026-10-01T02:00:00+02:00", end="2026-10-01T00:15:00Z"),
            _pod("c", "run-2", ["1"], start="2026-10-02T00:00:00Z", end=None),  # still running
            _pod("d", None, [], start="2026-10-02T00:00:00Z", end="2026-10-02T05:00:00Z"),  # no GPU: not loaded
        ],
    }
    folder = tmp_path / "kubeflow"
    folder.mkdir()
    (folder / "pods.json").write_text(json.dumps(pods))
    (folder / "runs.json").write_text(json.dumps({"runs": [{"run_id": "run-1", "created_at": "2026-10-01T00:00:00Z"}]}))
    (folder / "spec.yaml").write_text("pipelineInfo:\n  name: x\n")
    results = parse_landing(LocalStore(tmp_path), "kubeflow")
    for result in results.values():
        result.check_balance()
    rows = {row["pod_name"]: row for row in results["k8s_pods"].table.to_pylist()}
    assert set(rows) == {"a", "b", "c"}
    assert rows["a"]["gpu_count"] == 4 and rows["a"]["gpu_seconds"] == Decimal(4 * 90 * 60)
    assert rows["b"]["started_at"].isoformat() == "2026-10-01T00:00:00"  # +02:00 normalized to UTC
    assert rows["c"]["finished_at"] is None and rows["c"]["gpu_seconds"] is None
    assert rows["a"]["component"] == "train" and rows["a"]["gpu_type"] == "nvidia-tesla-a100"
    # run-1: 4 GPUs x 1.5 h + 4 GPUs x 0.25 h = 7 GPU-hours, by hand
    assert gpu_hours_by_run(results["k8s_pods"]) == {"run-1": Decimal(7)}
    assert gpu_hours_by_component(results["k8s_pods"]) == {("run-1", "train"): Decimal(7)}
    assert [r.reason for r in results["kfp_runs"].rejected] == [
        "neither KFP runs nor Kubernetes pods (kind None): skipped"
    ]


class _RunsApi(BaseHTTPRequestHandler):
    pages = {
        "": {"runs": [{"run_id": "r1"}, {"run_id": "r2"}], "total_size": 3, "next_page_token": "tok-2"},
        "tok-2": {"runs": [{"run_id": "r3", "finished_at": "2026-10-05T00:00:00Z"}], "total_size": 3},
    }
    seen: list[dict] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        query = parse_qs(urlparse(self.path).query)
        type(self).seen.append({"path": urlparse(self.path).path, **query, "auth": self.headers.get("Authorization")})
        token = query.get("page_token", [""])[0]
        body = json.dumps(self.pages[token]).encode() if token in self.pages else b"{}"
        self.send_response(200 if token in self.pages else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def runs_api() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _RunsApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _RunsApi.seen = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_paginated_fetch_from_local_api(runs_api: str) -> None:
    pages = list(fetch_runs(runs_api, page_size=2, token="secret-token", timeout=5))
    result = parse_runs(pages)
    assert sorted(result.table.column("run_id").to_pylist()) == ["r1", "r2", "r3"]
    assert [call["path"] for call in _RunsApi.seen] == ["/apis/v2beta1/runs"] * 2
    assert _RunsApi.seen[1]["page_token"] == ["tok-2"] and _RunsApi.seen[0]["page_size"] == ["2"]
    assert _RunsApi.seen[0]["auth"] == "Bearer secret-token"


def test_fetch_error_names_the_url(runs_api: str) -> None:
    original = _RunsApi.pages
    _RunsApi.pages = {**original, "": {"runs": [], "next_page_token": "missing"}}
    try:
        with pytest.raises(SourceFormatError, match=r"page_token=missing.*request failed"):
            list(fetch_runs(runs_api, timeout=5))
    finally:
        _RunsApi.pages = original
