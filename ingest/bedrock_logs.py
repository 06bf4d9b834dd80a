"""Amazon Bedrock model invocation logs (newline-delimited JSON, `.json.gz` in S3 under
`AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/`, or a folder) -> usage rows.

- `modelId` may be a bare id, a foundation-model ARN, a cross-region inference-profile ARN or id
  (`us.anthropic.claude...`) or an application inference profile. ARNs and geography prefixes are removed
  structurally; the remaining id must be an explicit alias in a rate card, otherwise the row is priced as
  unknown (flagged in the marts, never $0). Application inference profiles have no model in their ARN:
  their model comes from `application_profiles` (profile id -> model id), else they stay unmapped.
- Token counts: the top-level `input.inputTokenCount` / `output.outputTokenCount` (and cache read/write
  counts) are preferred over the usage block inside the model body.
- A line that is not JSON is rejected with file and line; the rest of the file loads.
"""

from __future__ import annotations

import gzip
import json
import zlib
from datetime import UTC, date
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from ingest.common import (
    ParseResult,
    Rejected,
    SourceFormatError,
    parse_count,
    parse_timestamp,
    table_keeping_storable_rows,
)
from ingest.provider_usage import USAGE_SCHEMA
from ingest.storage import LandingStore

_GEOGRAPHY_PREFIXES = ("us.", "eu.", "apac.", "global.", "us-gov.", "ca.", "jp.", "au.")


def model_from_id(model_id: str, application_profiles: dict[str, str] | None = None) -> str | None:
    """The Bedrock model id behind a logged modelId, or None for an unmapped application profile."""
    value = model_id.strip()
    if value.startswith("arn:"):
        resource = value.split(":", 5)[-1]  # e.g. foundation-model/<id>, inference-profile/<id>
        kind, _, identifier = resource.partition("/")
        if kind == "application-inference-profile":
            return (application_profiles or {}).get(identifier)
        value = identifier
    for prefix in _GEOGRAPHY_PREFIXES:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def _usage_from_body(record: dict) -> dict:
    body = (record.get("output") or {}).get("outputBodyJson")
    if isinstance(body, list):  # streaming: usage sits in a chunk
        body = next((chunk for chunk in reversed(body) if isinstance(chunk, dict) and "usage" in chunk), {})
    return (body or {}).get("usage", {}) if isinstance(body, dict) else {}


def _decompressed(content: bytes, source: str) -> bytes:
    if not source.endswith(".gz"):
        return content
    try:
        return gzip.decompress(content)
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceFormatError(source, f"cannot decompress gzip: {exc}") from None


def parse_invocation_log(
    content: bytes, source: str, application_profiles: dict[str, str] | None = None
) -> ParseResult:
    rows, rejected, input_rows = [], [], 0
    for line, raw_bytes in enumerate(_decompressed(content, source).splitlines(), start=1):
        if not raw_bytes.strip():
            continue
        input_rows += 1
        try:
            raw = raw_bytes.decode("utf-8-sig" if line == 1 else "utf-8")
        except UnicodeDecodeError:
            rejected.append(Rejected(source, line, "line is not valid UTF-8 text"))
            continue
        try:
            record = json.loads(raw, parse_float=Decimal)
            if not isinstance(record, dict):
                raise ValueError("expected a JSON object per line")
            stamp = parse_timestamp(record["timestamp"], "timestamp").replace(tzinfo=UTC)
            model_id = record["modelId"]
            if not isinstance(model_id, str):
                raise ValueError(f"modelId is not text: {str(model_id)[:80]!r}")
            request, response, body_usage = (
                record.get("input") or {},
                record.get("output") or {},
                _usage_from_body(record),
            )
            tokens = {
                "input_uncached_tokens": request.get("inputTokenCount", body_usage.get("input_tokens")),
                "input_cached_tokens": request.get(
                    "cacheReadInputTokenCount", body_usage.get("cache_read_input_tokens")
                ),
                "cache_write_tokens": request.get(
                    "cacheWriteInputTokenCount", body_usage.get("cache_creation_input_tokens")
                ),
                "output_tokens": response.get("outputTokenCount", body_usage.get("output_tokens")),
            }
            tokens = {name: parse_count(value, name) for name, value in tokens.items()}
            metadata = record.get("requestMetadata") or {}
            identity = record.get("identity") or {}
            row = {
                "provider": "bedrock",
                "endpoint": record.get("operation"),
                "bucket_start": stamp,
                "bucket_end": stamp,
                "model": model_from_id(model_id, application_profiles) or model_id,
                "project_id": record.get("accountId"),
                "api_key_id": identity.get("arn"),
                "user_id": metadata.get("user"),
                # the tier the call ran in, when the log says (a card entry of its own); the region is not a tier
                "service_tier": record.get("serviceTier"),
                "is_batch": False,
                **tokens,
                "requests": 1,
                "extra": json.dumps(
                    {
                        "requestId": record.get("requestId"),
                        "modelId": model_id,
                        "requestMetadata": metadata,
                        "region": record.get("inferenceRegion") or record.get("region"),
                        "errorCode": record.get("errorCode"),
                    },
                    default=str,
                ),
                "source": f"{source}:{line}",
                "source_file": source,
                "source_line": line,
            }
        except (KeyError, ValueError, AttributeError, TypeError, RecursionError) as exc:
            rejected.append(Rejected(source, line, f"unreadable invocation record: {exc}", raw[:2000]))
            continue
        rows.append(row)
    table, unstorable = table_keeping_storable_rows(
        rows, USAGE_SCHEMA, source_key="source_file", line_key="source_line"
    )
    result = ParseResult(table, rejected + unstorable, input_rows)
    result.check_balance()
    return result


def is_invocation_log(key: str) -> bool:
    """Log objects by name: compressed or line-delimited JSON anywhere, plain `.json` only under `AWSLogs/`
    (so a side file such as `application_profiles.json` is not read as a log)."""
    return key.endswith((".json.gz", ".jsonl", ".jsonl.gz")) or (key.endswith(".json") and "AWSLogs" in key)


def read_invocation_logs(store: LandingStore, folder: str = "bedrock") -> list[tuple[str, ParseResult]]:
    """Every invocation log object below `folder`, parsed, with its key. `application_profiles.json` in the
    folder maps application inference profiles to models (see `model_from_id`)."""
    profiles_keys = store.list(folder, pattern="application_profiles.json")
    profiles = json.loads(store.read_bytes(profiles_keys[0])) if profiles_keys else {}
    return [
        (key, parse_invocation_log(store.read_bytes(key), store.describe(key), profiles))
        for key in store.list(folder)
        if is_invocation_log(key)
    ]


def invocation_days(table: pa.Table) -> set[date]:
    """The UTC days the invocations of `table` fall on."""
    return {stamp.date() for stamp in pc.unique(table.column("bucket_start")).to_pylist() if stamp is not None}
