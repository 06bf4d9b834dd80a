"""Deliveries trigger the partitions they touch; the nightly schedule re-runs the late-data windows.

The landing sensor diffs the landing area's file fingerprints (size + mtime, or the S3 ETag) against its
cursor, so only new or changed files count: a new ledger day folder runs that day's partition; a Bedrock
object runs the day in its key; any other delivery (a CUR / Azure / GCP / FOCUS export, provider pages,
GPU logs) runs yesterday's partition, which reloads the unpartitioned sources and rebuilds the marts.
Its first evaluation only records what is already there (history is loaded by `finops run` or a backfill),
so switching the sensor on never starts one run per day of the past.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import dagster as dg

from pipelines.resources import LandingResource

_LEDGER_DAY = re.compile(r"^ledger/(\d{4}-\d{2}-\d{2})/")
_BEDROCK_DAY = re.compile(r"^bedrock/.*/(\d{4})/(\d{2})/(\d{2})/")


def delivery_partitions(changed_keys: Iterable[str], today: date) -> list[str]:
    """The daily partitions the changed landing files touch (sorted, distinct)."""
    yesterday = (today - timedelta(days=1)).isoformat()
    partitions = set()
    for key in changed_keys:
        if match := _LEDGER_DAY.match(key):
            partitions.add(match.group(1))
        elif match := _BEDROCK_DAY.match(key):
            partitions.add("-".join(match.groups()))
        else:
            partitions.add(yesterday)
    latest = today.isoformat()  # a partition after today does not exist yet
    return sorted(partition for partition in partitions if partition <= latest)


def changed_keys(previous: dict[str, str], current: dict[str, str]) -> list[str]:
    """Files that are new or changed, and folders of files that vanished (an emptied ledger day matters)."""
    changed = [key for key, token in current.items() if previous.get(key) != token]
    changed += [key for key in previous if key not in current]
    return sorted(changed)


def build_landing_sensor(job: dg.JobDefinition | dg.UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    @dg.sensor(
        job=job,
        name="landing_deliveries",
        minimum_interval_seconds=300,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="New or changed landing files run the partitions they touch (ledger day, Bedrock day, or "
        "yesterday for exports and pages).",
    )
    def landing_deliveries(context: dg.SensorEvaluationContext, landing: LandingResource):
        store = landing.store()
        current = store.fingerprints()
        if context.cursor is None:  # first evaluation: what is there now is history (`finops run` loads it)
            context.update_cursor(json.dumps(current, sort_keys=True))
            return dg.SkipReason(f"first evaluation: {len(current)} landing files recorded as seen")
        previous = json.loads(context.cursor)
        changed = changed_keys(previous, current)
        if not changed:
            return dg.SkipReason("no new or changed files in the landing area")
        today = datetime.now(UTC).date()
        digest = hashlib.sha256(json.dumps(changed).encode()).hexdigest()[:16]
        requests = [
            dg.RunRequest(run_key=f"{partition}:{digest}", partition_key=partition)
            for partition in delivery_partitions(changed, today)
        ]
        context.update_cursor(json.dumps(current, sort_keys=True))
        return requests

    return landing_deliveries
