"""Every benchmark of issue 12 at one scale, in one command, and one table of every goal, ratio, peak RSS and
verdict, with the load averages around each bench (the machine is shared: a ratio is measured inside one bench,
baseline and ours back to back, so it holds under load; absolute seconds do not).

  uv run python bench/run_all.py --scale smoke                 # minutes: does every bench still run?
  uv run python bench/run_all.py --scale issue                 # the issue's sizes (hours on 2 cores)
  uv run python bench/run_all.py --scale standard --before b3b71cb   # the same table for an older commit too
  uv run python bench/run_all.py --only ledger,cur --scale standard

`--before REV` checks REV out in a temporary git worktree, puts THIS bench/ folder in it (the same measuring
code), runs the suite there with the same venv, then here, and prints both columns. A bench that cannot run
on the older code says so instead of a number.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))

from bench.report import load_averages  # noqa: E402  (after the path insert above)

# bench -> (script, arguments per scale)
SUITE: dict[str, tuple[str, dict[str, list[str]]]] = {
    # the ratio benches alternate their phases three times and keep each phase's fastest run (one run of a phase
    # varied by up to a third within an hour on a shared 2-core machine, flipping verdicts)
    "ledger": (
        "bench_ledger.py",
        {
            "smoke": ["--rows", "1000000"],
            "standard": ["--rows", "5000000", "--repeat", "3"],
            "issue": ["--rows", "20000000", "--repeat", "3"],
        },
    ),
    "cur": (
        "bench_cur.py",
        {
            "smoke": ["--lines", "200000"],
            "standard": ["--lines", "2000000", "--repeat", "3"],
            "issue": ["--lines", "10000000", "--repeat", "3"],
        },
    ),
    "spark": (
        "bench_spark_logs.py",
        {
            "smoke": ["--logs", "500"],
            "standard": ["--logs", "2000", "--repeat", "3"],
            "issue": ["--logs", "10000", "--repeat", "3"],
        },
    ),
    "focus_export": (
        "bench_focus_export.py",
        {"smoke": ["--rows", "100000"], "standard": ["--rows", "1000000"], "issue": ["--rows", "10000000"]},
    ),
    "nightly": (
        "bench_nightly.py",
        {
            "smoke": ["--quick"],
            "standard": ["--days", "20", "--rows-per-day", "200000"],
            "issue": ["--days", "90", "--rows-per-day", "200000"],
        },
    ),
    "scale": (
        "bench_scale.py",
        {
            "smoke": ["--rows", "1000000", "--cur-lines", "100000"],
            "standard": ["--rows", "10000000", "--cur-lines", "1000000"],
            "issue": ["--rows", "100000000", "--cur-lines", "10000000"],
        },
    ),
}


def run_bench(code_root: Path, name: str, scale: str, workdir: Path) -> dict:
    """One bench in its own process against the code in `code_root`; its goals, or why there are none."""
    script, arguments = SUITE[name]
    out = workdir / f"{name}.json"
    out.unlink(missing_ok=True)
    log = workdir / f"{name}.log"
    load_before = load_averages()
    started = time.perf_counter()
    print(f"[{time.strftime('%H:%M:%S')}] {name} ({scale}) in {code_root} ...", flush=True)
    with log.open("w") as handle:
        completed = subprocess.run(
            [sys.executable, str(code_root / "bench" / script), *arguments[scale], "--json-out", str(out)],
            cwd=code_root,
            stdout=handle,
            stderr=subprocess.STDOUT,
            check=False,
        )
    seconds = time.perf_counter() - started
    result = {"bench": name, "seconds": seconds, "load_before": load_before, "load_after": load_averages()}
    if completed.returncode != 0 or not out.exists():
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["(no output)"]
        return {**result, "error": f"exit {completed.returncode}: {tail[0][:160]} (log {log})"}
    return {**json.loads(out.read_text()), **result}  # the suite's bench name, whatever the script calls itself


def run_suite(code_root: Path, benches: list[str], scale: str, workdir: Path) -> list[dict]:
    workdir.mkdir(parents=True, exist_ok=True)
    results = [run_bench(code_root, name, scale, workdir) for name in benches]
    (workdir / "summary.json").write_text(json.dumps(results, indent=2))
    return results


def checkout_before(revision: str, workdir: Path) -> Path:
    """REV in a temporary git worktree, with this bench/ folder copied in (the same measuring code)."""
    folder = workdir / f"code-{revision}"
    if folder.exists():
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, check=False)
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(folder), revision], cwd=ROOT, check=True)
    shutil.rmtree(folder / "bench")
    shutil.copytree(BENCH_DIR, folder / "bench", ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def _goal_rows(results: list[dict]) -> dict[tuple[str, str], dict]:
    rows = {}
    for result in results:
        if "error" in result:
            rows[(result["bench"], "(did not run)")] = {"error": result["error"], "load": result["load_before"]}
            continue
        for goal in result["goals"]:
            rows[(result["bench"], goal["name"])] = {**goal, "load": result["load_before"]}
    return rows


def _cell(row: dict | None) -> str:
    if row is None:
        return "-"
    if "error" in row:
        return "did not run"
    rss = f", {row['peak_rss_mb']:.0f} MB" if row.get("peak_rss_mb") is not None else ""
    return f"{row['value']:,.3g}{row['unit']}{rss} {'met' if row['met'] else 'MISSED'}"


def print_table(after: list[dict], before: list[dict] | None, before_label: str) -> None:
    rows_after, rows_before = _goal_rows(after), _goal_rows(before or [])
    keys = list(rows_after) + [key for key in rows_before if key not in rows_after]
    print()
    header = f"{'bench':<13} {'goal':<70} {'target':>10}  {'after (value, peak RSS, verdict)':<36}"
    if before is not None:
        header += f"  before ({before_label})"
    print(header)
    print("-" * len(header))
    for bench, name in keys:
        row = rows_after.get((bench, name)) or rows_before.get((bench, name))
        target = f"{row['op']} {row['target']:g}{row['unit']}" if "op" in row else ""
        line = f"{bench:<13} {name[:70]:<70} {target:>10}  {_cell(rows_after.get((bench, name))):<36}"
        if before is not None:
            line += f"  {_cell(rows_before.get((bench, name))):<36}"
        note = (rows_after.get((bench, name)) or {}).get("note")
        print(line + (f"  {note}" if note else ""))
    print()
    for label, results in (("after", after), (f"before ({before_label})", before or [])):
        for result in results:
            print(
                f"{label:<18} {result['bench']:<13} {result['seconds']:7.0f} s"
                f"  load averages before {result['load_before']}, after {result['load_after']}"
                + (f"  ERROR {result['error']}" if "error" in result else "")
            )


def missing_bytecode() -> str | None:
    """A warning when this venv's packages hold no compiled bytecode and Python will not write it
    (PYTHONDONTWRITEBYTECODE): every finops and dbt process would then compile each module it imports, which
    adds seconds to each run a user would not pay (3-5 s of the empty nightly run). A venv that uv installed
    reads `[tool.uv] compile-bytecode` and has it; one built otherwise may not."""
    spec = importlib.util.find_spec("dagster")
    if spec is None or spec.origin is None or not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return None
    if Path(importlib.util.cache_from_source(spec.origin)).exists():
        return None
    return (
        f"WARNING: no bytecode for the installed packages ({spec.origin}) and PYTHONDONTWRITEBYTECODE is set:"
        " every process compiles what it imports, and times include it. Fix: uv sync --compile-bytecode"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=("smoke", "standard", "issue"), default="smoke")
    parser.add_argument("--only", default=None, help=f"comma-separated subset of: {', '.join(SUITE)}")
    parser.add_argument("--before", default=None, help="also run the suite on this git revision, first")
    parser.add_argument("--workdir", default=None, help="where results and logs go (default: a temp folder)")
    args = parser.parse_args()
    benches = args.only.split(",") if args.only else list(SUITE)
    unknown = [name for name in benches if name not in SUITE]
    if unknown:
        raise SystemExit(f"unknown bench(es) {', '.join(unknown)}: expected some of {', '.join(SUITE)}")
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="finops-bench-suite-")).resolve()
    print(f"suite at scale {args.scale}: {', '.join(benches)}; results and logs in {workdir}")
    warning = missing_bytecode()
    if warning:
        print(warning)
    before = None
    if args.before:
        code = checkout_before(args.before, workdir)
        try:
            before = run_suite(code, benches, args.scale, workdir / "before")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(code)], cwd=ROOT, check=False)
    after = run_suite(ROOT, benches, args.scale, workdir / "after")
    print_table(after, before, args.before or "")


if __name__ == "__main__":
    main()
