"""Steps that have nothing to do when their inputs are those of their last build (warehouse/build_state.py).

A source reloaded from landing files skips when its files (names, sizes, modification times or ETags), the
code that loads them, the settings and the rows it wrote are those of its last load (`SourceStep`); a bill
rewritten in place during its month has a new size or time, and loads. When the tables they read are
identical, the dbt steps and the exports would rebuild identical outputs: they skip too. A skipped step says so
in the run log and reports its assets as materialized with the run whose build they keep. The run tag
`finops/rebuild=true` (`finops run --rebuild`) builds everything whatever the states say.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from graphlib import TopologicalSorter
from pathlib import Path

import dagster as dg
import duckdb

from ingest.storage import LandingStore
from pipelines.resources import LandingResource, WarehouseResource
from pipelines.settings import PROJECT_ROOT
from warehouse.build_state import files_digest, forget_state, record_state, recorded_state, state_of, tables_digest
from warehouse.duckdb_store import LOAD_AUDIT_TABLE, QUARANTINE_TABLE

REBUILD_TAG = "finops/rebuild"


def rebuild_requested(context: dg.AssetExecutionContext) -> bool:
    return context.run.tags.get(REBUILD_TAG, "").strip().lower() in ("1", "true", "yes")


def whole_step_selected(context: dg.AssetExecutionContext) -> bool:
    """Only a build of every asset of the step may record its state (a subset leaves the others as they were)."""
    return set(context.selected_asset_keys) == set(context.assets_def.keys)


def unchanged_results(context: dg.AssetExecutionContext, step: str, since_run: str | None) -> Iterator:
    """What a skipped step reports: each selected asset, with the run whose build it keeps."""
    context.log.info(f"{step}: inputs identical to its last build (run {since_run}); nothing to rebuild")
    selected = set(context.selected_asset_keys)
    # a multi-asset reports its assets upstream first
    graph = TopologicalSorter(
        {
            spec.key: {dep.asset_key for dep in spec.deps} & selected
            for spec in context.assets_def.specs
            if spec.key in selected
        }
    )
    for key in graph.static_order():
        yield dg.MaterializeResult(asset_key=key, metadata={"finops/unchanged_since_run": since_run or ""})


def outputs_present(detail: str | None) -> bool:
    """Every file a step recorded as its output is still there with the size it had."""
    outputs = json.loads(detail or "{}").get("outputs", {})
    return all(Path(path).is_file() and Path(path).stat().st_size == size for path, size in outputs.items())


def outputs_detail(paths: list[Path]) -> str:
    return json.dumps({"outputs": {str(path): path.stat().st_size for path in paths if path.is_file()}}, sort_keys=True)


class StepState:
    """The state of one step in this run: compare with the recorded one, forget it before building, record it
    after a whole build succeeded."""

    def __init__(self, context: dg.AssetExecutionContext, warehouse: WarehouseResource, step: str, parts: Mapping):
        self.context, self.warehouse, self.step = context, warehouse, step
        self.state = state_of(parts)

    def unchanged(
        self,
        *,
        extra_condition: bool = True,
        outputs_kept: Callable[[duckdb.DuckDBPyConnection, str | None], bool] = lambda con, detail: outputs_present(
            detail
        ),
    ) -> tuple[bool, str | None]:
        """(whether the step can skip, the run it keeps); when it cannot, its recorded state is dropped first,
        so a build that fails half-way never leaves a state claiming the outputs are current. `outputs_kept`
        tells, from the recorded detail, whether the step's outputs are still those it built (default: its
        files are there with their sizes); it runs only when everything else matches."""
        with self.warehouse.connect() as con:
            recorded = recorded_state(con, self.step)
            if (
                recorded is not None
                and recorded[0] == self.state
                and extra_condition
                and not rebuild_requested(self.context)
                and outputs_kept(con, recorded[2])
            ):
                return True, recorded[1]
            if recorded is not None:
                forget_state(con, self.step)
        return False, None

    def record(self, detail: str | None = None) -> None:
        if not whole_step_selected(self.context):
            return
        with self.warehouse.connect() as con:
            record_state(con, self.step, self.state, self.context.run.run_id, detail)


# the code a load runs: a change in a parser, a loader or a card reloads every source
LOADER_CODE = ("ingest/**/*.py", "warehouse/**/*.py", "pipelines/**/*.py", "rate_cards/**/*.py", "rate_cards/**/*.toml")


@cache
def _loader_code_digest() -> str:
    return files_digest(PROJECT_ROOT, LOADER_CODE)


def source_outputs_digest(con: duckdb.DuckDBPyConnection, tables: Iterable[str], sources: Iterable[str]) -> dict:
    """Digest of what a load wrote: its tables, and its rows in the quarantine and the load audit."""
    digest = tables_digest(con, tables)
    names = sorted(sources)
    for table in (QUARANTINE_TABLE, LOAD_AUDIT_TABLE):
        rows, hash_sum = con.execute(
            f"select count(*), sum(hash(t)) from {table} as t where source in (select unnest(?))", [names]
        ).fetchone()
        digest[f"{table}:{','.join(names)}"] = f"{rows}:{hash_sum or 0}"
    return digest


def file_tokens(store: LandingStore, folder: str) -> dict[str, str]:
    """key -> a token that changes with the file: size and modification time (the newest delivery of a slice
    is chosen by file time), plus the content's sha256 for a local file (a file rewritten with the same size
    within one clock tick) or the ETag for S3. Reading a file is cheap beside parsing it."""
    tokens = store.fingerprints(folder)
    for key in tokens:
        local = store.local_file(key)
        if local is not None:
            with local.open("rb") as handle:
                tokens[key] += ":" + hashlib.file_digest(handle, "sha256").hexdigest()
    return tokens


class SourceStep:
    """A source loaded from landing sub-folders. Reloading it writes the same rows when its files, the loader
    code, the settings and the rows its last load wrote are all unchanged: then it skips. Only for loads that
    depend on nothing else (not on the run's window, not on other tables)."""

    def __init__(
        self,
        context: dg.AssetExecutionContext,
        landing: LandingResource,
        warehouse: WarehouseResource,
        *,
        folders: Iterable[str],
        tables: Iterable[str],
        sources: Iterable[str],
    ):
        self.context, self.warehouse = context, warehouse
        self.tables, self.sources = sorted(tables), sorted(sources)
        store, settings = landing.store(), landing.settings
        tag_mapping = settings.tag_mapping
        parts = {
            "files": {
                folder: {"where": store.describe(folder), "exists": store.exists(folder), **file_tokens(store, folder)}
                for folder in sorted(folders)
            },
            "code": _loader_code_digest(),
            # the settings a load reads besides where its files are (`where` above)
            "tag_mapping": tag_mapping.read_text() if tag_mapping and tag_mapping.is_file() else None,
            "spark_tag_prefix": settings.spark_tag_prefix,
        }
        self.step = f"source:{context.op_execution_context.op.name}"
        self.state = StepState(context, warehouse, self.step, parts)
        self.since_run: str | None = None

    def _rows_kept(self, con: duckdb.DuckDBPyConnection, detail: str | None) -> bool:
        """The rows the last load wrote are still there, unchanged (a scan, so asked last)."""
        return json.loads(detail or "{}").get("tables") == source_outputs_digest(con, self.tables, self.sources)

    def unchanged(self) -> bool:
        unchanged, self.since_run = self.state.unchanged(outputs_kept=self._rows_kept)
        return unchanged

    def unchanged_results(self) -> Iterator:
        """The assets as kept since the last load, with their checks (recorded only when every one passed)."""
        yield from unchanged_results(self.context, self.step, self.since_run)
        selected_checks = self.context.selected_asset_check_keys
        for spec in self.context.assets_def.check_specs:
            if spec.key in selected_checks:
                yield dg.AssetCheckResult(
                    asset_key=spec.asset_key,
                    check_name=spec.name,
                    passed=True,
                    metadata={"finops/unchanged_since_run": self.since_run or ""},
                )

    def run(self, load: Callable[[], object]) -> Iterator:
        """What the asset yields: the kept results when nothing changed, else `load()`'s result(s), then the
        state of this load when every check passed."""
        if self.unchanged():
            yield from self.unchanged_results()
            return
        loaded = load()
        results = list(loaded) if isinstance(loaded, Iterator) else [loaded]
        yield from results
        self.record(results)

    def record(self, results: Iterable) -> None:
        """After a load whose every check passed (`results`: what the asset yielded)."""
        checks = [
            check
            for result in results
            for check in (
                [result] if isinstance(result, dg.AssetCheckResult) else getattr(result, "check_results", None) or []
            )
        ]
        if all(check.passed for check in checks):
            with self.warehouse.connect() as con:
                outputs = source_outputs_digest(con, self.tables, self.sources)
            self.state.record(json.dumps({"tables": outputs}, sort_keys=True))
