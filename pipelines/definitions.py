"""The Dagster code location: gathers assets, checks, jobs, schedules and resources. Nothing else."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from pipelines import assets
from pipelines.assets.azure_openai_ptu import AzureOpenAiResource
from pipelines.assets.cloud_billing import GcpBillingExportResource
from pipelines.assets.dbt import FinopsDbtCliResource, dbt_executable, dbt_project
from pipelines.assets.llm_providers import provider_resources
from pipelines.resources import LandingResource, RateCardsResource, WarehouseResource
from pipelines.sensors import build_landing_sensor

all_assets = dg.load_assets_from_package_module(assets)
all_checks = dg.load_asset_checks_from_package_module(assets)

# The main job: every asset. A run covers a range of delivery days for the daily-partitioned assets and
# rebuilds the unpartitioned ones (rate cards, billing periods, marts, exports).
main_job = dg.define_asset_job("main", selection=dg.AssetSelection.all())


@dg.schedule(
    job=main_job,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    name="main_schedule",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """02:00 UTC: yesterday's delivery day. Late data comes with it: provider reports re-pull their lookback
    (last 3 days, the open month of cost), and billing exports reload every period their deliveries cover."""
    yesterday = (context.scheduled_execution_time - timedelta(days=1)).date().isoformat()
    return dg.RunRequest(run_key=yesterday, partition_key=yesterday)


defs = dg.Definitions(
    assets=all_assets,
    asset_checks=all_checks,
    jobs=[main_job],
    schedules=[nightly_schedule],
    sensors=[build_landing_sensor(main_job)],
    resources={
        "warehouse": WarehouseResource(),
        "landing": LandingResource(),
        "gcp_billing": GcpBillingExportResource(),
        **provider_resources(),
        "azure_openai": AzureOpenAiResource(),
        "rate_cards": RateCardsResource(),
        "dbt": FinopsDbtCliResource(
            project_dir=dbt_project,
            profiles_dir=str(dbt_project.profiles_dir),
            target="duckdb",
            dbt_executable=dbt_executable(),
        ),
    },
)
