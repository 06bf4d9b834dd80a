"""Benchmark: ingest of a generated CUR month (CSV.gz and Parquet) against a raw typed DuckDB read of the same
files, in the same run, with DuckDB's memory_limit at 2 GB.

Ours = parse, type (exact decimals), tags, amortized cost, quarantine split and the atomic period replace
into the warehouse table. Raw = `create table as select * from read_csv(..., columns = {typed})` /
`read_parquet(...)`. Each phase runs in its own process; its peak RSS is reported (goal: < 3 GiB).

  uv run python bench/bench_cur.py --lines 10000000 [--json-out results.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import Goal, bench_workdir, fastest_alternating, load_averages, peak_rss_mb, write_results  # noqa: E402

COLUMNS = {  # legacy CUR header -> type of the raw typed read
    "identity/LineItemId": "VARCHAR",
    "identity/TimeInterval": "VARCHAR",
    "bill/PayerAccountId": "VARCHAR",
    "bill/BillingPeriodStartDate": "TIMESTAMPTZ",
    "bill/BillingPeriodEndDate": "TIMESTAMPTZ",
    "lineItem/UsageAccountId": "VARCHAR",
    "lineItem/LineItemType": "VARCHAR",
    "lineItem/UsageStartDate": "TIMESTAMPTZ",
    "lineItem/UsageEndDate": "TIMESTAMPTZ",
    "lineItem/ProductCode": "VARCHAR",
    "lineItem/UsageType": "VARCHAR",
    "lineItem/ResourceId": "VARCHAR",
    "lineItem/UsageAmount": "DECIMAL(38,9)",
    "lineItem/UnblendedCost": "DECIMAL(38,9)",
    "lineItem/CurrencyCode": "VARCHAR",
    "lineItem/LineItemDescription": "VARCHAR",
    "product/ProductName": "VARCHAR",
    "product/region": "VARCHAR",
    "pricing/publicOnDemandCost": "DECIMAL(38,9)",
    "pricing/unit": "VARCHAR",
    "savingsPlan/SavingsPlanEffectiveCost": "DECIMAL(38,9)",
    "resourceTags/user:team": "VARCHAR",
    "resourceTags/user:feature": "VARCHAR",
    "resourceTags/user:environment": "VARCHAR",
}


def generate(folder: Path, lines: int) -> tuple[Path, Path]:
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    csv_path, parquet_path = folder / "cur-00001.csv.gz", folder / "cur-00001.parquet"
    con = duckdb.connect()
    con.execute("set preserve_insertion_order = false")
    select = f"""
        select
            md5(cast(i as varchar)) as "identity/LineItemId",
            '2026-10-01T00:00:00Z/2026-10-02T00:00:00Z' as "identity/TimeInterval",
            '444444444444' as "bill/PayerAccountId",
            '2026-10-01T00:00:00Z' as "bill/BillingPeriodStartDate",
            '2026-11-01T00:00:00Z' as "bill/BillingPeriodEndDate",
            lpad(cast(i % 40 as varchar), 12, '0') as "lineItem/UsageAccountId",
            case when i % 50 = 0 then 'SavingsPlanCoveredUsage' when i % 997 = 0 then 'Credit' else 'Usage' end
                as "lineItem/LineItemType",
            strftime(timestamp '2026-10-01' + to_hours(cast(i % 744 as bigint)), '%Y-%m-%dT%H:%M:%SZ')
                as "lineItem/UsageStartDate",
            strftime(timestamp '2026-10-01' + to_hours(cast(i % 744 + 1 as bigint)), '%Y-%m-%dT%H:%M:%SZ')
                as "lineItem/UsageEndDate",
            list_extract(['AmazonEC2', 'AmazonS3', 'AmazonBedrock', 'AmazonRDS'], cast(1 + i % 4 as integer))
                as "lineItem/ProductCode",
            'USE1-BoxUsage:g5.2xlarge' as "lineItem/UsageType",
            'i-' || cast(i % 100000 as varchar) as "lineItem/ResourceId",
            cast((i % 1000) / 1000.0 as varchar) as "lineItem/UsageAmount",
            case when i % 13 = 0 then cast(((i % 997) + 1) as varchar) || 'E-8'
                 else cast(round((i % 100000) / 7919.0, 10) as varchar) end as "lineItem/UnblendedCost",
            'USD' as "lineItem/CurrencyCode",
            '$1.212 per On Demand Linux g5.2xlarge Instance Hour' as "lineItem/LineItemDescription",
            'Amazon Elastic Compute Cloud' as "product/ProductName",
            'us-east-1' as "product/region",
            cast(round((i % 100000) / 7000.0, 10) as varchar) as "pricing/publicOnDemandCost",
            'Hrs' as "pricing/unit",
            case when i % 50 = 0 then cast(round((i % 1000) / 9000.0, 10) as varchar) else '' end
                as "savingsPlan/SavingsPlanEffectiveCost",
            case when i % 9 = 0 then '' else list_extract(['support', 'search', 'growth', 'platform'],
                cast(1 + i % 4 as integer)) end as "resourceTags/user:team",
            case when i % 11 = 0 then '' else 'feature_' || cast(i % 6 as varchar) end as "resourceTags/user:feature",
            'prod' as "resourceTags/user:environment"
        from range({lines}) as t(i)
    """
    con.execute(f"copy ({select}) to '{csv_path}' (header, delimiter ',', compression gzip)")
    con.execute(
        f"copy (select * from read_csv('{csv_path}', all_varchar = true)) to '{parquet_path}'"
        " (format parquet, compression zstd)"
    )
    return csv_path, parquet_path


def _cpu_seconds() -> float:
    """User + system CPU time of this process (all DuckDB threads): the work done, whatever else the machine runs."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def phase_raw(path: Path, db: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(db))
    con.execute("set memory_limit = '2GB'")
    cpu, started = _cpu_seconds(), time.perf_counter()
    if path.suffix == ".parquet":
        con.execute(f"create table cur as select * from read_parquet('{path}')")
    else:
        types = ", ".join(f"'{name}': '{kind}'" for name, kind in COLUMNS.items())
        con.execute(f"create table cur as select * from read_csv('{path}', header = true, columns = {{{types}}})")
    con.execute("checkpoint")
    elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    rows = con.execute("select count(*) from cur").fetchone()[0]
    con.close()
    return {"seconds": elapsed, "cpu_seconds": cpu, "rows": rows}


def phase_ours(path: Path, db: Path) -> dict:
    from datetime import date

    from ingest.aws_cur import Delivery
    from warehouse.cur_load import load_cur_delivery
    from warehouse.duckdb_store import connect

    con = connect(db, memory_limit="2GB")  # the same limit as the raw read (the env var only reaches the pipeline)
    delivery = Delivery("bench-Manifest.json", "bench-assembly", (path.name,), date(2026, 10, 1))
    cpu, started = _cpu_seconds(), time.perf_counter()
    load = load_cur_delivery(con, delivery, [(path.name, path, str(path))])
    con.execute("checkpoint")
    elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    total = con.execute(
        "select cast(sum(billed_cost) as varchar), cast(sum(effective_cost) as varchar),"
        " count(team) from raw_aws_cur.line_items"
    ).fetchone()
    con.close()
    return {
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "rows": load.input_rows,
        "loaded": load.loaded_rows,
        "quarantined": load.quarantined_rows,
        "billed": total[0],
        "effective": total[1],
        "tagged_rows": total[2],
    }


def run_phase(args: list[str]) -> dict:
    completed = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"phase {args} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--json-out", default=None, help="write the goals for bench/run_all.py")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each phase, alternating; the fastest counts")
    parser.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--path", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--db", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        result = (phase_raw if args.phase == "raw" else phase_ours)(Path(args.path), Path(args.db))
        result["peak_rss_mb"] = round(peak_rss_mb(), 1)
        print(json.dumps(result))
        return
    workdir = bench_workdir(args.workdir, "finops-cur-bench-")
    csv_path, parquet_path = workdir / "cur-00001.csv.gz", workdir / "cur-00001.parquet"
    if not csv_path.exists():
        started = time.perf_counter()
        generate(workdir, args.lines)
        print(
            f"generated {args.lines:,} lines: CSV.gz {csv_path.stat().st_size / 1e6:.0f} MB, "
            f"Parquet {parquet_path.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - started:.0f} s"
        )
    goals, details = [], {"lines": args.lines}
    for label, path in (("CSV.gz", csv_path), ("Parquet", parquet_path)):

        def load_phase(phase: str, path: Path = path) -> Callable[[], dict]:
            def run() -> dict:
                db = workdir / f"{phase}.duckdb"
                db.unlink(missing_ok=True)
                return run_phase(["--phase", phase, "--path", str(path), "--db", str(db)])

            return run

        best = fastest_alternating({phase: load_phase(phase) for phase in ("raw", "ours")}, args.repeat)
        raw, ours = best["raw"], best["ours"]
        ratio = ours["seconds"] / raw["seconds"]
        print(
            f"{path.name}: raw typed read {raw['seconds']:.1f} s (peak RSS {raw['peak_rss_mb']} MB), "
            f"ours {ours['seconds']:.1f} s (peak RSS {ours['peak_rss_mb']} MB) -> ratio {ratio:.2f}"
            f" (goal <= 1.5); CPU raw {raw['cpu_seconds']:.1f} s, ours {ours['cpu_seconds']:.1f} s"
            f" -> {ours['cpu_seconds'] / raw['cpu_seconds']:.2f}; loaded {ours['loaded']:,} quarantined {ours['quarantined']:,} billed ${ours['billed']}"
            f" [load {load_averages()}]"
        )
        note = f"{args.lines:,} lines, best of {max(1, args.repeat)}; raw {raw['seconds']:.1f} s, ours {ours['seconds']:.1f} s"
        goals.append(
            Goal(f"CUR {label} ingest vs raw typed read", round(ratio, 3), "<=", 1.5, "x", ours["peak_rss_mb"], note)
        )
        goals.append(
            Goal(
                f"CUR {label} ingest peak RSS (memory_limit 2GB)",
                ours["peak_rss_mb"],
                "<=",
                3072,
                " MB",
                ours["peak_rss_mb"],
            )
        )
        details[label] = {"raw": raw, "ours": ours}
    write_results(args.json_out, "bench_cur", goals, details)


if __name__ == "__main__":
    main()
