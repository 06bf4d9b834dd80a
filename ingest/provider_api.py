"""Where the LLM provider usage and cost reports come from: the provider APIs (endpoints, paging
parameters, auth headers) or recorded pages in the landing folder, and which window of rows a run keeps.

Each provider is one small `ProviderApi` description; one paging fetcher serves every provider, so a
change to paging, windows or grouping is made once. Pages are parsed by `ingest.provider_usage`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ingest.http_client import JsonApiClient
from ingest.provider_usage import (
    anthropic_cost_rows,
    anthropic_usage_rows,
    fetch_pages,
    load_page,
    openai_cost_rows,
    openai_usage_rows,
)
from ingest.storage import LandingStore

ParsePage = Callable[[dict, str], list[dict]]


@dataclass(frozen=True)
class Report:
    """One report endpoint: its API path, its recorded pages' landing sub-folder, how to group, how to parse."""

    path: str
    landing_folder: str
    group_by: tuple[str, ...]
    parse: ParsePage


@dataclass(frozen=True)
class ProviderApi:
    """How one provider's usage and cost reports are asked for."""

    name: str
    base_url: str
    start_param: str
    end_param: str
    time_format: Callable[[datetime], str]
    usage: Report
    costs: Report
    auth_headers: Callable[[str], dict[str, str]]

    def window_params(self, start: datetime, end: datetime) -> list[tuple[str, str]]:
        # daily buckets, 31 per page: a month's window is one page per grouping combination
        return [
            (self.start_param, self.time_format(start)),
            (self.end_param, self.time_format(end)),
            ("bucket_width", "1d"),
            ("limit", "31"),
        ]

    def client(self, key: str, base_url: str = "", **options) -> JsonApiClient:
        return JsonApiClient(base_url or self.base_url, headers=self.auth_headers(key), **options)


PROVIDER_APIS = {
    "openai": ProviderApi(
        name="openai",
        base_url="https://api.openai.com",
        start_param="start_time",
        end_param="end_time",
        time_format=lambda moment: str(int(moment.timestamp())),
        usage=Report(
            "/v1/organization/usage/completions",
            "usage_completions",
            ("model", "project_id", "api_key_id", "batch", "service_tier"),
            openai_usage_rows,
        ),
        costs=Report("/v1/organization/costs", "costs", ("line_item", "project_id"), openai_cost_rows),
        auth_headers=lambda key: {"Authorization": f"Bearer {key}"},
    ),
    "anthropic": ProviderApi(
        name="anthropic",
        base_url="https://api.anthropic.com",
        start_param="starting_at",
        end_param="ending_at",
        time_format=lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        usage=Report(
            "/v1/organizations/usage_report/messages",
            "usage_messages",
            ("model", "workspace_id", "api_key_id", "service_tier"),
            anthropic_usage_rows,
        ),
        costs=Report(
            "/v1/organizations/cost_report", "cost_report", ("workspace_id", "description"), anthropic_cost_rows
        ),
        auth_headers=lambda key: {"x-api-key": key, "anthropic-version": "2023-06-01"},
    ),
}


def provider_api(name: str) -> ProviderApi:
    try:
        return PROVIDER_APIS[name]
    except KeyError:
        raise ValueError(f"unknown LLM provider {name!r}; expected one of {sorted(PROVIDER_APIS)}") from None


def fetch_report(client: JsonApiClient, api: ProviderApi, report: Report, start: datetime, end: datetime) -> list[dict]:
    """Every row of one report over [start, end), all pages followed."""
    params = api.window_params(start, end) + [("group_by[]", group) for group in report.group_by]
    source = f"{api.name}:{report.path}"
    return [row for page in fetch_pages(client, report.path, params) for row in report.parse(page, source)]


def in_window(rows: list[dict], start: datetime, end: datetime) -> list[dict]:
    return [row for row in rows if start <= row["bucket_start"] < end]


def landing_report(store: LandingStore, api: ProviderApi, report: Report, start: datetime, end: datetime) -> list[dict]:
    """The rows of one report's recorded pages (`<provider>/<landing_folder>/*.json`) inside [start, end)."""
    rows: list[dict] = []
    for key in store.list(f"{api.name}/{report.landing_folder}", pattern="*.json"):
        source = store.describe(key)
        rows.extend(report.parse(load_page(store.read_bytes(key), source), source))
    return in_window(rows, start, end)


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


@dataclass(frozen=True)
class ProviderReports:
    usage: list[dict]
    costs: list[dict]
    origin: str
    usage_start: datetime  # each list holds exactly its window: [start, end)
    cost_start: datetime


def api_reports(
    client: JsonApiClient,
    api: ProviderApi,
    start: datetime,
    end: datetime,
    *,
    lookback_days: int,
    reread_open_month_costs: bool,
) -> ProviderReports:
    """Both reports from the API; the windows reach back by the provider's lookback (providers revise
    recent days), fetched once over the wider window and each cut to its own."""
    usage_start, cost_start = lookback_windows(start, end, lookback_days, reread_open_month_costs)
    fetch_start = min(usage_start, cost_start)
    usage = fetch_report(client, api, api.usage, fetch_start, end)
    costs = fetch_report(client, api, api.costs, fetch_start, end)
    return ProviderReports(
        in_window(usage, usage_start, end), in_window(costs, cost_start, end), "api", usage_start, cost_start
    )


def landing_reports(store: LandingStore, api: ProviderApi, start: datetime, end: datetime) -> ProviderReports | None:
    """Both reports from recorded pages for the run's window; None when the landing folder has no
    `<provider>/` folder (no delivery: the provider's rows are left as they were)."""
    if not store.exists(api.name):
        return None
    usage = landing_report(store, api, api.usage, start, end)
    costs = landing_report(store, api, api.costs, start, end)
    return ProviderReports(usage, costs, "landing", start, start)
