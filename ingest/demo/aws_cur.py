"""Demo AWS CUR 2.0 (Data Exports) for the month: Parquet data file and manifest at the real key layout.
GPU instances covered partly by a Savings Plan, Bedrock token usage, S3, tax, a credit, and a few lines
nobody tagged. Tags sit in the `resource_tags` map with `user:` keys."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
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


_MONEY_COLUMNS = (
    "line_item_usage_amount",
    "line_item_unblended_cost",
    "pricing_public_on_demand_cost",
    "savings_plan_savings_plan_effective_cost",
    "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment",
)
_TEN_DIGITS = Decimal("0.0000000001")


@dataclass
class _Bill:
    """The month's CUR rows as they are added, one `line` call a line item."""

    start: datetime
    period_end: datetime
    payer: str
    rows: list[dict] = field(default_factory=list)

    def line(self, day, account, line_type, usage_type, product, code, amount, cost, tags, **extra) -> None:
        usage_start = datetime(day.year, day.month, day.day)
        self.rows.append(
            {
                "identity_line_item_id": f"li-{len(self.rows):06d}",
                "identity_time_interval": f"{usage_start:%Y-%m-%dT%H:%M:%SZ}/{usage_start + timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}",
                "bill_billing_period_start_date": self.start,
                "bill_billing_period_end_date": self.period_end,
                "bill_payer_account_id": self.payer,
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


def _savings_plan_lines(bill: _Bill, day, account, usage_type, product, code, amount, cost, tags) -> None:
    """Hours covered by a Compute Savings Plan at 40% off: the covered usage, its negation and the plan's fee."""
    effective = (cost * Decimal("0.6")).quantize(_TEN_DIGITS)
    bill.line(
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
    bill.line(day, account, "SavingsPlanNegation", usage_type, product, code, amount, -cost, tags)
    bill.line(
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


def _daily_lines(bill: _Bill, world: World, rng: random.Random) -> None:
    for day in world.dates:
        for team, entries in sorted(_LINES.items()):
            account = world.aws_accounts[team]
            for usage_type, product, code, rate, (low, high), feature in entries:
                amount = Decimal(rng.randint(low, high))
                cost = (amount * rate).quantize(_TEN_DIGITS)
                tags = [("user:team", team), ("user:feature", feature), ("user:environment", "prod")]
                if team == "growth" and day.day % 4 == 0:
                    tags = []  # someone's untagged bucket
                if team == "platform":  # p5 hours covered by a Compute Savings Plan
                    _savings_plan_lines(bill, day, account, usage_type, product, code, amount, cost, tags)
                else:
                    bill.line(day, account, "Usage", usage_type, product, code, amount, cost, tags)


def _month_end_lines(bill: _Bill, world: World) -> None:
    """Tax on the payer account and a credit to the search team, on the month's last day."""
    last = world.dates[-1]
    bill.line(last, bill.payer, "Tax", "Tax", "Tax", "AWSTax", Decimal(1), Decimal("312.44"), [])
    bill.line(
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


def _column_type(name: str) -> pa.DataType:
    if name in _MONEY_COLUMNS:
        return MONEY
    if name.endswith("_date") and not name.startswith("identity"):
        return pa.timestamp("us")
    if name == "resource_tags":
        return pa.map_(pa.string(), pa.string())
    return pa.string()


def _write_delivery(landing: Path, bill: _Bill) -> None:
    """The Parquet data file and the manifest at the Data Exports key layout."""
    schema = pa.schema([(name, _column_type(name)) for name in bill.rows[0]])
    period = f"{bill.start:%Y-%m}"
    data = landing / "aws_cur" / EXPORT / "data" / f"BILLING_PERIOD={period}"
    metadata = landing / "aws_cur" / EXPORT / "metadata" / f"BILLING_PERIOD={period}"
    data.mkdir(parents=True, exist_ok=True)
    metadata.mkdir(parents=True, exist_ok=True)
    name = f"{EXPORT}-00001.snappy.parquet"
    pq.write_table(pa.Table.from_pylist(bill.rows, schema=schema), data / name)
    (metadata / f"{EXPORT}-Manifest.json").write_text(
        json.dumps(
            {
                "executionId": f"exec-{period}-0001",
                "exportName": EXPORT,
                "billingPeriod": {
                    "start": f"{bill.start:%Y-%m-%d}T00:00:00.000Z",
                    "end": f"{bill.period_end:%Y-%m-%d}T00:00:00.000Z",
                },
                "dataFiles": [f"s3://demo-cur-bucket/cur/{EXPORT}/data/BILLING_PERIOD={period}/{name}"],
            },
            indent=1,
        )
    )


def generate(landing: Path, world: World, rng: random.Random) -> None:
    start = datetime(world.start_date.year, world.start_date.month, 1)
    bill = _Bill(start, (start + timedelta(days=32)).replace(day=1), world.aws_accounts["platform"])
    _daily_lines(bill, world, rng)
    _month_end_lines(bill, world)
    _write_delivery(landing, bill)
