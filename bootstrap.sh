#!/usr/bin/env bash
# One command from a fresh clone (Python 3.11+ only):
#   ./bootstrap.sh demo   install from the lock file, then run the main job on generated demo data
#   ./bootstrap.sh test   install from the lock file (with dev tools), then run the test suite
#   ./bootstrap.sh dev    install, then open the Dagster UI (dagster dev) on 127.0.0.1:3000
set -euo pipefail
cd "$(dirname "$0")"

export DBT_SEND_ANONYMOUS_USAGE_STATS=false
# run history beside the warehouse it ran on: two warehouses never share one history
export DAGSTER_HOME="${DAGSTER_HOME:-$(dirname "${FINOPS_WAREHOUSE_PATH:-$PWD/warehouse/finops.duckdb}")/dagster_home}"
export PATH="$HOME/.local/bin:$PATH"

if ! command -v uv >/dev/null 2>&1; then
    echo "[bootstrap] installing uv (the project's package manager) with pip" >&2
    python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
fi

mkdir -p "$DAGSTER_HOME"
# a new run history: no telemetry, and Dagster's SQLite history without its per-event costs (pipelines/run_history.py)
[ -f "$DAGSTER_HOME/dagster.yaml" ] || cp pipelines/dagster_home.yaml "$DAGSTER_HOME/dagster.yaml"

command="${1:-demo}"
shift || true
case "$command" in
    demo)
        uv sync --frozen --no-dev
        uv run --no-sync dbt parse --project-dir dbt --profiles-dir dbt --quiet
        uv run --no-sync finops demo "$@"
        ;;
    test)
        uv sync --frozen
        uv run --no-sync dbt parse --project-dir dbt --profiles-dir dbt --quiet
        # tests in parallel processes (pytest-xdist), one per core up to 4; FINOPS_TEST_WORKERS=0 runs them in
        # this process. A module's tests share a process (tests/conftest.py), so their fixtures run once.
        workers="${FINOPS_TEST_WORKERS:-$(python3 -c 'import os; print(min(len(os.sched_getaffinity(0)), 4))')}"
        uv run --no-sync pytest -n "$workers" "$@"
        ;;
    dev)
        uv sync --frozen --no-dev
        uv run --no-sync dbt parse --project-dir dbt --profiles-dir dbt --quiet
        # no -m: the code location comes from pyproject.toml [tool.dagster] and is named "finops" in the UI
        uv run --no-sync dagster dev -h 127.0.0.1 -p 3000 "$@"
        ;;
    *)
        echo "usage: ./bootstrap.sh demo|test|dev" >&2
        exit 2
        ;;
esac
