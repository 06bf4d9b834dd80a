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
from rate_cards.llm_cards import load_rate_cards
from rate_cards.pricing import price_ledger_row
from warehouse.duckdb_store import connect, load_balance
from warehouse.ledger_load import load_ledger_days
from warehouse.rate_card_load import load_llm_rate_cards

CARDS = load_rate_cards()
DAY = date(2026, 10, 5)


@pytest.fixture
def warehouse(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    load_llm_rate_cards(con, CARDS)
    yield con
    con.close()


def request(**overrides) -> dict:
    row = {
        "request_id": str(uuid.uuid4()),
        "ts": "2026-10-05T10:00:00Z",
        "model_id": "gpt-4o-mini",
        "api_version": "v1",
        "feature_tag": "chat",
        "input_tokens": 1000,
        "output_tokens": 100,
        "duration_ms": 250,
    }
    row.update(overrides)
    return row


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
    assert reasons[7] == "cached_input_tokens exceed input_tokens"
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
    write_jsonl(tmp_path, DAY, [first])
    write_jsonl(tmp_path, DAY + timedelta(days=1), [first, request()])
    load(warehouse, tmp_path, [DAY])
    (second,) = load(warehouse, tmp_path, [DAY + timedelta(days=1)])
    assert (second.loaded_rows, second.quarantined_rows) == (1, 1)
    assert list(quarantine(warehouse).values()) == ["duplicate request_id: already loaded from delivery day 2026-10-05"]


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
