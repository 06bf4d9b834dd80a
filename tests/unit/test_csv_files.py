"""The shared CSV writer: Arrow batches written a column at a time give the very bytes of the cell-by-cell rules
the exports used before (frozen in tests/csv_reference.py), on the values most likely to differ."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from tests.csv_reference import reference_csv
from warehouse.csv_files import UTF8_BOM, CsvWriter, write_csv

# ---- tricky values, one list per Arrow type ----
TEXT = [
    '=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1+1", "\uff1dSUM(A1)", "\uff0b1",
    "\uff0d1", "\uff20x", "a\r=cmd", "b\n=1+1", "c\r\nd", 'say "hi", then leave', '"', '""', "x,y", ",", "", None,
    "plain", "équipe", "検索", "emoji 🚀", "'already", " =space first", "-", "==", "tab\tinside",
]  # fmt: skip
DECIMALS = [
    Decimal("0"), Decimal("-0.5"), Decimal("1E-8"), Decimal("1E-9"), Decimal("-1E-9"), Decimal("0.000001"),
    Decimal("0.0000001"), Decimal("-0.00000015"), Decimal("12.345678901"), Decimal("-12.5"),
    Decimal("12345678901234567890.123456789"), Decimal("-99999999999999999999999999999.999999999"),
    Decimal("100"), Decimal("1E+3"), None,
]  # fmt: skip
NAIVE = [
    datetime(2026, 10, 2), datetime(2026, 10, 2, 3, 4, 5, 120), datetime(2026, 12, 31, 23, 59, 59, 999999),
    datetime(1, 1, 1), datetime(999, 5, 6, 7, 8, 9), None,
]  # fmt: skip
UTC_TIMES = [value if value is None else value.replace(tzinfo=UTC) for value in NAIVE]
DATES = [date(2026, 10, 1), date(1, 1, 1), date(9999, 12, 31), None]
INTEGERS = [0, -1, 2**63 - 1, -(2**63), None]


def _column(values: list, length: int) -> list:
    return [values[index % len(values)] for index in range(length)]


def _tricky_table(length: int = 60) -> pa.Table:
    columns = {
        "=text": pa.array(_column(TEXT, length), pa.string()),
        "large text": pa.array(_column(TEXT[::-1], length), pa.large_string()),
        "money": pa.array(_column(DECIMALS, length), pa.decimal128(38, 9)),
        "money_18_2": pa.array(
            _column([Decimal("-0.01"), Decimal("0.00"), Decimal("123.45"), None], length), pa.decimal128(18, 2)
        ),
        "wide_money": pa.array(_column(DECIMALS[::-1], length), pa.decimal256(60, 20)),
        "naive": pa.array(_column(NAIVE, length), pa.timestamp("us")),
        "utc": pa.array(_column(UTC_TIMES, length), pa.timestamp("us", tz="UTC")),
        "utc_seconds": pa.array(_column(UTC_TIMES[:1] + [None], length), pa.timestamp("s", tz="UTC")),
        "paris": pa.array(_column(UTC_TIMES[:2], length), pa.timestamp("us", tz="Europe/Paris")),
        "day": pa.array(_column(DATES, length), pa.date32()),
        "count": pa.array(_column(INTEGERS, length), pa.int64()),
        "small": pa.array(_column([1, -2, None], length), pa.int8()),
        "flag": pa.array(_column([True, False, None], length), pa.bool_()),
        "ratio": pa.array(_column([0.1, 1e-8, -2.5, None], length), pa.float64()),
        "all null": pa.nulls(length, pa.string()),
    }
    return pa.table(columns)


def _written(tmp_path: Path, table: pa.Table, *, batch_rows: int, bom: bool = False) -> tuple[bytes, CsvWriter]:
    out = tmp_path / "out.csv"
    with CsvWriter(out, table.column_names, bom=bom) as writer:
        for batch in table.to_batches(max_chunksize=batch_rows):
            writer.write_batch(batch)
    return out.read_bytes(), writer


# batches of 1024+ rows whose first rows repeat few values take the once-per-distinct-value path
@pytest.mark.parametrize(("batch_rows", "length"), [(1, 60), (7, 60), (1000, 60), (3000, 6000)])
def test_arrow_batches_give_the_bytes_of_the_cell_by_cell_rules(tmp_path, batch_rows, length):
    table = _tricky_table(length)
    expected = reference_csv(table.column_names, [tuple(row.values()) for row in table.to_pylist()])

    data, writer = _written(tmp_path, table, batch_rows=batch_rows)

    assert data == expected
    assert writer.result.rows == table.num_rows
    assert writer.result.sha256 == hashlib.sha256(expected).hexdigest()
    digest, name = (tmp_path / "out.csv.sha256").read_text().split()
    assert (digest, name) == (hashlib.sha256(expected).hexdigest(), "out.csv")
    # spot checks computed by hand, so the reference itself is held to something
    lines = data.decode("utf-8").split("\n")
    assert lines[0].startswith("'=text,large text,money,")
    assert '"\'=HYPERLINK(""http://x"",""y"")"' in lines[1]
    assert ",0.000000010," in lines[3] and ",0.000000000," in lines[1]


def test_random_decimals_and_timestamps_match_the_reference(tmp_path):
    generator = random.Random(12)
    money = [
        Decimal(generator.randrange(-(10 ** generator.randrange(1, 30)), 10 ** generator.randrange(1, 30))).scaleb(-9)
        for _ in range(3000)
    ]
    start = datetime(1990, 1, 1, tzinfo=UTC)
    times = [start + timedelta(microseconds=generator.randrange(0, 2 * 10**15)) for _ in range(3000)]
    times[::7] = [time.replace(microsecond=0) for time in times[::7]]
    table = pa.table(
        {
            "money": pa.array(money, pa.decimal128(38, 9)),
            "few_money": pa.array([money[index % 40] for index in range(3000)], pa.decimal128(38, 9)),
            "few_at": pa.array([times[index % 50] for index in range(3000)], pa.timestamp("us", tz="UTC")),
            "at": pa.array(times, pa.timestamp("us", tz="UTC")),
            "naive_at": pa.array([time.replace(tzinfo=None) for time in times], pa.timestamp("us")),
        }
    )
    expected = reference_csv(table.column_names, [tuple(row.values()) for row in table.to_pylist()])

    for batch_rows in (512, 3000):
        data, _ = _written(tmp_path, table, batch_rows=batch_rows)
        assert data == expected


def test_rows_and_batches_share_one_writer_and_the_bom_stays_out_of_the_data_hash(tmp_path):
    table = _tricky_table(12)
    rows = [tuple(row.values()) for row in table.to_pylist()]
    out = tmp_path / "mixed.csv"
    with CsvWriter(out, table.column_names, bom=True) as writer:
        writer.write_rows(rows[:5])
        writer.write_batch(table.slice(5))

    expected = reference_csv(table.column_names, rows)
    assert out.read_bytes() == UTF8_BOM + expected
    assert writer.result.rows == 12
    assert writer.result.data_sha256 == hashlib.sha256(expected).hexdigest()
    assert writer.result.sha256 == hashlib.sha256(UTF8_BOM + expected).hexdigest()
    assert write_csv(tmp_path / "rows.csv", table.column_names, rows).sha256 == hashlib.sha256(expected).hexdigest()


def test_a_failed_write_leaves_no_file_and_no_temporary(tmp_path):
    out = tmp_path / "broken.csv"
    with pytest.raises(ValueError, match="CSV row 2 has 1 values for 2 columns"):
        write_csv(out, ["a", "b"], [("x", "y"), ("z",)])
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_an_existing_file_is_replaced_whole(tmp_path):
    out = tmp_path / "again.csv"
    write_csv(out, ["a"], [(str(index),) for index in range(1000)])
    table = pa.table({"a": pa.array(["only"], pa.string())})
    with CsvWriter(out, ["a"]) as writer:
        writer.write_batch(table)
    assert out.read_bytes() == b"a\nonly\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["again.csv", "again.csv.sha256"]


def test_non_utc_offsets_keep_their_offset(tmp_path):
    table = pa.table(
        {
            "at": pa.array(
                [datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))], pa.timestamp("us", "+02:00")
            )
        }
    )
    data, _ = _written(tmp_path, table, batch_rows=10)
    assert data == b"at\n2026-01-02T03:04:05+02:00\n"
