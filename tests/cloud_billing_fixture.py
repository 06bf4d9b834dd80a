"""What the cloud billing asset tests share: the Azure export header and the assets' resources on a local
landing folder and a scratch DuckDB."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipelines.assets.cloud_billing import GcpBillingExportResource
from pipelines.resources import LandingResource, WarehouseResource

AZURE_HEADER = "SubscriptionId,Date,CostInBillingCurrency,ChargeType,MeterCategory,BillingPeriodStartDate,Tags\n"


def cloud_billing_resources(landing: Path, warehouse: Path, **extra: object) -> dict[str, object]:
    """Landing, warehouse and the (unconfigured) GCP billing resource, plus `extra` resources."""
    return {
        "landing": LandingResource(location=str(landing)),
        "warehouse": WarehouseResource(duckdb_path=str(warehouse)),
        "gcp_billing": GcpBillingExportResource(),
        **extra,
    }


def materialize_cloud_asset(
    asset: dg.AssetsDefinition, landing: Path, warehouse: Path, **extra: object
) -> dg.ExecuteInProcessResult:
    """Materialize one cloud billing asset through the real Dagster machinery; the run must succeed."""
    result = dg.materialize([asset], resources=cloud_billing_resources(landing, warehouse, **extra))
    assert result.success
    return result
