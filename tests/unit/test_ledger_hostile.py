"""Hostile ledger values (issue 8, items 5 and 6): each bad value is one quarantined row (or one rejected file)
with file, line and reason, while every other row, file and day loads."""

import csv
import io
import json
import uuid
from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.ledger import MAX_TOKENS_PER_REQUEST, discover_ledger_files
from rate_cards.pricing import price_ledger_row
from tests.ledger_fixture import CARDS, ledger_request, priced_warehouse
from warehouse.duckdb_store import load_balance
from warehouse.ledger_load import load_ledger_days

GOOD_DAY = date(2026, 10, 5)
BAD_DAY = date(2026, 10, 6)


@pytest.fixture
def warehouse(tmp_path):
    yield from priced_warehouse(tmp_path / "w.duckdb")


def request(n: int, **overrides) -> dict:
    return ledger_request(str(uuid.UUID(int=n)), "gpt-4o", overrides)


def folder(root, day: date):
    path = root / "ledger" / day.isoformat()
    path.mkdir(parents=True, exist_ok=True)
    return path


def load(con, root, days):
    return {
        result.ingest_date: result for result in load_ledger_days(con, discover_ledger_files(root / "ledger"), days)
    }


def reasons(con, name: str) -> dict[int | None, str]:
    rows = con.execute(
        "select line, reason from quarantine.rejected_rows where source_file like ? order by line", [f"%{name}"]
    ).fetchall()
    return dict(rows)


def loaded_ids(con) -> set[int]:
    return {uuid.UUID(str(r[0])).int for r in con.execute("select request_id from raw_ledger.requests").fetchall()}


def test_one_bad_value_never_aborts_the_other_rows_files_or_days(warehouse, tmp_path):
    good = folder(tmp_path, GOOD_DAY)
    (good / "good.jsonl").write_text("".join(json.dumps(request(n)) + "\n" for n in range(1, 4)))
    bad = folder(tmp_path, BAD_DAY)
    lines = [
        json.dumps(request(10)),  # 1: fine
        json.dumps(request(11, input_tokens=3_700_000_000_000)),  # 2: overflowed pricing before
        '{"request_id": "' + str(uuid.UUID(int=12)) + '", "feature_tag": "\\ud800"}',  # 3: lone surrogate
        "[" * 100_000 + "]" * 100_000,  # 4: nesting beyond the JSON reader's recursion limit
        json.dumps(request(13, output_tokens=99_999_999_999_999_999_999)),  # 5: above int64
        json.dumps(request(14)),  # 6: fine
    ]
    (bad / "hostile.jsonl").write_text("\n".join(lines) + "\n")
    # a non-UTF-8 line among good ones: only that line is lost
    raw = json.dumps(request(20)).encode() + b"\n" + b'{"request_id": "\xff\xfe"}\n' + json.dumps(request(21)).encode()
    (bad / "latin1.jsonl").write_bytes(raw + b"\n")
    # Parquet: NaN / inf in a DOUBLE token column, a UINT64 above int64
    pq.write_table(
        pa.table(
            {
                **{k: [v for v in (request(30 + i)[k] for i in range(4))] for k in request(0) if "tokens" not in k},
                "input_tokens": pa.array([1000.0, float("nan"), float("inf"), 1000.0]),
                "output_tokens": pa.array([100, 100, 100, 2**64 - 1], pa.uint64()),
            }
        ),
        bad / "floats.parquet",
    )
    (bad / "broken.csv").write_bytes(b"request_id,ts\n\xff\xfe\x00,\x81\n")
    (bad / "truncated.parquet").write_bytes(b"PAR1 not really")

    results = load(warehouse, tmp_path, [GOOD_DAY, BAD_DAY])

    assert loaded_ids(warehouse) == {1, 2, 3, 10, 14, 20, 21, 30}
    hostile = reasons(warehouse, "hostile.jsonl")
    assert hostile[2] == f"input_tokens exceeds the limit of {MAX_TOKENS_PER_REQUEST} tokens per request"
    assert hostile[3].startswith("not valid Unicode")
    assert hostile[4].startswith("JSON nested too deeply")
    assert hostile[5] == f"output_tokens exceeds the limit of {MAX_TOKENS_PER_REQUEST} tokens per request"
    assert set(hostile) == {2, 3, 4, 5}
    assert reasons(warehouse, "latin1.jsonl") == {2: "line is not valid UTF-8 text"}
    floats = reasons(warehouse, "floats.parquet")
    assert floats == {
        2: "input_tokens is not a whole number",
        3: "input_tokens is not a whole number",
        4: f"output_tokens exceeds the limit of {MAX_TOKENS_PER_REQUEST} tokens per request",
    }
    # whole files that cannot be read: one quarantined row each, named by source_file, no line
    assert reasons(warehouse, "broken.csv") == {
        None: "ledger file rejected: cannot read as CSV: invalid utf-8 sequence"
    }
    ((line, reason),) = reasons(warehouse, "truncated.parquet").items()
    assert line is None and reason.startswith("ledger file rejected: not readable as parquet: ")
    assert (results[GOOD_DAY].loaded_rows, results[GOOD_DAY].quarantined_rows) == (3, 0)
    # input counted from the files: 6 + 3 lines, 4 Parquet rows, 1 unreadable CSV, 1 unreadable Parquet
    assert (results[BAD_DAY].input_rows, results[BAD_DAY].loaded_rows) == (15, 5)
    assert all(row[5] for row in load_balance(warehouse, "ledger", [GOOD_DAY.isoformat(), BAD_DAY.isoformat()]))


def test_token_bound_is_priced_exactly_and_one_more_is_quarantined(warehouse, tmp_path):
    day = folder(tmp_path, GOOD_DAY)
    opus = "claude-opus-4-1"
    at_bound = request(1, model_id=opus, input_tokens=MAX_TOKENS_PER_REQUEST, output_tokens=MAX_TOKENS_PER_REQUEST)
    above = request(2, model_id=opus, input_tokens=MAX_TOKENS_PER_REQUEST + 1)
    (day / "big.jsonl").write_text(json.dumps(at_bound) + "\n" + json.dumps(above) + "\n")
    load(warehouse, tmp_path, [GOOD_DAY])
    (cost,) = warehouse.execute("select total_cost_usd from raw_ledger.requests").fetchone()
    expected = price_ledger_row(CARDS, {**at_bound, "ts": datetime(2026, 10, 5, 10)})
    # Opus 4.1: $15 in and $75 out per 1M tokens: 1e12 tokens each way is $90,000,000 (7.5e19 pico-dollars
    # of output alone: beyond BIGINT)
    assert cost == expected == Decimal("90000000")
    assert reasons(warehouse, "big.jsonl") == {
        2: f"input_tokens exceeds the limit of {MAX_TOKENS_PER_REQUEST} tokens per request"
    }


def test_impossible_timestamps_are_quarantined_with_a_timestamp_reason(warehouse, tmp_path):
    day = folder(tmp_path, GOOD_DAY)
    stamps = {
        1: "2026-10-05T10:00:00+25:00",
        2: "2026-10-05T10:00:00+99:99",
        3: "2026-10-05T10:00:00-14:30",
        4: "infinity",
        5: "9999-12-31T00:00:00Z",
        6: "294247-01-01T00:00:00",
        7: "0000-01-01T00:00:00",
        8: "1999-12-31T23:59:59Z",
        9: "2100-01-01T00:00:00Z",
        10: "2026-10-05T10:00:00+14:00",  # the widest real offset: fine
        11: "2026-10-05T10:00:00-12:00",
    }
    (day / "stamps.jsonl").write_text("".join(json.dumps(request(n, ts=ts)) + "\n" for n, ts in stamps.items()))
    pq.write_table(
        pa.table(
            {
                **{k: [request(20 + i)[k] for i in range(3)] for k in request(0) if k != "ts"},
                "ts": pa.array([datetime(2026, 10, 5), datetime(9999, 1, 1), datetime(1970, 1, 1)], pa.timestamp("us")),
            }
        ),
        day / "stamps.parquet",
    )
    results = load(warehouse, tmp_path, [GOOD_DAY])
    offset = "ts has an impossible UTC offset (accepted: -14:00 to +14:00)"
    out_of_range = "ts is outside the accepted range 2000-01-01 to 2100-01-01 UTC (end excluded)"
    assert reasons(warehouse, "stamps.jsonl") == {
        1: offset,
        2: offset,
        3: offset,
        4: out_of_range,
        5: out_of_range,
        6: out_of_range,
        7: out_of_range,
        8: out_of_range,
        9: out_of_range,
    }
    assert reasons(warehouse, "stamps.parquet") == {2: out_of_range, 3: out_of_range}
    stored = dict(warehouse.execute("select request_id, requested_at from raw_ledger.requests").fetchall())
    assert {uuid.UUID(str(k)).int: v for k, v in stored.items()} == {
        10: datetime(2026, 10, 4, 20),
        11: datetime(2026, 10, 5, 22),
        20: datetime(2026, 10, 5),
    }
    assert (results[GOOD_DAY].input_rows, results[GOOD_DAY].loaded_rows) == (14, 3)


def test_parquet_with_corrupt_data_pages_is_rejected_by_name_and_the_rest_loads(warehouse, tmp_path):
    good = folder(tmp_path, GOOD_DAY)
    (good / "good.jsonl").write_text("".join(json.dumps(request(n)) + "\n" for n in range(1, 4)))
    rows = [request(100 + n) for n in range(500)]
    buffer = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pylist(rows), buffer, compression="snappy")
    data = bytearray(buffer.getvalue().to_pybytes())
    data[40:90] = b"\xff" * 50  # inside the first data page: the footer (schema, row count) still reads
    bad = folder(tmp_path, BAD_DAY)
    (bad / "corrupt.parquet").write_bytes(bytes(data))
    (bad / "fine.jsonl").write_text(json.dumps(request(50)) + "\n")
    results = load(warehouse, tmp_path, [GOOD_DAY, BAD_DAY])
    assert loaded_ids(warehouse) == {1, 2, 3, 50}
    ((line, reason),) = reasons(warehouse, "corrupt.parquet").items()
    assert line is None and reason.startswith("ledger file rejected: not readable as parquet: ")
    # input counted from the files (500 rows in the Parquet footer + 1 line); the rejected file stands for its 500
    assert (results[BAD_DAY].input_rows, results[BAD_DAY].loaded_rows, results[BAD_DAY].quarantined_rows) == (
        501,
        1,
        500,
    )


def test_hostile_field_names_are_data_not_sql(warehouse, tmp_path):
    """Issue 8 item 1 for the ledger: extra fields named to close an identifier or a string and read a file are
    ignored as unknown fields; the secret they point at is loaded nowhere."""
    secret = tmp_path / "secret.txt"
    secret.write_text("sekret-ledger-value")
    hostile = [
        f'x") || (select content from read_text($${secret}$$)) || ("',
        f"x') || (select content from read_text('{secret}')) || ('",
    ]
    day = folder(tmp_path, GOOD_DAY)
    (day / "requests.jsonl").write_text(
        "".join(json.dumps(request(n) | {name: "v" for name in hostile}) + "\n" for n in range(1, 3))
    )
    rows = [request(n) | {name: "v" for name in hostile} for n in range(3, 5)]
    header = list(rows[0])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    (day / "more.csv").write_text(buffer.getvalue())
    load(warehouse, tmp_path, [GOOD_DAY])
    assert loaded_ids(warehouse) == {1, 2, 3, 4}
    stored = warehouse.execute("select * from raw_ledger.requests").fetchall()
    assert "sekret-ledger-value" not in json.dumps(stored, default=str)


def test_a_linked_ledger_file_is_refused_by_name(tmp_path):
    """Issue 8 item 12: links in the landing area are never followed (a linked /etc/passwd used to be copied
    into the quarantine)."""
    from ingest.common import SourceFormatError

    day = folder(tmp_path, GOOD_DAY)
    secret = tmp_path / "outside.jsonl"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (day / "requests.jsonl").symlink_to(secret)
    with pytest.raises(SourceFormatError, match=r"requests\.jsonl: is a symbolic link"):
        discover_ledger_files(tmp_path / "ledger")


def test_delivery_days_before_2024_are_partitions():
    """Issue 8 item 12: the first partition is the start of the accepted timestamp range, not 2024-01-01."""
    from ingest.common import EARLIEST_TIMESTAMP
    from pipelines.partitions import daily_partitions

    assert daily_partitions.has_partition_key("2019-06-30")
    assert daily_partitions.get_first_partition_key() == EARLIEST_TIMESTAMP.date().isoformat()
