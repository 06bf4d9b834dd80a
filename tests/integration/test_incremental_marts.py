"""The marts incremental by request day (macros/incremental.sql: day fingerprints) equal their full rebuild night
after night, through the whole Dagster job and the real ledger loader: a first night, a restated delivery day
(one request's values changed, and a request whose kept copy moves to another request day), a withdrawn
(emptied) day, then a new day. After each night a copy of the warehouse is rebuilt with `dbt run --full-refresh`
of those models on the same upstream tables; the two must hold the same rows (`except all` both ways), and so
must their day fingerprints."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from ingest.demo import generate_landing
from ingest.demo.world import World
from pipelines.assets.dbt import window_environment
from pipelines.cli import run_main_job
from pipelines.settings import Settings
from tests.dbt_build import run_dbt

pytestmark = pytest.mark.integration

WORLD = World(start_date=date(2026, 10, 1), days=4)
DAY1, DAY2, DAY3, DAY4 = (date(2026, 10, day) for day in (1, 2, 3, 4))
# in service from DAY1 in the demo registry (ingest/demo/model_registry.py)
REGISTRY_MOVED = "support-ranker-v3"
INCREMENTAL_BY_DAY = ("int_ledger__owner_days", "rpt_model_unit_costs", "int_ledger__model_version_days")


def _day_file(landing: Path, day: date) -> Path:
    (path,) = (landing / "ledger" / day.isoformat()).glob("requests.*")
    return path


def _run(settings: Settings, start: date, end: date) -> bool:
    with contextlib.redirect_stdout(io.StringIO()):
        return run_main_job(settings, start, end)


def _differences(settings: Settings, work: Path) -> dict[str, tuple[int, int, int]]:
    """Per model and fingerprint table: (rows, rows only in the incremental build, rows only in the full rebuild).
    Every night's rebuild is the same file in the same dbt target folder: dbt then reuses its first parse (a
    profile with another path is a full parse of the project, ~10 s each night)."""
    rebuilt = _copy_for_rebuild(settings, work)
    completed = run_dbt(
        "run",
        "--full-refresh",
        "--select",
        *INCREMENTAL_BY_DAY,
        work=work,
        env={"FINOPS_WAREHOUSE_PATH": str(rebuilt)},
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    found = {}
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        con.execute(f"attach '{rebuilt}' as rebuilt (read_only)")
        for model in INCREMENTAL_BY_DAY:
            schema = relation_schema(con, model)
            for table in (model, f"{model}__day_fingerprints"):
                ours, theirs = f"{schema}.{table}", f"rebuilt.{schema}.{table}"
                found[table] = (
                    con.execute(f"select count(*) from {ours}").fetchone()[0],
                    con.execute(
                        f"select count(*) from (select * from {ours} except all select * from {theirs})"
                    ).fetchone()[0],
                    con.execute(
                        f"select count(*) from (select * from {theirs} except all select * from {ours})"
                    ).fetchone()[0],
                )
    return found


def _copy_for_rebuild(settings: Settings, work: Path) -> Path:
    """The warehouse copied to the one rebuild file of every night (dbt reuses its parse for the same path)."""
    rebuilt = work / "rebuilt.duckdb"
    for previous in (rebuilt, rebuilt.with_name(f"{rebuilt.name}.wal")):  # never replay last night's log on it
        previous.unlink(missing_ok=True)
    shutil.copyfile(settings.warehouse_path, rebuilt)
    return rebuilt


def _served_days(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    table = f"{relation_schema(con, 'int_ledger__model_version_days')}.int_ledger__model_version_days"
    return con.execute(f"select * from {table} order by request_date, model_version").fetchall()


def _registry_moved(settings: Settings, work: Path) -> dict[str, list]:
    """An incremental build after the registry changed (a version enters service two days later), against the
    rows before it: the version's first two days are no longer served by it, whatever their requests'
    fingerprints say (macros/incremental.sql: whole_inputs)."""
    rebuilt = _copy_for_rebuild(settings, work)
    with duckdb.connect(str(rebuilt)) as con:
        before = _served_days(con)
        moved = con.execute(
            f"update raw_gpu.model_registry set service_start_date = date '{DAY3}' "
            f"where model_version = '{REGISTRY_MOVED}' and service_start_date = date '{DAY1}'"
        ).fetchone()[0]
    assert moved == 1
    # a night of DAY4 only: without the registry's digest, days 1 and 2 would keep their fingerprints and rows
    night = window_environment((DAY4, DAY4 + timedelta(days=1)))
    completed = run_dbt(
        "run",
        "--select",
        "int_ledger__model_version_days",
        work=work,
        env={"FINOPS_WAREHOUSE_PATH": str(rebuilt), **night},
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    with duckdb.connect(str(rebuilt), read_only=True) as con:
        after = _served_days(con)
    return {"before": before, "after": after}


def relation_schema(con: duckdb.DuckDBPyConnection, table: str) -> str:
    (schema,) = con.execute(
        "select schema_name from duckdb_tables() where database_name = current_database() and table_name = ?",
        [table],
    ).fetchone()
    return schema


def _request_days(settings: Settings, request_id: str) -> list[date]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return [
            row[0]
            for row in con.execute(
                "select request_date from fct_requests where request_id = ?", [request_id]
            ).fetchall()
        ]


def _unit_cost_days(settings: Settings) -> list[date]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return [
            row[0]
            for row in con.execute("select distinct request_date from rpt_model_unit_costs order by 1").fetchall()
        ]


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental_marts")
    saved = dict(os.environ)
    os.environ.pop("DAGSTER_HOME", None)  # ephemeral run storage
    try:
        landing = root / "landing"
        generate_landing(landing, world=WORLD)
        # the fourth day is delivered only on the last night
        held_back = root / "held_back_day4"
        shutil.move(landing / "ledger" / DAY4.isoformat(), held_back)
        day1_file = _day_file(landing, DAY1)
        assert day1_file.suffix == ".jsonl"
        day1_lines = day1_file.read_text().splitlines()
        # a day-1 request re-sent on day 2 with a timestamp of day 2: the day-1 copy is kept until day 1 is
        # restated without it, then the request moves to request day 2
        moved = json.loads(day1_lines[1])
        resent = {**moved, "ts": moved["ts"].replace(DAY1.isoformat(), DAY2.isoformat(), 1)}
        assert resent["ts"] != moved["ts"]
        (landing / "ledger" / DAY2.isoformat() / "resent.jsonl").write_text(json.dumps(resent) + "\n")
        settings = Settings.resolve(landing=landing, warehouse_path=root / "w.duckdb", exports_dir=root / "exports")
        result = {"moved": moved, "ok": [], "differences": [], "moved_days": [], "unit_cost_days": []}

        rebuild = root / "rebuild"
        rebuild.mkdir()

        def night(name: str, start: date, end: date) -> None:
            result["ok"].append(_run(settings, start, end))
            result["differences"].append((name, _differences(settings, rebuild)))
            result["moved_days"].append(_request_days(settings, moved["request_id"]))
            result["unit_cost_days"].append(_unit_cost_days(settings))

        night("first", DAY1, DAY3)
        # day 1 restated: the moved request's copy is gone, another request's values changed
        restated = json.loads(day1_lines[2])
        restated["duration_ms"] = int(restated.get("duration_ms") or 0) + 123_457
        restated["team"] = "restated_team"
        day1_file.write_text("\n".join([day1_lines[0], json.dumps(restated), *day1_lines[3:]]) + "\n")
        night("restated", DAY1, DAY1)
        shutil.rmtree(landing / "ledger" / DAY3.isoformat())
        night("emptied", DAY3, DAY3)
        shutil.move(held_back, landing / "ledger" / DAY4.isoformat())
        night("new_day", DAY4, DAY4)
        result["registry_moved"] = _registry_moved(settings, rebuild)
        yield result
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_the_nights_ran_the_scenario(nights):
    assert nights["ok"] == [True, True, True, True]
    # the moved request sits on day 1, then on day 2 once day 1 is restated without it
    assert nights["moved_days"] == [[DAY1], [DAY2], [DAY2], [DAY2]]
    days = nights["unit_cost_days"]
    assert days[0] == days[1] == [DAY1, DAY2, DAY3]
    assert days[2] == [DAY1, DAY2]  # the emptied day is gone
    assert days[3] == [DAY1, DAY2, DAY4]


def test_each_night_equals_the_full_rebuild(nights):
    for name, differences in nights["differences"]:
        for table, (rows, only_ours, only_rebuilt) in differences.items():
            assert rows > 0, (name, table)
            assert (only_ours, only_rebuilt) == (0, 0), (name, table)


def test_a_registry_change_rebuilds_every_served_day(nights):
    before, after = nights["registry_moved"]["before"], nights["registry_moved"]["after"]
    # (request_date, model_version, ...): the moved version served days 1, 2 and 4 before (day 3 was emptied)
    assert {row[0] for row in before if row[1] == REGISTRY_MOVED} == {DAY1, DAY2, DAY4}
    expected = [row for row in before if not (row[1] == REGISTRY_MOVED and row[0] < DAY3)]
    assert after == expected
