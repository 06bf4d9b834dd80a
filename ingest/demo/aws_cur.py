"""Demo AWS CUR 2.0 (Data Exports) for the month: Parquet data file and manifest at the real key layout.
GPU instances covered partly by a Savings Plan, Bedrock token usage, S3, tax, a credit, and a few lines
nobody tagged. Tags sit in the `resource_tags` map with `user:` keys."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.demo.world import World

EXPORT = "demo-export"
MONEY = pa.decimal128(38, 10)
# team -> (usage type, product, product code, hourly rate, hours per day range, feature)
_LINES = {
    "support": [
        (
            "USE1-BoxUsage:p4d.24xlarge",
            "Amazon Elastic Compute Cloud",
            "AmazonEC2",
            Decimal("32.7726"),
            (6, 14),
            "support_chat",
        ),
        (
            "USE1-Claude4.5Sonnet-input-tokens",
            "Amazon Bedrock",
            "AmazonBedrock",
            Decimal("0.003"),
            (300, 900),
            "ticket_summary",
        ),
    ],
    "search": [
        (
            "USE1-BoxUsage:g5.2xlarge",
            "Amazon Elastic Compute Cloud",
            "AmazonEC2",
            Decimal("1.212"),
            (20, 24),
            "semantic_search",
        )
    ],
    "growth": [
        (
            "USE1-TimedStorage-ByteHrs",
            "Amazon Simple Storage Service",
            "AmazonS3",
            Decimal("0.023"),
            (100, 140),
            "email_drafts",
        )
    ],
    "platform": [
        (
            "USE1-BoxUsage:p5.48xlarge",
            "Amazon Elastic Compute Cloud",
            "AmazonEC2",
            Decimal("98.32"),
            (2, 6),
            "eval_harness",
        )
    ],
}


def generate(landing: Path, world: World, rng: random.Random) -> None:
    rows: list[dict] = []
    start = datetime(world.start_date.year, world.start_date.month, 1)
    period_end = (start + timedelta(days=32)).replace(day=1)
    payer = world.aws_accounts["platform"]

    def line(day, account, line_type, usage_type, product, code, amount, cost, tags, **extra):
        usage_start = datetime(day.year, day.month, day.day)
        rows.append(
            {
                "identity_line_item_id": f"li-{len(rows):06d}",
                "identity_time_interval": f"{usage_start:%Y-%m-%dT%H:%M:%SZ}/{usage_start + timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}",
                "bill_billing_period_start_date": start,
                "bill_billing_period_end_date": period_end,
                "bill_payer_account_id": payer,
                "line_item_usage_account_id": account,
                "line_item_line_item_type": line_type,
                "line_item_usage_start_date": usage_start,
                "line_item_usage_end_date": usage_start + timedelta(days=1),
                "line_item_product_code": code,
                "line_item_usage_type": usage_type,
                "line_item_usage_amount": amount,
                "line_item_unblended_cost": cost,
                "line_item_currency_code": "USD",
                "line_item_line_item_description": f"{product} {usage_type}",
                "product_product_name": product,
                "product_region_code": "us-east-1",
                "pricing_unit": "Hrs",
                "pricing_public_on_demand_cost": cost if line_type == "Usage" else extra.pop("public", None),
                "savings_plan_savings_plan_effective_cost": extra.get("sp_effective"),
                "savings_plan_total_commitment_to_date": extra.get("sp_commitment"),
                "savings_plan_used_commitment": extra.get("sp_used"),
                "resource_tags": tags,
            }
        )

    for day in world.dates:
        for team, entries in sorted(_LINES.items()):
            account = world.aws_accounts[team]
            for usage_type, product, code, rate, (low, high), feature in entries:
                amount = Decimal(rng.randint(low, high))
                cost = (amount * rate).quantize(Decimal("0.0000000001"))
                tags = [("user:team", team), ("user:feature", feature), ("user:environment", "prod")]
                if team == "growth" and day.day % 4 == 0:
                    tags = []  # someone's untagged bucket
                if team == "platform":  # p5 hours covered by a Compute Savings Plan at 40% off
                    effective = (cost * Decimal("0.6")).quantize(Decimal("0.0000000001"))
                    line(
                        day,
                        account,
                        "SavingsPlanCoveredUsage",
                        usage_type,
                        product,
                        code,
                        amount,
                        cost,
                        tags,
                        sp_effective=effective,
                        public=cost,
                    )
                    line(day, account, "SavingsPlanNegation", usage_type, product, code, amount, -cost, tags)
                    line(
                        day,
                        account,
                        "SavingsPlanRecurringFee",
                        "ComputeSP:1yrNoUpfront",
                        "Savings Plans for AWS Compute usage",
                        "ComputeSavingsPlans",
                        Decimal(24),
                        effective + Decimal("12.00"),
                        [],
                        sp_commitment=effective + Decimal("12.00"),
                        sp_used=effective,
                    )
                else:
                    line(day, account, "Usage", usage_type, product, code, amount, cost, tags)
    last = world.dates[-1]
    line(last, payer, "Tax", "Tax", "Tax", "AWSTax", Decimal(1), Decimal("312.44"), [])
    line(
        last,
        world.aws_accounts["search"],
        "Credit",
        "Credit",
        "AWS Credits",
        "AWSCredits",
        Decimal(1),
        Decimal("-150.00"),
        [("user:team", "search")],
    )
    schema = pa.schema(
        [
            (
                name,
                MONEY
                if name
                in (
                    "line_item_usage_amount",
                    "line_item_unblended_cost",
                    "pricing_public_on_demand_cost",
                    "savings_plan_savings_plan_effective_cost",
                    "savings_plan_total_commitment_to_date",
                    "savings_plan_used_commitment",
                )
                else pa.timestamp("us")
                if name.endswith(("_date",)) and not name.startswith("identity")
                else pa.map_(pa.string(), pa.string())
                if name == "resource_tags"
                else pa.string(),
            )
            for name in rows[0]
        ]
    )
    period = f"{start:%Y-%m}"
    data = landing / "aws_cur" / EXPORT / "data" / f"BILLING_PERIOD={period}"
    metadata = landing / "aws_cur" / EXPORT / "metadata" / f"BILLING_PERIOD={period}"
    data.mkdir(parents=True, exist_ok=True)
    metadata.mkdir(parents=True, exist_ok=True)
    name = f"{EXPORT}-00001.snappy.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), data / name)
    (metadata / f"{EXPORT}-Manifest.json").write_text(
        json.dumps(
            {
                "executionId": f"exec-{period}-0001",
                "exportName": EXPORT,
                "billingPeriod": {
                    "start": f"{start:%Y-%m-%d}T00:00:00.000Z",
                    "end": f"{period_end:%Y-%m-%d}T00:00:00.000Z",
                },
                "dataFiles": [f"s3://demo-cur-bucket/cur/{EXPORT}/data/BILLING_PERIOD={period}/{name}"],
            },
            indent=1,
        )
    )
