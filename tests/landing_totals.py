"""Bill totals read straight from landing files with json/csv/pyarrow and Decimal: an independent route to
the numbers the warehouse must hand out."""

from __future__ import annotations

import glob
import json
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path


def openai_cost_pages(landing: Path) -> dict[date, Decimal]:
    """OpenAI Costs API pages: USD per bucket day."""
    totals: dict[date, Decimal] = defaultdict(Decimal)
    for path in glob.glob(f"{landing}/openai/costs/*.json"):
        for bucket in json.loads(Path(path).read_text())["data"]:
            day = datetime.fromtimestamp(bucket["start_time"], tz=UTC).date()
            for result in bucket["results"]:
                totals[day] += Decimal(str(result["amount"]["value"]))
    return dict(totals)


def anthropic_cost_pages(landing: Path) -> dict[tuple[date, str], Decimal]:
    """Anthropic cost report pages: USD per (bucket day, model). The report's amounts are in cents."""
    totals: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for path in glob.glob(f"{landing}/anthropic/cost_report/*.json"):
        for bucket in json.loads(Path(path).read_text())["data"]:
            day = datetime.fromisoformat(bucket["starting_at"].replace("Z", "+00:00")).date()
            for result in bucket["results"]:
                totals[(day, result["model"])] += Decimal(result["amount"]) / 100
    return dict(totals)


def provider_cost_pages_total(landing: Path) -> Decimal:
    return sum(openai_cost_pages(landing).values(), Decimal(0)) + sum(
        anthropic_cost_pages(landing).values(), Decimal(0)
    )
