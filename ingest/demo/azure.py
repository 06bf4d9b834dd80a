"""Demo Azure Cost Management exports (EA column set) for October 2026: actual and amortized exports of the
same charges, Azure OpenAI pay-as-you-go and a reserved GPU VM, team/feature tags on most lines."""

from __future__ import annotations

import csv
import random
from decimal import Decimal
from pathlib import Path

from ingest.demo.world import World

HEADER = [
    "BillingAccountId",
    "BillingAccountName",
    "BillingPeriodStartDate",
    "BillingPeriodEndDate",
    "SubscriptionId",
    "SubscriptionName",
    "Date",
    "MeterCategory",
    "MeterSubCategory",
    "MeterName",
    "MeterId",
    "ResourceId",
    "ResourceLocation",
    "Quantity",
    "UnitOfMeasure",
    "EffectivePrice",
    "UnitPrice",
    "PayGPrice",
    "CostInBillingCurrency",
    "BillingCurrencyCode",
    "ChargeType",
    "PricingModel",
    "Tags",
    "ReservationId",
]
# (meter category, sub category, meter, unit, unit price, daily quantity range, feature)
_METERS = {
    "support": [
        (
            "Cognitive Services",
            "Azure OpenAI",
            "gpt-4o-mini Input Tokens",
            "1K",
            Decimal("0.000165"),
            (40_000, 90_000),
            "support_chat",
        ),
        (
            "Cognitive Services",
            "Azure OpenAI",
            "gpt-4o-mini Output Tokens",
            "1K",
            Decimal("0.00066"),
            (6_000, 15_000),
            "support_chat",
        ),
        ("Storage", "Blob Storage", "Hot LRS Data Stored", "1 GB/Month", Decimal("0.0208"), (30, 40), None),
    ],
    "growth": [
        (
            "Cognitive Services",
            "Azure OpenAI",
            "gpt-4o Input Tokens",
            "1K",
            Decimal("0.00275"),
            (2_000, 5_000),
            "email_drafts",
        ),
        (
            "Cognitive Services",
            "Azure OpenAI",
            "gpt-4o Output Tokens",
            "1K",
            Decimal("0.011"),
            (400, 900),
            "email_drafts",
        ),
    ],
}
_RESERVED_GPU_VM_MONTHLY = Decimal("2409.00")  # one-month reservation of an NC24ads A100 v4, paid upfront
_GPU_VM_PAYG_HOURLY = Decimal("3.673")


def _tags(team: str, feature: str | None, environment: str = "prod") -> str:
    parts = [f'"team": "{team}"', f'"environment": "{environment}"']
    if feature:
        parts.append(f'"feature": "{feature}"')
    return ",".join(parts)  # EA exports write Tags without braces


_SIX_DIGITS = Decimal("0.000001")


def _account_columns(world: World, subscription: str, subscription_name: str) -> list:
    """BillingAccountId through SubscriptionName: the same on every line of one subscription."""
    month = world.start_date
    period = (f"{month.month}/1/{month.year}", f"{month.month}/{world.days}/{month.year}")
    return ["EA-100200", "Demo Co", *period, subscription, subscription_name]


def _meter_rows(world: World, team: str, subscription: str, rng: random.Random) -> list[list]:
    """The team's pay-as-you-go meters, one line a meter a day (the same in the actual and amortized exports)."""
    rows = []
    for day in world.dates:
        date_text = f"{day.month}/{day.day}/{day.year}"
        for index, (category, sub, meter, unit, price, (low, high), feature) in enumerate(_METERS.get(team, [])):
            quantity = Decimal(rng.randint(low, high)) / (1000 if unit == "1K" else 1)
            cost = (quantity * price).quantize(_SIX_DIGITS)
            untagged = index == 2 and day.day % 3 == 0  # storage lines someone forgot to tag
            rows.append(
                [
                    *_account_columns(world, subscription, f"{team}-prod"),
                    date_text,
                    category,
                    sub,
                    meter,
                    f"meter-{team}-{index}",
                    f"/subscriptions/{subscription}/resourceGroups/{team}-rg/"
                    f"providers/Microsoft.CognitiveServices/accounts/{team}-aoai",
                    "eastus",
                    quantity,
                    unit,
                    price,
                    price,
                    price,
                    cost,
                    "USD",
                    "Usage",
                    "OnDemand",
                    "" if untagged else _tags(team, feature),
                    "",
                ]
            )
    return rows


def _reservation_rows(world: World, subscription: str) -> tuple[list[list], list[list]]:
    """A reserved A100 VM for the ranker: (actual rows: the purchase and zero-cost covered usage, amortized
    rows: the purchase spread over the days of the month)."""
    month = world.start_date
    resource = (
        f"/subscriptions/{subscription}/resourceGroups/ml-rg/providers/Microsoft.Compute/virtualMachines/ranker-a100"
    )
    account = _account_columns(world, subscription, "support-prod")
    actual = [
        [
            *account,
            f"{month.month}/1/{month.year}",
            "Virtual Machines",
            "NCadsA100v4 Series",
            "NC24ads A100 v4 Reservation",
            "meter-ri",
            resource,
            "eastus",
            1,
            "1 /Month",
            _RESERVED_GPU_VM_MONTHLY,
            _RESERVED_GPU_VM_MONTHLY,
            "",
            _RESERVED_GPU_VM_MONTHLY,
            "USD",
            "Purchase",
            "Reservation",
            _tags("support", None),
            "ri-1",
        ]
    ]
    amortized = []
    daily = (_RESERVED_GPU_VM_MONTHLY / world.days).quantize(_SIX_DIGITS)
    for offset, day in enumerate(world.dates):
        # the last day carries the rounding remainder so the month amortizes exactly
        amount = _RESERVED_GPU_VM_MONTHLY - daily * (world.days - 1) if offset == world.days - 1 else daily
        covered = [
            *account,
            f"{day.month}/{day.day}/{day.year}",
            "Virtual Machines",
            "NCadsA100v4 Series",
            "NC24ads A100 v4",
            "meter-vm",
            resource,
            "eastus",
            24,
            "1 Hour",
            (amount / 24).quantize(_SIX_DIGITS),
            _GPU_VM_PAYG_HOURLY,
            _GPU_VM_PAYG_HOURLY,
        ]
        tags = _tags("support", "support_chat")
        actual.append([*covered, 0, "USD", "Usage", "Reservation", tags, "ri-1"])
        amortized.append([*covered, amount, "USD", "Usage", "Reservation", tags, "ri-1"])
    return actual, amortized


def generate(landing: Path, world: World, rng: random.Random) -> None:
    month = world.start_date
    actual: list[list] = []
    amortized: list[list] = []
    for team, subscription in sorted(world.azure_subscriptions.items()):
        rows = _meter_rows(world, team, subscription, rng)
        actual += rows
        amortized += rows
        if team == "support":
            reserved_actual, reserved_amortized = _reservation_rows(world, subscription)
            actual += reserved_actual
            amortized += reserved_amortized
    stamp = f"{month:%Y%m}01-{month:%Y%m}{world.days:02d}"
    for kind, rows in (("actual", actual), ("amortized", amortized)):
        folder = landing / "azure" / kind / stamp
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"demo-{kind}-export.csv").open("w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(rows)
