"""NVIDIA DCGM exporter scrapes (Prometheus text exposition format) → `DCGM_SAMPLE_SCHEMA`, one row per sample.

Tolerates what real scrapes contain: label order that varies, spaces after commas, escaped quotes / backslashes /
newlines in label values, `# HELP` / `# TYPE` / `# NOTE` (any `#`) comments, series with no labels, optional
millisecond timestamps. Kubernetes labels: `exported_namespace`/`exported_pod`/`exported_container` when
present (after a Prometheus scrape the plain names describe the exporter's own pod), else `namespace`/`pod`/
`container` as DCGM wrote them.

Dropped, each as a Rejected row with its line (so input = loaded + quarantined): DCGM "blank" sentinels (int32,
int64 and fp64 BLANK / NOT_FOUND / NOT_SUPPORTED / NOT_PERMISSIONED, e.g. 9223372036854775794), NaN / Inf values,
and lines that are not valid exposition syntax. A sample without its own timestamp takes the scrape's time: the
time in the file name, else the file's first sample timestamp, else the file's modification time.

Ratios vs percentages: `value` is kept as exported; `value_ratio` is 0-1 for utilization-type metrics
(DCGM_FI_DEV_*_UTIL are percentages → /100; DCGM_FI_PROF_*_ACTIVE / *_OCCUPANCY are already ratios).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import PurePosixPath

from ingest.common import ParseResult, Rejected, epoch_ms_timestamp, utc_naive
from ingest.gpu_schema import DCGM_SAMPLE_SCHEMA, rows_table
from ingest.storage import LandingStore

# dcgm_structs.h: DCGM_{INT32,INT64}_{BLANK,NOT_FOUND,NOT_SUPPORTED,NOT_PERMISSIONED} and DCGM_FP64_*
_INT_SENTINELS = frozenset([0x7FFFFFF0 + i for i in range(4)] + [0x7FFFFFFFFFFFFFF0 + i for i in range(4)])
_FP64_SENTINELS = frozenset(float(2**47 + i) for i in range(4))
PERCENT_METRICS = frozenset(
    {"DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_MEM_COPY_UTIL", "DCGM_FI_DEV_ENC_UTIL", "DCGM_FI_DEV_DEC_UTIL"}
)
_METRIC = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*\"")
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n"}
_FILE_TIME = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})[T_ ]?(\d{2})[:-]?(\d{2})[:-]?(\d{2})")


class _BadLine(ValueError):
    pass


def is_sentinel(text: str) -> bool:
    """A DCGM 'no value' marker (blank / not found / not supported / not permissioned)."""
    try:
        if int(text) in _INT_SENTINELS:
            return True
    except ValueError:
        pass
    try:
        return float(text) in _FP64_SENTINELS  # fp64 blanks may be printed as integers
    except ValueError:
        return False


def value_ratio(metric: str, value: float) -> float | None:
    """0-1 utilization for utilization-type metrics, None for the others (watts, MiB, clocks, counters)."""
    if metric in PERCENT_METRICS:
        return value / 100.0
    if metric.startswith("DCGM_FI_PROF_") and metric.endswith(("_ACTIVE", "_OCCUPANCY")):
        return value
    return None


def _labels(text: str, start: int) -> tuple[dict[str, str], int]:
    """Parse `{name="value", ...}` from text[start] == '{'; returns the labels and the index after '}'."""
    labels: dict[str, str] = {}
    position = start + 1
    while True:
        while position < len(text) and text[position] in " \t,":
            position += 1
        if position >= len(text):
            raise _BadLine("unterminated label set")
        if text[position] == "}":
            return labels, position + 1
        match = _LABEL_NAME.match(text, position)
        if not match:
            raise _BadLine(f'expected label name="value" at column {position + 1}')
        name, position = match.group(1), match.end()
        chars = []
        while True:
            if position >= len(text):
                raise _BadLine(f"unterminated value of label {name!r}")
            char = text[position]
            if char == "\\" and position + 1 < len(text):
                chars.append(_ESCAPES.get(text[position + 1], "\\" + text[position + 1]))
                position += 2
            elif char == '"':
                position += 1
                break
            else:
                chars.append(char)
                position += 1
        labels[name] = "".join(chars)


def parse_sample_line(line: str) -> tuple[str, dict[str, str], str, int | None]:
    """(metric, labels, value text, timestamp ms or None) of one sample line; raises ValueError when invalid."""
    match = _METRIC.match(line)
    if not match:
        raise _BadLine("expected a metric name")
    metric, position = match.group(0), match.end()
    labels: dict[str, str] = {}
    rest = line[position:].lstrip()
    if rest.startswith("{"):
        labels, end = _labels(line, line.index("{", position))
        rest = line[end:]
    parts = rest.split()
    if len(parts) not in (1, 2):
        raise _BadLine(f"expected 'value [timestamp]' after the series, got {rest.strip()!r}")
    timestamp = None
    if len(parts) == 2:
        try:
            timestamp = int(parts[1])
        except ValueError:
            raise _BadLine(f"expected an integer millisecond timestamp, got {parts[1]!r}") from None
    return metric, labels, parts[0], timestamp


def time_from_name(name: str) -> datetime | None:
    """Scrape time from a file name such as `dcgm_2026-10-03T12:00:00Z.prom` or `20261003T120000.prom`."""
    match = _FILE_TIME.search(PurePosixPath(name).name)
    if not match:
        return None
    try:
        return utc_naive(datetime(*(int(group) for group in match.groups())), "scrape time in the file name")
    except ValueError:  # not a date, or outside the accepted range: no scrape time
        return None


def parse_scrape(
    lines: Iterable[str], source_file: str, *, scraped_at: datetime | None = None, line_offset: int = 0
) -> ParseResult:
    """One scrape (or a file of concatenated scrapes) → samples; `scraped_at` (tz-naive UTC) is used for
    samples without their own timestamp."""
    rows, rejected = [], []
    input_rows = 0
    for number, raw in enumerate(lines, start=1 + line_offset):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        input_rows += 1
        try:
            metric, labels, text, stamp = parse_sample_line(line)
        except ValueError as exc:
            rejected.append(Rejected(source_file, number, f"not a Prometheus sample: {exc}", line[:200]))
            continue
        if is_sentinel(text):
            rejected.append(Rejected(source_file, number, f"{metric}: DCGM 'not supported/blank' sentinel {text}"))
            continue
        try:
            value = float(text)
        except ValueError:
            rejected.append(Rejected(source_file, number, f"{metric}: expected a number, got {text!r}", line[:200]))
            continue
        if not math.isfinite(value):
            rejected.append(Rejected(source_file, number, f"{metric}: no reading ({text})"))
            continue
        if stamp is not None:
            try:
                sampled_at = epoch_ms_timestamp(stamp, f"{metric} sample timestamp")
            except ValueError as exc:
                rejected.append(Rejected(source_file, number, str(exc), line[:200]))
                continue
        else:
            sampled_at = scraped_at
        if sampled_at is None:
            rejected.append(Rejected(source_file, number, f"{metric}: no sample timestamp and no scrape time known"))
            continue
        rows.append(
            {
                "sampled_at": sampled_at,
                "metric": metric,
                "value": value,
                "value_ratio": value_ratio(metric, value),
                "gpu": labels.get("gpu"),
                "gpu_uuid": labels.get("UUID") or labels.get("uuid"),
                "model_name": labels.get("modelName"),
                "hostname": labels.get("Hostname") or labels.get("hostname"),
                "namespace": labels.get("exported_namespace") or labels.get("namespace"),
                "pod": labels.get("exported_pod") or labels.get("pod"),
                "container": labels.get("exported_container") or labels.get("container"),
                "labels": json.dumps(labels, sort_keys=True),
                "source_file": source_file,
                "source_line": number,
            }
        )
    return ParseResult(rows_table(rows, DCGM_SAMPLE_SCHEMA), rejected, input_rows)


def first_sample_time(lines: Iterable[str]) -> datetime | None:
    """The time of the first sample line that carries its own timestamp (one scrape shares one time)."""
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            stamp = parse_sample_line(line)[3]
        except ValueError:
            continue
        if stamp is not None:
            try:
                return epoch_ms_timestamp(stamp, "sample timestamp")
            except ValueError:  # outside the accepted range: try the next sample
                continue
    return None


def scrape_time(store: LandingStore, key: str, lines: list[str]) -> datetime:
    """When a scrape was taken, for its samples without their own timestamp: the time in the file name, else
    the file's first sample timestamp, else the file's modification time (the exporter wrote it then)."""
    return time_from_name(key) or first_sample_time(lines) or store.modified_at(key)


def parse_landing(store: LandingStore, prefix: str = "dcgm") -> dict[str, ParseResult]:
    """Every scrape file under `prefix` (`*.prom`, `*.txt`, `*.metrics`) → {"dcgm_samples"}; a sample without
    its own timestamp takes the scrape time (`scrape_time`: file name, first sample timestamp, or mtime)."""
    tables, rejected, input_rows = [], [], 0
    for key in store.list(prefix):
        if PurePosixPath(key).suffix.lower() not in (".prom", ".txt", ".metrics"):
            continue
        source = store.describe(key)
        try:
            text = store.read_bytes(key).decode("utf-8")
        except UnicodeDecodeError as exc:
            rejected.append(Rejected(source, None, f"expected UTF-8 Prometheus text: {exc}"))
            input_rows += 1
            continue
        lines = text.splitlines()
        result = parse_scrape(lines, source, scraped_at=scrape_time(store, key, lines))
        tables.append(result.table)
        rejected.extend(result.rejected)
        input_rows += result.input_rows
    import pyarrow as pa

    table = pa.concat_tables(tables) if tables else DCGM_SAMPLE_SCHEMA.empty_table()
    return {"dcgm_samples": ParseResult(table, rejected, input_rows)}
