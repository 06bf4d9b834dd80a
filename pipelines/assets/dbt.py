"""The dbt project as Dagster assets, split by selector where partitions differ.

- staging views (unpartitioned) read the raw tables the Python assets load;
- `fct_requests` is partitioned by delivery day and receives the partition window in dbt's environment;
- everything else (intermediate models, marts) is rebuilt unpartitioned.
Every dbt invocation is `dbt build`, so the tests run with the models and surface as asset checks.
"""

import hashlib
import importlib.metadata
import json
import os
import re
import secrets
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging import version

from pipelines.partitions import daily_partitions, single_run_backfill
from pipelines.resources import WarehouseResource
from pipelines.settings import DBT_PROJECT_DIR
from pipelines.unchanged import StepState, unchanged_results
from warehouse.build_state import existing_relations, files_digest, recorded_state, tables_digest


class FinopsDbtCliResource(DbtCliResource):
    """DbtCliResource that takes dbt's version from the installed dbt-core package instead of running
    `dbt --version` in a subprocess at every step (seconds per step on these machines)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        """No dbt adapter in the Dagster process: dagster-dbt builds one (importing dbt, loading the profile and
        the project) at every invocation only to fetch column metadata, which no asset asks for."""
        return None

    def cli_in_environment(self, args: Sequence[str], environment: Mapping[str, str], **kwargs: Any):
        """`cli` with these variables in dbt's environment. dagster-dbt builds the subprocess's environment from
        os.environ when the invocation starts and takes no other, so they are set for that moment only."""
        with _environment(environment):
            return self.cli(args, **kwargs)


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """The only writer of os.environ (tests/unit/test_settings.py): these values, then what was there."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def dbt_executable() -> str:
    """dbt beside the running interpreter (the project's venv), so `.venv/bin/finops run` works without an
    activated venv; else whatever `dbt` is on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target="duckdb")
dbt_project.prepare_if_dev()

STAGING_SELECT = "fqn:finops.staging"
PARTITIONED_SELECT = "fct_requests"


class FinopsDbtTranslator(DagsterDbtTranslator):
    """Groups follow the dbt folder layer (staging / intermediate / marts_<area>)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if len(fqn) >= 3 and fqn[1] == "marts":
            return f"marts_{fqn[2]}"
        if len(fqn) >= 2 and fqn[1] in ("staging", "intermediate"):
            return fqn[1]
        return super().get_group_name(dbt_resource_props)


translator = FinopsDbtTranslator()


def dbt_vars(warehouse: WarehouseResource) -> dict[str, str]:
    """The vars of every dbt invocation: the warehouse file and its DuckDB memory limit (profiles.yml reads
    `finops_warehouse_path` and `finops_duckdb_memory_limit`). They stay the same from night to night, so dbt
    keeps its parse; the run's window goes in the environment (window_environment)."""
    limit = {"finops_duckdb_memory_limit": warehouse.settings.memory_limit} if warehouse.settings.memory_limit else {}
    return {"finops_warehouse_path": str(warehouse.path), **limit}


DBT_RUN_TARGETS_KEPT = 3
# dagster-dbt gives every dbt invocation its own target folder: <op name>-<run id[:7]>-<random 7 hex>
_RUN_TARGET_NAME = re.compile(r"^(?P<op>[A-Za-z0-9_]+)-(?P<run>[0-9a-f]{7})-(?P<unique>[0-9a-f]{7})$")


def prune_dbt_run_targets(target_dir: Path, current_run_id: str, keep_runs: int = DBT_RUN_TARGETS_KEPT) -> list[Path]:
    """Delete the per-invocation target folders of all but the newest `keep_runs` runs (the current run always
    counts as one of them); each holds ~4 MB of compiled SQL and run results, and nothing reads them after the
    run. Returns the folders deleted."""
    folders_by_run: dict[str, list[Path]] = {}
    for folder in target_dir.iterdir() if target_dir.is_dir() else []:
        match = _RUN_TARGET_NAME.match(folder.name)
        if match and folder.is_dir():
            folders_by_run.setdefault(match["run"], []).append(folder)
    current = current_run_id[:7]
    newest_first = sorted(
        (run for run in folders_by_run if run != current),
        key=lambda run: max(folder.stat().st_mtime for folder in folders_by_run[run]),
        reverse=True,
    )
    deleted = []
    for run in newest_first[max(keep_runs - 1, 0) :]:
        for folder in folders_by_run[run]:
            shutil.rmtree(folder, ignore_errors=True)
            deleted.append(folder)
    return deleted


PARTIAL_PARSE_FILE = "partial_parse.msgpack"
# one parse kept per warehouse (dbt drops a parse made for another profile): a few recent ones, ~1.4 MB each
PARSES_KEPT = 8


def parse_store(project_target: Path, invocation_vars: Mapping[str, str]) -> Path:
    """Where the last parse for this warehouse is kept. dbt reuses a parse only for the same profile (the
    warehouse path, its memory limit) and vars, so two warehouses built by turns (two users' runs, parallel
    tests) would each throw the other's away if they shared one file."""
    connection = {name: invocation_vars[name] for name in CONNECTION_VARS if name in invocation_vars}
    key = hashlib.sha256(json.dumps(connection, sort_keys=True).encode()).hexdigest()[:16]
    return project_target / "parses" / f"{key}.msgpack"


def invocation_target(project_target: Path, context: dg.AssetExecutionContext) -> Path:
    """A new target folder for one invocation, named as dagster-dbt names its own (`_RUN_TARGET_NAME`)."""
    return (
        project_target / f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-{secrets.token_hex(4)[:7]}"
    )


def seed_partial_parse(parse: Path, target: Path) -> None:
    """Start the invocation from this warehouse's last parse (dagster-dbt then leaves the target's file alone)."""
    if parse.is_file():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(parse, target / PARTIAL_PARSE_FILE)


def keep_partial_parse(invocation_target: Path, parse: Path, keep: int = PARSES_KEPT) -> None:
    """Make this invocation's parse the one the next invocation on the same warehouse starts from, and drop
    all but the `keep` most recent parses of other warehouses."""
    parsed = invocation_target / PARTIAL_PARSE_FILE
    if not parsed.is_file():
        return
    parse.parent.mkdir(parents=True, exist_ok=True)
    temporary = parse.with_name(f"{parse.name}.{invocation_target.name}.tmp")
    shutil.copyfile(parsed, temporary)
    temporary.replace(parse)  # atomic: a concurrent run reads old or new whole
    kept = sorted(parse.parent.glob("*.msgpack"), key=_modified_at, reverse=True)
    for old in kept[keep:]:
        old.unlink(missing_ok=True)


def _modified_at(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # pruned by a concurrent run
        return 0.0


# what the dbt macro partition_window() reads: the environment, not --vars, since dbt re-parses the whole
# project when its vars change (every night), and only the files that read an env var when that one changes
WINDOW_ENVIRONMENT = ("FINOPS_PARTITION_START_DATE", "FINOPS_PARTITION_END_DATE")


def run_window(context: dg.AssetExecutionContext) -> tuple[date, date] | None:
    """The run's delivery-day window [start, end), the same for every dbt invocation of the run: the
    partitioned step's own window, else the run's partition range tags (inclusive end); none without either."""
    if context.assets_def.partitions_def is not None:
        window = context.partition_time_window
        return window.start.date(), window.end.date()
    tags = context.run.tags
    first, last = tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end")
    if not (first and last):
        return None
    return date.fromisoformat(first), date.fromisoformat(last) + timedelta(days=1)


def window_environment(window: tuple[date, date] | None) -> dict[str, str]:
    """The window as dbt's environment; both empty without one, so a value left in the shell never applies."""
    values = [day.isoformat() for day in window] if window else ["", ""]
    return dict(zip(WINDOW_ENVIRONMENT, values, strict=True))


# what a dbt build's output is a function of, besides the tables it reads
DBT_PROJECT_FILES = (
    "dbt_project.yml",
    "profiles.yml",
    "packages.yml",
    "models/**/*",
    "macros/**/*",
    "tests/**/*",
    "seeds/**/*",
    "snapshots/**/*",
    "analyses/**/*",
)
# where the warehouse is and how much memory its DuckDB may take change how a build runs, not what it builds
CONNECTION_VARS = ("finops_warehouse_path", "finops_duckdb_memory_limit")


@cache
def _manifest() -> dict[str, Any]:
    return json.loads(Path(dbt_project.manifest_path).read_text())


def source_tables() -> list[str]:
    """`schema.table` of every dbt source: the raw tables the Python assets load and the audit register."""
    return sorted(f"{s['schema']}.{s['identifier']}" for s in _manifest()["sources"].values())


def step_relations(context: dg.AssetExecutionContext) -> list[str]:
    """`schema.alias` of every model and seed the step builds (ephemeral models have none)."""
    nodes = _manifest()["nodes"]
    relations = []
    for spec in context.assets_def.specs:
        node = nodes.get(spec.metadata.get("dagster_dbt/unique_id", ""), {})
        if node.get("resource_type") in ("model", "seed") and node.get("config", {}).get("materialized") != "ephemeral":
            relations.append(f"{node['schema']}.{node.get('alias') or node['name']}")
    return sorted(relations)


def project_config(invocation_vars: Mapping[str, str]) -> dict[str, Any]:
    """The part of a build's state that is not data: the project's files, the dbt and DuckDB versions and the
    vars, but the connection's (the run window is not a var: a mart's rows do not depend on which days the run
    delivered)."""
    return {
        "project": files_digest(DBT_PROJECT_DIR, DBT_PROJECT_FILES),
        "versions": {name: importlib.metadata.version(name) for name in ("dbt-core", "dbt-duckdb", "duckdb")},
        "vars": {name: value for name, value in invocation_vars.items() if name not in CONNECTION_VARS},
    }


def _window_is_empty(
    con: duckdb.DuckDBPyConnection, context: dg.AssetExecutionContext, window: tuple[date, date] | None
) -> bool:
    """No ledger row was delivered in the window, and fct_requests holds none there: the window's build would
    delete nothing and insert nothing (a kept copy moves between days only with a delivered row)."""
    if not window:
        return False
    bounds = [day.isoformat() for day in window]
    existing = existing_relations(con)
    for table in ["raw_ledger.requests", *step_relations(context)]:
        if (
            table.lower() in existing
            and con.execute(
                f"select count(*) from {table} where ingest_date >= cast(? as date) and ingest_date < cast(? as date)",
                bounds,
            ).fetchone()[0]
        ):
            return False
    return True


_sources_digest_of_run: dict[str, dict[str, str]] = {}


def _sources_digest(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, str]:
    """The digest of every source table, computed once per run: every asset that loads a source runs before the
    first dbt step, and nothing after it writes one, so the staging step's digest holds for the marts too."""
    if run_id not in _sources_digest_of_run:
        _sources_digest_of_run.clear()  # a long-lived process (dagster dev) keeps only the current run's
        _sources_digest_of_run[run_id] = tables_digest(con, source_tables())
    return _sources_digest_of_run[run_id]


def _step_state(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, step: str, invocation_vars: Mapping[str, str]
) -> tuple[StepState, bool]:
    """This step's state, and whatever else must hold for it to skip: its relations all exist, and for the
    daily facts an empty window (their rows depend on the window, unlike the marts')."""
    parts: dict[str, Any] = {"step": step, **project_config(invocation_vars)}
    with warehouse.connect() as con:
        existing = existing_relations(con)
        relations_exist = all(relation.lower() in existing for relation in step_relations(context))
        if step == "dbt_daily_facts":
            condition = relations_exist and _window_is_empty(con, context, run_window(context))
        else:
            condition = relations_exist
            parts["sources"] = _sources_digest(con, context.run.run_id)
            if step == "dbt_marts":
                # fct_requests: what the daily facts last built (their state changes with every build)
                parts["daily_facts"] = recorded_state(con, "dbt_daily_facts")
    return StepState(context, warehouse, step, parts), condition


def _build(
    context: dg.AssetExecutionContext, dbt: FinopsDbtCliResource, warehouse: WarehouseResource, step: str
) -> Iterator:
    invocation_vars = dbt_vars(warehouse)
    state, condition = _step_state(context, warehouse, step, invocation_vars)
    unchanged, since_run = state.unchanged(extra_condition=condition)
    if unchanged:
        yield from unchanged_results(context, step, since_run)
        return
    project_target = DBT_PROJECT_DIR / "target"
    prune_dbt_run_targets(project_target, context.run.run_id)
    parse, target = parse_store(project_target, invocation_vars), invocation_target(project_target, context)
    seed_partial_parse(parse, target)
    # dagster-dbt itself passes DBT_SEND_ANONYMOUS_USAGE_STATS=false to the subprocess
    invocation = dbt.cli_in_environment(
        ["build", "--vars", json.dumps(invocation_vars, sort_keys=True)],
        window_environment(run_window(context)),
        context=context,
        target_path=target,
    )
    yield from invocation.stream()
    keep_partial_parse(invocation.target_path, parse)
    state.record()


@dbt_assets(
    manifest=dbt_project.manifest_path, select=STAGING_SELECT, dagster_dbt_translator=translator, name="dbt_staging"
)
def dbt_staging(context: dg.AssetExecutionContext, dbt: FinopsDbtCliResource, warehouse: WarehouseResource):
    yield from _build(context, dbt, warehouse, "dbt_staging")


@dbt_assets(
    manifest=dbt_project.manifest_path,
    select=PARTITIONED_SELECT,
    dagster_dbt_translator=translator,
    partitions_def=daily_partitions,
    backfill_policy=single_run_backfill,
    name="dbt_daily_facts",
)
def dbt_daily_facts(context: dg.AssetExecutionContext, dbt: FinopsDbtCliResource, warehouse: WarehouseResource):
    yield from _build(context, dbt, warehouse, "dbt_daily_facts")


@dbt_assets(
    manifest=dbt_project.manifest_path,
    exclude=f"{STAGING_SELECT} {PARTITIONED_SELECT}",
    dagster_dbt_translator=translator,
    name="dbt_marts",
)
def dbt_marts(context: dg.AssetExecutionContext, dbt: FinopsDbtCliResource, warehouse: WarehouseResource):
    yield from _build(context, dbt, warehouse, "dbt_marts")
