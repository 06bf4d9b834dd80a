"""Partition semantics of the ledger over several nights, through the whole Dagster job into temporary DuckDBs:
days loaded out of order, a re-sent request whose first day is restated without it, a day whose folder was
removed, days that never had a file, and a loader that silently drops a row (the balance check must fail)."""

import contextlib
import io
import json
import os
import shutil
from collections import defaultdict
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from ingest.demo import generate_landing
from ingest.demo.ledger import build_demo_ledger
from ingest.demo.world import World
from pipelines.cli import run_main_job
from pipelines.settings import Settings
from rate_cards.llm_cards import load_rate_cards
from rate_cards.pricing import price_ledger_row

pytestmark = pytest.mark.integration

WORLD = World(start_date=date(2026, 10, 1), days=3)
DAY1, DAY2, DAY3 = date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)
MARTS = ("fct_requests", "rpt_showback", "rpt_cost_per_resolution", "rpt_model_unit_costs")
LEDGER_TABLES = ("raw_ledger.requests", "raw_ledger.duplicate_requests")


def _snapshot(settings: Settings) -> dict:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        present = {
            f"{schema}.{name}"
            for schema, name in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        }
        tables = {
            name: con.execute(f"select * from {name} order by all").fetchall()
            for name in MARTS + LEDGER_TABLES
            if "." not in name or name in present
        }
        tables["quarantine"] = con.execute(
            "select * from quarantine.rejected_rows where source = 'ledger' order by all"
        ).fetchall()
        tables["audit"] = con.execute("select * from audit.loads where source = 'ledger' order by all").fetchall()
    return tables


def _query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _run(settings: Settings, start: date | None = None, end: date | None = None) -> tuple[bool, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ok = run_main_job(settings, start, end)
    return ok, out.getvalue()


def _day_file(landing, day: date):
    (path,) = (landing / "ledger" / day.isoformat()).glob("requests.*")
    return path


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    root = tmp_path_factory.mktemp("nights")
    saved = dict(os.environ)
    os.environ.pop("DAGSTER_HOME", None)  # ephemeral run storage
    try:
        landing = root / "landing"
        generate_landing(landing, world=WORLD)
        first_day_lines = _day_file(landing, DAY1).read_text().splitlines()
        resent_line = first_day_lines[1]  # an ordinary valid request of the first day ...
        resent = json.loads(resent_line)
        # ... re-sent by the client on the next delivery day
        (landing / "ledger" / DAY2.isoformat() / "resent.jsonl").write_text(resent_line + "\n")

        def settings(name: str) -> Settings:
            return Settings.resolve(
                landing=landing, warehouse_path=root / f"{name}.duckdb", exports_dir=root / f"exports_{name}"
            )

        in_order, out_of_order = settings("in_order"), settings("out_of_order")
        result = {"landing": landing, "resent": resent, "in_order": in_order, "out_of_order": out_of_order}
        result["in_order_ok"] = _run(in_order)[0]
        result["in_order_snapshot"] = _snapshot(in_order)
        result["out_of_order_ok"] = [_run(out_of_order, DAY2, DAY3)[0], _run(out_of_order, DAY1, DAY1)[0]]
        result["out_of_order_snapshot"] = _snapshot(out_of_order)

        # night 2: the first day is re-delivered without the request its client re-sent on day 2
        _day_file(landing, DAY1).write_text("\n".join(line for line in first_day_lines if line != resent_line) + "\n")
        result["restated_ok"] = _run(in_order, DAY1, DAY1)[0]
        result["restated_snapshot"] = _snapshot(in_order)

        # night 3: day 3's folder was withdrawn; days 4 and 5 never had a ledger file
        shutil.rmtree(landing / "ledger" / DAY3.isoformat())
        result["emptied_ok"] = _run(in_order, DAY3, date(2026, 10, 5))[0]
        result["emptied_snapshot"] = _snapshot(in_order)
        yield result
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_days_loaded_out_of_order_give_identical_marts(nights):
    assert nights["in_order_ok"] and nights["out_of_order_ok"] == [True, True]
    in_order, out_of_order = nights["in_order_snapshot"], nights["out_of_order_snapshot"]
    assert in_order["fct_requests"], "marts are empty"
    for table in (*MARTS, *LEDGER_TABLES, "quarantine", "audit"):
        assert in_order[table] == out_of_order[table], table
    # the earliest copy is the one kept, whichever day was loaded first
    kept = _query(
        nights["out_of_order"],
        "select ingest_date from fct_requests where request_id = ?",
        [nights["resent"]["request_id"]],
    )
    assert kept == [(DAY1,)]


def test_resent_request_survives_the_restatement_of_its_first_day(nights):
    assert nights["restated_ok"]
    before, after = nights["in_order_snapshot"], nights["restated_snapshot"]
    request_id = nights["resent"]["request_id"]
    rows = _query(
        nights["in_order"], "select ingest_date, source_file from fct_requests where request_id = ?", [request_id]
    )
    assert rows == [(DAY2, str(nights["landing"] / "ledger" / DAY2.isoformat() / "resent.jsonl"))]
    assert len(after["fct_requests"]) == len(before["fct_requests"])
    # the same request at the same cost, only delivered on another day: every total is unchanged
    assert after["rpt_showback"] == before["rpt_showback"]
    assert after["rpt_model_unit_costs"] == before["rpt_model_unit_costs"]
    assert len(after["quarantine"]) == len(before["quarantine"]) - 1
    assert not any(row[2].endswith("resent.jsonl") for row in after["quarantine"])


def _expected_showback(excluded_day: date) -> dict:
    """rpt_showback computed from the generator's own rows, priced by the Python reference."""
    cards = load_rate_cards()
    expected: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0)])
    for row in build_demo_ledger(WORLD).to_pylist():
        if row["ts"].date() == excluded_day:  # the demo delivers each request in the folder of its UTC date
            continue
        key = (row["ts"].strftime("%Y-%m"), row["team"], row["feature_tag"], row["environment"], row["tenant_id"])
        expected[key][0] += 1
        expected[key][1] += price_ledger_row(cards, row)
    return dict(expected)


def test_a_withdrawn_day_leaves_raw_fct_and_showback(nights):
    assert nights["emptied_ok"]
    settings = nights["in_order"]
    days = _query(settings, "select distinct ingest_date from fct_requests order by 1")
    assert days == [(DAY1,), (DAY2,)]
    assert _query(settings, "select count(*) from raw_ledger.requests where ingest_date = ?", [DAY3]) == [(0,)]
    # the showback's requests and the ledger's priced cost per owner (fct_requests) lose day 3 exactly
    requests = {
        tuple(row[:5]): row[5]
        for row in _query(
            settings,
            "select usage_month, team, feature, environment, tenant, requests from rpt_showback where requests > 0",
        )
    }
    ledger_cost = {
        tuple(row[:5]): row[5]
        for row in _query(
            settings,
            "select strftime(request_date, '%Y-%m'), team, feature_tag, environment, tenant_id, sum(total_cost_usd)"
            " from fct_requests group by all",
        )
    }
    expected = _expected_showback(excluded_day=DAY3)
    assert requests == {key: count for key, (count, _) in expected.items()}
    assert ledger_cost == {key: cost for key, (_, cost) in expected.items()}
    dropped = len(nights["restated_snapshot"]["fct_requests"]) - len(nights["emptied_snapshot"]["fct_requests"])
    assert dropped == sum(1 for row in build_demo_ledger(WORLD).to_pylist() if row["ts"].date() == DAY3) > 0


def test_days_without_ledger_files_are_empty_deliveries(nights):
    assert nights["emptied_ok"]
    audit = {row[1]: row[2:5] for row in nights["emptied_snapshot"]["audit"] if row[1] in ("2026-10-04", "2026-10-05")}
    assert audit == {"2026-10-04": (0, 0, 0), "2026-10-05": (0, 0, 0)}


def test_a_loader_that_drops_a_row_fails_the_balance_check(nights, monkeypatch):
    """Fault injection (not a client mock): the text reader loses the last row of the CSV day; the check counts
    the file's records by another route and must fail, and the failure stops the run."""
    import warehouse.ledger_load as ledger_load

    real = ledger_load.read_text_file

    def lossy(file):
        table, rejected = real(file)
        return (table.slice(0, table.num_rows - 1) if file.format == "csv" else table), rejected

    monkeypatch.setattr(ledger_load, "read_text_file", lossy)
    settings = nights["out_of_order"]
    ok, output = _run(settings, DAY2, DAY2)
    assert not ok
    assert "row_balance" in output
    (audit,) = _query(
        settings,
        "select input_rows, loaded_rows, quarantined_rows from audit.loads where source = 'ledger' and load_scope = ?",
        [DAY2.isoformat()],
    )
    csv_records = sum(1 for row in build_demo_ledger(WORLD).to_pylist() if row["ts"].date() == DAY2)
    assert audit[0] == csv_records + 1  # the CSV's requests and the re-sent one
    assert audit[1] + audit[2] == audit[0] - 1
