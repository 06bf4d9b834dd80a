"""Every dollar has one home: the whole Dagster job on the demo landing plus hand-made scenario files, checked
against numbers computed here from the landing files (json/csv/pyarrow + Decimal), never from the marts' SQL.

Scenarios added to a 3-day demo landing:
- 20 Bedrock requests in the ledger on 2026-10-01 (teams search and growth): the Bedrock line of the AWS bill
  for that day must be split by the ledger's proportions and counted once;
- the demo's OpenAI cost report runs 2% above the ledger on gpt-4o-mini: finance must see the bill;
- an Anthropic cost line for a model the ledger never used: unallocated, with its reason;
- ledger requests on 2026-10-04, a day no bill covers: an estimated accrual, replaced by the bill once the
  OpenAI cost page for that day lands (second run);
- the demo's p5.48xlarge training job of a registered model on the AWS bill: capitalized once, depreciated;
- untagged cloud lines: shared by each rule (direct cost, requests, fixed), summing exactly;
- a FOCUS file with a EUR line (converted at the seed's rate) and a JPY line (no rate: flagged).
Every run also asserts conservation: rpt_cost_conservation differences are exactly 0.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from ingest.demo import generate_landing
from ingest.demo.world import World
from pipelines.cli import run_main_job
from pipelines.settings import Settings
from rate_cards.llm_cards import load_rate_cards
from rate_cards.pricing import price_ledger_row
from tests.landing_totals import anthropic_cost_pages, openai_cost_pages

pytestmark = pytest.mark.integration

WORLD = World(start_date=date(2026, 10, 1), days=3)
NANO = Decimal("0.000000001")
PROJECT = Path(__file__).resolve().parents[2]
BEDROCK_MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0"
OPUS_LINE_USD = Decimal("5.000000000")
DAY4_BILL_USD = Decimal("0.7")


def _bedrock_requests() -> list[dict]:
    rows = []
    for index in range(20):
        team = "search" if index < 12 else "growth"
        rows.append(
            {
                "request_id": str(uuid.UUID(int=0xB0 << 120 | index)),
                "ts": f"2026-10-01T{8 + index % 10:02d}:15:00+00:00",
                "model_id": BEDROCK_MODEL,
                "api_version": "bedrock-2023-05-31",
                "feature_tag": "semantic_search" if team == "search" else "email_drafts",
                "input_tokens": 1000 + 137 * index,
                "output_tokens": 200 + 41 * index,
                "cached_input_tokens": 0,
                "cache_write_tokens": 0,
                "reasoning_tokens": 0,
                "duration_ms": 900,
                "is_batch": False,
                "team": team,
                "tenant_id": "acme",
                "environment": "prod",
                "conversation_id": None,
                "status": "ok",
                "retry_of": None,
                "cache_hit": False,
                "routing_reason": "default",
                "total_cost_usd": None,
            }
        )
    return rows


def _day4_requests() -> list[dict]:
    rows = []
    for index in range(6):
        rows.append(
            {
                **_bedrock_requests()[0],
                "request_id": str(uuid.UUID(int=0xD4 << 120 | index)),
                "ts": f"2026-10-04T{10 + index:02d}:00:00+00:00",
                "model_id": "gpt-4o-2024-08-06",
                "api_version": "v1",
                "feature_tag": "support_chat",
                "team": "support" if index % 2 else "growth",
                "input_tokens": 5000 + index,
                "output_tokens": 700 + index,
            }
        )
    return rows


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def _add_unknown_anthropic_model(landing: Path) -> None:
    page = landing / "anthropic" / "cost_report" / "page_001.json"
    body = json.loads(page.read_text())
    body["data"][1]["results"].append(
        {
            "currency": "USD",
            "amount": str(OPUS_LINE_USD * 100),  # the cost report is in cents
            "workspace_id": "wrkspc_demo",
            "description": "claude-opus-4-1 usage",
            "cost_type": "tokens",
            "context_window": "0-200k",
            "model": "claude-opus-4-1-20250805",
            "service_tier": "standard",
            "token_type": None,
        }
    )
    page.write_text(json.dumps(body))


def _add_openai_day4_bill(landing: Path) -> None:
    page = landing / "openai" / "costs" / "page_002.json"
    start = int(datetime(2026, 10, 4, tzinfo=UTC).timestamp())
    page.write_text(
        json.dumps(
            {
                "object": "page",
                "data": [
                    {
                        "object": "bucket",
                        "start_time": start,
                        "end_time": start + 86400,
                        "results": [
                            {
                                "object": "organization.costs.result",
                                "amount": {"value": float(DAY4_BILL_USD), "currency": "usd"},
                                "line_item": "gpt-4o-2024-08-06, standard",
                                "project_id": "proj_demo",
                                "api_key_id": None,
                                "quantity": None,
                                "quantity_unit": None,
                            }
                        ],
                    }
                ],
                "has_more": False,
                "next_page": None,
            }
        )
    )


FOCUS_COLUMNS = [
    "ProviderName", "BillingAccountId", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart",
    "ChargePeriodEnd", "ChargeCategory", "ServiceName", "BilledCost", "EffectiveCost", "BillingCurrency", "Tags",
]  # fmt: skip
FOCUS_LINES = [
    ("EuroCloud", "2026-10-02", "Object storage", Decimal("100.25"), "EUR", {"team": "search"}),
    ("NipponCloud", "2026-10-02", "Compute", Decimal("1500"), "JPY", {"team": "growth"}),
]


def _add_focus_file(landing: Path) -> None:
    path = landing / "focus" / "2026-10" / "vendors.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FOCUS_COLUMNS)
        for provider, day, service, amount, currency, tags in FOCUS_LINES:
            writer.writerow(
                [provider, f"acct-{currency}", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", f"{day}T00:00:00Z",
                 f"{day}T23:59:59Z", "Usage", service, amount, amount, currency, json.dumps(tags)]
            )  # fmt: skip


def _fx_rate(currency: str, on: date) -> Decimal | None:
    with (PROJECT / "dbt" / "seeds" / "fx_rates.csv").open() as handle:
        rates = [
            r
            for r in csv.DictReader(handle)
            if r["currency"] == currency and date.fromisoformat(r["effective_from"]) <= on
        ]
    return Decimal(max(rates, key=lambda r: r["effective_from"])["usd_per_unit"]) if rates else None


def _query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _conservation_differences(warehouse: Path) -> list[tuple]:
    return _query(
        warehouse,
        "select charge_month, service_provider_name, x_source, billing_currency, difference_billed_cost,"
        " difference_effective_cost, difference_effective_cost_usd from rpt_cost_conservation"
        " where difference_billed_cost <> 0 or difference_effective_cost <> 0 or difference_effective_cost_usd <> 0",
    )


def _assert_exact_split(parts: dict, amount: Decimal, weights: dict) -> None:
    """Parts sum to the amount exactly and each is within one nano-unit of its exact proportional share."""
    assert sum(parts.values(), Decimal(0)) == amount
    assert set(parts) == {key for key, weight in weights.items() if weight > 0}
    total = sum(weights.values())
    for key, part in parts.items():
        assert abs(part - amount * weights[key] / total) < NANO, (key, part)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    root = tmp_path_factory.mktemp("costs")
    landing = root / "landing"
    saved = dict(os.environ)
    os.environ.pop("DAGSTER_HOME", None)
    try:
        generate_landing(landing, world=WORLD)
        _write_jsonl(landing / "ledger" / "2026-10-01" / "bedrock.jsonl", _bedrock_requests())
        _write_jsonl(landing / "ledger" / "2026-10-04" / "requests.jsonl", _day4_requests())
        _add_unknown_anthropic_model(landing)
        _add_focus_file(landing)
        settings = Settings.resolve(landing=landing, warehouse_path=root / "w.duckdb", exports_dir=root / "exports")
        first_ok = run_main_job(settings)
        first = root / "first.duckdb"
        shutil.copy(settings.warehouse_path, first)
        _add_openai_day4_bill(landing)
        second_ok = run_main_job(settings)
        yield {"landing": landing, "first": first, "second": settings.warehouse_path, "root": root,
               "ok": (first_ok, second_ok), "exports": settings.exports_dir}  # fmt: skip
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_both_runs_succeed_and_conserve_every_dollar(scenario):
    assert scenario["ok"] == (True, True)
    for warehouse in (scenario["first"], scenario["second"]):
        assert _conservation_differences(warehouse) == []
        # fct_costs bill rows (everything but estimates and depreciation) = the bills, line by line
        assert _query(
            warehouse,
            "select count(*) from main_intermediate.int_costs__bill_lines lines left join (select bill_line_id,"
            " sum(billed_cost) as billed from fct_costs where x_cost_origin not in ('estimated_accrual',"
            " 'depreciation') group by 1) parts using (bill_line_id)"
            " where parts.billed is null or parts.billed <> lines.billed_cost",
        ) == [(0,)]


def test_bedrock_line_is_split_by_the_ledger_and_counted_once(scenario):
    cards = load_rate_cards()
    weights: dict[tuple, Decimal] = {}
    for row in _bedrock_requests():
        row = {**row, "ts": datetime.fromisoformat(row["ts"])}
        key = (row["team"], row["feature_tag"])
        weights[key] = weights.get(key, Decimal(0)) + price_ledger_row(cards, row)
    (cur_file,) = scenario["landing"].glob("aws_cur/*/data/*/*.parquet")
    bedrock_day1 = sum(
        Decimal(row["line_item_unblended_cost"])
        for row in pq.read_table(cur_file).to_pylist()
        if "Bedrock" in (row["product_product_name"] or "")
        and str(row["line_item_usage_start_date"])[:10] == "2026-10-01"
    )
    assert bedrock_day1 > 0
    warehouse = scenario["second"]
    rows = _query(
        warehouse,
        "select team, feature, x_cost_origin, allocated_method_id, sum(x_effective_cost_usd) from fct_costs"
        " where x_ledger_provider = 'bedrock' and cast(charge_period_start as date) = date '2026-10-01'"
        " group by all",
    )
    assert {(origin, method) for _, _, origin, method, _ in rows} == {("billed", "ledger_cost_share")}
    _assert_exact_split({(team, feature): amount for team, feature, _, _, amount in rows}, bedrock_day1, weights)
    # the ledger's own estimate of those requests is nowhere in the money: no accrual for a billed day
    assert _query(
        warehouse,
        "select count(*) from fct_costs where x_cost_origin = 'estimated_accrual' and x_ledger_provider = 'bedrock'",
    ) == [(0,)]


def test_openai_spend_is_the_bill_not_the_ledger(scenario):
    pages = openai_cost_pages(scenario["landing"])
    warehouse = scenario["second"]
    by_day = dict(
        _query(
            warehouse,
            "select cast(charge_period_start as date), sum(x_effective_cost_usd) from fct_costs"
            " where x_ledger_provider = 'openai' and x_cost_origin <> 'estimated_accrual' group by 1",
        )
    )
    assert by_day == {day: amount.quantize(NANO) for day, amount in pages.items()}
    (ledger,) = _query(
        warehouse,
        "select sum(total_cost_usd) from fct_requests where provider = 'openai'"
        " and request_date between date '2026-10-01' and date '2026-10-03'",
    )[0]
    billed_3_days = sum(amount for day, amount in pages.items() if day <= date(2026, 10, 3))
    assert billed_3_days > ledger  # the +2% gpt-4o-mini output in the demo bill: finance sees the bill


def test_bill_without_ledger_usage_is_unallocated_with_its_reason(scenario):
    rows = _query(
        scenario["second"],
        "select team, x_cost_origin, x_effective_cost_usd, x_allocation_reason from fct_costs"
        " where sku_id = 'claude-opus-4-1-20250805'",
    )
    assert anthropic_cost_pages(scenario["landing"])[(date(2026, 10, 2), "claude-opus-4-1-20250805")] == OPUS_LINE_USD
    assert [(team, origin, amount) for team, origin, amount, _ in rows] == [
        ("unallocated", "unallocated", OPUS_LINE_USD)
    ]
    assert rows[0][3].startswith("no ledger usage of anthropic model claude-opus-4-1 ")


def test_unbilled_ledger_day_is_an_accrual_until_the_bill_replaces_it(scenario):
    cards = load_rate_cards()
    expected: dict[str, Decimal] = {}
    for row in _day4_requests():
        row = {**row, "ts": datetime.fromisoformat(row["ts"])}
        expected[row["team"]] = expected.get(row["team"], Decimal(0)) + price_ledger_row(cards, row)
    day4 = (
        "select team, x_cost_origin, sum(x_effective_cost_usd) from fct_costs where x_ledger_provider = 'openai'"
        " and cast(charge_period_start as date) = date '2026-10-04' group by all"
    )
    before = _query(scenario["first"], day4)
    assert {(team, origin): amount for team, origin, amount in before} == {
        (team, "estimated_accrual"): amount for team, amount in expected.items()
    }
    after = _query(scenario["second"], day4)
    assert {origin for _, origin, _ in after} == {"billed"}
    _assert_exact_split({team: amount for team, _, amount in after}, DAY4_BILL_USD, expected)


def test_training_on_the_bill_is_capitalized_once_and_depreciated(scenario):
    (cur_file,) = scenario["landing"].glob("aws_cur/*/data/*/*.parquet")
    p5_lines = [
        row
        for row in pq.read_table(cur_file).to_pylist()
        if "p5.48xlarge" in (row["line_item_usage_type"] or "")
        and str(row["line_item_usage_start_date"])[:10] == "2026-10-03"
    ]
    covered = [row for row in p5_lines if row["line_item_line_item_type"] == "SavingsPlanCoveredUsage"]
    assert covered, "the demo bills the training instance on 2026-10-03"
    # the job (20:00-24:00, 8 GPUs) uses more GPU-hours than the line bills (2 h x 8 GPUs): it takes the line
    expected = sum(Decimal(row["savings_plan_savings_plan_effective_cost"]) for row in covered)
    warehouse = scenario["second"]
    rows = _query(
        warehouse,
        "select x_cost_origin, allocated_resource_id, team, sum(x_effective_cost_usd) from fct_costs"
        " where sku_id like '%p5.48xlarge%' and cast(charge_period_start as date) = date '2026-10-03'"
        " and x_cost_origin <> 'depreciation' group by all",
    )
    assert {(origin, resource, team) for origin, resource, team, _ in rows} == {
        ("capitalized", "search-embedder-v2", "search")
    }
    assert sum(amount for *_, amount in rows) == expected
    (capitalized,) = _query(
        warehouse, "select sum(x_effective_cost_usd) from fct_costs where x_cost_origin = 'capitalized'"
    )[0]
    depreciation = _query(
        warehouse,
        "select x_charge_month, team, allocated_method_id, sum(x_effective_cost_usd) from fct_costs"
        " where x_cost_origin = 'depreciation' group by all",
    )
    # 18-month life from October: the first month carries the one extra nano-dollar when there is a remainder
    nano = int(capitalized / NANO)
    assert depreciation == [("2026-10", "search", "straight_line_team", (nano // 18 + (1 if nano % 18 else 0)) * NANO)]


def _shared_expectation(warehouse: Path, weights_sql: str) -> None:
    """Each pooled (untagged) part of a bill line is split over its month's owners by `weights_sql`."""
    pool = _query(
        warehouse,
        "select bill_line_id, x_charge_month, x_effective_cost_usd from main_intermediate.int_costs__allocated_lines"
        " where x_cost_origin = 'shared_pool'",
    )
    assert pool and sum(amount for *_, amount in pool) != 0
    shared = defaultdict(dict)
    for line, team, feature, environment, tenant, amount in _query(
        warehouse,
        "select bill_line_id, team, feature, environment, tenant, x_effective_cost_usd from fct_costs"
        " where x_cost_origin = 'allocated_shared'",
    ):
        shared[line][(team, feature, environment, tenant)] = amount
    weights_by_month = {}
    for line, month, amount in pool:
        if month not in weights_by_month:
            weights_by_month[month] = {
                (t, f, e, n): Decimal(w) for t, f, e, n, w in _query(warehouse, weights_sql, [month])
            }
        _assert_exact_split(shared[line], amount, weights_by_month[month])
    assert _conservation_differences(warehouse) == []


def _rebuild_shared(scenario, name: str, dbt_vars: dict) -> Path:
    warehouse = scenario["root"] / f"{name}.duckdb"
    shutil.copy(scenario["second"], warehouse)
    dbt = shutil.which("dbt") or str(Path(sys.executable).parent / "dbt")
    env = {**os.environ, "FINOPS_WAREHOUSE_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    completed = subprocess.run(
        [dbt, "build", "--select", "int_costs__shared_allocated+", "--vars", json.dumps(dbt_vars),
         "--target-path", str(scenario["root"] / f"target-{name}"), "--log-path", str(scenario["root"] / "logs")],
        cwd=PROJECT / "dbt", env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:]
    return warehouse


def test_untagged_cost_is_shared_pro_rata_to_direct_cost(scenario):
    _shared_expectation(
        scenario["second"],
        "select team, feature, environment, tenant, sum(x_effective_cost_usd * 1000000000) from fct_costs"
        " where x_cost_origin = 'billed' and x_effective_cost_usd is not null and x_charge_month = ?"
        " group by all having sum(x_effective_cost_usd) > 0",
    )


def test_untagged_cost_is_shared_by_requests_and_by_fixed_shares(scenario):
    by_requests = _rebuild_shared(scenario, "requests", {"shared_cost_allocation_method": "requests"})
    _shared_expectation(
        by_requests,
        "select coalesce(team, 'unassigned'), coalesce(feature_tag, 'unassigned'), coalesce(environment,"
        " 'unassigned'), coalesce(tenant_id, 'unassigned'), count(*) from fct_requests"
        " where strftime(request_date, '%Y-%m') = ? group by all",
    )
    fixed = _rebuild_shared(
        scenario,
        "fixed",
        {"shared_cost_allocation_method": "fixed", "shared_cost_fixed_shares": {"search": 70, "support": 30}},
    )
    _shared_expectation(
        fixed,
        "select * from (values ('search', 'unassigned', 'unassigned', 'unassigned', 70),"
        " ('support', 'unassigned', 'unassigned', 'unassigned', 30)) where ? is not null",
    )


def test_foreign_currency_lines_are_converted_or_flagged(scenario):
    warehouse = scenario["second"]
    rows = {
        currency: (billed, usd, rate, has_rate, source)
        for currency, billed, usd, rate, has_rate, source in _query(
            warehouse,
            "select billing_currency, billed_cost, x_effective_cost_usd, x_fx_rate, x_has_fx_rate, x_fx_rate_source"
            " from fct_costs where billing_currency in ('EUR', 'JPY')",
        )
    }
    eur_rate = _fx_rate("EUR", date(2026, 10, 2))
    assert rows["EUR"][:4] == (Decimal("100.25"), (Decimal("100.25") * eur_rate).quantize(NANO), eur_rate, True)
    assert rows["EUR"][4]  # where the rate came from is on the row
    assert _fx_rate("JPY", date(2026, 10, 2)) is None
    assert rows["JPY"][:4] == (Decimal("1500"), None, None, False)
    jpy = _query(
        warehouse,
        "select bill_lines, unconverted_bill_lines, bill_billed_cost, difference_billed_cost from rpt_cost_conservation"
        " where billing_currency = 'JPY'",
    )
    assert jpy == [(1, 1, Decimal("1500"), Decimal(0))]
    (unconverted,) = _query(warehouse, "select sum(unconverted_cost_rows) from rpt_showback")[0]
    assert unconverted == 1


def test_showback_csv_total_equals_bills_plus_accruals(scenario):
    path = scenario["exports"] / "showback_2026-10.csv"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    total = sum(Decimal(row["total_cost_usd"]) for row in rows)
    bills, accruals = _query(
        scenario["second"],
        "select sum(bill_effective_cost_usd), sum(estimated_accrual_usd) from rpt_cost_conservation"
        " where charge_month = '2026-10'",
    )[0]
    # the provider bills in the CSV equal the cost pages read from the landing files
    (provider_bills,) = _query(
        scenario["second"],
        "select sum(bill_effective_cost_usd) from rpt_cost_conservation where x_source like '%_cost_report'",
    )[0]
    pages = sum(openai_cost_pages(scenario["landing"]).values(), Decimal(0)) + sum(
        anthropic_cost_pages(scenario["landing"]).values(), Decimal(0)
    )
    assert provider_bills == pages.quantize(NANO)
    assert total == bills + accruals
