"""Every CLI error is one line naming the thing and what was expected, exit code 2, no traceback unless --debug
(issue 13 item 5). A read-only warehouse is refused before a run starts, not 15 failed steps later."""

import os
import shutil
import stat
import subprocess
import sys

import duckdb
import pytest

from pipelines.cli import main

# root writes anywhere: drop the capabilities that let it, so a read-only folder is read-only for the CLI too
_UNPRIVILEGED = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"] if os.geteuid() == 0 else []


def _finops(*args: str, cwd, **env_vars: str) -> subprocess.CompletedProcess:
    if _UNPRIVILEGED and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be simulated")
    env = {**os.environ, "DAGSTER_HOME": "", "FINOPS_LOCK_TIMEOUT_SECONDS": "1", **env_vars}
    return subprocess.run(
        [*_UNPRIVILEGED, sys.executable, "-m", "pipelines.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def read_only_warehouse(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    warehouse = folder / "finops.duckdb"
    duckdb.connect(str(warehouse)).close()
    warehouse.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    folder.chmod(0o555)
    yield warehouse
    folder.chmod(0o755)


def _assert_one_line_error(completed: subprocess.CompletedProcess, *needles: str) -> None:
    assert completed.returncode == 2, completed.stdout[-2000:] + completed.stderr[-3000:]
    assert "Traceback" not in completed.stderr, completed.stderr[-3000:]
    errors = completed.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("error: "), completed.stderr[-3000:]
    for needle in needles:
        assert needle in errors[0]


def test_export_from_a_read_only_warehouse_folder_is_one_line(tmp_path, read_only_warehouse):
    completed = _finops(
        "export", "showback", "--month", "2026-10", "--warehouse", str(read_only_warehouse), cwd=tmp_path
    )
    _assert_one_line_error(completed, str(read_only_warehouse.parent))


def test_a_run_on_a_read_only_warehouse_stops_before_it_starts(tmp_path, read_only_warehouse):
    landing = tmp_path / "landing"
    (landing / "ledger").mkdir(parents=True)
    completed = _finops("run", "--landing", str(landing), "--warehouse", str(read_only_warehouse), cwd=tmp_path)
    _assert_one_line_error(completed, "warehouse folder", str(read_only_warehouse.parent), "not writable")
    assert "materializing" not in completed.stdout  # refused before the job, not 15 step failures later


def test_a_run_with_a_read_only_exports_folder_stops_before_it_starts(tmp_path):
    landing = tmp_path / "landing"
    (landing / "ledger").mkdir(parents=True)
    exports = tmp_path / "exports"
    exports.mkdir()
    exports.chmod(0o555)
    warehouse = tmp_path / "w" / "finops.duckdb"
    try:
        completed = _finops(
            "run",
            "--landing",
            str(landing),
            "--warehouse",
            str(warehouse),
            cwd=tmp_path,
            FINOPS_EXPORTS_DIR=str(exports),
        )
    finally:
        exports.chmod(0o755)
    _assert_one_line_error(completed, "exports folder", str(exports), "not writable")
    assert not warehouse.exists()


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(tmp_path, capsys):
    not_a_warehouse = tmp_path / "finops.duckdb"
    not_a_warehouse.write_text("this is not a DuckDB file\n")
    code = main(["export", "showback", "--month", "2026-10", "--warehouse", str(not_a_warehouse)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    assert str(not_a_warehouse) in err
    with pytest.raises(duckdb.Error):
        main(["--debug", "export", "showback", "--month", "2026-10", "--warehouse", str(not_a_warehouse)])


def test_a_bad_date_option_is_one_line_naming_the_option(tmp_path, capsys):
    code = main(
        ["import-prices", "litellm", str(tmp_path / "prices.json"), "--provider", "openai"]
        + ["--effective-from", "2026-99-01"]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err == "error: --effective-from '2026-99-01': expected a day YYYY-MM-DD, e.g. 2026-10-05\n"
