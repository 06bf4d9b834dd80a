"""`finops run` on a landing folder that is not there: one line naming it, exit code 2, no run, no warehouse."""

import pytest

from pipelines.cli import main


@pytest.mark.parametrize("layout", ["missing", "no_ledger_folder"])
def test_a_missing_landing_folder_is_a_one_line_error(tmp_path, capsys, layout):
    landing = tmp_path / "landing"
    if layout == "no_ledger_folder":
        (landing / "outcomes").mkdir(parents=True)
    warehouse = tmp_path / "w.duckdb"
    code = main(["run", "--landing", str(landing), "--warehouse", str(warehouse)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and str(landing) in err
    expected = "does not exist" if layout == "missing" else "has no ledger/ folder"
    assert expected in err
    assert not warehouse.exists()
