"""Steps that have nothing to do when their inputs are those of their last build (warehouse/build_state.py).

A night with no new data still reloads every source (a bill is rewritten in place during its month), but when
the reloaded tables are identical, the dbt steps and the exports would rebuild identical outputs: they skip,
say so in the run log, and report their assets as materialized with the run whose build they keep. The run tag
`finops/rebuild=true` (`finops run --rebuild`) builds everything whatever the states say.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from graphlib import TopologicalSorter
from pathlib import Path

import dagster as dg

from pipelines.resources import WarehouseResource
from warehouse.build_state import forget_state, record_state, recorded_state, state_of

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

    def unchanged(self, *, extra_condition: bool = True) -> tuple[bool, str | None]:
        """(whether the step can skip, the run it keeps); when it cannot, its recorded state is dropped first,
        so a build that fails half-way never leaves a state claiming the outputs are current."""
        with self.warehouse.connect() as con:
            recorded = recorded_state(con, self.step)
            if (
                recorded is not None
                and recorded[0] == self.state
                and extra_condition
                and not rebuild_requested(self.context)
                and outputs_present(recorded[2])
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
