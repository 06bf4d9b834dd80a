"""PTU history does not move (issue 10): the real Dagster asset and `dbt build` into one temporary DuckDB.
October is loaded and built; then a snapshot dated November scales one deployment up and no longer lists the
other, and the October metrics file is gone from the landing folder. October's hourly and monthly PTU rows
stay identical, November is priced with the new capacity. Numbers worked out by hand below."""

import json
import os
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.assets.azure_openai_ptu import AzureOpenAiResource, azure_openai_ptu
from pipelines.assets.ledger import llm_rate_cards
from pipelines.resources import LandingResource, RateCardsResource, WarehouseResource
from tests.dbt_build import dbt_build

pytestmark = pytest.mark.integration
UTILIZATION = "AzureOpenAIProvisionedManagedUtilizationV2"


def _deployments(snapshot: dict[str, tuple[str, int]], snapshot_at: str | None = None) -> str:
    body: dict = {
        "value": [
            {
                "name": name,
                "sku": {"name": sku, "capacity": ptus},
                "properties": {"model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-08-06"}},
            }
            for name, (sku, ptus) in snapshot.items()
        ]
    }
    if snapshot_at:
        body["snapshot_at"] = snapshot_at
    return json.dumps(body)


def _metrics(timespan: str, points: dict[str, list[tuple[str, int, int, int]]]) -> str:
    """points: deployment -> [(hour, utilization %, prompt tokens, generated tokens)]."""

    def series(metric: str, field: str, index: int) -> dict:
        return {
            "name": {"value": metric},
            "timeseries": [
                {
                    "metadatavalues": [{"name": {"value": "ModelDeploymentName"}, "value": deployment}],
                    "data": [{"timeStamp": hour[0], field: hour[index]} for hour in hours],
                }
                for deployment, hours in points.items()
            ],
        }

    return json.dumps(
        {
            "timespan": timespan,
            "interval": "PT1H",
            "value": [
                series(UTILIZATION, "average", 1),
                series("ProcessedPromptTokens", "total", 2),
                series("GeneratedTokens", "total", 3),
            ],
        }
    )


def _load_and_build(landing: Path, warehouse: Path, work: Path) -> str:
    """Materialize the asset, then `dbt build` the PTU marts (and the warning test on them); returns dbt's log."""
    result = dg.materialize(
        [azure_openai_ptu, llm_rate_cards],
        resources={
            "landing": LandingResource(location=str(landing)),
            "warehouse": WarehouseResource(duckdb_path=str(warehouse)),
            "rate_cards": RateCardsResource(),
            "azure_openai": AzureOpenAiResource(),
        },
    )
    assert result.success
    return dbt_build(warehouse, work, "+rpt_ptu_effective_rate_monthly", "+warn_ptu_metrics_without_deployment")


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


HOURLY = "select * from rpt_ptu_effective_rate order by deployment, hour_start"
MONTHLY = "select * from rpt_ptu_effective_rate_monthly order by deployment, usage_month"
VERSIONS = (
    "select deployment, ptus, valid_from, valid_to, is_current from main_intermediate.int_ptu_deployments__versioned"
    " order by deployment, valid_from"
)


def test_a_later_snapshot_never_reprices_past_hours(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    (landing / "azure_openai" / "deployments").mkdir(parents=True)
    (landing / "azure_openai" / "metrics").mkdir(parents=True)
    snapshot_file = landing / "azure_openai" / "deployments" / "deployments.json"
    october_metrics = landing / "azure_openai" / "metrics" / "metrics_2026-10.json"

    # October: the snapshot file has no time of its own, so its modification time (Oct 15 12:00 UTC) dates it;
    # the hours of Oct 1, before that, take the first version known
    snapshot_file.write_text(_deployments({"d1": ("ProvisionedManaged", 10), "d2": ("GlobalProvisionedManaged", 5)}))
    first_seen = datetime(2026, 10, 15, 12, tzinfo=UTC)
    os.utime(snapshot_file, (first_seen.timestamp(), first_seen.timestamp()))
    october_metrics.write_text(
        _metrics(
            "2026-10-01T00:00:00Z/2026-11-01T00:00:00Z",
            {
                "d1": [
                    ("2026-10-01T00:00:00Z", 50, 1_000_000, 100_000),
                    ("2026-10-31T23:00:00Z", 100, 2_000_000, 100_000),
                ],
                "d2": [("2026-10-01T00:00:00Z", 25, 400_000, 100_000)],
            },
        )
    )
    _load_and_build(landing, warehouse, tmp_path)
    october_hourly, october_monthly = _rows(warehouse, HOURLY), _rows(warehouse, MONTHLY)
    # d1: 10 PTU x $2.00 (ProvisionedManaged, hourly) = $20 an hour; d2: 5 PTU x $1.00 (Global) = $5 an hour.
    # PAYG gpt-4o $2.50 in / $10 out per 1M: d1 1M + 0.1M -> $3.50, 2M + 0.1M -> $6; d2 0.4M + 0.1M -> $2
    assert _rows(
        warehouse,
        "select deployment, hour_start, ptus, utilization, tokens_served, ptu_cost_usd, effective_usd_per_mtok,"
        " payg_cost_usd from rpt_ptu_effective_rate order by deployment, hour_start",
    ) == [
        (
            "d1",
            datetime(2026, 10, 1, tzinfo=UTC),
            10,
            Decimal("0.5"),
            1_100_000,
            Decimal("20"),
            Decimal("18.181818182"),
            Decimal("3.5"),
        ),
        (
            "d1",
            datetime(2026, 10, 31, 23, tzinfo=UTC),
            10,
            Decimal("1"),
            2_100_000,
            Decimal("20"),
            Decimal("9.523809524"),
            Decimal("6"),
        ),
        (
            "d2",
            datetime(2026, 10, 1, tzinfo=UTC),
            5,
            0.25,
            500_000,
            Decimal("5"),
            Decimal("10"),
            Decimal("2"),
        ),
    ]
    # month: d1 $40 for 3.2M tokens = $12.50 per 1M; d2 $5 for 0.5M = $10 per 1M
    assert _rows(
        warehouse,
        "select deployment, usage_month, ptus, hours, ptu_cost_usd, tokens_served, effective_usd_per_mtok,"
        " payg_cost_usd from rpt_ptu_effective_rate_monthly order by deployment",
    ) == [
        ("d1", "2026-10", 10, 2, Decimal("40"), 3_200_000, Decimal("12.5"), Decimal("9.5")),
        ("d2", "2026-10", 5, 1, Decimal("5"), 500_000, Decimal("10"), Decimal("2")),
    ]

    # November: the same file now holds a snapshot dated Nov 1 where d1 is scaled to 20 PTU and d2 is deleted;
    # October's metrics file is gone (only November's is delivered). Azure still reports an hour of d2 after the
    # snapshot that dropped it: no deployment to price it with, so it is left out and the warning test names it
    snapshot_file.write_text(_deployments({"d1": ("ProvisionedManaged", 20)}, snapshot_at="2026-11-01T00:00:00Z"))
    october_metrics.unlink()
    (landing / "azure_openai" / "metrics" / "metrics_2026-11.json").write_text(
        _metrics(
            "2026-11-01T00:00:00Z/2026-11-02T00:00:00Z",
            {
                "d1": [("2026-11-01T00:00:00Z", 75, 1_000_000, 100_000)],
                "d2": [("2026-11-01T01:00:00Z", 0, 0, 0)],
            },
        )
    )
    log = _load_and_build(landing, warehouse, tmp_path)
    assert re.search(r"WARN 1\S* warn_ptu_metrics_without_deployment", log), log[-2000:]
    hourly, monthly = _rows(warehouse, HOURLY), _rows(warehouse, MONTHLY)
    november = datetime(2026, 11, 1, tzinfo=UTC)
    assert [row for row in hourly if row[1] < november] == october_hourly  # every column of every October hour
    assert [row for row in monthly if row[1] < "2026-11"] == october_monthly
    # November: 20 PTU x $2.00 = $40 for 1.1M tokens -> $36.363636364 per 1M; PAYG still $3.50
    assert _rows(
        warehouse,
        "select deployment, ptus, utilization, ptu_cost_usd, effective_usd_per_mtok, payg_cost_usd"
        " from rpt_ptu_effective_rate where hour_start >= '2026-11-01'",
    ) == [("d1", 20, 0.75, Decimal("40"), Decimal("36.363636364"), Decimal("3.5"))]
    assert _rows(
        warehouse,
        "select deployment, ptus, ptu_cost_usd from rpt_ptu_effective_rate_monthly where usage_month = '2026-11'",
    ) == [("d1", 20, Decimal("40"))]
    # the history: d1 closed and reopened at the new snapshot, d2 closed (not deleted) when it disappeared
    expected_versions = [
        ("d1", 10, first_seen, november, False),
        ("d1", 20, november, None, True),
        ("d2", 5, first_seen, november, False),
    ]
    assert _rows(warehouse, VERSIONS) == expected_versions

    # idempotent: the same delivery again adds nothing; a late snapshot dated Oct 20 that agrees with October
    # (loaded after November's) leaves every period as it was
    before = _rows(warehouse, "select * from raw_azure_openai.deployments order by all")
    _load_and_build(landing, warehouse, tmp_path)
    assert _rows(warehouse, "select * from raw_azure_openai.deployments order by all") == before
    assert _rows(warehouse, "select count(*) from raw_azure_openai.deployment_snapshots") == [(2,)]
    late = _deployments(
        {"d1": ("ProvisionedManaged", 10), "d2": ("GlobalProvisionedManaged", 5)}, snapshot_at="2026-10-20T00:00:00Z"
    )
    (landing / "azure_openai" / "deployments" / "late.json").write_text(late)
    (landing / "azure_openai" / "deployments" / "late_copy.json").write_text(late)  # the same listing twice
    log = _load_and_build(landing, warehouse, tmp_path)
    assert re.search(r"WARN \d+\S* unique_combination_stg_azure_openai__deployments", log), log[-2000:]
    assert _rows(warehouse, VERSIONS) == expected_versions
    assert _rows(warehouse, HOURLY) == hourly and _rows(warehouse, MONTHLY) == monthly


def test_a_reservation_prices_only_the_hours_it_covers(tmp_path):
    """The shipped card reserves `support-gpt4o-mini-ptu` monthly from 2025-01-01: an hour before that date is
    billed hourly, an hour after it at the reservation amortized over the month's hours."""
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    (landing / "azure_openai" / "deployments").mkdir(parents=True)
    (landing / "azure_openai" / "metrics").mkdir(parents=True)
    (landing / "azure_openai" / "deployments" / "d.json").write_text(
        _deployments({"support-gpt4o-mini-ptu": ("ProvisionedManaged", 3)}, snapshot_at="2026-10-01T00:00:00Z")
    )
    (landing / "azure_openai" / "metrics" / "m.json").write_text(
        _metrics(
            "2024-12-31T23:00:00Z/2026-10-01T01:00:00Z",
            {
                "support-gpt4o-mini-ptu": [
                    ("2024-12-31T23:00:00Z", 50, 1_000_000, 100_000),
                    ("2026-10-01T00:00:00Z", 50, 1_000_000, 100_000),
                ]
            },
        )
    )
    _load_and_build(landing, warehouse, tmp_path)
    # 2024-12-31 23:00: 3 PTU x $2.00 an hour = $6; 2026-10-01: 3 PTU x $260 a month / 744 hours in October
    # = $780 / 744 = $1.048387096774... -> $1.048387097
    assert _rows(
        warehouse, "select hour_start, billing_term, ptu_cost_usd from rpt_ptu_effective_rate order by hour_start"
    ) == [
        (datetime(2024, 12, 31, 23, tzinfo=UTC), "hourly", Decimal("6")),
        (datetime(2026, 10, 1, tzinfo=UTC), "monthly", Decimal("1.048387097")),
    ]


def test_a_monthly_reservation_spread_over_its_hours_sums_to_its_price(tmp_path):
    """50 PTU reserved for October at $260 each = $13,000 over 744 hours: $17.473118279569... an hour, so hours
    rounded one by one sum to $13,000.000000320. The straight-line rule gives every hour the floor,
    $17.473118279, and one nano-dollar more to the first 424 (13,000e9 - 744 x 17,473,118,279 = 424 nano-dollars
    left over), so the month sums to exactly $13,000."""
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    (landing / "azure_openai" / "deployments").mkdir(parents=True)
    (landing / "azure_openai" / "metrics").mkdir(parents=True)
    (landing / "azure_openai" / "deployments" / "d.json").write_text(
        _deployments({"support-gpt4o-mini-ptu": ("ProvisionedManaged", 50)}, snapshot_at="2026-10-01T00:00:00Z")
    )
    start = datetime(2026, 10, 1, tzinfo=UTC)
    hours = [(start + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ") for h in range(744)]
    (landing / "azure_openai" / "metrics" / "m.json").write_text(
        _metrics(
            "2026-10-01T00:00:00Z/2026-11-01T00:00:00Z",
            {"support-gpt4o-mini-ptu": [(hour, 50, 1_000, 100) for hour in hours]},
        )
    )
    _load_and_build(landing, warehouse, tmp_path)
    rows = _rows(warehouse, "select ptu_cost_usd from rpt_ptu_effective_rate order by hour_start")
    assert len(rows) == 744
    assert sum(cost for (cost,) in rows) == Decimal("13000")
    assert {cost for (cost,) in rows[:424]} == {Decimal("17.473118280")}
    assert {cost for (cost,) in rows[424:]} == {Decimal("17.473118279")}
    monthly = _rows(warehouse, "select ptu_cost_usd from rpt_ptu_effective_rate_monthly")
    assert monthly == [(Decimal("13000"),)]


def _load(landing: Path, warehouse: Path) -> None:
    resources = {
        "landing": LandingResource(location=str(landing)),
        "warehouse": WarehouseResource(duckdb_path=str(warehouse)),
        "rate_cards": RateCardsResource(),
        "azure_openai": AzureOpenAiResource(),
    }
    assert dg.materialize([azure_openai_ptu], resources=resources).success


def _dated(path: Path, text: str, moment: datetime) -> None:
    path.write_text(text)
    os.utime(path, (moment.timestamp(), moment.timestamp()))


def test_metrics_files_replace_only_the_window_and_deployments_they_cover(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    folder = landing / "azure_openai" / "metrics"
    folder.mkdir(parents=True)
    october = "2026-10-01T00:00:00Z/2026-11-01T00:00:00Z"
    # one file per deployment for the same window: neither erases the other
    _dated(
        folder / "d1.json",
        _metrics(october, {"d1": [("2026-10-01T00:00:00Z", 50, 1_000, 10), ("2026-10-31T23:00:00Z", 50, 2_000, 20)]}),
        datetime(2026, 11, 1, 6, tzinfo=UTC),
    )
    _dated(
        folder / "d2.json",
        _metrics(october, {"d2": [("2026-10-01T00:00:00Z", 50, 3_000, 30)]}),
        datetime(2026, 11, 1, 6, tzinfo=UTC),
    )
    # a later re-fetch of Oct 31 for d1 (newer file): its numbers win for that hour only
    _dated(
        folder / "d1_refetch.json",
        _metrics("2026-10-31T00:00:00Z/2026-11-01T00:00:00Z", {"d1": [("2026-10-31T23:00:00Z", 50, 2_500, 25)]}),
        datetime(2026, 11, 2, 6, tzinfo=UTC),
    )
    _load(landing, warehouse)
    tokens = (
        "select deployment, hour_start, value from raw_azure_openai.metrics where metric = 'ProcessedPromptTokens'"
        " order by deployment, hour_start"
    )
    expected = [
        ("d1", datetime(2026, 10, 1, tzinfo=UTC), Decimal("1000")),
        ("d1", datetime(2026, 10, 31, 23, tzinfo=UTC), Decimal("2500")),
        ("d2", datetime(2026, 10, 1, tzinfo=UTC), Decimal("3000")),
    ]
    assert _rows(warehouse, tokens) == expected
    assert _rows(warehouse, "select count(*) from raw_azure_openai.metrics") == [(9,)]  # 3 hours x 3 metrics
    # November: October's files are gone, only November's is delivered; October's hours stay
    for name in ("d1.json", "d2.json", "d1_refetch.json"):
        (folder / name).unlink()
    _dated(
        folder / "nov.json",
        _metrics("2026-11-01T00:00:00Z/2026-11-02T00:00:00Z", {"d1": [("2026-11-01T00:00:00Z", 50, 4_000, 40)]}),
        datetime(2026, 11, 2, 6, tzinfo=UTC),
    )
    _load(landing, warehouse)
    _load(landing, warehouse)  # and again: the same window replaced, nothing doubled
    november = ("d1", datetime(2026, 11, 1, tzinfo=UTC), Decimal("4000"))
    assert _rows(warehouse, tokens) == [*expected[:2], november, expected[2]]
    # an empty folder covers no hour: nothing is deleted
    (folder / "nov.json").unlink()
    _load(landing, warehouse)
    assert _rows(warehouse, "select count(*) from raw_azure_openai.metrics") == [(12,)]


def test_a_warehouse_from_before_snapshots_keeps_its_deployments_as_the_oldest_snapshot(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:  # the table as the previous version of the asset left it
        con.execute("create schema raw_azure_openai")
        con.execute(
            "create table raw_azure_openai.deployments (deployment varchar, resource_id varchar,"
            " deployment_type varchar, capacity bigint, is_provisioned boolean, model_format varchar,"
            " model_name varchar, model_version varchar, source varchar)"
        )
        con.execute(
            "insert into raw_azure_openai.deployments values"
            " ('d1', null, 'ProvisionedManaged', 10, true, 'OpenAI', 'gpt-4o', '1', 'old.json')"
        )
        con.execute("create schema raw_rate_cards")  # reservations had no dates then
        con.execute(
            "create table raw_rate_cards.ptu_reservations (deployment varchar, term varchar, card_version varchar)"
        )
    landing = tmp_path / "landing"
    (landing / "azure_openai" / "deployments").mkdir(parents=True)
    (landing / "azure_openai" / "deployments" / "d.json").write_text(
        _deployments({"d1": ("ProvisionedManaged", 20)}, snapshot_at="2026-11-01T00:00:00Z")
    )
    _load(landing, warehouse)
    assert _rows(
        warehouse, "select deployment, capacity, snapshot_at from raw_azure_openai.deployments order by snapshot_at"
    ) == [
        ("d1", 10, datetime(2000, 1, 1, tzinfo=UTC)),
        ("d1", 20, datetime(2026, 11, 1, tzinfo=UTC)),
    ]
    assert _rows(warehouse, "select count(*) from raw_azure_openai.deployment_snapshots") == [(2,)]
    assert _rows(warehouse, "select deployment, term, effective_from from raw_rate_cards.ptu_reservations") == [
        ("support-gpt4o-mini-ptu", "monthly", datetime(2025, 1, 1))
    ]
