"""GPU job telemetry, GPU price cards, job-type rules and the model registry: the inputs of the GPU marts.

Every asset here is unpartitioned and loads in one transaction (rows, quarantine and load audit together).
The telemetry assets replace only what the delivered files cover (`REPLACE_KEYS`): the Spark applications
(job id, with their executors), the Kubeflow runs (run id), the pods (namespace, name) and the DCGM scrape
files (file) found tonight; rows of anything else stay, so a folder that no longer holds an old log, or an
empty folder, erases no job. A re-run gives identical tables and a restated log or scrape replaces the old
one. The price cards, job-type rules and model registry are complete lists and replace their tables whole.
Raw tables: `raw_gpu.*` and `raw_rate_cards.gpu_prices`.

A missing landing folder (a mistyped `--landing`, a source not synced tonight) is **no delivery**: the
source's tables are left as they were (created empty if they never existed) and the run logs it. An empty
model registry folder empties the registry.

The parsers (ingest/spark_eventlog.py, ingest/kubeflow.py, ingest/dcgm.py) are imported when a run
starts. Each is expected to expose `parse_landing(store, prefix) -> dict[str, ParseResult]` keyed by the raw
table names listed in `TELEMETRY_SOURCES` (see `_parse_telemetry`), shaped by ingest/gpu_schema.py. While a parser module is absent the asset loads
empty tables and reports a failing WARN check naming the missing module: visible, and the rest of the job
still runs.
"""

import importlib
from collections.abc import Iterator
from typing import Any

import dagster as dg
import pyarrow as pa

from ingest.common import ParseResult, SourceFormatError, sql_identifier
from ingest.gpu_schema import (
    DCGM_SAMPLE_SCHEMA,
    K8S_POD_SCHEMA,
    KFP_RUN_SCHEMA,
    SPARK_APP_SCHEMA,
    SPARK_EXECUTOR_SCHEMA,
)
from ingest.model_registry import MODEL_REGISTRY_SCHEMA, parse_model_registry
from pipelines.resources import LandingResource, WarehouseResource
from pipelines.unchanged import SourceStep
from rate_cards.gpu_cards import (
    JOB_TYPE_RULES_FILE,
    gpu_prices_table,
    job_type_rules_table,
    load_gpu_cards,
    load_job_type_rules,
)
from warehouse.duckdb_store import (
    ensure_table,
    load_balance,
    record_load,
    replace_quarantine,
    replace_slice,
    transaction,
)

GROUP = "gpu"
GPU_PRICES = dg.AssetKey(["rate_cards", "gpu_prices"])
JOB_TYPE_RULES = dg.AssetKey(["gpu", "job_type_rules"])
MODEL_REGISTRY = dg.AssetKey(["gpu", "model_registry"])

# landing folder -> (parser module, raw tables it fills)
TELEMETRY_SOURCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "spark": ("ingest.spark_eventlog", ("spark_apps", "spark_executors")),
    "kubeflow": ("ingest.kubeflow", ("kfp_runs", "k8s_pods")),
    "dcgm": ("ingest.dcgm", ("dcgm_samples",)),
}


# The parsers' output schemas (ingest/gpu_schema.py): empty tables of these shapes when a folder is empty
EXPECTED_RAW_SCHEMAS: dict[str, pa.Schema] = {
    "spark_apps": SPARK_APP_SCHEMA,
    "spark_executors": SPARK_EXECUTOR_SCHEMA,
    "kfp_runs": KFP_RUN_SCHEMA,
    "k8s_pods": K8S_POD_SCHEMA,
    "dcgm_samples": DCGM_SAMPLE_SCHEMA,
}


class ParserUnavailable(RuntimeError):
    """The parser module of a telemetry source is not installed in this code location yet."""


# table -> (the result whose rows name what a delivery covers, the key columns); None: the delivered files
REPLACE_KEYS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "spark_apps": ("spark_apps", ("job_id",)),
    "spark_executors": ("spark_apps", ("job_id",)),  # an application's executors go with it
    "kfp_runs": ("kfp_runs", ("run_id",)),
    "k8s_pods": ("k8s_pods", ("namespace", "pod_name")),
    "dcgm_samples": (None, ("source_file",)),  # every file read, even one whose samples were all rejected
}


def _delivered_keys(results: dict[str, ParseResult], files: list[str]) -> dict[str, pa.Table]:
    """Per table, the keys tonight's delivery holds (the rows it replaces)."""
    keys = {}
    for table in results:
        driver, columns = REPLACE_KEYS[table]
        if driver is None:
            keys[table] = pa.table({columns[0]: pa.array(files, pa.string())})
        else:
            keys[table] = results[driver].table.select(list(columns))
    return keys


def _replace_keys(con, table: str, data: pa.Table, keys: pa.Table) -> None:
    """Delete the rows of `table` whose key is in `keys`, then insert `data` (caller's transaction). Key column
    names come from REPLACE_KEYS, never from a file."""
    ensure_table(con, table, data.schema)
    con.register("_finops_new", data)
    con.register("_finops_keys", keys)
    try:
        existing = {row[0] for row in con.execute(f"describe {table}").fetchall()}
        for name, column_type, *_ in con.execute("describe select * from _finops_new").fetchall():
            if name not in existing:  # a parser's new column: add it rather than fail the insert
                con.execute(f"alter table {table} add column {sql_identifier(name)} {column_type}")
        match = " and ".join(
            f"{table}.{column} is not distinct from _finops_keys.{column}" for column in keys.column_names
        )
        con.execute(f"delete from {table} where exists (select 1 from _finops_keys where {match})")
        con.execute(f"insert into {table} by name select * from _finops_new")
    finally:
        con.unregister("_finops_new")
        con.unregister("_finops_keys")


def _load_tables(
    warehouse: WarehouseResource,
    schema: str,
    results: dict[str, ParseResult],
    keys: dict[str, pa.Table] | None = None,
) -> dict[str, bool]:
    """Load each table with its quarantine and audit rows in one transaction: only the rows of `keys` when
    given, else the table whole. Returns the row balance per table as stored in the warehouse."""
    con = warehouse.connect()
    try:
        with transaction(con):
            for table, result in results.items():
                source = f"{schema}.{table}"
                if keys is not None:
                    _replace_keys(con, source, result.table, keys[table])
                else:
                    # the whole table is replaced: recreate it so a parser's new columns never break the insert
                    con.execute(f"drop table if exists {source}")
                    replace_slice(con, source, result.table, "true")
                replace_quarantine(con, source, "all", result.rejected)
                record_load(
                    con,
                    source,
                    "all",
                    input_rows=result.input_rows,
                    loaded_rows=result.table.num_rows,
                    quarantined_rows=len(result.rejected),
                )
        return {
            table: bool((row := load_balance(con, f"{schema}.{table}", ["all"])) and row[0][5]) for table in results
        }
    finally:
        con.close()  # dbt needs the file next


def _metadata(result: ParseResult) -> dict[str, int]:
    return {
        "input_rows": result.input_rows,
        "loaded_rows": result.table.num_rows,
        "quarantined_rows": len(result.rejected),
    }


def _keep_tables(warehouse: WarehouseResource, schema: str, schemas: dict[str, pa.Schema]) -> None:
    """No delivery: leave the tables as they are, only create the ones that never existed (dbt reads them)."""
    con = warehouse.connect()
    try:
        for table, table_schema in schemas.items():
            ensure_table(con, f"{schema}.{table}", table_schema)
    finally:
        con.close()


def _no_delivery(landing: LandingResource, folder: str) -> str:
    return f"no delivery: {landing.store().describe(folder)} does not exist; tables left as they were"


def _parse_telemetry(landing: LandingResource, folder: str) -> dict[str, ParseResult] | None:
    """The parsed landing folder, or None when the folder does not exist (no delivery)."""
    module_name, tables = TELEMETRY_SOURCES[folder]
    if not landing.store().exists(folder):
        return None
    if not landing.store().list(folder):  # an empty delivery: it covers nothing and replaces nothing
        return {table: ParseResult(EXPECTED_RAW_SCHEMAS[table].empty_table(), [], 0) for table in tables}
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise ParserUnavailable(f"{module_name} is not available: landing/{folder}/ was not loaded") from None
    if not hasattr(module, "parse_landing"):
        raise ParserUnavailable(f"{module_name} has no parse_landing(store, prefix): landing/{folder}/ was not loaded")
    # the Spark parser reads attribution from properties under the configured prefix ([tags] spark_prefix),
    # with as many processes as [sources.spark] workers says
    options: dict[str, Any] = {}
    if folder == "spark":
        options = {"tag_prefix": landing.settings.spark_tag_prefix, "workers": landing.settings.spark_workers}
    results = module.parse_landing(landing.store(), folder, **options)
    missing = [table for table in tables if table not in results]
    if missing:
        raise SourceFormatError(f"{landing.root}/{folder}", f"{module_name}.parse_landing did not return {missing}")
    return {table: results[table] for table in tables}


def _load_telemetry(
    context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource, folder: str
) -> Iterator:
    _, tables = TELEMETRY_SOURCES[folder]
    try:
        results = _parse_telemetry(landing, folder)
        missing_parser = None
        if results is None:
            context.log.warning(_no_delivery(landing, folder))
            _keep_tables(warehouse, "raw_gpu", {table: EXPECTED_RAW_SCHEMAS[table] for table in tables})
            for table in tables:
                key = dg.AssetKey([GROUP, table])
                yield dg.MaterializeResult(asset_key=key, metadata={"delivery": _no_delivery(landing, folder)})
                yield dg.AssetCheckResult(
                    asset_key=key, check_name="row_balance", passed=True, metadata={"delivery": "none"}
                )
            return
    except ParserUnavailable as exc:
        context.log.error(str(exc))
        missing_parser = str(exc)
        results = {table: ParseResult(EXPECTED_RAW_SCHEMAS[table].empty_table(), [], 0) for table in tables}
    files = [landing.store().describe(key) for key in landing.store().list(folder)] if not missing_parser else []
    balance = _load_tables(warehouse, "raw_gpu", results, _delivered_keys(results, files))
    for table, result in results.items():
        key = dg.AssetKey([GROUP, table])
        metadata = {**_metadata(result), **({"parser_missing": missing_parser} if missing_parser else {})}
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
        if missing_parser:
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name="row_balance",
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"reason": missing_parser},
            )
        else:
            yield dg.AssetCheckResult(asset_key=key, check_name="row_balance", passed=balance[table])


def _telemetry_asset(folder: str, description: str) -> dg.AssetsDefinition:
    _, tables = TELEMETRY_SOURCES[folder]
    keys = [dg.AssetKey([GROUP, table]) for table in tables]

    @dg.multi_asset(
        name=f"gpu_{folder}",
        specs=[dg.AssetSpec(key, group_name=GROUP, description=description) for key in keys],
        check_specs=[
            dg.AssetCheckSpec("row_balance", asset=key, blocking=True, description="input rows = loaded + quarantined")
            for key in keys
        ],
    )
    def _asset(context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource) -> Iterator:
        raw_tables = [f"raw_gpu.{table}" for table in tables]
        step = SourceStep(context, landing, warehouse, folders=[folder], tables=raw_tables, sources=raw_tables)
        yield from step.run(lambda: _load_telemetry(context, landing, warehouse, folder))

    return _asset


gpu_spark = _telemetry_asset("spark", "Spark event logs from landing/spark/ (apps and GPU executors)")
gpu_kubeflow = _telemetry_asset("kubeflow", "Kubeflow runs and their GPU pods from landing/kubeflow/")
gpu_dcgm = _telemetry_asset("dcgm", "DCGM exporter scrapes from landing/dcgm/ (one row per metric sample)")


@dg.asset(key=GPU_PRICES, group_name="rate_cards", description="GPU prices per GPU-hour from rate_cards/gpu/*.toml")
def gpu_prices(warehouse: WarehouseResource) -> dg.MaterializeResult:
    prices = load_gpu_cards(warehouse.settings.rate_cards_dir / "gpu")
    table = gpu_prices_table(prices)
    _load_tables(warehouse, "raw_rate_cards", {"gpu_prices": ParseResult(table, [], table.num_rows)})
    versions = sorted({price.card_version for price in prices})
    return dg.MaterializeResult(metadata={"rows": table.num_rows, "card_versions": ", ".join(versions)})


@dg.asset(key=JOB_TYPE_RULES, group_name=GROUP, description="Job-type rules from rate_cards/gpu/job_type_rules.toml")
def gpu_job_type_rules(warehouse: WarehouseResource) -> dg.MaterializeResult:
    rules_file = warehouse.settings.rate_cards_dir / "gpu" / JOB_TYPE_RULES_FILE.name
    table = job_type_rules_table(*load_job_type_rules(rules_file))
    _load_tables(warehouse, "raw_gpu", {"job_type_rules": ParseResult(table, [], table.num_rows)})
    return dg.MaterializeResult(metadata={"rows": table.num_rows})


@dg.asset(
    key=MODEL_REGISTRY,
    group_name=GROUP,
    check_specs=[
        dg.AssetCheckSpec(
            "row_balance", asset=MODEL_REGISTRY, blocking=True, description="input = loaded + quarantined"
        )
    ],
    description="In-house model versions from landing/model_registry/*.csv (service dates, useful life, mapping).",
)
def gpu_model_registry(
    context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource
) -> Iterator:
    store = landing.store()
    if not store.exists("model_registry"):
        context.log.warning(_no_delivery(landing, "model_registry"))
        _keep_tables(warehouse, "raw_gpu", {"model_registry": MODEL_REGISTRY_SCHEMA})
        yield dg.MaterializeResult(metadata={"delivery": _no_delivery(landing, "model_registry")})
        yield dg.AssetCheckResult(check_name="row_balance", passed=True, metadata={"delivery": "none"})
        return
    keys = store.list("model_registry", "*.csv")
    result = parse_model_registry([(store.describe(key), store.read_bytes(key)) for key in keys])
    balance = _load_tables(warehouse, "raw_gpu", {"model_registry": result})
    yield dg.MaterializeResult(metadata={**_metadata(result), "files": len(keys)})
    yield dg.AssetCheckResult(check_name="row_balance", passed=balance["model_registry"])
