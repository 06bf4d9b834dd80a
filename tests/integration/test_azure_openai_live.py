"""PTU deployments and metrics from the ARM / Azure Monitor REST API (a local server on 127.0.0.1): the token
comes from the environment, is sent, and never lands in logs; the metrics window is replaced, not appended."""

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import duckdb
import pytest

from pipelines.assets.azure_openai_ptu import AzureOpenAiResource, azure_openai_ptu
from pipelines.resources import LandingResource, RateCardsResource, WarehouseResource

pytestmark = pytest.mark.integration
TOKEN = "arm-token-5f1e2d3c"
ACCOUNT = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/aoai"


class Arm(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        Arm.seen.append((self.path, self.headers.get("Authorization", "")))
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
        if "/deployments" in self.path:
            body = {
                "value": [
                    {
                        "name": "d1",
                        "sku": {"name": "GlobalProvisionedManaged", "capacity": 15},
                        "properties": {"model": {"format": "OpenAI", "name": "gpt-4o", "version": "1"}},
                    }
                ]
            }
        else:
            body = {
                "value": [
                    {
                        "name": {"value": "ProcessedPromptTokens"},
                        "timeseries": [
                            {
                                "metadatavalues": [{"name": {"value": "ModelDeploymentName"}, "value": "d1"}],
                                "data": [{"timeStamp": hour.strftime("%Y-%m-%dT%H:%M:%SZ"), "total": 1234}],
                            }
                        ],
                    }
                ]
            }
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def test_live_ptu_fetch_replaces_the_window(tmp_path, monkeypatch, capfd):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Arm)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("TEST_ARM_TOKEN", TOKEN)
    resources = {
        "landing": LandingResource(location=str(tmp_path / "landing")),
        "warehouse": WarehouseResource(duckdb_path=str(tmp_path / "w.duckdb")),
        "rate_cards": RateCardsResource(),
        "azure_openai": AzureOpenAiResource(
            account_resource_id=ACCOUNT,
            token_env_var="TEST_ARM_TOKEN",
            base_url=f"http://127.0.0.1:{server.server_address[1]}",
        ),
    }
    try:
        for _ in range(2):
            assert dg.materialize([azure_openai_ptu], resources=resources).success
    finally:
        server.shutdown()
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        # each live run is one snapshot, timed when it was taken; both list d1 at 15 PTU
        assert con.execute(
            "select deployment, capacity, count(distinct snapshot_at) from raw_azure_openai.deployments group by all"
        ).fetchall() == [("d1", 15, 2)]
        assert con.execute("select count(*) from raw_azure_openai.deployment_snapshots").fetchone() == (2,)
        assert con.execute("select count(*), sum(value) from raw_azure_openai.metrics").fetchone() == (1, 1234)
    assert all(auth == f"Bearer {TOKEN}" for _, auth in Arm.seen) and len(Arm.seen) == 4
    assert any("timespan=" in path and "interval=PT1H" in path for path, _ in Arm.seen)
    captured = capfd.readouterr()
    assert TOKEN not in captured.out + captured.err
