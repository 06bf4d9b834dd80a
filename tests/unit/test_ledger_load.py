"""Ledger validation, pricing in SQL versus the Python reference, quarantine and re-runs."""

import json
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.common import SourceFormatError
from ingest.ledger import discover_ledger_files
from rate_cards.pricing import price_ledger_row
from rate_cards.pricing_sql import FAST_MAX_COUNT
from tests.ledger_fixture import CARDS, ledger_request, priced_warehouse
from warehouse import ledger_load
from warehouse.duckdb_store import connect, load_balance
from warehouse.ledger_load import load_ledger_days
from warehouse.rate_card_load import load_llm_rate_cards

DAY = date(2026, 10, 5)


@pytest.fixture
def warehouse(tmp_path):
    yield from priced_warehouse(tmp_path / "w.duckdb")


def request(**overrides) -> dict:
    return ledger_request(str(uuid.uuid4()), "gpt-4o-mini", overrides)


def write_jsonl(landing: Path, day: date, rows: list, name: str = "requests.jsonl") -> Path:
    folder = landing / "ledger" / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def load(con, landing: Path, days: list[date]):
    return load_ledger_days(con, discover_ledger_files(landing / "ledger"), days)


def quarantine(con) -> dict[int, str]:
    return dict(con.execute("select line, reason from quarantine.rejected_rows order by line").fetchall())


def test_each_bad_row_is_quarantined_with_file_line_and_reason(warehouse, tmp_path):
    good = request()
    rows = [
        good,  # line 1
        request(request_id="not-a-uuid"),  # 2
        request(ts="yesterday at noon"),  # 3
        request(input_tokens=-1),  # 4
        request(output_tokens="12.5"),  # 5
        request(model_id="gpt-9-preview"),  # 6: unpriced, never $0
        request(cached_input_tokens=2000),  # 7: OpenAI counts cached inside input
        {k: v for k, v in request().items() if k != "feature_tag"},  # 8
        dict(good),  # 9: duplicate of line 1
        '{"request_id": "trunc',  # 10
        request(model_id="claude-haiku-4-5", input_tokens=10, cached_input_tokens=500),  # 11: additive: fine
        request(status="maybe"),  # 12
    ]
    path = write_jsonl(tmp_path, DAY, rows)
    (result,) = load(warehouse, tmp_path, [DAY])
    reasons = quarantine(warehouse)
    assert reasons[2] == "request_id is not a UUID"
    assert reasons[3] == "ts is not a timestamp"
    assert reasons[4] == "input_tokens is negative"
    assert reasons[5] == "output_tokens is not a whole number"
    assert reasons[6].startswith("unpriced model gpt-9-preview at 2026-10-05 10:00:00")
    assert reasons[7] == "cached_input_tokens + cache_write_tokens + cache_write_1h_tokens exceed input_tokens"
    assert reasons[8] == "missing required field feature_tag"
    assert reasons[9] == f"duplicate request_id: first seen in {path} line 1"
    assert reasons[10].startswith("malformed JSON")
    assert reasons[12] == "status is not ok/error"
    assert set(reasons) == {2, 3, 4, 5, 6, 7, 8, 9, 10, 12}
    assert (result.input_rows, result.loaded_rows, result.quarantined_rows) == (12, 2, 10)
    assert load_balance(warehouse, "ledger", [DAY.isoformat()])[0][5] is True
    files = warehouse.execute("select distinct source_file from quarantine.rejected_rows").fetchall()
    assert files == [(str(path),)]


def test_offsets_convert_to_utc_and_naive_is_utc(warehouse, tmp_path):
    rows = [
        request(request_id=str(uuid.UUID(int=1)), ts="2026-10-05T23:30:00-02:00"),
        request(request_id=str(uuid.UUID(int=2)), ts="2026-10-05 08:15:00"),
    ]
    write_jsonl(tmp_path, DAY, rows)
    load(warehouse, tmp_path, [DAY])
    stored = warehouse.execute("select requested_at from raw_ledger.requests order by request_id").fetchall()
    assert stored == [(datetime(2026, 10, 6, 1, 30),), (datetime(2026, 10, 5, 8, 15),)]


def _random_rows(rng: random.Random, count: int) -> list[dict]:
    models = ["gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-mini", "o3-mini", "claude-sonnet-4-5", "claude-haiku-4-5-20251001"]
    rows = []
    for index in range(count):
        model = rng.choice(models)
        anthropic = model.startswith("claude")
        input_tokens = rng.randint(0, 300_000 if anthropic else 50_000)
        cached = rng.randint(0, 40_000) if anthropic else rng.randint(0, input_tokens)
        output = rng.randint(0, 20_000)
        rows.append(
            request(
                request_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                ts=(datetime(2026, 10, 5, tzinfo=UTC) + timedelta(seconds=index * 7)).isoformat(),
                model_id=model,
                input_tokens=input_tokens,
                cached_input_tokens=cached,
                cache_write_tokens=rng.randint(0, 5_000) if anthropic else 0,
                output_tokens=output,
                reasoning_tokens=rng.randint(0, output) if model == "o3-mini" else 0,
                is_batch=rng.random() < 0.3,
            )
        )
    return rows


def _python_cost(row: dict) -> Decimal:
    return price_ledger_row(CARDS, row, at=datetime.fromisoformat(row["ts"]))


def test_sql_pricing_equals_python_reference_on_every_format(warehouse, tmp_path):
    rng = random.Random(11)
    rows = _random_rows(rng, 900)
    write_jsonl(tmp_path, DAY, rows[:300])
    folder = tmp_path / "ledger" / DAY.isoformat()
    pq.write_table(pa.Table.from_pylist(rows[300:600]), folder / "part.parquet")
    import csv

    with (folder / "part.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[600:])
    (result,) = load(warehouse, tmp_path, [DAY])
    assert result.loaded_rows == 900, quarantine(warehouse)
    stored = dict(
        warehouse.execute("select cast(request_id as varchar), total_cost_usd from raw_ledger.requests").fetchall()
    )
    expected = {row["request_id"]: _python_cost(row) for row in rows}
    assert stored == expected
    assert sum(stored.values()) == sum(expected.values())


def test_rerun_is_identical_and_other_days_are_untouched(warehouse, tmp_path):
    rows = _random_rows(random.Random(3), 50)
    write_jsonl(tmp_path, DAY, rows[:25])
    write_jsonl(tmp_path, DAY + timedelta(days=1), rows[25:])
    load(warehouse, tmp_path, [DAY, DAY + timedelta(days=1)])
    snapshot = warehouse.execute("select * from raw_ledger.requests order by request_id").fetchall()
    load(warehouse, tmp_path, [DAY])
    assert warehouse.execute("select * from raw_ledger.requests order by request_id").fetchall() == snapshot


def test_request_already_loaded_on_another_day_is_a_duplicate(warehouse, tmp_path):
    first = request()
    kept = write_jsonl(tmp_path, DAY, [first])
    write_jsonl(tmp_path, DAY + timedelta(days=1), [first, request()])
    load(warehouse, tmp_path, [DAY])
    (second,) = load(warehouse, tmp_path, [DAY + timedelta(days=1)])
    assert (second.loaded_rows, second.quarantined_rows) == (1, 1)
    assert list(quarantine(warehouse).values()) == [f"duplicate request_id: first seen in {kept} line 1"]


def _state(con) -> tuple:
    """Everything the ledger load writes, in a canonical order."""
    return (
        con.execute("select * from raw_ledger.requests order by all").fetchall(),
        con.execute("select * from raw_ledger.duplicate_requests order by all").fetchall(),
        con.execute("select * from quarantine.rejected_rows order by all").fetchall(),
        con.execute("select * from audit.loads order by all").fetchall(),
    )


def test_resent_request_survives_the_restatement_of_its_first_day(warehouse, tmp_path):
    resent, other = request(), request()
    write_jsonl(tmp_path, DAY, [resent, other])
    later = write_jsonl(tmp_path, DAY + timedelta(days=1), [request(), dict(resent, input_tokens=7)])
    load(warehouse, tmp_path, [DAY, DAY + timedelta(days=1)])
    assert warehouse.execute("select count(*) from raw_ledger.requests").fetchone() == (3,)
    write_jsonl(tmp_path, DAY, [other])  # the first day is re-delivered without the request
    load(warehouse, tmp_path, [DAY])
    rows = warehouse.execute(
        "select ingest_date, input_tokens from raw_ledger.requests where request_id = ?", [resent["request_id"]]
    ).fetchall()
    assert rows == [(DAY + timedelta(days=1), 7)]  # the later copy took its place
    assert quarantine(warehouse) == {}
    balance = load_balance(warehouse, "ledger", [DAY.isoformat(), (DAY + timedelta(days=1)).isoformat()])
    assert [(b[0], b[1], b[2], b[3], b[5]) for b in balance] == [
        (DAY.isoformat(), 1, 1, 0, True),
        ((DAY + timedelta(days=1)).isoformat(), 2, 2, 0, True),
    ]
    # and it moves back when the first day brings it again
    write_jsonl(tmp_path, DAY, [resent, other])
    load(warehouse, tmp_path, [DAY])
    assert warehouse.execute(
        "select ingest_date from raw_ledger.requests where request_id = ?", [resent["request_id"]]
    ).fetchall() == [(DAY,)]
    assert list(quarantine(warehouse).items()) == [
        (2, f"duplicate request_id: first seen in {kept_path(tmp_path)} line 1")
    ]
    assert later.exists()


def kept_path(landing: Path) -> Path:
    return landing / "ledger" / DAY.isoformat() / "requests.jsonl"


def test_days_loaded_in_any_order_give_identical_tables(tmp_path):
    rng = random.Random(11)
    rows = _random_rows(rng, 30)
    days = [DAY + timedelta(days=offset) for offset in range(3)]
    # the same requests re-sent on later days, and twice within one day
    write_jsonl(tmp_path, days[0], rows[:10] + [rows[3]])
    write_jsonl(tmp_path, days[1], rows[10:20] + [rows[0], rows[4]])
    write_jsonl(tmp_path, days[2], rows[20:] + [rows[0], rows[15], request(model_id="gpt-9-preview")])
    states = []
    for order in ([days], [[days[2]], [days[0]], [days[1]]], [[days[1]], [days[2]], [days[0]]], [days, [days[1]]]):
        con = connect(tmp_path / f"w{len(states)}.duckdb")
        load_llm_rate_cards(con, CARDS)
        for batch in order:
            load(con, tmp_path, batch)
        states.append(_state(con))
        con.close()
    assert all(state == states[0] for state in states[1:])
    requests, duplicates, rejected, audit = states[0]
    assert len(requests) == 30 and len(duplicates) == 5 and len(rejected) == 6
    assert sum(row[2] for row in audit) == 11 + 12 + 13 == sum(row[3] + row[4] for row in audit)


def test_a_day_without_files_is_an_empty_delivery(warehouse, tmp_path):
    write_jsonl(tmp_path, DAY, [request(), request()])
    load(warehouse, tmp_path, [DAY])
    (emptied,) = load_ledger_days(warehouse, [], [DAY])
    assert (emptied.input_rows, emptied.loaded_rows, emptied.quarantined_rows) == (0, 0, 0)
    assert warehouse.execute("select count(*) from raw_ledger.requests").fetchone() == (0,)
    assert load_balance(warehouse, "ledger", [DAY.isoformat()])[0][1:] == (0, 0, 0, 0, True)


def test_the_load_gives_the_connection_back_with_the_callers_write_settings(warehouse, tmp_path, monkeypatch):
    # the load writes in parallel with a small write buffer (bounded memory); the caller's later statements
    # (dbt, exports on the same connection) keep their own settings, after a load and after a failed one
    settings = "select current_setting('preserve_insertion_order'), current_setting('write_buffer_row_group_count')"
    warehouse.execute("set write_buffer_row_group_count = 7")
    callers = warehouse.execute(settings).fetchone()
    assert callers == (True, 7)  # neither is what the load sets, so a missing restore shows
    assert ledger_load.WRITE_BUFFER_ROW_GROUPS != 7
    write_jsonl(tmp_path, DAY, [request(), request()])
    seen_inside = []

    def settle(con, *args):
        seen_inside.append(con.execute(settings).fetchone())
        raise RuntimeError("settling failed")

    load(warehouse, tmp_path, [DAY])
    assert warehouse.execute(settings).fetchone() == callers
    monkeypatch.setattr(ledger_load, "_settle_duplicates", settle)
    with pytest.raises(RuntimeError, match="settling failed"):
        load(warehouse, tmp_path, [DAY])
    assert seen_inside == [(False, ledger_load.WRITE_BUFFER_ROW_GROUPS)]
    assert warehouse.execute(settings).fetchone() == callers


def test_csv_records_with_quoted_newlines_balance(warehouse, tmp_path):
    import csv

    folder = tmp_path / "ledger" / DAY.isoformat()
    folder.mkdir(parents=True)
    rows = [request(feature_tag=tag) for tag in ("chat", "multi\nline tag", "search")]
    with (folder / "requests.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert (folder / "requests.csv").read_text().count("\n") == 5  # 1 header + 3 records, one over two lines
    (result,) = load(warehouse, tmp_path, [DAY])
    assert (result.input_rows, result.loaded_rows, result.quarantined_rows) == (3, 3, 0)
    tags = warehouse.execute("select feature_tag from raw_ledger.requests order by feature_tag").fetchall()
    assert tags == [("chat",), ("multi\nline tag",), ("search",)]


def test_a_row_the_reader_drops_unbalances_the_day(warehouse, tmp_path, monkeypatch):
    """Fault injection: the text reader silently loses its last row; the input count (taken from the file by
    another route) no longer equals loaded + quarantined."""
    import warehouse.ledger_load as ledger_load

    real = ledger_load.read_text_file

    def lossy(file):
        table, rejected = real(file)
        return table.slice(0, table.num_rows - 1), rejected

    monkeypatch.setattr(ledger_load, "read_text_file", lossy)
    write_jsonl(tmp_path, DAY, [request(), request(), request(input_tokens=-1)])
    (result,) = load(warehouse, tmp_path, [DAY])
    assert (result.input_rows, result.loaded_rows, result.quarantined_rows) == (3, 2, 0)
    assert load_balance(warehouse, "ledger", [DAY.isoformat()])[0][5] is False


def test_restated_day_replaces_never_appends(warehouse, tmp_path):
    write_jsonl(tmp_path, DAY, [request(), request()])
    load(warehouse, tmp_path, [DAY])
    write_jsonl(tmp_path, DAY, [request(input_tokens=10)])
    load(warehouse, tmp_path, [DAY])
    assert warehouse.execute("select count(*), sum(input_tokens) from raw_ledger.requests").fetchone() == (1, 10)


def test_file_outside_a_date_folder_is_a_clear_error(tmp_path):
    (tmp_path / "ledger").mkdir()
    (tmp_path / "ledger" / "stray.jsonl").write_text("{}\n")
    with pytest.raises(SourceFormatError, match="stray.jsonl: ledger files must sit in a delivery-date folder"):
        discover_ledger_files(tmp_path / "ledger")


def test_service_tiers_price_from_their_own_card_entries(warehouse, tmp_path):
    tokens = dict(model_id="gpt-5", input_tokens=10_000, cached_input_tokens=2_000, output_tokens=1_000)
    rows = [
        request(**tokens),  # line 1: no tier = the default (standard) tier
        request(**tokens, service_tier="priority"),  # 2
        request(**tokens, service_tier="FLEX"),  # 3: tier names are case-insensitive
        request(**tokens, service_tier="scale"),  # 4: no card entry for this tier: unpriced, never standard price
    ]
    write_jsonl(tmp_path, DAY, rows)
    load(warehouse, tmp_path, [DAY])
    costs = dict(warehouse.execute("select source_line, total_cost_usd from raw_ledger.requests order by 1").fetchall())
    # hand-computed (tests/unit/test_pricing.py): $0.02025 standard, $0.0405 priority, $0.010125 flex
    assert costs == {1: Decimal("0.02025"), 2: Decimal("0.0405"), 3: Decimal("0.010125")}
    tiers = warehouse.execute("select service_tier from raw_ledger.requests order by source_line").fetchall()
    assert tiers == [("default",), ("priority",), ("flex",)]
    assert quarantine(warehouse) == {
        4: "unpriced model gpt-5 at 2026-10-05 10:00:00 in service tier scale (no rate card entry or alias)"
    }
    assert all(
        costs[line] == price_ledger_row(CARDS, rows[line - 1] | {"ts": datetime(2026, 10, 5, 10)}) for line in costs
    )


def test_tool_calls_priced_from_the_card_and_unpriced_when_it_sells_none(warehouse, tmp_path):
    rows = [
        request(model_id="gpt-5", output_tokens=100, web_search_calls=2),  # 1
        request(model_id="gpt-4o-mini", web_search_calls=1),  # 2: no web search price in its card
        request(model_id="gpt-4o-mini", web_search_calls=0),  # 3
    ]
    write_jsonl(tmp_path, DAY, rows)
    load(warehouse, tmp_path, [DAY])
    costs = dict(warehouse.execute("select source_line, total_cost_usd from raw_ledger.requests").fetchall())
    # gpt-5: 1,000 x $1.25 + 100 x $10 + 2 searches x $10 / 1,000 = $0.00125 + $0.001 + $0.02 = $0.02225
    # gpt-4o-mini without searches: 1,000 x $0.15 + 100 x $0.60 = $0.00021
    assert costs == {1: Decimal("0.02225"), 3: Decimal("0.00021")}
    assert quarantine(warehouse) == {
        2: "unpriced usage of model gpt-4o-mini: its card has no price for web_search_calls"
    }


def test_request_id_is_trimmed_only_where_needed_and_blank_is_missing(warehouse, tmp_path):
    # the loader casts the id as sent and trims only the ids that fail: padded ids still load as their UUID,
    # blank ones are "missing", spaces inside are "not a UUID"; a Parquet UUID column is taken as it is
    padded, braced, typed = uuid.UUID(int=101), uuid.UUID(int=102), uuid.UUID(int=103)
    rows = [
        request(request_id=f"  {padded}  "),  # 1: loads
        request(request_id="   "),  # 2
        request(request_id=""),  # 3
        request(request_id=f"{{{braced}}}"),  # 4: loads (DuckDB's braced form)
        request(request_id=f"{str(padded)[:8]} {str(padded)[9:]}"),  # 5: a space inside
    ]
    write_jsonl(tmp_path, DAY, rows)
    folder = tmp_path / "ledger" / DAY.isoformat()
    as_uuid = pa.array([typed.bytes, None], pa.uuid())
    base = pa.Table.from_pylist([request(), request()]).drop_columns("request_id")
    pq.write_table(base.append_column("request_id", as_uuid), folder / "typed.parquet")
    (result,) = load(warehouse, tmp_path, [DAY])
    stored = {row[0] for row in warehouse.execute("select request_id from raw_ledger.requests").fetchall()}
    assert stored == {padded, braced, typed}
    reasons = dict(
        warehouse.execute(
            "select parse_filename(source_file) || ':' || line, reason from quarantine.rejected_rows"
        ).fetchall()
    )
    assert reasons == {
        "requests.jsonl:2": "missing required field request_id",
        "requests.jsonl:3": "missing required field request_id",
        "requests.jsonl:5": "request_id is not a UUID",
        "typed.parquet:2": "missing required field request_id",
    }
    assert (result.input_rows, result.loaded_rows, result.quarantined_rows) == (7, 3, 4)


def test_costs_at_the_edge_of_64_bit_pricing_equal_the_python_reference(warehouse, tmp_path):
    # rows within FAST_MAX_COUNT are priced in BIGINT, the others in HUGEINT: both sides of the edge, on the
    # dearest card (Opus 4.1, $75 per 1M output), with the half-even rounding of odd token counts
    edge = FAST_MAX_COUNT
    opus = "claude-opus-4-1"
    cases = [
        {"input_tokens": edge, "output_tokens": edge},
        {"input_tokens": edge + 1, "output_tokens": edge},
        {"input_tokens": edge, "output_tokens": edge + 1},
        {"input_tokens": edge, "output_tokens": 1, "cached_input_tokens": edge, "cache_write_tokens": edge},
        {"input_tokens": 1, "output_tokens": 1, "cache_write_1h_tokens": edge + 1},
        {"input_tokens": 3, "output_tokens": 7, "cached_input_tokens": 333},
        {"input_tokens": edge * 10_000, "output_tokens": 999_999_999_999},
    ]
    rows = [request(request_id=str(uuid.UUID(int=500 + n)), model_id=opus, **case) for n, case in enumerate(cases)]
    write_jsonl(tmp_path, DAY, rows)
    (result,) = load(warehouse, tmp_path, [DAY])
    assert result.loaded_rows == len(rows), quarantine(warehouse)
    stored = dict(
        warehouse.execute("select cast(request_id as varchar), total_cost_usd from raw_ledger.requests").fetchall()
    )
    assert stored == {row["request_id"]: _python_cost(row) for row in rows}
    # by hand: 1e8 input at $15 + 1e8 output at $75 per 1M tokens = $1,500 + $7,500
    assert stored[rows[0]["request_id"]] == Decimal("9000")


def _duplicates_scenario(con, landing: Path) -> tuple:
    """Copies within a day, across days, and a restated first day whose copy elsewhere takes its place."""
    rows = _random_rows(random.Random(5), 40)
    later = DAY + timedelta(days=1)
    write_jsonl(landing, DAY, rows[:20] + [dict(row, duration_ms=1) for row in rows[:4]])
    write_jsonl(landing, later, rows[20:] + [dict(row, duration_ms=2) for row in rows[4:9]])
    load(con, landing, [DAY, later])
    first = _state(con)
    write_jsonl(landing, DAY, rows[:4] + rows[5:20])  # re-delivered without rows[4]: its later copy is promoted
    load(con, landing, [DAY])
    return first, _state(con)


def _scenario_unchanged_by(tmp_path, monkeypatch, setting: str, value: int) -> tuple:
    """The duplicates scenario with the loader's defaults, then with `setting` forced to `value`: both runs
    must leave the same rows, duplicates, quarantine and audits (returned)."""
    reference = connect(tmp_path / "reference.duckdb")
    load_llm_rate_cards(reference, CARDS)
    expected = _duplicates_scenario(reference, tmp_path / "landing")
    monkeypatch.setattr(ledger_load, setting, value)
    changed = connect(tmp_path / "changed.duckdb")
    load_llm_rate_cards(changed, CARDS)
    assert _duplicates_scenario(changed, tmp_path / "landing") == expected  # same files, same rows
    return expected


def test_contested_ids_are_the_same_when_searched_in_parts(tmp_path, monkeypatch):
    # a big day is searched for repeated request_ids one hash bucket at a time (bounded memory); with one row
    # per part every bucket path runs on this small ledger, and must settle exactly as the single pass
    expected = _scenario_unchanged_by(tmp_path, monkeypatch, "_CONTESTED_SEARCH_ROWS", 1)
    (requests, duplicates, quarantined, _) = expected[0]
    # 4 copies within the first day, 5 on the second day of requests the first day holds: 40 requests kept
    assert (len(requests), len(duplicates), len(quarantined)) == (40, 9, 9)
    # restated: no copies within the first day; rows[4] now kept from the second day, whose 4 other copies stay
    requests, duplicates, quarantined, _ = expected[1]
    assert (len(requests), len(duplicates), len(quarantined)) == (40, 4, 4)


def test_days_loaded_one_batch_each_settle_as_one_statement(tmp_path, monkeypatch):
    # a large window loads in batches of days (bounded memory): each day alone must give the same rows,
    # duplicates, quarantine and day audits as the whole window in one statement
    expected = _scenario_unchanged_by(tmp_path, monkeypatch, "BATCH_BYTES", 1)
    assert len(expected[0][0]) == 40


def test_day_batches_cut_consecutive_days_by_file_bytes(tmp_path):
    def day_file(day: date, size: int) -> ledger_load.LedgerFile:
        path = tmp_path / f"{day.isoformat()}-{size}.jsonl"
        path.write_bytes(b"x" * size)
        return ledger_load.LedgerFile(path=path, ingest_date=day, format="jsonl")

    days = [DAY + timedelta(days=offset) for offset in range(5)]
    files = [day_file(days[0], 40), day_file(days[1], 50), day_file(days[2], 100), day_file(days[4], 30)]
    # in date order whatever the order asked: 40 + 50 fit in 100; the 100-byte day fills a batch, which the
    # empty day (0 bytes) still joins; the 30-byte day starts the next
    assert ledger_load.day_batches(files, list(reversed(days)), limit=100) == [days[0:2], days[2:4], [days[4]]]
    assert ledger_load.day_batches(files, days, limit=10) == [[day] for day in days]
