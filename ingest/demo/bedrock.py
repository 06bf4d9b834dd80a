"""Demo Amazon Bedrock invocation logs: the support team's ticket triage calls Claude Sonnet 4.5 through a
US cross-region inference profile, logged as gzip NDJSON under the real S3 key layout."""

from __future__ import annotations

import gzip
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingest.demo.world import World

PROFILE = "arn:aws:bedrock:us-east-1:{account}:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"


def generate(landing: Path, world: World, rng: random.Random) -> None:
    account = world.aws_accounts["support"]
    for day in world.dates:
        records = []
        for _ in range(rng.randint(20, 40)):
            stamp = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 86_399))
            records.append(
                {
                    "schemaType": "ModelInvocationLog",
                    "schemaVersion": "1.0",
                    "timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "accountId": account,
                    "region": "us-east-1",
                    "inferenceRegion": rng.choice(("us-east-1", "us-west-2")),
                    "requestId": str(uuid.UUID(int=rng.getrandbits(128))),
                    "operation": "Converse",
                    "modelId": PROFILE.format(account=account),
                    "identity": {"arn": f"arn:aws:sts::{account}:assumed-role/ticket-triage/worker"},
                    "input": {
                        "inputTokenCount": rng.randint(800, 4000),
                        "cacheReadInputTokenCount": rng.randint(0, 2000),
                        "cacheWriteInputTokenCount": 0,
                    },
                    "output": {"outputTokenCount": rng.randint(100, 600)},
                    "requestMetadata": {"team": "support", "feature": "ticket_summary"},
                }
            )
        folder = (
            landing
            / "bedrock"
            / "AWSLogs"
            / account
            / "BedrockModelInvocationLogs"
            / "us-east-1"
            / f"{day:%Y/%m/%d}"
            / "12"
        )
        folder.mkdir(parents=True, exist_ok=True)
        lines = "\n".join(json.dumps(record) for record in sorted(records, key=lambda r: r["timestamp"])) + "\n"
        (folder / f"{account}_BedrockModelInvocationLogs_us-east-1_{day:%Y%m%d}T1200Z.json.gz").write_bytes(
            gzip.compress(lines.encode(), mtime=0)
        )
