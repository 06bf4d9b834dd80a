"""fct_requests' uniqueness test on a nightly run reads the partition window, not all history: it still fails on
a request held twice in the window or held both in the window and outside it, ignores history it does not
cover, and a full build (no window) checks the whole table. The same for the staging ledger's not-null test on
request_id."""

import shutil
from datetime import date

import duckdb
import pytest

from pipelines.assets.dbt import window_environment
from tests.dbt_build import dbt_build, run_dbt

pytestmark = pytest.mark.integration

# the window as Dagster hands it to dbt
WINDOW = window_environment((date(2026, 10, 3), date(2026, 10, 4)))
UNIQUE_TEST = "unique_in_partition_window"
NOT_NULL_TEST = "not_null_in_partition_window"

# three delivery days of ten requests each; the window is the third day
LEDGER = """
create table raw_ledger.requests as
select
    uuid() as request_id,
    timestamp '2026-10-01 10:00:00' + to_days(cast(i // 10 as integer)) as requested_at,
    date '2026-10-01' + cast(i // 10 as integer) as ingest_date,
    'm' as model_id, 'm' as model, 'p' as provider, 'v1' as api_version, 'f' as feature_tag, 't' as team,
    'tenant' as tenant_id, 'prod' as environment, null::varchar as conversation_id, 'ok' as status,
    false as is_batch, null::boolean as cache_hit, null::varchar as routing_reason, null::varchar as retry_of,
    cast(10 as bigint) as input_tokens, cast(5 as bigint) as output_tokens, cast(0 as bigint) as cached_input_tokens,
    cast(0 as bigint) as cache_write_tokens, cast(0 as bigint) as reasoning_tokens, cast(10 as bigint) as prompt_tokens,
    false as is_long_context, cast(100 as bigint) as duration_ms, cast(0.001 as decimal(38, 9)) as total_cost_usd,
    null::decimal(38, 9) as client_cost_usd, 'card' as rate_card_version, 'file' as source_file, i as source_line
from range(30) as t(i)
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("unique_window")
    path = root / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw_ledger")
        con.execute(LEDGER)
    dbt_build(path, root, "stg_ledger__requests", "fct_requests", command="run")
    return root, path


def _test_passes(root, warehouse, window: bool, test: str = UNIQUE_TEST) -> bool:
    completed = run_dbt(
        "test",
        "--select",
        f"test_name:{test}",
        work=root,
        env={"FINOPS_WAREHOUSE_PATH": str(warehouse), **(WINDOW if window else {})},
    )
    assert test in completed.stdout, completed.stdout[-3000:]
    return completed.returncode == 0


def _copy_with(built, tmp_path, sql: str):
    root, path = built
    copy = tmp_path / "w.duckdb"
    shutil.copy(path, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(sql)
    return copy


def test_a_clean_table_passes_nightly_and_full(built):
    root, path = built
    assert _test_passes(root, path, window=True)
    assert _test_passes(root, path, window=False)


def test_a_request_twice_in_the_window_fails(built, tmp_path):
    copy = _copy_with(built, tmp_path, "insert into fct_requests select * from fct_requests where source_line = 25")
    assert not _test_passes(tmp_path, copy, window=True)


def test_a_window_request_also_held_outside_the_window_fails(built, tmp_path):
    copy = _copy_with(
        built,
        tmp_path,
        "insert into fct_requests select * replace (date '2026-10-01' as ingest_date) "
        "from fct_requests where source_line = 25",
    )
    assert not _test_passes(tmp_path, copy, window=True)


def test_history_outside_the_window_is_left_to_the_full_build(built, tmp_path):
    copy = _copy_with(built, tmp_path, "insert into fct_requests select * from fct_requests where source_line = 5")
    assert _test_passes(tmp_path, copy, window=True)  # not read on a nightly run
    assert not _test_passes(tmp_path, copy, window=False)


def _ledger_with_a_null_id(built, tmp_path, source_line: int):
    """A copy whose raw ledger holds the request of `source_line` again, without its request_id."""
    return _copy_with(
        built,
        tmp_path,
        "insert into raw_ledger.requests select * replace (null as request_id) from raw_ledger.requests "
        f"where source_line = {source_line}",
    )


def test_not_null_passes_a_clean_ledger_nightly_and_full(built):
    root, path = built
    assert _test_passes(root, path, window=True, test=NOT_NULL_TEST)
    assert _test_passes(root, path, window=False, test=NOT_NULL_TEST)


def test_a_null_request_id_in_the_window_fails(built, tmp_path):
    copy = _ledger_with_a_null_id(built, tmp_path, source_line=25)
    assert not _test_passes(tmp_path, copy, window=True, test=NOT_NULL_TEST)


def test_a_null_request_id_outside_the_window_is_left_to_the_full_build(built, tmp_path):
    copy = _ledger_with_a_null_id(built, tmp_path, source_line=5)
    assert _test_passes(tmp_path, copy, window=True, test=NOT_NULL_TEST)  # the raw tables' NOT NULL holds it
    assert not _test_passes(tmp_path, copy, window=False, test=NOT_NULL_TEST)
