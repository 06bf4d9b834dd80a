"""Demo support-conversation outcomes for every conversation of the demo ledger."""

from __future__ import annotations

import csv
import random
from datetime import timedelta
from pathlib import Path

from ingest.demo.ledger import build_demo_ledger
from ingest.demo.world import World


def generate(landing: Path, world: World, rng: random.Random) -> None:
    ledger = build_demo_ledger(world).select(["conversation_id", "ts"]).to_pylist()
    spans: dict[str, list] = {}
    for row in ledger:
        if row["conversation_id"]:
            span = spans.setdefault(row["conversation_id"], [row["ts"], row["ts"]])
            span[0], span[1] = min(span[0], row["ts"]), max(span[1], row["ts"])
    folder = landing / "outcomes"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "conversations.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["conversation_id", "opened_at", "resolved_at", "outcome", "reopened_at"])
        for conversation_id, (opened, last) in sorted(spans.items()):
            outcome = rng.choices(("resolved", "escalated", "abandoned"), (0.72, 0.18, 0.10))[0]
            resolved_at = reopened_at = ""
            if outcome == "resolved":
                resolved = last + timedelta(minutes=rng.randint(1, 30))
                resolved_at = resolved.isoformat()
                if rng.random() < 0.06:  # reopened: some inside the 7-day window, some after
                    reopened_at = (resolved + timedelta(days=rng.choice((1, 3, 6, 9, 15)))).isoformat()
            writer.writerow([conversation_id, opened.isoformat(), resolved_at, outcome, reopened_at])
