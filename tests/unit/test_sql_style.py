"""The dbt project is sqlfluff clean under the repo's config ([tool.sqlfluff.*] in pyproject.toml, dbt templater).

The dbt templater compiles every model through dbt, so a lint takes 1-2 minutes on two cores; measured against
`--processes 2` (each worker compiles the project again: 3x slower here) and the jinja templater (it cannot
expand the project's dispatch macros: thousands of false violations), one process with the dbt templater is
the fastest route that lints the SQL dbt really runs. It starts in the background when the session collects
this test (tests/sql_lint_run.py, tests/conftest.py).
"""

from tests import sql_lint_run


def test_dbt_sql_has_no_sqlfluff_violations():
    returncode, stdout, stderr = sql_lint_run.result()
    violations = [line for line in stdout.splitlines() if "title=SQLFluff" in line]
    assert returncode == 0, stderr[-3000:]
    assert violations == [], "\n".join(violations)
