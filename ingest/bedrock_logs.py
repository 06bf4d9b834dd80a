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
from datetime import UTC, datetime
from decimal import Decimal

from ingest.common import ParseResult, Rejected
from ingest.provider_usage import usage_table

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


def parse_invocation_log(
    content: bytes, source: str, application_profiles: dict[str, str] | None = None
) -> ParseResult:
    text = (gzip.decompress(content) if source.endswith(".gz") else content).decode("utf-8")
    rows, rejected, input_rows = [], [], 0
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        input_rows += 1
        try:
            record = json.loads(raw, parse_float=Decimal)
            stamp = datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00")).astimezone(UTC)
            model_id = record["modelId"]
        except (json.JSONDecodeError, KeyError, ValueError, AttributeError) as exc:
            rejected.append(Rejected(source, line, f"unreadable invocation record: {exc}", raw[:2000]))
            continue
        request, response, body_usage = record.get("input") or {}, record.get("output") or {}, _usage_from_body(record)
        metadata = record.get("requestMetadata") or {}
        rows.append(
            {
                "provider": "bedrock",
                "endpoint": record.get("operation"),
                "bucket_start": stamp,
                "bucket_end": stamp,
                "model": model_from_id(model_id, application_profiles) or model_id,
                "project_id": record.get("accountId"),
                "api_key_id": (record.get("identity") or {}).get("arn"),
                "user_id": metadata.get("user"),
                "service_tier": record.get("inferenceRegion") or record.get("region"),
                "is_batch": False,
                "input_uncached_tokens": request.get("inputTokenCount", body_usage.get("input_tokens")),
                "input_cached_tokens": request.get(
                    "cacheReadInputTokenCount", body_usage.get("cache_read_input_tokens")
                ),
                "cache_write_tokens": request.get(
                    "cacheWriteInputTokenCount", body_usage.get("cache_creation_input_tokens")
                ),
                "output_tokens": response.get("outputTokenCount", body_usage.get("output_tokens")),
                "requests": 1,
                "extra": json.dumps(
                    {
                        "requestId": record.get("requestId"),
                        "modelId": model_id,
                        "requestMetadata": metadata,
                        "errorCode": record.get("errorCode"),
                    },
                    default=str,
                ),
                "source": f"{source}:{line}",
            }
        )
    result = ParseResult(usage_table(rows), rejected, input_rows)
    result.check_balance()
    return result
