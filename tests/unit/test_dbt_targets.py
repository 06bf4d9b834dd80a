"""How each dbt invocation is set up: dbt/target/ keeps the per-invocation folders of the last 3 runs only
(issue 13 item 7: 70 MB after 6 runs), each warehouse starts from its own last parse, and the run's window
reaches dbt's environment."""

import os
import stat
from datetime import date

import pytest

from pipelines.assets.dbt import (
    PARTIAL_PARSE_FILE,
    FinopsDbtCliResource,
    dbt_project,
    keep_partial_parse,
    parse_store,
    prune_dbt_run_targets,
    seed_partial_parse,
    window_environment,
)
from pipelines.settings import DBT_PROJECT_DIR


def test_only_the_newest_runs_target_folders_are_kept(tmp_path):
    target = tmp_path / "target"
    (target / "compiled").mkdir(parents=True)  # dbt's own folders and files stay
    (target / "manifest.json").write_text("{}")
    (target / "my_model-notarun-folder").mkdir()
    runs = ["aaaaaaa", "bbbbbbb", "ccccccc", "ddddddd", "eeeeeee"]  # oldest first
    for age, run in enumerate(reversed(runs)):
        for op in ("dbt_staging", "dbt_marts"):
            folder = target / f"{op}-{run}-{age:07x}"
            folder.mkdir()
            (folder / "run_results.json").write_text("{}")
            mtime = 1_700_000_000 - age * 3600
            os.utime(folder, (mtime, mtime))
    current = "fffffff0-1111-2222-3333-444444444444"  # the run being executed has no folder yet

    deleted = prune_dbt_run_targets(target, current, keep_runs=3)

    left = sorted(p.name for p in target.iterdir())
    kept_runs = sorted({name.split("-")[1] for name in left if name.startswith("dbt_")})
    assert kept_runs == ["ddddddd", "eeeeeee"]  # plus the current run: 3 runs
    assert len(deleted) == 6
    assert {"compiled", "manifest.json", "my_model-notarun-folder"} <= set(left)


def test_the_current_run_is_never_deleted_even_when_oldest(tmp_path):
    target = tmp_path / "target"
    for age, run in enumerate(["1234567", "abcdef0", "0fedcba", "7654321"]):
        folder = target / f"dbt_marts-{run}-0000000"
        folder.mkdir(parents=True)
        os.utime(folder, (1_700_000_000 - age * 60, 1_700_000_000 - age * 60))
    prune_dbt_run_targets(target, "7654321-current-run-is-the-oldest", keep_runs=2)
    assert sorted(p.name for p in target.iterdir()) == ["dbt_marts-1234567-0000000", "dbt_marts-7654321-0000000"]


def test_each_warehouse_starts_from_its_own_last_parse(tmp_path):
    """Two warehouses built by turns (parallel tests, two users) do not throw away each other's parse: dbt
    reuses a parse only for the profile it was made with."""
    target = tmp_path / "target"
    first = {"finops_warehouse_path": "/a/w.duckdb"}
    second = {"finops_warehouse_path": "/b/w.duckdb"}
    assert parse_store(target, first) != parse_store(target, second)

    for vars_, content in ((first, b"parse of a"), (second, b"parse of b")):
        invocation = target / f"dbt_marts-{content[-1:].hex()}00000-0000000"
        invocation.mkdir(parents=True)
        (invocation / PARTIAL_PARSE_FILE).write_bytes(content)
        keep_partial_parse(invocation, parse_store(target, vars_))

    next_invocation = target / "dbt_staging-1111111-0000000"
    seed_partial_parse(parse_store(target, first), next_invocation)
    assert (next_invocation / PARTIAL_PARSE_FILE).read_bytes() == b"parse of a"


def test_only_the_newest_parses_are_kept(tmp_path):
    target = tmp_path / "target"
    invocation = target / "dbt_marts-1234567-0000000"
    invocation.mkdir(parents=True)
    (invocation / PARTIAL_PARSE_FILE).write_bytes(b"parse")
    for index in range(5):
        keep_partial_parse(invocation, parse_store(target, {"finops_warehouse_path": f"/w{index}"}), keep=3)
        os.utime(parse_store(target, {"finops_warehouse_path": f"/w{index}"}), (1_700_000_000 + index,) * 2)
    left = {path.name for path in (target / "parses").iterdir()}
    assert left == {parse_store(target, {"finops_warehouse_path": f"/w{index}"}).name for index in (2, 3, 4)}


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ((date(2026, 10, 5), date(2026, 10, 7)), {"START": "2026-10-05", "END": "2026-10-07"}),
        (None, {"START": "", "END": ""}),  # no window: a value left in the shell never applies
    ],
)
def test_the_runs_window_reaches_dbts_environment_and_only_dbts(tmp_path, monkeypatch, window, expected):
    seen = tmp_path / "environment"
    dbt = tmp_path / "dbt"  # stands for dbt: writes down the window it was given
    dbt.write_text(
        f'#!/bin/sh\necho "START=$FINOPS_PARTITION_START_DATE" > {seen}\necho "END=$FINOPS_PARTITION_END_DATE" >> {seen}\n'
    )
    dbt.chmod(dbt.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("FINOPS_PARTITION_START_DATE", "from-the-shell")
    monkeypatch.delenv("FINOPS_PARTITION_END_DATE", raising=False)
    resource = FinopsDbtCliResource(project_dir=os.fspath(DBT_PROJECT_DIR), dbt_executable=str(dbt))
    invocation = resource.cli_in_environment(
        ["build"], window_environment(window), manifest=dbt_project.manifest_path, target_path=tmp_path / "target"
    )
    assert invocation.process.wait(timeout=60) == 0
    assert dict(line.split("=", 1) for line in seen.read_text().splitlines()) == expected
    # this process's environment is as it was
    assert os.environ["FINOPS_PARTITION_START_DATE"] == "from-the-shell"
    assert "FINOPS_PARTITION_END_DATE" not in os.environ
