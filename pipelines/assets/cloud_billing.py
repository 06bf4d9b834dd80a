"""Cloud billing exports other than AWS CUR: Azure Cost Management, GCP billing export, FOCUS files.

Each asset re-reads its landing sub-folder (a folder or an S3 prefix) and replaces, atomically, the billing
periods the files deliver. The GCP asset can read the BigQuery export table instead (production path).
"""

import json
from datetime import UTC, datetime, timedelta

import dagster as dg
import pyarrow as pa

from ingest.azure_exports import EXTRA_SCHEMA as AZURE_EXTRA_SCHEMA
from ingest.azure_exports import parse_azure_export, select_latest_runs
from ingest.cloud_schema import CLOUD_COST_SCHEMA
from ingest.focus import parse_focus_file
from ingest.gcp_billing import parse_export_file
from pipelines.resources import LandingResource, WarehouseResource
from warehouse.billing_periods import load_deliveries
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


def _result(load, balance) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={
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
def azure_cost_details(landing: LandingResource, warehouse: WarehouseResource):
    store = landing.store()
    keys = _data_keys(store, "azure")
    manifests = {}
    for key in store.list("azure", pattern="manifest.json"):
        manifests[key.rsplit("/", 1)[0]] = json.loads(store.read_bytes(key))
    keys = select_latest_runs(keys, manifests)
    kinds_by_month: dict[str, set[str]] = {}
    parsed = []
    for key in keys:
        parsed.append((key, parse_azure_export(_read(store, key), store.describe(key))))
    for _, result in parsed:
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
            (key, parse_azure_export(_read(store, key), store.describe(key), both_kinds_delivered=True))
            if any(m in both for m in result.table.column("invoice_month").to_pylist())
            else (key, result)
            for key, result in parsed
        ]
    with warehouse.connect() as con:
        load = load_deliveries(
            con,
            "raw_azure.cost_details",
            parsed,
            source="azure",
            slice_columns=("billing_period_start", "export_kind"),
            schema=pa.schema(list(CLOUD_COST_SCHEMA) + list(AZURE_EXTRA_SCHEMA)),
        )
        balance = load_balance(con, "azure", [key for key, _ in parsed])
    return _result(load, balance)


class GcpBillingExportResource(dg.ConfigurableResource):
    """Optional BigQuery source for the GCP export: set `table` (project.dataset.gcp_billing_export_v1_X) to
    query it instead of reading files; credentials come from the environment (Application Default
    Credentials or GOOGLE_APPLICATION_CREDENTIALS). `api_endpoint` points the client elsewhere (tests)."""

    table: str = ""
    project: str = ""
    api_endpoint: str = ""

    def client(self):
        from google.cloud import bigquery

        if self.api_endpoint:
            from google.api_core.client_options import ClientOptions
            from google.auth.credentials import AnonymousCredentials

            return bigquery.Client(
                project=self.project or None,
                credentials=AnonymousCredentials(),
                client_options=ClientOptions(api_endpoint=self.api_endpoint),
            )
        return bigquery.Client(project=self.project or None)


@dg.asset(
    key=GCP,
    group_name="cloud_billing",
    check_specs=_balance_check(GCP),
    description="GCP billing export from landing/gcp/ files, or from BigQuery when configured.",
)
def gcp_billing_export(landing: LandingResource, warehouse: WarehouseResource, gcp_billing: GcpBillingExportResource):
    if gcp_billing.table:
        from ingest.gcp_billing import fetch_export_rows

        today = datetime.now(UTC).date()
        previous = (today.replace(day=1) - timedelta(days=1)).strftime("%Y%m")
        months = [previous, today.strftime("%Y%m")]
        deliveries = [
            (f"bigquery:{gcp_billing.table}", fetch_export_rows(gcp_billing.client(), gcp_billing.table, months))
        ]
        slice_columns = ("invoice_month",)
    else:
        store = landing.store()
        deliveries = [
            (key, parse_export_file(_read(store, key), store.describe(key))) for key in _data_keys(store, "gcp")
        ]
        slice_columns = ("invoice_month",)
    with warehouse.connect() as con:
        load = load_deliveries(
            con,
            "raw_gcp.billing_export",
            deliveries,
            source="gcp",
            slice_columns=slice_columns,
            schema=CLOUD_COST_SCHEMA,
        )
        balance = load_balance(con, "gcp", [key for key, _ in deliveries])
    return _result(load, balance)


@dg.asset(
    key=FOCUS,
    group_name="cloud_billing",
    check_specs=_balance_check(FOCUS),
    description="FOCUS 1.0-1.2 files from any provider in landing/focus/.",
)
def focus_cost_rows(landing: LandingResource, warehouse: WarehouseResource):
    store = landing.store()
    deliveries = [(key, parse_focus_file(_read(store, key), store.describe(key))) for key in _data_keys(store, "focus")]
    with warehouse.connect() as con:
        load = load_deliveries(
            con,
            "raw_focus.cost_rows",
            deliveries,
            source="focus",
            slice_columns=("provider_name", "billing_account_id", "billing_period_start"),
            schema=CLOUD_COST_SCHEMA,
        )
        balance = load_balance(con, "focus", [key for key, _ in deliveries])
    return _result(load, balance)
