"""Support-conversation outcomes: `outcomes/*.{csv,jsonl,ndjson,parquet}`, one row per conversation.

Fields: conversation_id, opened_at, resolved_at, outcome (resolved / escalated / abandoned), reopened_at.
Timestamps with offsets are converted to UTC; naive ones are taken as UTC. A conversation listed twice
keeps its first row (file order, then line); the rest are rejected as duplicates.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa

from ingest.common import ParseResult, Rejected, SourceFormatError

OUTCOMES = ("resolved", "escalated", "abandoned")
OUTCOMES_SCHEMA = pa.schema(
    [
        ("conversation_id", pa.string()),
        ("opened_at", pa.timestamp("us")),
        ("resolved_at", pa.timestamp("us")),
        ("outcome", pa.string()),
        ("reopened_at", pa.timestamp("us")),
        ("source_file", pa.string()),
        ("source_line", pa.int64()),
    ]
)


def _rows(path: Path) -> list[tuple[int, dict]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = pl.read_csv(path, infer_schema=False)
        return [(index + 2, row) for index, row in enumerate(frame.to_dicts())]
    if suffix in (".jsonl", ".ndjson"):
        rows = []
        for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
            if line.strip():
                try:
                    rows.append((number, json.loads(line)))
                except json.JSONDecodeError as exc:
                    rows.append((number, {"__error__": f"malformed JSON: {exc.msg}"}))
        return rows
    if suffix == ".parquet":
        return [(index + 1, row) for index, row in enumerate(pl.read_parquet(path).to_dicts())]
    raise SourceFormatError(path, f"unknown outcomes file type '{suffix}'; expected .csv, .jsonl, .ndjson or .parquet")


def _timestamp(value: object) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def parse_outcomes(files: list[Path]) -> ParseResult:
    columns: dict[str, list] = {name: [] for name in OUTCOMES_SCHEMA.names}
    rejected: list[Rejected] = []
    seen: dict[str, str] = {}
    input_rows = 0
    for path in files:
        for line, row in _rows(path):
            input_rows += 1
            if "__error__" in row:
                rejected.append(Rejected(str(path), line, row["__error__"]))
                continue
            conversation_id = (str(row.get("conversation_id") or "")).strip()
            outcome = (str(row.get("outcome") or "")).strip().lower()
            try:
                opened_at = _timestamp(row.get("opened_at"))
                resolved_at = _timestamp(row.get("resolved_at"))
                reopened_at = _timestamp(row.get("reopened_at"))
            except ValueError as exc:
                rejected.append(Rejected(str(path), line, f"timestamp not ISO-8601: {exc}"))
                continue
            reason = None
            if not conversation_id:
                reason = "missing required field conversation_id"
            elif opened_at is None:
                reason = "missing required field opened_at"
            elif outcome not in OUTCOMES:
                reason = f"outcome {outcome!r} is not one of {', '.join(OUTCOMES)}"
            elif outcome == "resolved" and resolved_at is None:
                reason = "outcome resolved without resolved_at"
            elif conversation_id in seen:
                reason = f"duplicate conversation_id: first seen at {seen[conversation_id]}"
            if reason:
                rejected.append(Rejected(str(path), line, reason))
                continue
            seen[conversation_id] = f"{path} line {line}"
            for name, value in (
                ("conversation_id", conversation_id),
                ("opened_at", opened_at),
                ("resolved_at", resolved_at),
                ("outcome", outcome),
                ("reopened_at", reopened_at),
                ("source_file", str(path)),
                ("source_line", line),
            ):
                columns[name].append(value)
    result = ParseResult(pa.table(columns, schema=OUTCOMES_SCHEMA), rejected, input_rows)
    result.check_balance()
    return result
