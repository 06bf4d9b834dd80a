"""The GCP billing export read from BigQuery through the real google-cloud-bigquery client, against a small
local server on 127.0.0.1 that answers the REST calls a query makes (jobs.insert, jobs.get,
jobs.getQueryResults) with a nested export row (records, repeated credits, NUMERIC money)."""

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ingest.gcp_billing import fetch_export_rows

pytestmark = pytest.mark.integration

SCHEMA = {
    "fields": [
        {"name": "billing_account_id", "type": "STRING"},
        {"name": "service", "type": "RECORD", "fields": [{"name": "description", "type": "STRING"}]},
        {"name": "usage_start_time", "type": "TIMESTAMP"},
        {"name": "cost", "type": "NUMERIC"},
        {
            "name": "credits",
            "type": "RECORD",
            "mode": "REPEATED",
            "fields": [{"name": "amount", "type": "NUMERIC"}, {"name": "type", "type": "STRING"}],
        },
        {"name": "invoice", "type": "RECORD", "fields": [{"name": "month", "type": "STRING"}]},
        {
            "name": "labels",
            "type": "RECORD",
            "mode": "REPEATED",
            "fields": [{"name": "key", "type": "STRING"}, {"name": "value", "type": "STRING"}],
        },
    ]
}
ROWS = [
    {
        "f": [
            {"v": "01A-02B"},
            {"v": {"f": [{"v": "Vertex AI"}]}},
            {"v": "1791072000000000"},
            {"v": "12.345678901"},
            {"v": [{"v": {"f": [{"v": "-2.345678901"}, {"v": "COMMITTED_USAGE_DISCOUNT"}]}}]},
            {"v": {"f": [{"v": "202610"}]}},
            {"v": [{"v": {"f": [{"v": "team"}, {"v": "platform"}]}}]},
        ]
    },
    {
        "f": [
            {"v": "01A-02B"},
            {"v": {"f": [{"v": "BigQuery"}]}},
            {"v": "1791075600000000"},
            {"v": "0.5"},
            {"v": []},
            {"v": {"f": [{"v": "202610"}]}},
            {"v": []},
        ]
    },
]


class FakeBigQuery(BaseHTTPRequestHandler):
    requests_seen: list[str] = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _job(self, job_id: str) -> dict:
        return {
            "kind": "bigquery#job",
            "id": f"proj:US.{job_id}",
            "jobReference": {"projectId": "proj", "jobId": job_id, "location": "US"},
            "configuration": {"query": {"query": "select 1"}},
            "status": {"state": "DONE"},
            "statistics": {"query": {"totalBytesProcessed": "0"}},
        }

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        request = json.loads(self.rfile.read(length) or b"{}")
        FakeBigQuery.requests_seen.append(json.dumps(request))
        job_id = request.get("jobReference", {}).get("jobId", "job-1")
        self._send(self._job(job_id))

    def do_GET(self):  # noqa: N802
        job_id = self.path.split("?")[0].rstrip("/").split("/")[-1]
        if "/queries/" in self.path:
            self._send(
                {
                    "kind": "bigquery#getQueryResultsResponse",
                    "jobComplete": True,
                    "schema": SCHEMA,
                    "jobReference": {"projectId": "proj", "jobId": job_id, "location": "US"},
                    "totalRows": str(len(ROWS)),
                    "rows": ROWS,
                }
            )
        else:
            self._send(self._job(job_id))


@pytest.fixture
def bigquery_endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeBigQuery)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_export_rows_from_bigquery_are_parsed_exactly(bigquery_endpoint):
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    client = bigquery.Client(
        project="proj", credentials=AnonymousCredentials(), client_options=ClientOptions(api_endpoint=bigquery_endpoint)
    )
    result = fetch_export_rows(client, "proj.billing.gcp_billing_export_v1_01A02B", ["202609", "202610"])
    rows = result.table.to_pylist()
    assert result.rejected == [] and len(rows) == 2
    assert rows[0]["billed_cost"] == Decimal("10.000000000")  # 12.345678901 - 2.345678901, exact
    assert rows[0]["list_cost"] == Decimal("12.345678901")
    assert (rows[0]["team"], rows[0]["invoice_month"]) == ("platform", "2026-10")
    assert sum(row["billed_cost"] for row in rows) == Decimal("10.5")
    # the query asked for the invoice months, as a parameter (never string-formatted into SQL)
    sent = "".join(FakeBigQuery.requests_seen)
    assert "invoice_months" in sent and "202609" in sent and "gcp_billing_export_v1_01A02B" in sent
