"""Demo GCP billing export (newline-delimited JSON, as BigQuery exports it) for October 2026: Vertex AI,
an A100 VM with a committed-use credit, BigQuery; labels for team and feature; one late adjustment."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path

from ingest.demo.world import World

# project team -> (service, sku, description, hourly or daily cost range, feature, credit type or None)
_LINES = {
    "search": [
        (
            "Vertex AI",
            "VTX-EMB",
            "Vertex AI Embeddings text input",
            (Decimal("1.10"), Decimal("2.40")),
            "semantic_search",
            None,
        ),
        ("BigQuery", "BQ-ANL", "Analysis", (Decimal("0.80"), Decimal("1.60")), None, None),
    ],
    "platform": [
        (
            "Compute Engine",
            "A2-GPU",
            "Nvidia Tesla A100 GPU running in Americas (a2-highgpu-1g)",
            (Decimal("70.00"), Decimal("88.00")),
            "eval_harness",
            "COMMITTED_USAGE_DISCOUNT",
        ),
        (
            "Vertex AI",
            "VTX-TRN",
            "Vertex AI Training custom job",
            (Decimal("5.00"), Decimal("12.00")),
            "eval_harness",
            None,
        ),
    ],
}


def generate(landing: Path, world: World, rng: random.Random) -> None:
    lines = []
    invoice_month = world.start_date.strftime("%Y%m")
    for team, project in sorted(world.gcp_projects.items()):
        for day in world.dates:
            for service, sku, description, (low, high), feature, credit_type in _LINES[team]:
                cents = rng.randint(int(low * 100), int(high * 100))
                cost = Decimal(cents) / 100
                labels = [{"key": "team", "value": team}, {"key": "environment", "value": "prod"}]
                if feature:
                    labels.append({"key": "feature", "value": feature})
                credits = []
                if credit_type:
                    credits.append(
                        {
                            "name": "CUD",
                            "amount": str(-(cost * Decimal("0.37")).quantize(Decimal("0.01"))),
                            "type": credit_type,
                        }
                    )
                lines.append(
                    {
                        "billing_account_id": "01D3M0-4A1B2C-9F8E7D",
                        "service": {"id": service[:4].upper(), "description": service},
                        "sku": {"id": sku, "description": description},
                        "usage_start_time": f"{day.isoformat()}T00:00:00Z",
                        "usage_end_time": f"{day.isoformat()}T23:59:59Z",
                        "project": {"id": project, "name": project, "labels": []},
                        "labels": labels if not (service == "BigQuery" and day.day % 2) else [],
                        "location": {"region": "us-central1", "location": "us-central1"},
                        "cost": str(cost),
                        "currency": "USD",
                        "usage": {"amount_in_pricing_units": "24", "pricing_unit": "hour"},
                        "credits": credits,
                        "invoice": {"month": invoice_month},
                        "cost_type": "regular",
                        "export_time": f"{day.isoformat()}T06:00:00Z",
                    }
                )
    lines.append(
        {  # a late correction for usage in the month, billed in the same invoice month
            "billing_account_id": "01D3M0-4A1B2C-9F8E7D",
            "service": {"id": "COMP", "description": "Compute Engine"},
            "sku": {"id": "ADJ", "description": "Billing adjustment"},
            "usage_start_time": f"{world.dates[len(world.dates) // 2].isoformat()}T00:00:00Z",
            "usage_end_time": f"{world.dates[len(world.dates) // 2].isoformat()}T23:59:59Z",
            "project": {"id": world.gcp_projects["platform"], "labels": [{"key": "team", "value": "platform"}]},
            "labels": [],
            "cost": "-12.50",
            "currency": "USD",
            "credits": [],
            "invoice": {"month": invoice_month},
            "cost_type": "adjustment",
        }
    )
    folder = landing / "gcp"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"gcp_billing_export_{invoice_month}.jsonl").write_text(
        "\n".join(json.dumps(line) for line in lines) + "\n"
    )
