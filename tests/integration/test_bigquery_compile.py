"""Every dbt model also compiles for the BigQuery target, and the compiled SQL parses as BigQuery SQL.

No BigQuery emulator exists offline: `dbt compile --no-populate-cache --no-introspect` with a throwaway
service-account key renders the SQL; sqlglot's BigQuery dialect rejects malformed SQL.
"""

import json
from pathlib import Path

import pytest

from pipelines.settings import DBT_PROJECT_DIR
from tests.dbt_build import run_dbt

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def bigquery_target(tmp_path_factory) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    root = tmp_path_factory.mktemp("bq")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    keyfile = root / "key.json"
    keyfile.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "finops-project",
                "private_key_id": "ci",
                "private_key": pem,
                "client_email": "ci@finops-project.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    completed = run_dbt(
        "compile",
        "--target",
        "bigquery",
        "--no-populate-cache",
        "--no-introspect",
        work=root,
        env={"FINOPS_BQ_KEYFILE": str(keyfile)},
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    return root / "target"


@pytest.fixture(scope="module")
def compiled_models(bigquery_target: Path) -> dict[str, str]:
    compiled = bigquery_target / "compiled" / "finops" / "models"
    # data tests compile under a folder named after their .yml file: keep the models and the tests both
    return {str(path.relative_to(compiled)): path.read_text() for path in compiled.rglob("*.sql")}


def _models_only(compiled: dict[str, str]) -> set[str]:
    return {name for name in compiled if not Path(name).parent.name.endswith(".yml")}


def test_every_model_compiles_for_bigquery(compiled_models):
    model_files = {str(p.relative_to(DBT_PROJECT_DIR / "models")) for p in (DBT_PROJECT_DIR / "models").rglob("*.sql")}
    assert model_files and model_files == _models_only(compiled_models)


def test_compiled_sql_parses_as_bigquery(compiled_models):
    import sqlglot

    failures = {}
    for name, sql in compiled_models.items():
        try:
            sqlglot.parse_one(sql, read="bigquery")
        except sqlglot.errors.ParseError as error:
            failures[name] = str(error)[:300]
    assert not failures


def test_money_is_numeric_on_bigquery(compiled_models):
    sql = compiled_models[str(Path("marts/ledger/rpt_showback.sql"))]
    assert "as numeric" in sql and "decimal(38" not in sql.lower()


def test_mart_contracts_use_bigquery_types(bigquery_target: Path):
    """The marts' contract types render per target: DuckDB-only names (double, timestamp with time zone) must
    not reach BigQuery DDL; money is NUMERIC(38, 9), BigQuery's NUMERIC range."""
    manifest = json.loads((bigquery_target / "manifest.json").read_text())
    types = {
        f"{node['name']}.{column}": spec["data_type"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith("models/marts/")
        for column, spec in node["columns"].items()
    }
    bigquery_types = {"string", "bigint", "integer", "bool", "date", "timestamp", "float64", "decimal(38, 9)"}
    assert types and {column: kind for column, kind in types.items() if kind not in bigquery_types} == {}
    assert types["fct_costs.charge_period_start"] == "timestamp"
    assert types["rpt_reconciliation.variance_pct"] == "float64"


# The day-fingerprint hooks of the marts incremental by request day (macros/incremental.sql) run only on an
# existing warehouse, so the project's compile never renders them: render their statements for BigQuery here,
# both the incremental and the full-build variant, and the digest of a whole input.
DAY_HOOKS_INLINE = """
{%- set source = api.Relation.create(database='p', schema='d', identifier='fct_requests') -%}
{%- set model = api.Relation.create(database='p', schema='d', identifier='rpt_model_unit_costs') -%}
{%- set fingerprints = api.Relation.create(database='p', schema='d', identifier='rpt_model_unit_costs__day_fingerprints') -%}
{%- set changes = api.Relation.create(database='p', schema='d', identifier='rpt_model_unit_costs__day_changes') -%}
{%- for incremental, changed_only in [(true, true), (true, false), (false, false)] -%}
{{ day_changes_sql(source, 'request_date', ['model', 'duration_ms', 'total_cost_usd'], model, fingerprints, changes,
    incremental, changed_only) }};
{{ day_fingerprints_refresh_sql(fingerprints, changes, 'checksum', changed_only) }};
{% endfor -%}
{{ relation_digest_sql(source) }};
"""


def test_day_fingerprint_hooks_parse_as_bigquery(bigquery_target: Path, tmp_path: Path):
    import sqlglot

    completed = run_dbt(
        "compile",
        "--quiet",
        "--target",
        "bigquery",
        "--no-populate-cache",
        "--no-introspect",
        "--inline",
        DAY_HOOKS_INLINE,
        work=tmp_path,
        env={"FINOPS_BQ_KEYFILE": str(bigquery_target.parent / "key.json")},
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    statements = [statement for statement in sqlglot.parse(completed.stdout, read="bigquery") if statement]
    # changes: create (+ delete on an existing model); fingerprints: delete + insert, or create; then drop;
    # then the digest of a whole input (a model's whole_inputs)
    assert len(statements) == (2 + 3) + (2 + 2) + (1 + 2) + 1
    sql = completed.stdout.lower()
    assert "farm_fingerprint(to_json_string(struct(model, duration_ms, total_cost_usd)))" in sql
    assert "farm_fingerprint(to_json_string(struct(digested)))" in sql
    assert "as bignumeric" in sql and "hugeint" not in sql
