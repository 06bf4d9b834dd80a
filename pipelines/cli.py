"""`finops`: the command line.

finops demo                      generate the demo landing folder, run the main job, write the showback CSVs
finops run [--landing DIR]       run the main job over every delivery day found in the landing folder
finops export showback --month YYYY-MM [--out FILE] [--excel]
finops export focus [--focus-version 1.2|1.3] [--out DIR]   fct_costs as FOCUS Parquet + CSV
finops close --month YYYY-MM [--note TEXT]    freeze a month (fct_costs, showback); later changes post as adjustments
finops reopen --month YYYY-MM [--note TEXT]   unfreeze it (the next run recomputes it)
finops init [--path finops.toml]  write a commented config file naming where each source's data is
finops check                      reach every configured source, validate rate cards and tag mapping

Every command takes `--config FILE` (else $FINOPS_CONFIG, else ./finops.toml); see pipelines/settings.py.

A run holds the warehouse's exclusive lock, an export a shared one (warehouse/lock.py): a second process
waits up to FINOPS_LOCK_TIMEOUT_SECONDS, then exits 2 with a one-line error.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from pipelines.dbt_manifest import ensure_dbt_manifest
from pipelines.settings import Settings
from warehouse.lock import WarehouseBusy

DEMO_MARKER = ".finops-demo"


def _say(message: str) -> None:
    print(f"[finops {time.strftime('%H:%M:%S')}] {message}", flush=True)


def resource_config(settings: Settings) -> dict:
    """Run config that hands the resolved settings to the job's resources (nothing goes through os.environ;
    key variables travel by NAME only)."""
    config_file = str(settings.config_file or "")
    provider = {
        f"{name}_api": {
            "config": {
                "provider": name,
                "api_key_env_var": api.key_env,
                "base_url": api.base_url,
                "config_file": config_file,
            }
        }
        for name, api in (("openai", settings.openai), ("anthropic", settings.anthropic))
    }
    return {
        "warehouse": {
            "config": {
                "duckdb_path": str(settings.warehouse_path),
                "exports_dir": str(settings.exports_dir),
                "memory_limit": settings.memory_limit or "",
                "threads": settings.threads or 0,
                "rate_cards_dir": str(settings.rate_cards_dir),
                "config_file": config_file,
            }
        },
        "landing": {
            "config": {
                "location": settings.landing,
                "s3_endpoint_url": settings.s3_endpoint_url or "",
                "sources": dict(settings.source_locations),
                "tag_mapping_file": str(settings.tag_mapping),
                "spark_tag_prefix": settings.spark_tag_prefix,
                "config_file": config_file,
            }
        },
        "gcp_billing": {
            "config": {
                "table": settings.gcp_bigquery_table,
                "project": settings.gcp_project,
                "config_file": config_file,
            }
        },
        "azure_openai": {
            "config": {
                "account_resource_id": settings.azure_openai_account_resource_id,
                "token_env_var": settings.azure_openai_token_env,
                "config_file": config_file,
            }
        },
        **provider,
    }


class LandingError(Exception):
    """The landing folder cannot be used at all: the run does not start."""


def check_landing(settings: Settings) -> None:
    """A landing folder that does not exist, or holds no `ledger/` folder, is a wrong path, never empty data
    (a ledger configured apart, [sources.ledger], must exist itself)."""
    if "ledger" in settings.source_locations:
        ledger = Path(settings.source_locations["ledger"])
        if not ledger.is_dir():
            raise LandingError(f"ledger folder {ledger} does not exist (expected YYYY-MM-DD/ deliveries in it)")
        return
    if settings.landing.startswith("s3://"):
        return
    landing = Path(settings.landing)
    if not landing.is_dir():
        raise LandingError(f"landing folder {landing} does not exist")
    if not (landing / "ledger").is_dir():
        raise LandingError(f"landing folder {landing} has no ledger/ folder (expected ledger/YYYY-MM-DD/ deliveries)")


class NotWritable(Exception):
    """A folder or file a run must write is read-only: the run does not start (not 15 failed steps later)."""


def _check_folder_writable(folder: Path, what: str) -> None:
    # try it for real: permission bits, read-only mounts and ACLs all say no the same way
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".finops-write-check-"):
            pass
    except OSError as exc:
        raise NotWritable(
            f"{what} {folder} is not writable ({exc.strerror or exc}); expected a folder finops can create"
            " files in: fix its permissions or pass another --warehouse"
        ) from None


def check_writable(settings: Settings) -> None:
    """The warehouse file, its folder (lock file, run logs) and the exports folder must be writable."""
    _check_folder_writable(settings.warehouse_path.parent, "warehouse folder")
    if settings.warehouse_path.exists():
        try:
            with settings.warehouse_path.open("r+b"):
                pass
        except OSError as exc:
            raise NotWritable(
                f"warehouse {settings.warehouse_path} is not writable ({exc.strerror or exc}); expected a DuckDB"
                " file finops can update: fix its permissions or pass another --warehouse"
            ) from None
    _check_folder_writable(settings.exports_dir, "exports folder")


RUN_LOGS_KEPT = 10


def run_log_path(settings: Settings) -> Path:
    """A new run log beside the warehouse; only the newest RUN_LOGS_KEPT are kept."""
    folder = settings.warehouse_path.parent / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    for old in sorted(folder.glob("run-*.log"))[: -(RUN_LOGS_KEPT - 1) or None]:
        old.unlink(missing_ok=True)
    return folder / f"run-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"


def _delivery_days(settings: Settings) -> list[date]:
    from ingest.ledger import discover_ledger_files

    ledger = settings.source_location("ledger")
    if ledger.startswith("s3://"):
        return []
    return sorted({f.ingest_date for f in discover_ledger_files(Path(ledger))})


def run_main_job(
    settings: Settings,
    start: date | None = None,
    end: date | None = None,
    *,
    debug: bool = False,
    rebuild: bool = False,
) -> bool:
    """Materialize every asset for the delivery days [start, end] (default: all days in the landing folder).
    The dbt steps and exports whose inputs are those of their last build skip (pipelines/unchanged.py), unless
    `rebuild`.
    A day without ledger files is an empty delivery; a landing folder that is not there raises LandingError,
    a warehouse or exports folder finops cannot write raises NotWritable, both before anything starts.

    Holds the warehouse's exclusive lock for the whole run: a second run or an export waits for it
    (FINOPS_LOCK_TIMEOUT_SECONDS), then gives up with WarehouseBusy.

    The screen gets one line per step and, when steps fail, the cause of each; Dagster's and dbt's logs go to
    a run log beside the warehouse (`debug`: everything on screen instead)."""
    from warehouse.lock import warehouse_lock

    check_landing(settings)
    check_writable(settings)
    with warehouse_lock(
        settings.warehouse_path,
        exclusive=True,
        purpose="finops run",
        say=_say,
        timeout_seconds=settings.lock_timeout_seconds,
    ):
        return _run_main_job_locked(settings, start, end, debug=debug, rebuild=rebuild)


def _run_main_job_locked(
    settings: Settings, start: date | None, end: date | None, *, debug: bool, rebuild: bool
) -> bool:
    from pipelines.progress import cause_block, execute_with_progress, quiet_warnings

    ensure_dbt_manifest()
    days = _delivery_days(settings)
    start = start or (days[0] if days else date.today())
    end = end or (days[-1] if days else date.today())
    _say(f"landing   {settings.landing}")
    _say(f"warehouse {settings.warehouse_path}")
    _say("loading the pipeline (Dagster definitions, dbt manifest)")
    with quiet_warnings():
        from dagster import AssetCheckSeverity, DagsterInstance

        from pipelines.definitions import defs
        from pipelines.unchanged import REBUILD_TAG

        job = defs.resolve_job_def("main")
    instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()
    log_path = None if debug else run_log_path(settings)
    _say(f"materializing every asset for delivery days {start} .. {end} (one run, then all checks)")
    if log_path is not None:
        _say(f"Dagster and dbt logs: {log_path}")
    started = time.monotonic()
    result, progress = execute_with_progress(
        job,
        instance,
        out=sys.stdout,
        log_path=log_path,
        tags={
            "dagster/asset_partition_range_start": start.isoformat(),
            "dagster/asset_partition_range_end": end.isoformat(),
            # one DAGSTER_HOME may hold runs of several warehouses: say which one each run wrote
            "finops/warehouse": str(settings.warehouse_path),
            **({REBUILD_TAG: "true"} if rebuild else {}),
        },
        raise_on_error=False,
        # step starts/ends and dbt's own progress lines; DEBUG event chatter stays in run storage
        run_config={
            "loggers": {"console": {"config": {"log_level": "INFO"}}},
            "resources": resource_config(settings),
        },
    )
    evaluations = [
        e.asset_check_evaluation_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    failed_checks = [c.check_name for c in evaluations if not c.passed and c.severity == AssetCheckSeverity.ERROR]
    warnings = [c.check_name for c in evaluations if not c.passed and c.severity != AssetCheckSeverity.ERROR]
    step_failures = [event.step_key for event in result.all_events if event.event_type_value == "STEP_FAILURE"]
    _say(
        f"run {'succeeded' if result.success else 'FAILED'} in {time.monotonic() - started:.0f} s"
        + (f"; failed steps: {', '.join(step_failures)}" if step_failures else "")
        + (f"; failed checks: {', '.join(failed_checks)}" if failed_checks else "")
        + (f"; warnings: {', '.join(warnings)}" if warnings else "")
    )
    if progress.failures:
        print("\n".join(cause_block(progress.failures, log_path, progress.not_run())), flush=True)
    return result.success and not failed_checks


def _settings(args: argparse.Namespace, **flags: object) -> Settings:
    """The settings of one command: its flags > environment > the config file > defaults."""
    return Settings.resolve(config_file=getattr(args, "config", None), **flags)


def _cmd_demo(args: argparse.Namespace) -> int:
    settings = _settings(args, landing=args.landing, warehouse_path=args.warehouse)
    landing = Path(settings.landing)
    if landing.exists() and any(landing.iterdir()) and not (landing / DEMO_MARKER).exists():
        print(
            f"error: {landing} holds data that the demo did not write; pass --landing to another folder",
            file=sys.stderr,
        )
        return 2
    from ingest.demo import generate_landing

    if landing.exists():
        shutil.rmtree(landing)
    _say(f"generating the demo landing folder {landing}")
    sources = generate_landing(landing)
    (landing / DEMO_MARKER).write_text("written by `finops demo`; regenerated on every demo run\n")
    _say(f"demo sources: {', '.join(sources)}")
    try:
        if not run_main_job(settings, debug=args.debug):
            return 1
    except (NotWritable, WarehouseBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _print_summary(settings)
    return 0


def _day_argument(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentError(f"{option} {value!r}: expected a day YYYY-MM-DD, e.g. 2026-10-05") from None


class ArgumentError(ValueError):
    pass


def _cmd_run(args: argparse.Namespace) -> int:
    from ingest.common import SourceFormatError

    settings = _settings(args, landing=args.landing, warehouse_path=args.warehouse)
    try:
        start, end = _day_argument("--start", args.start), _day_argument("--end", args.end)
    except ArgumentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    try:
        ok = run_main_job(settings, start, end, debug=args.debug, rebuild=args.rebuild)
    except (LandingError, NotWritable, SourceFormatError, WarehouseBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not ok:
        return 1
    _print_summary(settings)
    return 0


def _print_summary(settings: Settings) -> None:
    from warehouse.duckdb_store import connect

    exports = sorted(settings.exports_dir.glob("showback_*.csv"))
    print()
    with connect(settings.warehouse_path, read_only=True, timeout_seconds=settings.lock_timeout_seconds) as con:
        quarantined = con.execute(
            "select source, sum(records), count(distinct source_file) from quarantine.rejected_rows"
            " group by source order by source"
        ).fetchall()
        conservation = con.execute(
            "select charge_month, sum(bill_effective_cost_usd), sum(estimated_accrual_usd),"
            " sum(abs(difference_effective_cost_usd)) from rpt_cost_conservation group by 1 order by 1"
        ).fetchall()
    for source, records, files in quarantined:
        print(f"Quarantined: {records} input record(s) of {source} from {files} file(s): see quarantine.rejected_rows")
    for month, bills, accruals, difference in conservation:
        print(
            f"{month}: bills {bills:f} USD + estimated accruals {accruals:f} USD;"
            f" conservation difference {difference:f} (must be 0)"
        )
    print(f"Warehouse (DuckDB): {settings.warehouse_path}")
    for path in exports:
        print(f"Showback CSV:       {path}")
    print("Try:")
    print(
        f"  uv run python -c \"import duckdb; print(duckdb.connect('{settings.warehouse_path}', read_only=True)"
        ".sql('select team, feature, sum(total_cost_usd) as cost_usd from rpt_showback group by all order by 3 desc'))\""
    )


def _cmd_export_showback(args: argparse.Namespace) -> int:
    from warehouse.duckdb_store import connect
    from warehouse.exports import ExportError, export_showback
    from warehouse.lock import warehouse_lock

    settings = _settings(args, warehouse_path=args.warehouse)
    default_name = f"showback_{args.month}.excel.csv" if args.excel else f"showback_{args.month}.csv"
    out = Path(args.out) if args.out else settings.exports_dir / default_name
    if not settings.warehouse_path.exists():
        print(
            f"error: no warehouse at {settings.warehouse_path}; run `finops run` or `finops demo` first",
            file=sys.stderr,
        )
        return 2
    try:
        # a shared lock: waits while a run writes, runs beside other exports
        with (
            warehouse_lock(
                settings.warehouse_path,
                exclusive=False,
                purpose="finops export",
                timeout_seconds=settings.lock_timeout_seconds,
            ),
            connect(settings.warehouse_path, read_only=True, timeout_seconds=settings.lock_timeout_seconds) as con,
        ):
            export = export_showback(con, args.month, out, excel=args.excel)
    except (ExportError, WarehouseBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{export.path}: {export.rows} rows, total {export.total_cost_usd} USD, sha256 {export.sha256}")
    return 0


def _cmd_export_focus(args: argparse.Namespace) -> int:
    from warehouse.duckdb_store import connect
    from warehouse.focus_export import export_focus
    from warehouse.lock import warehouse_lock

    settings = Settings.resolve(warehouse_path=args.warehouse)
    if not settings.warehouse_path.exists():
        print(
            f"error: no warehouse at {settings.warehouse_path}; run `finops run` or `finops demo` first",
            file=sys.stderr,
        )
        return 2
    folder = Path(args.out) if args.out else settings.exports_dir / "focus"
    try:
        with (
            warehouse_lock(settings.warehouse_path, exclusive=False, purpose="finops export"),
            connect(settings.warehouse_path, read_only=True) as con,
        ):
            export = export_focus(con, folder, args.focus_version)
    except WarehouseBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"FOCUS {export.focus_version}: {export.parquet} and {export.csv}: {export.rows} rows,"
        f" billed {export.billed_cost}, csv sha256 {export.csv_sha256}"
    )
    return 0


def close_or_reopen(settings: Settings, action: str, month: str, note: str | None = None) -> str:
    """Close (recording the month's fct_costs hash and its showback CSV's hash) or reopen a month, under the
    warehouse's exclusive lock; returns a one-line summary. Raises MonthCloseError, ExportError, WarehouseBusy."""
    from warehouse.duckdb_store import connect
    from warehouse.exports import export_showback
    from warehouse.lock import warehouse_lock
    from warehouse.month_close import check_month, close_month, current_actor, reopen_month

    check_month(month)
    actor = current_actor(settings.actor)
    timeout = settings.lock_timeout_seconds
    with (
        warehouse_lock(settings.warehouse_path, exclusive=True, purpose=f"finops {action}", timeout_seconds=timeout),
        connect(settings.warehouse_path, timeout_seconds=timeout) as con,
    ):
        if action == "reopen":
            status = reopen_month(con, month, actor=actor, note=note)
            return f"{month} reopened by {status.actor} at {status.at:%Y-%m-%d %H:%M:%S} UTC"
        # the export finance receives at close is the reference every later export must equal byte for byte
        export = export_showback(con, month, settings.exports_dir / f"showback_{month}.csv")
        status = close_month(con, month, showback_sha256=export.sha256, actor=actor, note=note)
        return (
            f"{month} closed by {status.actor} at {status.at:%Y-%m-%d %H:%M:%S} UTC; showback {export.path}"
            f" sha256 {export.sha256}; fct_costs sha256 {status.fct_costs_sha256}"
        )


def _cmd_close_or_reopen(args: argparse.Namespace) -> int:
    from warehouse.exports import ExportError
    from warehouse.month_close import MonthCloseError

    settings = _settings(args, warehouse_path=args.warehouse)
    if not settings.warehouse_path.exists():
        print(f"error: no warehouse at {settings.warehouse_path}; run `finops run` first", file=sys.stderr)
        return 2
    try:
        print(close_or_reopen(settings, args.command, args.month, args.note))
    except (MonthCloseError, ExportError, WarehouseBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="finops", description="GenAI FinOps cost warehouse")
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks, and Dagster's and dbt's logs on screen during a run"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, helptext in (
        ("demo", "generate demo data and run the main job on it"),
        ("run", "run the main job on a landing folder"),
    ):
        command = commands.add_parser(name, help=helptext)
        command.add_argument("--landing", help="landing folder (default FINOPS_LANDING_DIR or ./landing)")
        command.add_argument(
            "--warehouse", help="DuckDB file (default FINOPS_WAREHOUSE_PATH or ./warehouse/finops.duckdb)"
        )
        if name == "run":
            command.add_argument("--start", help="first delivery day YYYY-MM-DD (default: first found)")
            command.add_argument("--end", help="last delivery day YYYY-MM-DD (default: last found)")
            command.add_argument(
                "--rebuild",
                action="store_true",
                help="rebuild the dbt models and exports even when their inputs are those of their last build",
            )
    export = commands.add_parser("export", help="write an export from the warehouse")
    export_kinds = export.add_subparsers(dest="kind", required=True)
    showback = export_kinds.add_parser("showback", help="showback CSV of one month")
    showback.add_argument("--month", required=True, help="YYYY-MM")
    showback.add_argument("--out", help="output file (default warehouse/exports/showback_YYYY-MM.csv)")
    showback.add_argument("--warehouse", help="DuckDB file")
    showback.add_argument(
        "--excel",
        action="store_true",
        help="UTF-8 with a byte-order mark, so Excel on Windows shows non-ASCII tags right"
        " (default file warehouse/exports/showback_YYYY-MM.excel.csv)",
    )
    focus = export_kinds.add_parser("focus", help="fct_costs in FOCUS columns (Parquet and CSV)")
    focus.add_argument("--focus-version", choices=("1.2", "1.3"), default="1.3", help="FOCUS version (default 1.3)")
    focus.add_argument("--out", help="output folder (default warehouse/exports/focus)")
    focus.add_argument("--warehouse", help="DuckDB file")
    for name, helptext in (
        ("close", "close a month: freeze its costs and showback; later changes post as adjustments"),
        ("reopen", "reopen a closed month"),
    ):
        command = commands.add_parser(name, help=helptext)
        command.add_argument("--month", required=True, help="YYYY-MM")
        command.add_argument("--note", help="why (kept in audit.month_close)")
        command.add_argument("--warehouse", help="DuckDB file")
    importer = commands.add_parser("import-prices", help="write a rate card from a LiteLLM or genai-prices file")
    importer.add_argument("kind", choices=("litellm", "genai-prices"))
    importer.add_argument("file", help="local model_prices_and_context_window.json or genai-prices data file")
    importer.add_argument("--provider", required=True, help="e.g. openai, anthropic")
    importer.add_argument("--effective-from", required=True, help="YYYY-MM-DD the new prices take effect")
    importer.add_argument("--out", help="card to write (default rate_cards/llm/<provider>_<kind>_<date>.toml)")
    init = commands.add_parser("init", help="write a commented finops.toml naming where each source's data is")
    init.add_argument("--path", default="finops.toml", help="file to write (default ./finops.toml)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    commands.add_parser("check", help="reach every configured source; validate rate cards and tag mapping")
    for command in commands.choices.values():
        if command.prog.split()[-1] not in ("init", "export"):
            command.add_argument("--config", help="finops.toml to read (default FINOPS_CONFIG or ./finops.toml)")
    showback.add_argument("--config", help="finops.toml to read (default FINOPS_CONFIG or ./finops.toml)")
    return parser


def _cmd_import_prices(args: argparse.Namespace) -> int:
    from rate_cards.importers import import_genai_prices, import_litellm
    from rate_cards.llm_cards import DEFAULT_CARDS_DIR, RateCardError

    effective = _day_argument("--effective-from", args.effective_from)
    out = (
        Path(args.out)
        if args.out
        else DEFAULT_CARDS_DIR / f"{args.provider}_{args.kind.replace('-', '_')}_{effective}.toml"
    )
    importer = import_litellm if args.kind == "litellm" else import_genai_prices
    try:
        count = importer(Path(args.file), args.provider, effective, out)
    except (RateCardError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{out}: {count} models from {args.file}, effective {effective}")
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from pipelines.doctor import write_config

    path = Path(args.path)
    if path.exists() and not args.force:
        print(f"error: {path} exists; edit it, or pass --force to overwrite it", file=sys.stderr)
        return 2
    write_config(path)
    print(f"{path}: written; name where each source's data is, then run `finops check`")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from pipelines.doctor import check, render

    results = check(_settings(args))
    print(render(results))
    return 0 if all(result.ready for result in results) else 2


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "init":
        return _cmd_init(args)
    if args.command == "check":
        return _cmd_check(args)
    if args.command == "demo":
        return _cmd_demo(args)
    if args.command == "run":
        return _cmd_run(args)
    if args.command == "import-prices":
        return _cmd_import_prices(args)
    if args.command in ("close", "reopen"):
        return _cmd_close_or_reopen(args)
    if args.kind == "focus":
        return _cmd_export_focus(args)
    return _cmd_export_showback(args)


def describe_error(exc: BaseException) -> str:
    """One line naming the thing that failed and what was expected, for errors no command caught itself."""
    if isinstance(exc, PermissionError) and exc.filename:
        return f"cannot write {exc.filename}: permission denied; expected a file or folder finops can write"
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"{exc.filename} does not exist; expected an existing file or folder"
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    text = " ".join(str(exc).split()) or "(no message)"
    return f"{type(exc).__name__}: {text}"


def main(argv: list[str] | None = None) -> int:
    """Every error is one line on stderr and exit code 2; `--debug` shows the traceback instead."""
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except ArgumentError as exc:  # already one line naming the option and what it expects
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        if args.debug:
            raise
        print(f"error: {describe_error(exc)} (run with --debug for the traceback)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
