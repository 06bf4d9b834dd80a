"""The ledger marts reshaped to stay within a memory limit give exactly what their old SQL gave.

rpt_model_unit_costs reads its percentiles off a duration histogram instead of DuckDB's quantile_cont (which
holds every value in memory and does not spill); rpt_cost_per_resolution picks each conversation's first request
with an aggregate instead of a window over every request. Both are built by dbt on random requests made to hit
the edges (ties, single-request groups, groups with no duration, a null api_version or feature_tag, huge
durations, several first requests at the same instant), then compared cell by cell, doubles included, with the
old expressions run on the same fct_requests."""

import duckdb
import pytest

from tests.dbt_build import dbt_build

pytestmark = pytest.mark.integration

REQUESTS = 30_000
GRAIN = "request_date, model, api_version, provider"

OLD_UNIT_COSTS = f"""
select
    {GRAIN},
    count(*) as requests,
    cast(sum(prompt_tokens) as bigint) as prompt_tokens,
    cast(sum(output_tokens) as bigint) as output_tokens,
    cast(sum(total_tokens) as bigint) as total_tokens,
    cast(coalesce(sum(total_cost_usd), 0) as decimal(38, 9)) as total_cost_usd,
    quantile_cont(duration_ms, 0.5) as p50_duration_ms,
    quantile_cont(duration_ms, 0.95) as p95_duration_ms,
    quantile_cont(duration_ms, 0.99) as p99_duration_ms,
    cast(sum(case when status = 'error' then 1 else 0 end) as bigint) as error_requests,
    cast(sum(case when status = 'error' then 1 else 0 end) as double) / count(*) as error_rate
from fct_requests
group by {GRAIN}
"""

OLD_COST_PER_RESOLUTION = """
with requests as (select * from fct_requests where conversation_id is not null),
ordered_requests as (
    select
        conversation_id, feature_tag, model, request_date,
        row_number() over (partition by conversation_id order by requested_at, request_id) as request_order
    from requests
),
conversation_costs as (
    select conversation_id, count(*) as requests, cast(coalesce(sum(total_cost_usd), 0) as decimal(38, 9)) as cost
    from requests
    group by conversation_id
),
conversations as (
    select
        totals.requests,
        totals.cost,
        first_request.feature_tag,
        first_request.model,
        coalesce(
            outcomes.outcome = 'resolved'
            and (outcomes.reopened_at is null or outcomes.reopened_at > outcomes.resolved_at + interval 7 day),
            false
        ) as is_resolution,
        coalesce(cast(outcomes.resolved_at as date), cast(outcomes.opened_at as date), first_request.request_date)
            as outcome_date
    from conversation_costs as totals
    inner join ordered_requests as first_request
        on totals.conversation_id = first_request.conversation_id and first_request.request_order = 1
    left join raw_outcomes.conversations as outcomes on totals.conversation_id = outcomes.conversation_id
)
select
    outcome_date,
    feature_tag,
    model,
    count(*) as conversations,
    cast(sum(case when is_resolution then 1 else 0 end) as bigint) as resolutions,
    cast(sum(case when is_resolution then requests else 0 end) as bigint) as resolution_requests,
    cast(coalesce(sum(case when is_resolution then cost end), 0) as decimal(38, 9)) as resolution_cost_usd,
    cast(coalesce(sum(cost), 0) as decimal(38, 9)) as all_conversations_cost_usd
from conversations
group by outcome_date, feature_tag, model
"""

# Durations: mostly from a few values (ties), some null, some near the bigint range (exact interpolation of
# values a double cannot hold); grains: four days x three models x api versions with a null one, so that
# some groups hold a single request and some hold only null durations.
RANDOM_REQUESTS = f"""
create table raw_ledger.requests as
with drawn as (
    select
        i,
        random() as r_grain,
        random() as r_duration,
        random() as r_kind,
        random() as r_conversation,
        random() as r_time
    from range({REQUESTS}) as t(i)
)
select
    uuid() as request_id,
    case
        when r_time < 0.3 then timestamp '2026-10-01 09:00:00'
        else timestamp '2026-10-01 00:00:00' + to_seconds(cast(r_time * 4 * 86400 as bigint))
    end as requested_at,
    date '2026-10-05' as ingest_date,
    'm' || cast(floor(r_grain * 3) as int) as model_id,
    'm' || cast(floor(r_grain * 3) as int) as model,
    'p' as provider,
    case when i % 97 = 0 then 'v-single-' || i when i % 5 = 0 then null else 'v' || (i % 3) end as api_version,
    case when i % 11 = 0 then null else 'f' || (i % 4) end as feature_tag,
    't' as team,
    'tenant' as tenant_id,
    'prod' as environment,
    case when i % 13 = 0 then null else 'c' || cast(floor(r_conversation * {REQUESTS // 4}) as bigint) end
        as conversation_id,
    case when r_kind < 0.1 then 'error' else 'ok' end as status,
    false as is_batch,
    null::boolean as cache_hit,
    null::varchar as routing_reason,
    null::varchar as retry_of,
    cast(r_duration * 5000 as bigint) as input_tokens,
    cast(r_kind * 900 as bigint) as output_tokens,
    cast(0 as bigint) as cached_input_tokens,
    cast(0 as bigint) as cache_write_tokens,
    cast(0 as bigint) as reasoning_tokens,
    cast(r_duration * 5000 as bigint) as prompt_tokens,
    false as is_long_context,
    case
        when i % 97 = 0 and i % 2 = 0 then null
        when i % 7 = 0 then null
        when i % 89 = 0 then cast(4611686018427387904 + r_duration * 1e15 as bigint)
        when r_duration < 0.8 then cast(100 * floor(r_duration * 12) as bigint)
        else cast(r_duration * 200000 as bigint)
    end as duration_ms,
    cast(r_kind * 0.0123456789 as decimal(38, 9)) as total_cost_usd,
    null::decimal(38, 9) as client_cost_usd,
    'card' as rate_card_version,
    'file' as source_file,
    i as source_line
from drawn
"""

RANDOM_OUTCOMES = f"""
create table raw_outcomes.conversations as
select
    'c' || i as conversation_id,
    timestamp '2026-10-01 08:00:00' + to_hours(cast(i % 90 as bigint)) as opened_at,
    case when i % 3 = 0 then null else timestamp '2026-10-02 08:00:00' + to_hours(cast(i % 70 as bigint)) end
        as resolved_at,
    case i % 4 when 0 then 'abandoned' when 3 then null else 'resolved' end as outcome,
    case when i % 5 = 0 then timestamp '2026-10-04 08:00:00' when i % 7 = 0 then timestamp '2026-10-30 08:00:00' end
        as reopened_at,
    'outcomes.csv' as source_file,
    i as source_line
from range({REQUESTS // 5}) as t(i)
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("marts_identity")
    path = root / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("select setseed(0.42)")
        con.execute("create schema raw_ledger")
        con.execute("create schema raw_outcomes")
        con.execute(RANDOM_REQUESTS)
        con.execute(RANDOM_OUTCOMES)
    dbt_build(
        path,
        root,
        "stg_ledger__requests",
        "stg_outcomes__conversations",
        "fct_requests",
        "rpt_model_unit_costs",
        "rpt_cost_per_resolution",
        command="run",
    )
    return path


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(f"select * from ({sql}) order by all").fetchall()


def test_the_random_requests_reach_the_edges(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        groups = con.execute(
            f"select count(*), count(*) filter (where n = 1), count(*) filter (where timed = 0), "
            f"count(*) filter (where api_version is null), count(*) filter (where distinct_durations < timed) "
            f"from (select {GRAIN}, count(*) as n, count(duration_ms) as timed, "
            f"count(distinct duration_ms) as distinct_durations from fct_requests group by {GRAIN})"
        ).fetchone()
        tied_firsts = con.execute(
            "select count(*) from (select conversation_id from fct_requests where conversation_id is not null "
            "and requested_at = timestamp '2026-10-01 09:00:00' group by 1 having count(*) > 1)"
        ).fetchone()[0]
    total, single, untimed, null_version, with_ties = groups
    assert total > 20 and single > 0 and untimed > 0 and null_version > 0 and with_ties > 0
    assert tied_firsts > 0


def test_unit_costs_equal_the_quantile_cont_expression(warehouse):
    columns = (
        f"{GRAIN}, requests, prompt_tokens, output_tokens, total_tokens, total_cost_usd, p50_duration_ms, "
        "p95_duration_ms, p99_duration_ms, error_requests, error_rate"
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        new = _rows(con, f"select {columns} from rpt_model_unit_costs")
        old = _rows(con, OLD_UNIT_COSTS)
        interpolated = con.execute(
            "select count(*) from rpt_model_unit_costs where p95_duration_ms <> floor(p95_duration_ms)"
        ).fetchone()[0]
    assert len(new) == len(old) > 20
    assert interpolated > 0  # the interpolation itself is exercised, not only whole positions
    # exact equality, doubles included
    assert [row for row in new if row not in set(old)] == []
    assert new == old


def test_cost_per_resolution_equals_the_window_expression(warehouse):
    columns = (
        "outcome_date, feature_tag, model, conversations, resolutions, resolution_requests, resolution_cost_usd, "
        "all_conversations_cost_usd"
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        new = _rows(con, f"select {columns} from rpt_cost_per_resolution")
        old = _rows(con, OLD_COST_PER_RESOLUTION)
    assert len(new) == len(old) > 10
    assert any(row[1] is None for row in new)  # a conversation whose first request has no feature_tag
    assert new == old
