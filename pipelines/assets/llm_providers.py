"""LLM provider usage and cost reports (OpenAI, Anthropic), daily partitioned.

Each run fetches only the partition window: from the provider API when the provider's admin key is in the
environment, otherwise from recorded pages in the landing folder (`landing/openai/usage_completions/*.json`,
`landing/openai/costs/*.json`, `landing/anthropic/usage_messages/*.json`, `landing/anthropic/cost_report/*.json`),
so the pipeline runs offline. The window's rows are replaced atomically: no duplicates after a retry or a
re-run, and a failed or truncated page fails the partition before anything is replaced.

Keys: the resource holds only the NAME of the environment variable and reads it when the run needs it, so
the key never enters run config, run storage or logs (the HTTP client redacts it from every message).
"""

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg

from ingest.http_client import JsonApiClient
from ingest.provider_usage import (
    anthropic_cost_rows,
    anthropic_usage_rows,
    cost_table,
    fetch_pages,
    load_page,
    openai_cost_rows,
    openai_usage_rows,
    usage_table,
)
from pipelines.partitions import daily_partitions, single_run_backfill
from pipelines.resources import LandingResource, WarehouseResource
from pipelines.settings import DEFAULT_BASE_URLS, ApiSource, Settings
from warehouse.duckdb_store import ensure_table, replace_slice, transaction

USAGE = dg.AssetKey(["llm_providers", "usage"])
COSTS = dg.AssetKey(["llm_providers", "costs"])


class LlmProviderApiResource(dg.ConfigurableResource):
    """Where a provider's reports come from. `api_key_env_var` names the environment variable holding the
    admin key (read at run time, never stored); without it the recorded pages in the landing folder are read.
    Empty `base_url` / `api_key_env_var` = `[sources.<provider>]` in finops.toml, else the provider's defaults."""

    provider: str
    base_url: str = ""
    api_key_env_var: str = ""
    config_file: str = ""  # finops.toml to fall back on (empty: FINOPS_CONFIG or ./finops.toml)
    timeout_seconds: float = 30.0
    max_attempts: int = 5
    # Providers revise recent days: from the API, each run re-pulls the last `lookback_days` days of usage and
    # cost, and the whole open month of cost (`reread_open_month_costs`), replacing what it re-pulled.
    lookback_days: int = 3
    reread_open_month_costs: bool = True

    def _configured(self) -> ApiSource:
        settings = Settings.resolve(config_file=self.config_file or None)
        return settings.openai if self.provider == "openai" else settings.anthropic

    def key_env(self) -> str:
        """The NAME of the variable holding the admin key."""
        return self.api_key_env_var or self._configured().key_env

    def api_base_url(self) -> str:
        return self.base_url or self._configured().base_url or DEFAULT_BASE_URLS[self.provider]

    def client(self) -> JsonApiClient | None:
        key = os.environ.get(self.key_env())  # the secret, read when the run needs it, never stored
        if not key:
            return None
        if self.provider == "anthropic":
            headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}
        else:
            headers = {"Authorization": f"Bearer {key}"}
        return JsonApiClient(
            self.api_base_url(), headers=headers, timeout_seconds=self.timeout_seconds, max_attempts=self.max_attempts
        )


def lookback_windows(
    start: datetime, end: datetime, lookback_days: int, reread_open_month_costs: bool
) -> tuple[datetime, datetime]:
    """(usage start, cost start) of a run over [start, end): never later than `start`; usage goes back
    `lookback_days` before `end`, cost also to the first day of the month of the run's last day."""
    usage_start = min(start, end - timedelta(days=lookback_days))
    cost_start = usage_start
    if reread_open_month_costs:
        month_start = (end - timedelta(days=1)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        cost_start = min(cost_start, month_start)
    return usage_start, cost_start


def _in_window(rows: list[dict], start: datetime, end: datetime) -> list[dict]:
    return [row for row in rows if start <= row["bucket_start"] < end]


def _landing_rows(store, folder: str, parse, start: datetime, end: datetime) -> list[dict]:
    rows: list[dict] = []
    for key in store.list(folder, pattern="*.json"):
        rows.extend(parse(load_page(store.read_bytes(key), store.describe(key)), store.describe(key)))
    return _in_window(rows, start, end)


def fetch_openai(client: JsonApiClient, start: datetime, end: datetime) -> tuple[list[dict], list[dict]]:
    window = [
        ("start_time", str(int(start.timestamp()))),
        ("end_time", str(int(end.timestamp()))),
        ("bucket_width", "1d"),
        ("limit", "31"),
    ]
    usage_params = window + [("group_by[]", g) for g in ("model", "project_id", "api_key_id", "batch", "service_tier")]
    usage = [
        row
        for page in fetch_pages(client, "/v1/organization/usage/completions", usage_params)
        for row in openai_usage_rows(page, "openai:/v1/organization/usage/completions")
    ]
    cost_params = window + [("group_by[]", "line_item"), ("group_by[]", "project_id")]
    costs = [
        row
        for page in fetch_pages(client, "/v1/organization/costs", cost_params)
        for row in openai_cost_rows(page, "openai:/v1/organization/costs")
    ]
    return usage, costs


def fetch_anthropic(client: JsonApiClient, start: datetime, end: datetime) -> tuple[list[dict], list[dict]]:
    window = [
        ("starting_at", start.strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("ending_at", end.strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("bucket_width", "1d"),
        ("limit", "31"),
    ]
    usage_params = window + [("group_by[]", g) for g in ("model", "workspace_id", "api_key_id", "service_tier")]
    usage = [
        row
        for page in fetch_pages(client, "/v1/organizations/usage_report/messages", usage_params)
        for row in anthropic_usage_rows(page, "anthropic:/v1/organizations/usage_report/messages")
    ]
    cost_params = window + [("group_by[]", "workspace_id"), ("group_by[]", "description")]
    costs = [
        row
        for page in fetch_pages(client, "/v1/organizations/cost_report", cost_params)
        for row in anthropic_cost_rows(page, "anthropic:/v1/organizations/cost_report")
    ]
    return usage, costs


_LANDING = {
    "openai": (("usage_completions", openai_usage_rows), ("costs", openai_cost_rows), fetch_openai),
    "anthropic": (("usage_messages", anthropic_usage_rows), ("cost_report", anthropic_cost_rows), fetch_anthropic),
}


@dataclass(frozen=True)
class ProviderReports:
    usage: list[dict]
    costs: list[dict]
    origin: str
    usage_start: datetime  # each list holds exactly its window: [start, end)
    cost_start: datetime


def collect_provider_reports(
    provider: LlmProviderApiResource, landing: LandingResource, start: datetime, end: datetime
) -> ProviderReports | None:
    """One provider's usage and cost rows for a run over [start, end); None when there is no key and no
    landing folder for the provider (no delivery: its rows are left as they were). From the API the windows
    reach back by the provider's lookback; recorded pages in the landing folder are read for the run's window."""
    (usage_folder, parse_usage), (cost_folder, parse_costs), fetch = _LANDING[provider.provider]
    client = provider.client()
    if client is not None:
        usage_start, cost_start = lookback_windows(start, end, provider.lookback_days, provider.reread_open_month_costs)
        usage, costs = fetch(client, min(usage_start, cost_start), end)
        return ProviderReports(
            _in_window(usage, usage_start, end), _in_window(costs, cost_start, end), "api", usage_start, cost_start
        )
    store = landing.store()
    if not store.exists(provider.provider):
        return None
    usage = _landing_rows(store, f"{provider.provider}/{usage_folder}", parse_usage, start, end)
    costs = _landing_rows(store, f"{provider.provider}/{cost_folder}", parse_costs, start, end)
    return ProviderReports(usage, costs, "landing", start, start)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            USAGE, group_name="llm_providers", description="Provider-reported token usage (OpenAI, Anthropic)."
        ),
        dg.AssetSpec(COSTS, group_name="llm_providers", description="Provider-reported cost (OpenAI, Anthropic), USD."),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "every_provider_fetched",
            asset=USAGE,
            description="each provider's reports for the window were read; a failed provider keeps its previous rows",
        )
    ],
    partitions_def=daily_partitions,
    backfill_policy=single_run_backfill,
)
def llm_provider_reports(
    context: dg.AssetExecutionContext,
    landing: LandingResource,
    warehouse: WarehouseResource,
    openai_api: LlmProviderApiResource,
    anthropic_api: LlmProviderApiResource,
):
    """One provider's failure (API unreachable, a truncated page) replaces nothing of that provider and fails
    this asset's check, but the step succeeds: the other provider lands, and the marts downstream still build
    (a failed step would skip every dbt asset after it)."""
    window = context.partition_time_window
    start, end = window.start, window.end
    fetched: dict[str, ProviderReports] = {}
    sources, failures = {}, {}
    for provider in (openai_api, anthropic_api):
        try:
            collected = collect_provider_reports(provider, landing, start, end)
        except Exception as exc:  # noqa: BLE001 - any failure of one provider must not sink the other
            failures[provider.provider] = f"{type(exc).__name__}: {exc}".splitlines()[0]
            context.log.error(
                f"{provider.provider} reports not loaded, previous rows kept: {failures[provider.provider]}"
            )
            continue
        if collected is None:
            sources[provider.provider] = f"no delivery: no key and no landing/{provider.provider}/ folder"
            context.log.warning(f"{provider.provider}: {sources[provider.provider]}; its rows are left as they were")
            continue
        fetched[provider.provider] = collected
        sources[provider.provider] = (
            f"{collected.origin}: {len(collected.usage)} usage rows from {collected.usage_start:%Y-%m-%d},"
            f" {len(collected.costs)} cost rows from {collected.cost_start:%Y-%m-%d}"
        )
    # only the providers that delivered lose their window's rows, each slice replaced on its own, in one transaction
    where = "provider = ? and bucket_start >= ? and bucket_start < ?"
    with warehouse.connect() as con, transaction(con):
        # the tables exist even when no provider delivered, so the staging views downstream still build
        ensure_table(con, "raw_llm_providers.usage", usage_table([]).schema)
        ensure_table(con, "raw_llm_providers.costs", cost_table([]).schema)
        for name, reports in fetched.items():
            replace_slice(
                con, "raw_llm_providers.usage", usage_table(reports.usage), where, [name, reports.usage_start, end]
            )
            replace_slice(
                con, "raw_llm_providers.costs", cost_table(reports.costs), where, [name, reports.cost_start, end]
            )
    usage_rows = sum(len(reports.usage) for reports in fetched.values())
    cost_rows = sum(len(reports.costs) for reports in fetched.values())
    yield dg.MaterializeResult(asset_key=USAGE, metadata={"rows": usage_rows, **sources})
    yield dg.MaterializeResult(asset_key=COSTS, metadata={"rows": cost_rows})
    yield dg.AssetCheckResult(
        asset_key=USAGE,
        check_name="every_provider_fetched",
        passed=not failures,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={f"{name} failed": message for name, message in failures.items()},
    )


def provider_resources() -> dict[str, LlmProviderApiResource]:
    """Key variable names and URLs come from the settings when a run starts ([sources.openai] etc.)."""
    return {
        "openai_api": LlmProviderApiResource(provider="openai"),
        "anthropic_api": LlmProviderApiResource(provider="anthropic"),
    }


BEDROCK = dg.AssetKey(["llm_providers", "bedrock_invocations"])


@dg.asset(
    key=BEDROCK,
    group_name="llm_providers",
    partitions_def=daily_partitions,
    backfill_policy=single_run_backfill,
    check_specs=[
        dg.AssetCheckSpec(
            "row_balance",
            asset=BEDROCK,
            blocking=True,
            description="invocation lines = loaded + quarantined for the window",
        )
    ],
    description="Amazon Bedrock model invocation logs from landing/bedrock/ (folder or S3), one row per invocation.",
)
def bedrock_invocations(context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource):
    """Every log object under landing/bedrock/ is read and loaded by its invocations' own dates: each UTC day
    found in the objects is replaced (as is every day of the run's window), so logs of days outside the
    window load instead of being dropped. Audit and quarantine per object. A missing bedrock/ folder is no
    delivery: nothing is replaced."""
    import json
    from datetime import timedelta

    import pyarrow as pa
    import pyarrow.compute as pc

    from ingest.bedrock_logs import parse_invocation_log
    from ingest.provider_usage import USAGE_SCHEMA
    from warehouse.duckdb_store import ensure_table, load_balance, record_load, replace_quarantine

    table_name = "raw_llm_providers.bedrock_invocations"
    window = context.partition_time_window
    store = landing.store()
    if not store.exists("bedrock"):
        message = f"no delivery: {store.describe('bedrock')} does not exist; {table_name} left as it was"
        context.log.warning(message)
        with warehouse.connect() as con:
            ensure_table(con, table_name, USAGE_SCHEMA)
        return dg.MaterializeResult(
            metadata={"delivery": message},
            check_results=[dg.AssetCheckResult(check_name="row_balance", passed=True, metadata={"delivery": "none"})],
        )
    profiles_keys = store.list("bedrock", pattern="application_profiles.json")
    profiles = json.loads(store.read_bytes(profiles_keys[0])) if profiles_keys else {}
    parsed = []
    for key in store.list("bedrock"):
        if not key.endswith((".json.gz", ".jsonl", ".jsonl.gz")) and not (key.endswith(".json") and "AWSLogs" in key):
            continue
        parsed.append((key, parse_invocation_log(store.read_bytes(key), store.describe(key), profiles)))
    loaded = pa.concat_tables([result.table for _, result in parsed]) if parsed else USAGE_SCHEMA.empty_table()
    start_day, end_day = window.start.date(), window.end.date()
    window_days = {start_day + timedelta(days=n) for n in range((end_day - start_day).days)}
    found_days = {stamp.date() for stamp in pc.unique(loaded.column("bucket_start")).to_pylist() if stamp is not None}
    outside = sorted(found_days - window_days)
    if outside:
        context.log.info(
            f"Bedrock logs also hold {len(outside)} day(s) outside the run's window, loaded too: {outside}"
        )
    with warehouse.connect() as con, transaction(con):
        ensure_table(con, table_name, USAGE_SCHEMA)
        for day in sorted(window_days | found_days):
            con.execute(
                f"delete from {table_name} where bucket_start >= ? and bucket_start < ?",
                [
                    datetime(day.year, day.month, day.day, tzinfo=UTC),
                    datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1),
                ],
            )
        replace_slice(con, table_name, loaded, "false")
        for key, result in parsed:
            replace_quarantine(con, "bedrock", key, result.rejected)
            record_load(
                con,
                "bedrock",
                key,
                input_rows=result.input_rows,
                loaded_rows=result.table.num_rows,
                quarantined_rows=len(result.rejected),
            )
        balance = load_balance(con, "bedrock", [key for key, _ in parsed])
    return dg.MaterializeResult(
        metadata={
            "invocations": loaded.num_rows,
            "quarantined": sum(len(result.rejected) for _, result in parsed),
            "files": len(parsed),
            "days_outside_window": ", ".join(map(str, outside)),
        },
        check_results=[dg.AssetCheckResult(check_name="row_balance", passed=all(row[5] for row in balance))],
    )
