"""Cloud billing exports other than AWS CUR: Azure Cost Management, GCP billing export, FOCUS files.

Each asset re-reads its landing sub-folder (a folder or an S3 prefix) and replaces, atomically, the billing
periods the files deliver. The GCP asset can read the BigQuery export table instead (production path).

Files beside files: when several deliveries in the folder hold the same slice (a period re-delivered as a new
file next to the old one), only the newest delivery's rows of that slice load (see README, "Cloud billing"):
Azure by billing account x period x export kind, newest by file time (after the latest run of each period
folder is chosen by its manifest); GCP by billing account x invoice month, newest by the rows' `export_time`,
then file time; FOCUS by provider x billing account x period, newest by file time. A missing source folder is
no delivery: nothing is replaced.
"""

import json
from datetime import UTC, datetime, timedelta

import dagster as dg
import pyarrow as pa

from ingest.azure_exports import EXTRA_SCHEMA as AZURE_EXTRA_SCHEMA
from ingest.azure_exports import parse_azure_export, select_latest_runs
from ingest.cloud_schema import CLOUD_COST_SCHEMA
from ingest.focus import EXTRA_SCHEMA as FOCUS_EXTRA_SCHEMA
from ingest.focus import parse_focus_file
from ingest.gcp_billing import parse_export_file
from pipelines.resources import LandingResource, WarehouseResource
from pipelines.settings import Settings
from pipelines.unchanged import SourceStep
from warehouse.billing_periods import Selection, forget_superseded, load_deliveries, newest_deliveries
from warehouse.duckdb_store import load_balance

AZURE = dg.AssetKey(["azure", "cost_details"])
GCP = dg.AssetKey(["gcp", "billing_export"])
FOCUS = dg.AssetKey(["focus", "cost_rows"])
_DATA_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".json", ".jsonl", ".ndjson")


def _data_keys(store, folder: str) -> list[str]:
    return [
        key
        for key in store.list(folder)
        if key.lower().endswith(_DATA_SUFFIXES) and not key.lower().endswith("manifest.json")
    ]


def _read(store, key: str) -> bytes:
    content = store.read_bytes(key)
    if key.lower().endswith(".gz"):
        import gzip

        content = gzip.decompress(content)
    return content


def _by_file_time(store):
    """Newest = the latest modification time (S3 LastModified or the file's mtime), then the greater key."""

    def order(key: str, result) -> tuple:
        return (store.modified_at(key), key)

    return order


def _load_selection(con, table: str, selection: Selection, *, source: str, slice_columns, schema) -> object:
    load = load_deliveries(
        con,
        table,
        selection.files,
        source=source,
        slice_columns=slice_columns,
        schema=schema,
        details=selection.details,
    )
    forget_superseded(con, source, list(selection.superseded), selection.superseded)
    return load


def _result(load, balance, selection: Selection | None = None) -> dg.MaterializeResult:
    superseded = selection.superseded if selection else {}
    return dg.MaterializeResult(
        metadata={
            "superseded_files": "; ".join(f"{key} (by {by})" for key, by in superseded.items())[:2000],
            "input_rows": load.input_rows,
            "loaded_rows": load.loaded_rows,
            "quarantined_rows": load.quarantined_rows,
            "slices_replaced": len(load.slices),
            "files": len(balance),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="row_balance",
                passed=all(row[5] for row in balance),
                metadata={"files_checked": len(balance)},
            )
        ],
    )


def _balance_check(key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            "row_balance", asset=key, blocking=True, description="input rows = loaded + quarantined, per delivered file"
        )
    ]


@dg.asset(
    key=AZURE,
    group_name="cloud_billing",
    check_specs=_balance_check(AZURE),
    description="Azure Cost Management exports (actual = billed, amortized = effective) from landing/azure/.",
)
def azure_cost_details(context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource):
    step = SourceStep(
        context, landing, warehouse, folders=["azure"], tables=["raw_azure.cost_details"], sources=["azure"]
    )
    yield from step.run(lambda: _load_azure(landing, warehouse))


def _load_azure(landing: LandingResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    store = landing.store()
    keys = _data_keys(store, "azure")
    manifests = {}
    for key in store.list("azure", pattern="manifest.json"):
        manifests[key.rsplit("/", 1)[0]] = json.loads(store.read_bytes(key))
    keys = select_latest_runs(keys, manifests)
    slices = ("billing_account_id", "billing_period_start", "export_kind")
    order = _by_file_time(store)
    mapping = landing.tag_mapping()
    parsed = [(key, parse_azure_export(_read(store, key), store.describe(key), tag_mapping=mapping)) for key in keys]
    selection = newest_deliveries(parsed, slice_columns=slices, order=order)
    kinds_by_month: dict[str, set[str]] = {}
    for _, result in selection.files:
        for month, kind in zip(
            result.table.column("invoice_month").to_pylist(),
            result.table.column("export_kind").to_pylist(),
            strict=True,
        ):
            kinds_by_month.setdefault(month, set()).add(kind)
    # With both kinds in a period, each fills only its own cost column (see ingest.azure_exports).
    both = {month for month, kinds in kinds_by_month.items() if len(kinds) == 2}
    if both:
        parsed = [
            (
                key,
                parse_azure_export(
                    _read(store, key), store.describe(key), both_kinds_delivered=True, tag_mapping=mapping
                ),
            )
            if any(m in both for m in result.table.column("invoice_month").to_pylist())
            else (key, result)
            for key, result in parsed
        ]
        selection = newest_deliveries(parsed, slice_columns=slices, order=order)
    with warehouse.connect() as con:
        load = _load_selection(
            con,
            "raw_azure.cost_details",
            selection,
            source="azure",
            slice_columns=("billing_period_start", "export_kind"),
            schema=pa.schema(list(CLOUD_COST_SCHEMA) + list(AZURE_EXTRA_SCHEMA)),
        )
        balance = load_balance(con, "azure", [key for key, _ in selection.files])
    return _result(load, balance, selection)


class GcpBillingExportResource(dg.ConfigurableResource):
    """Optional BigQuery source for the GCP export: a `table` (project.dataset.gcp_billing_export_v1_X) is
    queried instead of reading files; empty = `[sources.gcp] bigquery_table` in finops.toml or
    FINOPS_GCP_BILLING_TABLE. Credentials come from the environment (Application Default Credentials or
    GOOGLE_APPLICATION_CREDENTIALS). `api_endpoint` points the client elsewhere (tests)."""

    table: str = ""
    project: str = ""
    api_endpoint: str = ""
    config_file: str = ""  # finops.toml to fall back on (empty: FINOPS_CONFIG or ./finops.toml)

    def export_table(self) -> str:
        return self.table or Settings.resolve(config_file=self.config_file or None).gcp_bigquery_table

    def client(self):
        from google.cloud import bigquery

        project = self.project or Settings.resolve(config_file=self.config_file or None).gcp_project or None

        if self.api_endpoint:
            from google.api_core.client_options import ClientOptions
            from google.auth.credentials import AnonymousCredentials

            return bigquery.Client(
                project=project,
                credentials=AnonymousCredentials(),
                client_options=ClientOptions(api_endpoint=self.api_endpoint),
            )
        return bigquery.Client(project=project)


@dg.asset(
    key=GCP,
    group_name="cloud_billing",
    check_specs=_balance_check(GCP),
    description="GCP billing export from landing/gcp/ files, or from BigQuery when configured.",
)
def gcp_billing_export(
    context: dg.AssetExecutionContext,
    landing: LandingResource,
    warehouse: WarehouseResource,
    gcp_billing: GcpBillingExportResource,
):
    table = gcp_billing.export_table()
    if table:  # BigQuery has no file times to compare: always read
        yield _load_gcp(landing, warehouse, gcp_billing, table)
        return
    step = SourceStep(context, landing, warehouse, folders=["gcp"], tables=["raw_gcp.billing_export"], sources=["gcp"])
    yield from step.run(lambda: _load_gcp(landing, warehouse, gcp_billing, table))


def _load_gcp(
    landing: LandingResource, warehouse: WarehouseResource, gcp_billing: GcpBillingExportResource, table: str
) -> dg.MaterializeResult:
    mapping = landing.tag_mapping()
    if table:
        from ingest.gcp_billing import fetch_export_rows

        today = datetime.now(UTC).date()
        previous = (today.replace(day=1) - timedelta(days=1)).strftime("%Y%m")
        months = [previous, today.strftime("%Y%m")]
        deliveries = [
            (f"bigquery:{table}", fetch_export_rows(gcp_billing.client(), table, months, tag_mapping=mapping))
        ]
        selection = Selection(deliveries)
        slice_columns = ("invoice_month",)
    else:
        store = landing.store()
        parsed = [
            (key, parse_export_file(_read(store, key), store.describe(key), tag_mapping=mapping))
            for key in _data_keys(store, "gcp")
        ]
        file_time = _by_file_time(store)

        def order(key: str, result) -> tuple:  # the newest export_time in the file first, then the file time
            times = [value for value in result.table.column("delivery_id").to_pylist() if value]
            return (max(times, default=""), *file_time(key, result))

        selection = newest_deliveries(parsed, slice_columns=("billing_account_id", "invoice_month"), order=order)
        deliveries = selection.files
        slice_columns = ("billing_account_id", "invoice_month")
    with warehouse.connect() as con:
        load = _load_selection(
            con,
            "raw_gcp.billing_export",
            selection,
            source="gcp",
            slice_columns=slice_columns,
            schema=CLOUD_COST_SCHEMA,
        )
        balance = load_balance(con, "gcp", [key for key, _ in deliveries])
    return _result(load, balance, selection)


@dg.asset(
    key=FOCUS,
    group_name="cloud_billing",
    check_specs=_balance_check(FOCUS),
    description="FOCUS 1.0-1.4 files from any provider in landing/focus/.",
)
def focus_cost_rows(context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource):
    step = SourceStep(context, landing, warehouse, folders=["focus"], tables=["raw_focus.cost_rows"], sources=["focus"])
    yield from step.run(lambda: _load_focus(landing, warehouse))


def _load_focus(landing: LandingResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    store = landing.store()
    slices = ("provider_name", "billing_account_id", "billing_period_start")
    mapping = landing.tag_mapping()
    parsed = [
        (key, parse_focus_file(_read(store, key), store.describe(key), tag_mapping=mapping))
        for key in _data_keys(store, "focus")
    ]
    selection = newest_deliveries(parsed, slice_columns=slices, order=_by_file_time(store))
    with warehouse.connect() as con:
        load = _load_selection(
            con,
            "raw_focus.cost_rows",
            selection,
            source="focus",
            slice_columns=slices,
            schema=pa.schema(list(CLOUD_COST_SCHEMA) + list(FOCUS_EXTRA_SCHEMA)),
        )
        balance = load_balance(con, "focus", [key for key, _ in selection.files])
    return _result(load, balance, selection)
