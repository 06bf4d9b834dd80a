"""DCGM exporter scrapes: the shared README sample (with its sentinel), exported_* labels, unlabelled series."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest

from ingest.dcgm import parse_landing, parse_sample_line, parse_scrape, value_ratio
from ingest.storage import LocalStore

SCRAPED = datetime(2026, 10, 3, 12, 0, 0)


def test_readme_sample_drops_the_not_supported_sentinel(samples_root) -> None:
    path = samples_root.joinpath("dcgm", "nvidia_readme_sample_output.prom")
    result = parse_scrape(path.read_text().splitlines(), str(path), scraped_at=SCRAPED)
    result.check_balance()
    rows = result.table.to_pylist()
    assert {(r["metric"], r["value"]) for r in rows} == {
        ("DCGM_FI_DEV_SM_CLOCK", 139.0),
        ("DCGM_FI_DEV_MEM_CLOCK", 405.0),
    }
    assert all(r["gpu"] == "0" and r["gpu_uuid"] == "GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52" for r in rows)
    assert all(r["sampled_at"] == SCRAPED and r["value_ratio"] is None for r in rows)
    (dropped,) = result.rejected
    assert dropped.line == 9 and "9223372036854775794" in dropped.reason and "DCGM_FI_DEV_MEMORY_TEMP" in dropped.reason


HAND_WRITTEN = r"""# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
# TYPE DCGM_FI_DEV_GPU_UTIL gauge
# NOTE scraped through Prometheus federation
DCGM_FI_DEV_GPU_UTIL{exported_pod="train-0",UUID="GPU-a",gpu="1", exported_namespace="ml-search",Hostname="node-a",modelName="NVIDIA H100 80GB HBM3",exported_container="main",pod="dcgm-exporter-x",namespace="gpu-operator"} 87 1791028800000
DCGM_FI_DEV_GPU_UTIL{gpu="2",UUID="GPU-b",exported_pod="train-1",exported_namespace="ml-search",} 3 1791028800000
DCGM_FI_PROF_SM_ACTIVE{UUID="GPU-a",gpu="1",exported_pod="train-0",exported_namespace="ml-search"} 0.812500 1791028800000
DCGM_FI_DEV_POWER_USAGE{gpu="1",UUID="GPU-a",note="say \"hi\", then \\ leave"} 301.25 1791028800000
DCGM_FI_DEV_FB_USED{gpu="1",UUID="GPU-a"} 2147483634 1791028800000
DCGM_FI_PROF_DRAM_ACTIVE{gpu="1",UUID="GPU-a"} 140737488355330 1791028800000
dcgm_exporter_up 1
DCGM_FI_DEV_SM_CLOCK{gpu="1" 1410
DCGM_FI_DEV_GPU_TEMP{gpu="1"} NaN 1791028800000
"""


def test_hand_written_scrape_exported_labels_no_labels_and_escapes() -> None:
    result = parse_scrape(HAND_WRITTEN.splitlines(), "scrape.prom", scraped_at=SCRAPED)
    result.check_balance()
    assert result.input_rows == 9
    rows = result.table.to_pylist()
    by_metric = {(r["metric"], r["gpu"]): r for r in rows}
    util = by_metric[("DCGM_FI_DEV_GPU_UTIL", "1")]
    # after a Prometheus scrape pod/namespace name the exporter itself: the workload is in exported_*
    assert (util["pod"], util["namespace"]) == ("train-0", "ml-search")
    assert util["container"] == "main" and util["hostname"] == "node-a"
    assert util["sampled_at"] == datetime(2026, 10, 3, 12, 0, 0) and util["value_ratio"] == pytest.approx(0.87)
    idle = by_metric[("DCGM_FI_DEV_GPU_UTIL", "2")]
    assert (idle["pod"], idle["namespace"], idle["value_ratio"]) == ("train-1", "ml-search", pytest.approx(0.03))
    assert by_metric[("DCGM_FI_PROF_SM_ACTIVE", "1")]["value_ratio"] == pytest.approx(0.8125)  # already a ratio
    assert json.loads(by_metric[("DCGM_FI_DEV_POWER_USAGE", "1")]["labels"])["note"] == 'say "hi", then \\ leave'
    up = by_metric[("dcgm_exporter_up", None)]
    assert up["labels"] == "{}" and up["sampled_at"] == SCRAPED
    reasons = {r.line: r.reason for r in result.rejected}
    assert set(reasons) == {8, 9, 11, 12}  # int32 and fp64 sentinels, the broken label set, NaN
    assert "sentinel 2147483634" in reasons[8] and "sentinel 140737488355330" in reasons[9]
    assert "unterminated" in reasons[11] or "label" in reasons[11]


def test_exported_labels_when_the_exporter_labels_are_absent() -> None:
    metric, labels, value, stamp = parse_sample_line(
        'DCGM_FI_DEV_GPU_UTIL{exported_namespace="ml", exported_pod="p-0", exported_container="c"} 50'
    )
    result = parse_scrape([f'{metric}{{exported_pod="p-0",exported_namespace="ml"}} {value}'], "x", scraped_at=SCRAPED)
    (row,) = result.table.to_pylist()
    assert (row["pod"], row["namespace"], stamp, labels["exported_container"]) == ("p-0", "ml", None, "c")


def test_no_time_anywhere_is_quarantined_and_file_names_give_time(tmp_path: Path) -> None:
    result = parse_scrape(['DCGM_FI_DEV_GPU_UTIL{gpu="0"} 5'], "x.prom")
    assert result.table.num_rows == 0 and "no sample timestamp" in result.rejected[0].reason
    folder = tmp_path / "dcgm" / "node-a"
    folder.mkdir(parents=True)
    (folder / "scrape_2026-10-03T12-00-00Z.prom").write_text('DCGM_FI_DEV_GPU_UTIL{gpu="0"} 5\n')
    (folder / "notes.md").write_text("not a scrape")
    loaded = parse_landing(LocalStore(tmp_path), "dcgm")["dcgm_samples"]
    loaded.check_balance()
    assert loaded.table.column("sampled_at").to_pylist() == [SCRAPED]


def test_counter_csvs_agree_with_ratio_rules(samples_root: Path) -> None:
    """Every metric the counters CSVs document as a percentage or a ratio is normalized to 0-1; others are not."""
    checked = 0
    for name in ("nvidia_default-counters.csv", "nvidia_dcp-metrics-included.csv"):
        for row in csv.reader((samples_root / "dcgm" / name).read_text().splitlines()):
            if not row or row[0].lstrip().startswith("#") or len(row) < 3:
                continue
            metric, help_text = row[0].strip(), ",".join(row[2:]).lower()
            ratio = value_ratio(metric, 50.0)
            if "(in %)" in help_text:
                assert ratio == 0.5, metric
                checked += 1
            elif "ratio of" in help_text:
                assert ratio == 50.0, metric
                checked += 1
            elif "(in " in help_text:  # MHz, C, W, mJ, MiB, B/s ...
                assert ratio is None, metric
    assert checked >= 2


def test_scrape_without_time_in_its_name_takes_the_first_sample_time_or_the_file_mtime(tmp_path: Path) -> None:
    """Issue 8 item 7: a scrape named without a time used to have every sample quarantined."""
    import os

    folder = tmp_path / "dcgm"
    folder.mkdir()
    # no timestamps at all: the file's modification time is the scrape time
    (folder / "node-a.prom").write_text('DCGM_FI_DEV_GPU_UTIL{gpu="0"} 5\nDCGM_FI_DEV_GPU_UTIL{gpu="1"} 7\n')
    mtime = datetime(2026, 10, 3, 12, 0, 0)
    seconds = (mtime - datetime(1970, 1, 1)).total_seconds()
    os.utime(folder / "node-a.prom", (seconds, seconds))
    # the first sample carries a time (ms since epoch), the next one does not: it shares the scrape's time
    stamped_ms = int((datetime(2026, 10, 4, 8, 30, 0) - datetime(1970, 1, 1)).total_seconds() * 1000)
    (folder / "node-b.prom").write_text(
        f'# HELP x\nDCGM_FI_DEV_GPU_UTIL{{gpu="0"}} 9 {stamped_ms}\nDCGM_FI_DEV_POWER_USAGE{{gpu="0"}} 250.5\n'
    )
    loaded = parse_landing(LocalStore(tmp_path), "dcgm")["dcgm_samples"]
    loaded.check_balance()
    assert loaded.rejected == []
    rows = sorted(
        zip(
            loaded.table.column("source_file").to_pylist(),
            loaded.table.column("sampled_at").to_pylist(),
            loaded.table.column("value").to_pylist(),
            strict=True,
        )
    )
    assert [(Path(name).name, stamp, value) for name, stamp, value in rows] == [
        ("node-a.prom", mtime, 5.0),
        ("node-a.prom", mtime, 7.0),
        ("node-b.prom", datetime(2026, 10, 4, 8, 30), 9.0),
        ("node-b.prom", datetime(2026, 10, 4, 8, 30), 250.5),
    ]
