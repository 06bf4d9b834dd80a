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
from datetime import UTC, datetime, timedelta

import dagster as dg
import pyarrow as pa

from ingest.bedrock_logs import invocation_days, read_invocation_logs
from ingest.http_client import JsonApiClient
from ingest.provider_api import PROVIDER_APIS, ProviderReports, api_reports, landing_reports, provider_api
from ingest.provider_usage import USAGE_SCHEMA, cost_table, usage_table
from pipelines.partitions import daily_partitions, single_run_backfill
from pipelines.resources import LandingResource, WarehouseResource
from pipelines.settings import ApiSource, Settings
from warehouse.duckdb_store import (
    ensure_table,
    load_balance,
    record_load,
    replace_quarantine,
    replace_slice,
    transaction,
)

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
        return self.base_url or self._configured().base_url or PROVIDER_APIS[self.provider].base_url

    def client(self) -> JsonApiClient | None:
        key = os.environ.get(self.key_env())  # the secret, read when the run needs it, never stored
        if not key:
            return None
        return provider_api(self.provider).client(
            key, self.api_base_url(), timeout_seconds=self.timeout_seconds, max_attempts=self.max_attempts
        )


def collect_provider_reports(
    provider: LlmProviderApiResource, landing: LandingResource, start: datetime, end: datetime
) -> ProviderReports | None:
    """One provider's usage and cost rows for a run over [start, end): from the API when its key is set,
    else from the landing folder; None when neither delivers (its rows are left as they were)."""
    api = provider_api(provider.provider)
    client = provider.client()
    if client is not None:
        return api_reports(
            client,
            api,
            start,
            end,
            lookback_days=provider.lookback_days,
            reread_open_month_costs=provider.reread_open_month_costs,
        )
    return landing_reports(landing.store(), api, start, end)


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
    parsed = read_invocation_logs(store, "bedrock")
    loaded = pa.concat_tables([result.table for _, result in parsed]) if parsed else USAGE_SCHEMA.empty_table()
    start_day, end_day = window.start.date(), window.end.date()
    window_days = {start_day + timedelta(days=n) for n in range((end_day - start_day).days)}
    found_days = invocation_days(loaded)
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
