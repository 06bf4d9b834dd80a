"""Orchestration wiring as plain assertions: no warehouse, no run."""

import json
from datetime import UTC, datetime

import dagster as dg

from pipelines.assets.dbt import dbt_project
from pipelines.definitions import defs


def _manifest() -> dict:
    return json.loads(dbt_project.manifest_path.read_text())


def test_every_dbt_source_is_loaded_by_a_python_asset():
    graph = defs.resolve_asset_graph()
    materializable = {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    sources = {dg.AssetKey([s["source_name"], s["name"]]) for s in _manifest()["sources"].values()}
    assert sources and sources <= materializable, sorted(k.to_user_string() for k in sources - materializable)


def test_marts_keep_their_names_and_groups():
    graph = defs.resolve_asset_graph()
    for mart in ("fct_requests", "rpt_showback", "rpt_cost_per_resolution", "rpt_model_unit_costs"):
        assert graph.get(dg.AssetKey([mart])).group_name == "marts_ledger"
    assert graph.get(dg.AssetKey(["staging", "stg_ledger__requests"])).group_name == "staging"


def test_ledger_and_its_fact_are_daily_partitioned_and_the_rest_is_not():
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey(["ledger", "requests"])).partitions_def is not None
    assert graph.get(dg.AssetKey(["fct_requests"])).partitions_def is not None
    assert graph.get(dg.AssetKey(["rpt_showback"])).partitions_def is None


def test_nightly_schedule_runs_yesterday_at_two_utc():
    schedule = defs.resolve_schedule_def("main_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 10, 6, 2, 0, tzinfo=UTC))
    request = schedule(context)
    assert request.partition_key == "2026-10-05"


def test_ledger_checks_are_blocking():
    ledger = defs.resolve_assets_def(dg.AssetKey(["ledger", "requests"]))
    specs = {spec.name: spec for spec in ledger.check_specs}
    assert set(specs) == {"row_balance", "gx_expectations"}
    assert all(spec.blocking for spec in specs.values())


def test_schedule_and_landing_sensor_are_on_by_default():
    assert defs.resolve_schedule_def("main_schedule").default_status == dg.DefaultScheduleStatus.RUNNING
    sensor = defs.resolve_sensor_def("landing_deliveries")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_deliveries_map_to_the_partitions_they_touch():
    from datetime import date

    from pipelines.sensors import changed_keys, delivery_partitions

    before = {"ledger/2026-10-20/a.jsonl": "1:1", "ledger/2026-10-21/a.jsonl": "1:1", "aws_cur/m.json": "5:5"}
    after = {
        "ledger/2026-10-21/a.jsonl": "2:9",  # changed
        "ledger/2026-10-22/b.csv": "1:1",  # new day
        "aws_cur/m.json": "5:5",  # unchanged
        "bedrock/AWSLogs/1/BedrockModelInvocationLogs/us-east-1/2026/10/19/12/x.json.gz": "3:3",
        "azure/actual/20261001-20261031/x.csv": "4:4",  # an export: yesterday's run reloads it
    }
    changed = changed_keys(before, after)
    assert "ledger/2026-10-20/a.jsonl" in changed  # an emptied day is a change too
    assert "aws_cur/m.json" not in changed
    assert delivery_partitions(changed, date(2026, 10, 23)) == [
        "2026-10-19",
        "2026-10-20",
        "2026-10-21",
        "2026-10-22",
    ]


def test_landing_sensor_runs_only_new_deliveries(tmp_path):
    from pipelines.resources import LandingResource

    (tmp_path / "ledger" / "2026-10-20").mkdir(parents=True)
    (tmp_path / "ledger" / "2026-10-20" / "a.jsonl").write_text("{}\n")
    sensor = defs.resolve_sensor_def("landing_deliveries")
    resources = {"landing": LandingResource(location=str(tmp_path))}
    with dg.build_sensor_context(resources=resources) as context:
        assert isinstance(sensor(context), dg.SkipReason)  # the first look records history, runs nothing
        cursor = context.cursor
    (tmp_path / "ledger" / "2026-10-21").mkdir()
    (tmp_path / "ledger" / "2026-10-21" / "b.jsonl").write_text("{}\n")
    with dg.build_sensor_context(cursor=cursor, resources=resources) as context:
        assert [request.partition_key for request in sensor(context)] == ["2026-10-21"]
        cursor = context.cursor
    with dg.build_sensor_context(cursor=cursor, resources=resources) as context:
        assert isinstance(sensor(context), dg.SkipReason)  # nothing new
