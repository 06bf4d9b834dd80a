"""Benchmark: the FOCUS export (`warehouse.focus_export.export_focus`: Parquet + CSV + .sha256) of a generated
fct_costs of N rows, its wall time and the peak RSS of the process that runs it (goal: <= 1024 MB at 10M rows,
with DuckDB's memory_limit at 512 MB so its sort spills instead of growing).

The warehouse holds fct_cloud_costs (N bill lines) and an fct_costs like the real one: one row per line, every
tenth line split over two owners, a Purchase with unused commitment every 50th line, Tax every 97th, units in
several spellings (and none), JSON tags that need quoting, team names that start like formulas.

`--baseline-ref REF` also runs the export as it is at that git commit (extracted with `git archive`, run from a
temporary folder), in the same command, for the rows counts up to `--baseline-max-rows`: the export before
streaming holds every cell as a Python object, so 10M rows would need tens of GB.

  uv run python bench/bench_focus_export.py --rows 1000000 10000000 --baseline-ref 0bf5c83 --json-out f.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import Goal, bench_workdir, load_averages, peak_rss_mb, write_results  # noqa: E402

RSS_GOAL_MB = 1024
MEMORY_LIMIT = "512MB"


def generate(db: Path, rows: int) -> None:
    import duckdb

    con = duckdb.connect(str(db))
    con.execute("set preserve_insertion_order = false")
    con.execute(
        f"""
        create table fct_cloud_costs as
        select
            'line-' || lpad(cast(i as varchar), 10, '0') as cloud_cost_id,
            'AWS' as provider_name,
            '444444444444' as billing_account_id,
            lpad(cast(i % 40 as varchar), 12, '0') as sub_account_id,
            case when i % 3 = 0 then null else 'account ' || cast(i % 40 as varchar) end as sub_account_name,
            date '2026-10-01' as billing_period_start,
            date '2026-11-01' as billing_period_end,
            '2026-10' as invoice_month,
            timestamp '2026-10-01' + to_hours(cast(i % 744 as bigint)) as charge_period_start,
            timestamp '2026-10-01' + to_hours(cast(i % 744 + 1 as bigint)) as charge_period_end,
            case when i % 50 = 0 then 'Purchase' when i % 97 = 0 then 'Tax' else 'Usage' end as charge_category,
            case when i % 997 = 0 then 'Correction' end as charge_class,
            '$1.212 per On Demand Linux g5.2xlarge Instance Hour, "spot"' as charge_description,
            case when i % 50 = 0 then 'SavingsPlanRecurringFee' when i % 97 = 0 then 'Tax' else 'Usage' end
                as line_item_type,
            list_extract(['AmazonEC2', 'AmazonS3', 'AmazonBedrock', 'AmazonRDS'], cast(1 + i % 4 as integer))
                as service_name,
            list_extract(['Compute', 'Storage', 'AI and Machine Learning', 'Databases'], cast(1 + i % 4 as integer))
                as service_category,
            'i-' || cast(i % 100000 as varchar) as resource_id,
            case when i % 5 = 0 then null else 'resource ' || cast(i % 1000 as varchar) end as resource_name,
            'us-east-1' as region_id,
            'SKU' || cast(i % 500 as varchar) as sku_id,
            cast((i % 1000) / 1000.0 as decimal(38, 9)) as pricing_quantity,
            list_extract(['Hrs', '1 GB/Month', '1K', 'Requests', null, '10K Tokens'], cast(1 + i % 6 as integer))
                as pricing_unit,
            cast(case when i % 13 = 0 then ((i % 997) + 1) * 0.00000001 else (i % 100000) / 7919.0 end
                as decimal(38, 9)) as billed_cost,
            cast(case when i % 50 = 0 then (i % 1000) / 9000.0 else (i % 100000) / 8000.0 end
                as decimal(38, 9)) as effective_cost,
            cast((i % 100000) / 7000.0 as decimal(38, 9)) as list_cost,
            'USD' as billing_currency,
            '{{"team": "' || list_extract(['search', 'support'], cast(1 + i % 2 as integer)) || '", "cc": "'
                || cast(i % 30 as varchar) || '"}}' as tags,
            case when i % 9 = 0 then null when i % 101 = 0 then '=cmd|calc' else
                list_extract(['support', 'search', 'growth', 'platform'], cast(1 + i % 4 as integer)) end as team,
            'prod' as environment
        from range({rows}) as t(i)
        """
    )
    # every tenth line split over two owners: rows 10k and 10k+1 share line 10k, half the money each
    con.execute(
        f"""
        create table fct_costs as
        with parts as (
            select i, case when i % 10 = 1 then i - 1 else i end as line, i % 10 in (0, 1) as split
            from range({rows}) as t(i)
        )
        select
            'cost-' || lpad(cast(parts.i as varchar), 10, '0') as cost_id,
            lines.cloud_cost_id as bill_line_id,
            'aws_cur' as x_source, 'cloud_infrastructure' as x_spend_kind, 'billed' as x_cost_origin,
            lines.provider_name as service_provider_name, lines.provider_name as host_provider_name,
            lines.billing_account_id, lines.sub_account_id, lines.billing_period_start, lines.charge_period_start,
            lines.charge_period_end, strftime(lines.charge_period_start, '%Y-%m') as x_charge_month,
            lines.charge_category, lines.charge_description, lines.service_name, lines.service_category,
            lines.resource_id, lines.sku_id, lines.pricing_unit, lines.billing_currency,
            cast(case when parts.split then lines.billed_cost / 2 else lines.billed_cost end as decimal(38, 9))
                as billed_cost,
            cast(case when parts.split then lines.effective_cost / 2 else lines.effective_cost end
                as decimal(38, 9)) as effective_cost,
            billed_cost as x_billed_cost_usd, effective_cost as x_effective_cost_usd,
            cast(1.0 as decimal(38, 9)) as x_fx_rate, 'tags' as allocated_method_id,
            case when parts.split then 'split ' || cast(parts.i % 2 as varchar) end as allocated_resource_id,
            cast(null as varchar) as allocated_tags, lines.team, 'unassigned' as feature, lines.environment,
            'unassigned' as tenant, case when parts.split then 'even split' end as x_allocation_reason,
            cast(null as varchar) as x_adjusted_month, cast(null as varchar) as x_adjusted_origin, lines.tags
        from parts
        join fct_cloud_costs as lines on lines.cloud_cost_id = 'line-' || lpad(cast(parts.line as varchar), 10, '0')
        """
    )
    con.execute("checkpoint")
    con.close()


def phase_export(db: Path, out: Path, source: Path) -> dict:
    """Runs in its own process, importing `warehouse` from `source` (this tree or a baseline's)."""
    sys.path.insert(0, str(source))
    import duckdb

    from warehouse.focus_export import export_focus

    con = duckdb.connect(str(db), read_only=True, config={"memory_limit": MEMORY_LIMIT})
    started = time.perf_counter()
    export = export_focus(con, out)
    elapsed = time.perf_counter() - started
    con.close()
    return {
        "seconds": elapsed,
        "rows": export.rows,
        "billed": str(export.billed_cost),
        "csv_sha256": export.csv_sha256,
        "csv_mb": round(export.csv.stat().st_size / 1e6, 1),
        "parquet_mb": round(export.parquet.stat().st_size / 1e6, 1),
    }


def run_phase(args: list[str]) -> dict:
    completed = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"phase {args} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def baseline_tree(ref: str, workdir: Path) -> Path:
    """The project's Python packages as they are at `ref` (read from git, the worktree untouched)."""
    folder = workdir / f"baseline-{ref}"
    if not folder.exists():
        folder.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", ref, "warehouse", "ingest", "rate_cards"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--baseline-ref", default=None, help="git commit whose export to run beside ours")
    parser.add_argument("--baseline-max-rows", type=int, default=1_000_000)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--json-out", default=None)
    parser.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--db", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--source", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        result = phase_export(Path(args.db), Path(args.out), Path(args.source))
        result["peak_rss_mb"] = round(peak_rss_mb(), 1)
        print(json.dumps(result))
        return
    workdir = bench_workdir(args.workdir, "finops-focus-bench-")
    goals: list[Goal] = []
    details: dict = {"memory_limit": MEMORY_LIMIT, "runs": {}}
    for rows in args.rows:
        db = workdir / f"focus-{rows}.duckdb"
        if not db.exists():
            started = time.perf_counter()
            generate(db, rows)
            print(f"generated fct_costs of {rows:,} rows in {time.perf_counter() - started:.0f} s")
        runs = {"ours": ROOT}
        if args.baseline_ref and rows <= args.baseline_max_rows:
            runs["baseline"] = baseline_tree(args.baseline_ref, workdir)
        measured = {}
        for name, source in runs.items():
            out = workdir / f"export-{name}-{rows}"
            measured[name] = run_phase(
                ["--phase", "export", "--db", str(db), "--out", str(out), "--source", str(source)]
            )
            run = measured[name]
            print(
                f"{rows:,} fct_costs rows, {name}: {run['rows']:,} FOCUS rows in {run['seconds']:.1f} s"
                f" ({run['rows'] / run['seconds']:,.0f} rows/s), peak RSS {run['peak_rss_mb']:.0f} MB,"
                f" CSV {run['csv_mb']} MB, Parquet {run['parquet_mb']} MB (load {load_averages()})"
            )
        ours = measured["ours"]
        if "baseline" in measured:
            baseline = measured["baseline"]
            same = baseline["csv_sha256"] == ours["csv_sha256"] and baseline["billed"] == ours["billed"]
            print(f"  same CSV bytes and billed total as the baseline: {same}")
            if not same:
                raise SystemExit("the export's CSV differs from the baseline's: fix that before timing it")
            goals.append(
                Goal(f"focus export speed-up vs {args.baseline_ref} at {rows:,} rows",
                     baseline["seconds"] / ours["seconds"], ">=", 1.0, "x", ours["peak_rss_mb"],
                     f"baseline {baseline['seconds']:.1f} s, peak RSS {baseline['peak_rss_mb']:.0f} MB")
            )  # fmt: skip
        goals.append(
            Goal(f"focus export peak RSS at {rows:,} rows", ours["peak_rss_mb"], "<=", RSS_GOAL_MB, " MB",
                 ours["peak_rss_mb"], f"{ours['rows'] / ours['seconds']:,.0f} rows/s, {ours['seconds']:.1f} s")
        )  # fmt: skip
        details["runs"][str(rows)] = measured
    write_results(args.json_out, "focus_export", goals, details)


if __name__ == "__main__":
    main()
