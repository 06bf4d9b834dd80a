"""Demo Azure OpenAI provisioned deployments (ARM list) and hourly Azure Monitor metrics for the month:
a reserved gpt-4o-mini PTU deployment for support chat and an hourly-billed gpt-4o one for email drafts.
A few utilization points are missing (no data, not zero)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingest.demo.world import World

DEPLOYMENTS = (
    # name, sku (deployment type), PTUs, model, peak prompt tokens per hour
    ("support-gpt4o-mini-ptu", "ProvisionedManaged", 50, "gpt-4o-mini", 2_400_000),
    ("growth-gpt4o-ptu", "GlobalProvisionedManaged", 15, "gpt-4o", 700_000),
)


def generate(landing: Path, world: World, rng: random.Random) -> None:
    subscription = world.azure_subscriptions["support"]
    account = (
        f"/subscriptions/{subscription}/resourceGroups/ai-rg/providers/Microsoft.CognitiveServices/accounts/demo-aoai"
    )
    deployments = {
        "value": [
            {
                "id": f"{account}/deployments/{name}",
                "name": name,
                "type": "Microsoft.CognitiveServices/accounts/deployments",
                "sku": {"name": sku, "capacity": ptus},
                "properties": {
                    "model": {"format": "OpenAI", "name": model, "version": "2024-07-18"},
                    "provisioningState": "Succeeded",
                },
            }
            for name, sku, ptus, model, _ in DEPLOYMENTS
        ]
    }
    folder = landing / "azure_openai"
    (folder / "deployments").mkdir(parents=True, exist_ok=True)
    (folder / "deployments" / "deployments.json").write_text(json.dumps(deployments, indent=1))
    start = datetime(world.start_date.year, world.start_date.month, world.start_date.day, tzinfo=UTC)
    hours = [start + timedelta(hours=h) for h in range(world.days * 24)]
    series: dict[str, list] = {
        "AzureOpenAIProvisionedManagedUtilizationV2": [],
        "ProcessedPromptTokens": [],
        "GeneratedTokens": [],
    }
    for name, _, _, _, peak in DEPLOYMENTS:
        utilization, prompts, generated = [], [], []
        for hour in hours:
            load = 0.25 + 0.65 * max(0.0, 1 - abs(hour.hour - 14) / 10) * rng.uniform(0.8, 1.1)
            stamp = hour.strftime("%Y-%m-%dT%H:%M:%SZ")
            point = {"timeStamp": stamp}
            if rng.random() > 0.02:  # ~2% of hours report no utilization point
                point["average"] = round(min(100.0, load * 100), 2)
            utilization.append(point)
            prompt_tokens = int(peak * load)
            prompts.append({"timeStamp": stamp, "total": prompt_tokens})
            generated.append({"timeStamp": stamp, "total": prompt_tokens // 8})
        for metric, data in (
            ("AzureOpenAIProvisionedManagedUtilizationV2", utilization),
            ("ProcessedPromptTokens", prompts),
            ("GeneratedTokens", generated),
        ):
            series[metric].append(
                {"metadatavalues": [{"name": {"value": "ModelDeploymentName"}, "value": name}], "data": data}
            )
    response = {
        "cost": 0,
        "interval": "PT1H",
        "value": [
            {
                "id": f"{account}/providers/Microsoft.Insights/metrics/{metric}",
                "type": "Microsoft.Insights/metrics",
                "name": {"value": metric},
                "unit": "Percent" if "Utilization" in metric else "Count",
                "timeseries": timeseries,
            }
            for metric, timeseries in series.items()
        ],
    }
    (folder / "metrics").mkdir(parents=True, exist_ok=True)
    (folder / "metrics" / f"metrics_{world.start_date:%Y%m}.json").write_text(json.dumps(response))
