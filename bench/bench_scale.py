"""Benchmark P4: the whole main job (`finops run`) on a 100M-request ledger and a 10M-line CUR month, with
DuckDB's memory limit at 2 GB, reporting per Dagster step its wall time, the peak RSS of the whole process tree
(`finops` and every child: dbt) and how much DuckDB spilled to its temp folder.

The landing folder: the demo's other sources for October 2026 (GCP, Azure, FOCUS, providers, PTU, GPU logs,
outcomes), its CUR month grown to --cur-lines lines (the demo's own lines plus tag-allocated S3 and EC2 lines),
and --rows ledger requests generated as zstd Parquet, one file per delivery day of the month.

  uv run python bench/bench_scale.py --rows 100000000 --cur-lines 10000000     # ~1 h on 2 cores
  uv run python bench/bench_scale.py --rows 2000000 --cur-lines 200000          # a few minutes
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_nightly import generate_ledger_day  # noqa: E402  (after the path insert above)
from bench.report import Goal, bench_workdir, load_averages, write_results  # noqa: E402

MONTH_START = date(2026, 10, 1)
MONTH_DAYS = 31
RSS_GOAL_MB = 3 * 1024
SAMPLE_SECONDS = 0.2
_STEP_LINE = re.compile(r"\] (?P<what>started|done|FAILED)\s+(?P<step>\S+)")


def build_landing(workdir: Path, rows: int, cur_lines: int) -> Path:
    """The landing folder, reused when a previous run with the same sizes left it in --workdir."""
    from ingest.demo import generate_landing
    from ingest.demo.world import World

    landing, marker = workdir / "landing", workdir / "landing.json"
    spec = {"rows": rows, "cur_lines": cur_lines}
    if marker.exists() and json.loads(marker.read_text()) == spec:
        print(f"reusing the landing folder {landing}")
        return landing
    shutil.rmtree(landing, ignore_errors=True)
    started = time.perf_counter()
    generate_landing(landing, world=World(start_date=MONTH_START, days=MONTH_DAYS))
    shutil.rmtree(landing / "ledger")  # replaced by the generated days below
    grow_cur_month(landing / "aws_cur", cur_lines)
    print(f"demo sources with a {cur_lines:,}-line CUR month in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    per_day, extra = divmod(rows, MONTH_DAYS)
    for offset in range(MONTH_DAYS):
        day = MONTH_START + timedelta(days=offset)
        generate_ledger_day(landing / "ledger" / day.isoformat(), day, per_day + (1 if offset < extra else 0))
    size = sum(p.stat().st_size for p in (landing / "ledger").rglob("*.parquet"))
    print(f"ledger: {rows:,} requests, {size / 1e9:.2f} GB Parquet in {time.perf_counter() - started:.0f} s")
    marker.write_text(json.dumps(spec))
    return landing


def grow_cur_month(cur_root: Path, lines: int) -> None:
    """Rewrite the demo's CUR 2.0 data file with `lines` lines: its own lines, then hourly S3 and EC2 (m5) lines
    of many resources, tagged to the demo's teams (each one owner), with ids and costs of their own."""
    import duckdb

    (data_file,) = cur_root.rglob("*.parquet")
    grown = data_file.with_name("grown.parquet")
    con = duckdb.connect()
    con.execute("set preserve_insertion_order = false")
    source = con.execute("select count(*) from read_parquet(?)", [str(data_file)]).fetchone()[0]
    filler = max(lines - source, 0)
    # paths are ours (a temp folder), the template is the demo's first S3 usage line
    con.execute(
        f"""
        copy (
            select * from read_parquet('{data_file}')
            union all
            select * exclude (i) replace (
                'li-bench-' || cast(i as varchar) as identity_line_item_id,
                case when i % 3 = 0 then 'AmazonEC2' else 'AmazonS3' end as line_item_product_code,
                case when i % 3 = 0 then 'USE1-BoxUsage:m5.xlarge' else 'USE1-TimedStorage-ByteHrs' end
                    as line_item_usage_type,
                timestamp '2026-10-01' + to_hours(cast(i % 744 as bigint)) as line_item_usage_start_date,
                timestamp '2026-10-01' + to_hours(cast(i % 744 + 1 as bigint)) as line_item_usage_end_date,
                cast(1 as decimal(38, 10)) as line_item_usage_amount,
                cast((i % 100000) / 1000000.0 as decimal(38, 10)) as line_item_unblended_cost,
                cast((i % 100000) / 1000000.0 as decimal(38, 10)) as pricing_public_on_demand_cost,
                map {{
                    'user:team': ['growth', 'support', 'platform', 'search'][1 + i % 4],
                    'user:feature': 'bench_feature_' || cast(i % 7 as varchar),
                    'user:environment': 'prod'
                }} as resource_tags
            )
            from (select * from read_parquet('{data_file}') where line_item_product_code = 'AmazonS3' limit 1)
            cross join range({filler}) as t(i)
        ) to '{grown}' (format parquet, compression snappy, row_group_size 1000000)
        """
    )
    con.close()
    grown.replace(data_file)


class TreeSampler(threading.Thread):
    """Samples, every SAMPLE_SECONDS, the summed RSS of a process and all its descendants and the size of
    DuckDB's spill folder; keeps the peaks of the current step."""

    def __init__(self, pid: int, spill_dir: Path) -> None:
        super().__init__(daemon=True)
        import psutil

        self.process = psutil.Process(pid)
        self.spill_dir = spill_dir
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.peak_rss = self.peak_spill = 0
        self.overall_rss = self.overall_spill = 0
        # the finops process alone and its children (dbt) alone, at the moment of the tree's peak
        self.peak_split = self.overall_split = (0, 0)

    def take_peaks(self) -> tuple[int, int]:
        """The peaks since the last call (the step that just ended), resetting them for the next step."""
        with self.lock:
            peaks = (self.peak_rss, self.peak_spill, self.peak_split)
            self.peak_rss = self.peak_spill = 0
            self.peak_split = (0, 0)
        return peaks

    def _tree_rss(self) -> tuple[int, int]:
        """(RSS of the finops process, summed RSS of its descendants)."""
        import psutil

        try:
            own = self.process.memory_info().rss
            children = self.process.children(recursive=True)
        except psutil.NoSuchProcess:
            return 0, 0
        total = 0
        for process in children:
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return own, total

    def _spill_bytes(self) -> int:
        """Bytes in DuckDB's spill folder; 0 when DuckDB deletes it (or a subfolder) during the walk, which
        once killed this thread mid-run and left every later step unsampled."""
        total = 0
        try:
            for path in self.spill_dir.rglob("*") if self.spill_dir.exists() else []:
                try:
                    total += path.stat().st_size
                except OSError:
                    pass
        except OSError:
            return 0
        return total

    def run(self) -> None:
        while not self.stop.wait(SAMPLE_SECONDS):
            split, spill = self._tree_rss(), self._spill_bytes()
            rss = sum(split)
            with self.lock:
                if rss > self.peak_rss:
                    self.peak_split = split
                if rss > self.overall_rss:
                    self.overall_split = split
                self.peak_rss, self.peak_spill = max(self.peak_rss, rss), max(self.peak_spill, spill)
                self.overall_rss, self.overall_spill = max(self.overall_rss, rss), max(self.overall_spill, spill)


def run_job(landing: Path, warehouse: Path, memory_limit: str, log: Path, *extra: str) -> dict:
    """`finops run` (+ `extra` arguments) in its own process; one row per step from its progress lines, with the
    sampled peaks."""
    env = {**os.environ, "FINOPS_DUCKDB_MEMORY_LIMIT": memory_limit, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    env.pop("DAGSTER_HOME", None)
    # `finops run` of THIS checkout (python -m from ROOT), not whatever checkout the venv's entry point names
    command = [
        *(sys.executable, "-m", "pipelines.cli", "run", "--landing", str(landing), "--warehouse", str(warehouse)),
        *extra,
    ]
    started = time.perf_counter()
    steps: list[dict] = []
    step_started: dict[str, float] = {}
    with log.open("w") as transcript:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        sampler = TreeSampler(process.pid, warehouse.with_name(warehouse.name + ".tmp"))
        sampler.start()
        for line in process.stdout:
            transcript.write(line)
            print("   ", line.rstrip(), flush=True)
            match = _STEP_LINE.search(line)
            if not match:
                continue
            now, step = time.perf_counter(), match["step"]
            if match["what"] == "started":
                sampler.take_peaks()  # the peaks between steps belong to no step
                step_started[step] = now
            else:
                rss, spill, (own, children) = sampler.take_peaks()
                steps.append(
                    {
                        "step": step,
                        "seconds": now - step_started.pop(step, now),
                        "peak_rss_mb": rss / 2**20,
                        "finops_rss_mb": own / 2**20,
                        "children_rss_mb": children / 2**20,
                        "peak_spill_mb": spill / 2**20,
                        "ok": match["what"] == "done",
                    }
                )
        returncode = process.wait()
        sampler.stop.set()
        sampler.join()
    return {
        "returncode": returncode,
        "seconds": time.perf_counter() - started,
        "steps": steps,
        "peak_rss_mb": sampler.overall_rss / 2**20,
        "finops_rss_mb": sampler.overall_split[0] / 2**20,
        "children_rss_mb": sampler.overall_split[1] / 2**20,
        "peak_spill_mb": sampler.overall_spill / 2**20,
    }


def warehouse_totals(warehouse: Path) -> dict:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            "raw_ledger_requests": con.execute("select count(*) from raw_ledger.requests").fetchone()[0],
            "fct_requests": con.execute("select count(*) from main.fct_requests").fetchone()[0],
            "cur_line_items": con.execute("select count(*) from raw_aws_cur.line_items").fetchone()[0],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000_000, help="ledger requests over the month")
    parser.add_argument("--cur-lines", type=int, default=10_000_000, help="lines of the CUR month")
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB memory limit of every connection")
    parser.add_argument("--workdir", default=None, help="keep (and reuse) the landing folder here")
    parser.add_argument("--json-out", default=None)
    parser.add_argument(
        "--next-night",
        action="store_true",
        help="on the warehouse a previous run left in --workdir, run the night after the month (no new data: what"
        " is unchanged skips; delete an export's files first to time that export alone)",
    )
    args = parser.parse_args()

    workdir = bench_workdir(args.workdir, "finops-bench-scale-")
    print(f"workdir {workdir}; load averages {load_averages()}", flush=True)
    landing = build_landing(workdir, args.rows, args.cur_lines)
    warehouse_dir = workdir / "warehouse"
    warehouse = warehouse_dir / "finops.duckdb"
    night: list[str] = []
    if args.next_night:
        day = (MONTH_START + timedelta(days=MONTH_DAYS)).isoformat()
        night = ["--start", day, "--end", day]
    else:
        shutil.rmtree(warehouse_dir, ignore_errors=True)
        warehouse_dir.mkdir()
    load_before = load_averages()
    result = run_job(landing, warehouse, args.memory_limit, workdir / "run.log", *night)
    load_after = load_averages()

    print(f"\nfinops run: {result['seconds']:.0f} s, exit {result['returncode']}, memory_limit {args.memory_limit}")
    print(f"load averages before {load_before}, after {load_after}")
    # finops / children: the two parts of the tree's RSS at the moment of its peak
    print(f"{'step':<42} {'wall s':>8} {'peak RSS MB':>12} {'finops MB':>10} {'children MB':>12} {'spilled MB':>11}")
    for step in result["steps"]:
        flag = "" if step["ok"] else "  FAILED"
        print(
            f"{step['step']:<42} {step['seconds']:8.1f} {step['peak_rss_mb']:12.0f} {step['finops_rss_mb']:10.0f}"
            f" {step['children_rss_mb']:12.0f} {step['peak_spill_mb']:11.0f}{flag}"
        )
    print(
        f"{'whole run (process tree)':<42} {result['seconds']:8.1f} {result['peak_rss_mb']:12.0f}"
        f" {result['finops_rss_mb']:10.0f} {result['children_rss_mb']:12.0f}"
    )
    totals = warehouse_totals(warehouse) if result["returncode"] == 0 else {}
    if totals:
        print(", ".join(f"{name} {count:,}" for name, count in totals.items()))
    goals = [
        Goal(
            f"P4 peak RSS of `finops run`, {args.rows:,} requests + {args.cur_lines:,} CUR lines",
            round(result["peak_rss_mb"]),
            "<=",
            RSS_GOAL_MB,
            unit=" MB",
            peak_rss_mb=round(result["peak_rss_mb"]),
            note=f"wall {result['seconds']:.0f} s; exit {result['returncode']}",
        ),
        Goal("P4 run succeeded", 1.0 if result["returncode"] == 0 else 0.0, ">=", 1.0, unit=""),
    ]
    write_results(args.json_out, "scale", goals, {**result, "totals": totals, "load_before": load_before})


if __name__ == "__main__":
    main()
