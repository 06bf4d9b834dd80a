"""Benchmark (information): what one more stored column costs DuckDB to write, even when it holds nothing.

Why P1's baseline is the raw copy of our whole table and not of the file's 16 columns: the same rows written
with 8 or 16 more columns that are all null, or all one constant, take seconds more per 5M rows, with no
validation or pricing at all. Each variant writes a new database file by `create table as` and checkpoints,
as the ledger bench's phases do; the variants alternate `--repeat` times and each keeps its fastest run.

  uv run python bench/bench_table_width.py --rows 5000000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import load_averages  # noqa: E402

# variant -> the extra columns written beside two computed ones
VARIANTS = {
    "2 columns": "",
    "+ 8 null BIGINT": "".join(f", cast(null as bigint) as null_{k}" for k in range(8)),
    "+ 16 null BIGINT": "".join(f", cast(null as bigint) as null_{k}" for k in range(16)),
    "+ 16 constant VARCHAR": "".join(f", 'default' as constant_{k}" for k in range(16)),
}


def write_seconds(folder: Path, rows: int, extra: str) -> float:
    import duckdb

    db = folder / "width.duckdb"
    for leftover in folder.glob("width.duckdb*"):
        leftover.unlink()
    con = duckdb.connect(str(db))
    con.execute("set enable_progress_bar = false")
    con.execute("set preserve_insertion_order = false")
    started = time.perf_counter()
    con.execute(f"create table t as select i as id, i * 3 as amount{extra} from range({rows}) as r(i)")
    con.execute("checkpoint")
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    print(f"load averages before: {load_averages()}")
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="finops-width-") as folder:
        for _ in range(max(1, args.repeat)):
            for name, extra in VARIANTS.items():
                seconds = write_seconds(Path(folder), args.rows, extra)
                best[name] = min(best.get(name, seconds), seconds)
    base = best["2 columns"]
    for name, seconds in best.items():
        print(f"{name:24s} {seconds:6.2f} s  (+{seconds - base:.2f} s over 2 columns, {args.rows:,} rows)")
    print(f"load averages after: {load_averages()}")


if __name__ == "__main__":
    main()
