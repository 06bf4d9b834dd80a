"""Provider clients against a local HTTP server on 127.0.0.1 serving recorded pages with faults: 429 with
Retry-After, 500, a slow response beyond the timeout, a truncated page, empty buckets. The whole asset runs
in a Dagster instance on disk; afterwards no log line and no file of run storage contains the API key."""

import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.assets.llm_providers import LlmProviderApiResource, llm_provider_reports
from pipelines.resources import LandingResource, WarehouseResource

pytestmark = pytest.mark.integration

OPENAI_KEY = "sk-admin-test-7f3a9c1e5b"
ANTHROPIC_KEY = "sk-ant-admin-test-2d8e4f6a"
DAY_START = 1791072000  # 2026-10-04T00:00:00Z
PARTITION = "2026-10-04"


def _openai_usage(page: int) -> dict:
    results = [
        {
            "object": "organization.usage.completions.result",
            "input_tokens": 1000 * page,
            "input_cached_tokens": 100,
            "output_tokens": 50,
            "num_model_requests": 3,
            "model": "gpt-4o-mini",
            "project_id": f"proj_{page}",
            "batch": False,
            "service_tier": "default",
            "new_field": page,
        }
    ]
    return {
        "object": "page",
        "data": [{"object": "bucket", "start_time": DAY_START, "end_time": DAY_START + 86400, "results": results}],
        "has_more": page == 1,
        "next_page": "cursor_2" if page == 1 else None,
    }


OPENAI_COSTS = {
    "object": "page",
    "data": [
        {
            "object": "bucket",
            "start_time": DAY_START,
            "end_time": DAY_START + 86400,
            "results": [
                {
                    "object": "organization.costs.result",
                    "amount": {"value": 0.42, "currency": "usd"},
                    "line_item": "gpt-4o-mini, input",
                    "project_id": "proj_1",
                }
            ],
        }
    ],
    "has_more": False,
    "next_page": None,
}
ANTHROPIC_USAGE = {
    "data": [
        {
            "starting_at": "2026-10-04T00:00:00Z",
            "ending_at": "2026-10-05T00:00:00Z",
            "results": [
                {
                    "uncached_input_tokens": 70,
                    "cache_read_input_tokens": 30,
                    "cache_creation": {"ephemeral_5m_input_tokens": 5},
                    "output_tokens": 20,
                    "model": "claude-haiku-4-5-20251001",
                    "workspace_id": None,
                    "service_tier": "standard",
                }
            ],
        },
        {"starting_at": "2026-10-05T00:00:00Z", "ending_at": "2026-10-06T00:00:00Z", "results": []},
    ],
    "has_more": False,
    "next_page": None,
}
ANTHROPIC_COSTS = {
    "data": [
        {
            "starting_at": "2026-10-04T00:00:00Z",
            "ending_at": "2026-10-05T00:00:00Z",
            "results": [
                {"currency": "USD", "amount": "12.5", "model": "claude-haiku-4-5-20251001", "cost_type": "tokens"}
            ],
        }
    ],
    "has_more": False,
    "next_page": None,
}


class Faults:
    """What the server does next, per path; consumed one by one."""

    plan: dict[str, list[str]] = {}
    seen: list[tuple[str, str]] = []


class ProviderServer(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _json(self, payload, status=200, headers=None, raw: bytes | None = None):
        body = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802
        path, _, query = self.path.partition("?")
        Faults.seen.append((path, self.headers.get("Authorization") or self.headers.get("x-api-key") or ""))
        fault = Faults.plan.get(path, []).pop(0) if Faults.plan.get(path) else None
        if fault == "429":
            return self._json({"error": "rate limited"}, 429, {"Retry-After": "0"})
        if fault == "500":
            return self._json({"error": "boom"}, 500)
        if fault == "slow":  # beyond the client's timeout: it has hung up, so no answer (one would hit a closed socket)
            time.sleep(1.5)
            return None
        if path.endswith("/usage/completions"):
            payload = _openai_usage(2 if "page=cursor_2" in query else 1)
        elif path.endswith("/costs"):
            payload = OPENAI_COSTS
        elif path.endswith("/usage_report/messages"):
            payload = ANTHROPIC_USAGE
        else:
            payload = ANTHROPIC_COSTS
        if fault == "truncated":
            return self._json(None, raw=json.dumps(payload).encode()[:40])
        return self._json(payload)


@pytest.fixture
def provider_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ProviderServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Faults.plan, Faults.seen = {}, []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _materialize(tmp_path: Path, base_url: str, instance: dg.DagsterInstance, anthropic_url: str | None = None):
    return dg.materialize(
        [llm_provider_reports],
        partition_key=PARTITION,
        instance=instance,
        raise_on_error=False,
        resources={
            "landing": LandingResource(location=str(tmp_path / "landing")),
            "warehouse": WarehouseResource(duckdb_path=str(tmp_path / "w.duckdb")),
            "openai_api": LlmProviderApiResource(
                provider="openai",
                base_url=base_url,
                api_key_env_var="TEST_OPENAI_KEY",
                timeout_seconds=0.5,
                max_attempts=4,
            ),
            "anthropic_api": LlmProviderApiResource(
                provider="anthropic",
                base_url=anthropic_url or base_url,
                api_key_env_var="TEST_ANTHROPIC_KEY",
                timeout_seconds=0.5,
                max_attempts=4,
            ),
        },
    )


def _landed(tmp_path: Path) -> tuple:
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        usage = con.execute(
            "select provider, count(*), sum(input_uncached_tokens), sum(output_tokens)"
            " from raw_llm_providers.usage group by 1 order by 1"
        ).fetchall()
        costs = con.execute(
            "select provider, sum(amount_usd) from raw_llm_providers.costs group by 1 order by 1"
        ).fetchall()
    return usage, costs


EXPECTED = (
    [("anthropic", 1, 70, 20), ("openai", 2, 900 + 1900, 100)],  # two OpenAI pages: 1000-100 and 2000-100 uncached
    [("anthropic", Decimal("0.125")), ("openai", Decimal("0.42"))],  # Anthropic's 12.5 cents
)


def _checks(result) -> list:
    return [
        event.event_specific_data for event in result.all_events if event.event_type_value == "ASSET_CHECK_EVALUATION"
    ]


def test_one_unreachable_provider_keeps_its_rows_and_does_not_stop_the_other(tmp_path, provider_server, monkeypatch):
    monkeypatch.setenv("TEST_OPENAI_KEY", OPENAI_KEY)
    monkeypatch.setenv("TEST_ANTHROPIC_KEY", ANTHROPIC_KEY)
    with dg.instance_for_test() as instance:
        assert _materialize(tmp_path, provider_server, instance).success
        assert _landed(tmp_path) == EXPECTED
        # OpenAI changes its numbers; Anthropic's API is unreachable (nothing listens on that port)
        with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
            con.execute("update raw_llm_providers.usage set output_tokens = 0 where provider = 'openai'")
        result = _materialize(tmp_path, provider_server, instance, anthropic_url="http://127.0.0.1:9")
    assert result.success  # the step succeeds: downstream assets are not skipped
    (check,) = _checks(result)
    assert check.check_name == "every_provider_fetched" and not check.passed
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert set(check.metadata) == {"anthropic failed"}
    assert "127.0.0.1:9" in check.metadata["anthropic failed"].value
    assert _landed(tmp_path) == EXPECTED  # OpenAI re-landed (output back to 100), Anthropic's rows kept


def test_faults_retries_cursor_and_no_key_in_logs_or_storage(tmp_path, provider_server, monkeypatch, capfd, caplog):
    monkeypatch.setenv("TEST_OPENAI_KEY", OPENAI_KEY)
    monkeypatch.setenv("TEST_ANTHROPIC_KEY", ANTHROPIC_KEY)
    storage = tmp_path / "dagster_home"
    storage.mkdir()
    with dg.instance_for_test(temp_dir=str(storage)) as instance:
        assert _materialize(tmp_path, provider_server, instance).success
        assert _landed(tmp_path) == EXPECTED

        # a truncated page fails Anthropic's part (its check fails, naming the provider); what was landed
        # before stays exactly as it was, and the step itself succeeds so the marts downstream still build
        Faults.plan = {"/v1/organizations/usage_report/messages": ["truncated"] * 4}
        result = _materialize(tmp_path, provider_server, instance)
        assert result.success
        (check,) = _checks(result)
        assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
        assert "truncated or malformed JSON page" in check.metadata["anthropic failed"].value
        assert _landed(tmp_path) == EXPECTED

        # 429 with Retry-After, a 500 on the second page (the same cursor is asked again), a slow costs call:
        # all retried; the re-run replaces the window, so nothing doubles
        Faults.plan = {"/v1/organization/usage/completions": ["429", "none", "500"], "/v1/organization/costs": ["slow"]}
        Faults.seen = []
        assert _materialize(tmp_path, provider_server, instance).success
        assert _landed(tmp_path) == EXPECTED
        completions = [path for path, _ in Faults.seen if path.endswith("/usage/completions")]
        assert len(completions) == 4  # 429, page 1, 500 on cursor_2, cursor_2 again
        assert ("/v1/organization/usage/completions", f"Bearer {OPENAI_KEY}") in Faults.seen  # the key was sent

    captured = capfd.readouterr()
    logs = captured.out + captured.err + caplog.text
    stored = b"".join(p.read_bytes() for p in storage.rglob("*") if p.is_file())
    for key in (OPENAI_KEY, ANTHROPIC_KEY):
        assert key not in logs
        assert key.encode() not in stored
    assert stored  # run storage was really written


def test_late_cost_revision_within_the_lookback_is_re_pulled(tmp_path, provider_server, monkeypatch):
    """The 2026-10-06 night re-pulls the last 3 days of usage and the open month of cost: a cost the provider
    revised for 2026-10-04 after it was first loaded replaces the old amount (never adds to it)."""
    monkeypatch.setenv("TEST_OPENAI_KEY", OPENAI_KEY)
    monkeypatch.setenv("TEST_ANTHROPIC_KEY", ANTHROPIC_KEY)
    with dg.instance_for_test() as instance:
        assert _materialize(tmp_path, provider_server, instance).success
        assert _landed(tmp_path)[1] == EXPECTED[1]
        revised = json.loads(json.dumps(OPENAI_COSTS))
        revised["data"][0]["results"][0]["amount"]["value"] = 0.47
        monkeypatch.setitem(OPENAI_COSTS, "data", revised["data"])
        result = dg.materialize(
            [llm_provider_reports],
            partition_key="2026-10-06",
            instance=instance,
            resources={
                "landing": LandingResource(location=str(tmp_path / "landing")),
                "warehouse": WarehouseResource(duckdb_path=str(tmp_path / "w.duckdb")),
                "openai_api": LlmProviderApiResource(
                    provider="openai", base_url=provider_server, api_key_env_var="TEST_OPENAI_KEY"
                ),
                "anthropic_api": LlmProviderApiResource(
                    provider="anthropic", base_url=provider_server, api_key_env_var="TEST_ANTHROPIC_KEY"
                ),
            },
        )
    assert result.success
    assert _landed(tmp_path)[1] == [("anthropic", Decimal("0.125")), ("openai", Decimal("0.47"))]


def test_lookback_windows():
    from datetime import UTC, datetime

    from ingest.provider_api import lookback_windows

    start, end = datetime(2026, 10, 6, tzinfo=UTC), datetime(2026, 10, 7, tzinfo=UTC)
    assert lookback_windows(start, end, 3, True) == (
        datetime(2026, 10, 4, tzinfo=UTC),
        datetime(2026, 10, 1, tzinfo=UTC),
    )
    assert lookback_windows(start, end, 3, False) == (datetime(2026, 10, 4, tzinfo=UTC),) * 2
    # a long backfill is never shortened
    early = datetime(2026, 9, 1, tzinfo=UTC)
    assert lookback_windows(early, end, 3, True) == (early, early)
