"""The whole Dagster job materialized on generated demo data into a temporary DuckDB, checked against an
independent computation (the generator's own rows priced by the Python reference, grouped in Python)."""

import csv
import os
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

import duckdb
import pytest

from ingest.demo.ledger import build_demo_ledger
from pipelines.cli import run_main_job
from rate_cards.llm_cards import load_rate_cards
from rate_cards.pricing import price_ledger_row
from tests.demo_world import DEMO_WORLD
from tests.landing_totals import provider_cost_pages_total

pytestmark = pytest.mark.integration

WORLD = DEMO_WORLD  # the world of the shared demo night (tests/integration/conftest.py)
CANONICAL = load_rate_cards().canonical_model
MARTS = ("fct_requests", "rpt_showback", "rpt_cost_per_resolution", "rpt_model_unit_costs")


def _snapshot(warehouse_path) -> dict:
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        return {mart: con.execute(f"select * from {mart} order by all").fetchall() for mart in MARTS}


@pytest.fixture(scope="module")
def demo_run(demo_job):
    """The shared demo night (conftest), then the same night again: the marts must not move."""
    settings = demo_job["settings"]
    first = _snapshot(settings.warehouse_path)
    saved = dict(os.environ)
    os.environ.pop("DAGSTER_HOME", None)  # ephemeral run storage
    try:
        second_ok = run_main_job(settings)  # the same night again
    finally:
        os.environ.clear()
        os.environ.update(saved)
    second = _snapshot(settings.warehouse_path)
    return {"settings": settings, "ok": (demo_job["ok"], second_ok), "first": first, "second": second}


def _expected_requests() -> list[dict]:
    cards = load_rate_cards()
    rows = build_demo_ledger(WORLD).to_pylist()
    for row in rows:
        row["cost"] = price_ledger_row(cards, row)
    return rows


def test_job_succeeds_with_every_check_passing(demo_run):
    assert demo_run["ok"] == (True, True)


def test_showback_equals_independent_computation(demo_run):
    """Requests per owner in the showback and the ledger's priced cost per owner in fct_requests equal the
    generator's rows priced by the Python reference."""
    expected: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0)])
    for row in _expected_requests():
        key = (row["ts"].strftime("%Y-%m"), row["team"], row["feature_tag"], row["environment"], row["tenant_id"])
        expected[key][0] += 1
        expected[key][1] += row["cost"]
    with duckdb.connect(str(demo_run["settings"].warehouse_path), read_only=True) as con:
        requests = {
            tuple(row[:5]): row[5]
            for row in con.execute(
                "select usage_month, team, feature, environment, tenant, requests from rpt_showback where requests > 0"
            ).fetchall()
        }
        ledger_cost = {
            tuple(row[:5]): row[5]
            for row in con.execute(
                "select strftime(request_date, '%Y-%m'), team, feature_tag, environment, tenant_id,"
                " sum(total_cost_usd) from fct_requests group by all"
            ).fetchall()
        }
    assert requests == {key: count for key, (count, _) in expected.items()}
    assert ledger_cost == {key: cost for key, (_, cost) in expected.items()}


def test_showback_csv_reconciles_to_the_bills(demo_run):
    """The CSV's total is what the bills say (cloud exports and provider cost pages, read from the landing
    files) plus the marked accruals; money is exact text."""
    landing = demo_run["settings"].landing
    path = demo_run["settings"].exports_dir / "showback_2026-10.csv"
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    with duckdb.connect(str(demo_run["settings"].warehouse_path), read_only=True) as con:
        (cloud_effective,) = con.execute("select sum(effective_cost) from fct_cloud_costs").fetchone()
        (accruals,) = con.execute(
            "select coalesce(sum(x_effective_cost_usd), 0) from fct_costs where x_cost_origin = 'estimated_accrual'"
        ).fetchone()
    assert sum(Decimal(row["total_cost_usd"]) for row in rows) == (
        cloud_effective + provider_cost_pages_total(landing).quantize(Decimal("0.000000001")) + accruals
    )
    assert all("e" not in row["total_cost_usd"].lower() for row in rows)
    assert {row["month_start_date"] for row in rows} == {"2026-10-01"}


def test_bad_rows_are_quarantined_and_rows_balance(demo_run):
    with duckdb.connect(str(demo_run["settings"].warehouse_path), read_only=True) as con:
        reasons = [
            r[0]
            for r in con.execute(
                "select reason from quarantine.rejected_rows where source = 'ledger' order by line"
            ).fetchall()
        ]
        audit = con.execute(
            "select sum(input_rows), sum(loaded_rows), sum(quarantined_rows) from audit.loads where source = 'ledger'"
        ).fetchone()
        loaded = con.execute("select count(*) from fct_requests").fetchone()[0]
    assert len(reasons) == 6
    assert any(r.startswith("unpriced model gpt-9-preview") for r in reasons)
    assert {"request_id is not a UUID", "output_tokens is negative", "ts is not a timestamp"} <= set(reasons)
    assert any(r.startswith("duplicate request_id") for r in reasons)
    assert any(r.startswith("malformed JSON") for r in reasons)
    input_rows, loaded_rows, quarantined_rows = audit
    assert input_rows == loaded_rows + quarantined_rows == len(_expected_requests()) + 6
    assert loaded == loaded_rows


def test_cost_per_resolution_equals_independent_computation(demo_run):
    requests = sorted(
        (r for r in _expected_requests() if r["conversation_id"]), key=lambda r: (r["ts"], r["request_id"])
    )
    first: dict[str, dict] = {}
    cost: dict[str, Decimal] = defaultdict(Decimal)
    for row in requests:
        first.setdefault(row["conversation_id"], row)
        cost[row["conversation_id"]] += row["cost"]
    with demo_run["settings"].landing and open(f"{demo_run['settings'].landing}/outcomes/conversations.csv") as f:
        outcomes = {row["conversation_id"]: row for row in csv.DictReader(f)}
    expected: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0)])
    for conversation_id, opening in first.items():
        outcome = outcomes[conversation_id]
        if outcome["outcome"] != "resolved":
            continue
        resolved = datetime.fromisoformat(outcome["resolved_at"])
        reopened = datetime.fromisoformat(outcome["reopened_at"]) if outcome["reopened_at"] else None
        if reopened is not None and reopened <= resolved + timedelta(days=7):
            continue
        key = (resolved.date(), opening["feature_tag"], CANONICAL(opening["model_id"]))
        expected[key][0] += 1
        expected[key][1] += cost[conversation_id]
    with duckdb.connect(str(demo_run["settings"].warehouse_path), read_only=True) as con:
        actual = {
            (row[0], row[1], row[2]): [row[3], row[4]]
            for row in con.execute(
                "select outcome_date, feature_tag, model, resolutions, resolution_cost_usd from rpt_cost_per_resolution"
                " where resolutions > 0"
            ).fetchall()
        }
    assert actual == dict(expected)


def test_rerunning_the_night_gives_identical_marts(demo_run):
    assert demo_run["first"]["fct_requests"], "marts are empty"
    assert demo_run["first"] == demo_run["second"]


def test_cloud_costs_equal_the_demo_exports(demo_run):
    """fct_cloud_costs against the landing files read with csv/json: Azure actual = billed, amortized = effective
    (never summed), GCP net = cost + credits; the showback CSV carries the same cloud total."""
    import glob
    import json

    landing = demo_run["settings"].landing
    azure = {}
    for kind in ("actual", "amortized"):
        for path in glob.glob(f"{landing}/azure/{kind}/*/*.csv"):
            with open(path, encoding="utf-8-sig", newline="") as handle:
                azure[kind] = sum(Decimal(row["CostInBillingCurrency"]) for row in csv.DictReader(handle))
    gcp = Decimal(0)
    for path in glob.glob(f"{landing}/gcp/*.jsonl"):
        for line in open(path).read().splitlines():
            record = json.loads(line)
            gcp += Decimal(record["cost"]) + sum(Decimal(c["amount"]) for c in record.get("credits", []))
    with duckdb.connect(str(demo_run["settings"].warehouse_path), read_only=True) as con:
        billed = dict(con.execute("select provider_name, sum(billed_cost) from fct_cloud_costs group by 1").fetchall())
        effective = dict(
            con.execute("select provider_name, sum(effective_cost) from fct_cloud_costs group by 1").fetchall()
        )
    import pyarrow.parquet as pq

    (cur_file,) = glob.glob(f"{landing}/aws_cur/*/data/*/*.parquet")
    cur_total = sum(
        (v for v in pq.read_table(cur_file).column("line_item_unblended_cost").to_pylist() if v), Decimal(0)
    )
    assert billed["AWS"] == cur_total.quantize(Decimal("0.000000001"))
    assert billed["Microsoft"] == azure["actual"] and effective["Microsoft"] == azure["amortized"]
    assert billed["Google Cloud"] == effective["Google Cloud"] == gcp
    assert (demo_run["settings"].exports_dir / "focus" / "focus_costs.parquet").exists()


def test_every_provider_usage_row_of_the_demo_is_priced(demo_run):
    """The demo's cards price every model it uses, in every tier its usage reports (Bedrock included)."""
    with duckdb.connect(str(demo_run["settings"].warehouse_path), read_only=True) as con:
        unpriced = con.execute(
            "select provider, model, service_tier, count(*) from fct_provider_usage where not is_priced group by all"
        ).fetchall()
        providers = {row[0] for row in con.execute("select distinct provider from fct_provider_usage").fetchall()}
    assert unpriced == []
    assert {"openai", "anthropic", "bedrock"} <= providers


def test_reconciliation_reports_the_known_variance(demo_run):
    """The demo's OpenAI usage carries 2% more gpt-4o-mini output tokens than the ledger (per day, rounded
    down): the variance must be exactly those tokens at $0.60 per 1M."""
    from collections import Counter

    output_by_day: Counter = Counter()
    for row in build_demo_ledger(WORLD).to_pylist():
        if CANONICAL(row["model_id"]) == "gpt-4o-mini":
            output_by_day[(row["ts"].date(), row["is_batch"])] += row["output_tokens"]
    extra_tokens = sum(int(tokens * Decimal("0.02")) for tokens in output_by_day.values())
    expected = Decimal(extra_tokens) * Decimal("0.60") / 1_000_000
    with duckdb.connect(str(demo_run["settings"].warehouse_path), read_only=True) as con:
        variance, ledger = con.execute(
            "select variance_usd, ledger_cost_usd from rpt_reconciliation_monthly"
            " where provider = 'openai' and model = 'gpt-4o-mini'"
        ).fetchone()
        allocated, billed = con.execute(
            "select sum(allocated_billed_cost_usd), max(provider_billed_cost_usd) from rpt_reconciliation_trueup"
            " where provider = 'openai'"
        ).fetchone()
    assert extra_tokens > 0 and ledger > 0
    assert variance == expected
    assert allocated == billed  # the features of a provider-month sum exactly to its bills


def test_dbt_invocations_after_the_first_reuse_its_parse(demo_job):
    """The three dbt invocations of a run get the same vars and hand their parse on: only the first may parse
    the whole project (seconds each on these machines); the next two start from its partial_parse.msgpack."""
    logs = demo_job["dbt_logs"]
    assert [name.split("-")[0] for name in logs] == ["dbt_staging", "dbt_daily_facts", "dbt_marts"]
    full_parses = [name for name, text in logs.items() if "Unable to do partial parsing" in text]
    assert full_parses in ([], [next(iter(logs))]), full_parses
