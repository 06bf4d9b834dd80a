"""Settings: one module reads them (flags > env > finops.toml > defaults); finops init / finops check."""

from __future__ import annotations

import ast
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from ingest.storage import LocalStore, RoutedStore, open_store
from pipelines.cli import main, resource_config
from pipelines.doctor import CONFIG_TEMPLATE, check, render
from pipelines.settings import PROJECT_ROOT, Settings, SettingsError

NO_ENV: dict[str, str] = {}


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "conf" / "finops.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_precedence_flag_over_env_over_file_over_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = _config(
        tmp_path,
        '[warehouse]\npath = "wh/from_file.duckdb"\nlock_timeout_seconds = 5\n'
        '[landing]\nroot = "land"\n[sources]\nazure = "s3://acme/azure"\n[tags]\nspark_prefix = "spark.acme."\n',
    )
    env = {"FINOPS_WAREHOUSE_PATH": str(tmp_path / "from_env.duckdb"), "FINOPS_LOCK_TIMEOUT_SECONDS": "7"}
    from_file = Settings.resolve(config_file=config, environ=NO_ENV)
    # relative paths in the file are taken from the file's folder, not the working directory
    assert from_file.warehouse_path == tmp_path / "conf" / "wh" / "from_file.duckdb"
    assert from_file.landing == str(tmp_path / "conf" / "land")
    assert from_file.lock_timeout_seconds == 5.0
    assert from_file.spark_tag_prefix == "spark.acme."
    assert from_file.source_location("azure") == "s3://acme/azure"
    assert from_file.source_location("gcp") == str(tmp_path / "conf" / "land" / "gcp")
    from_env = Settings.resolve(config_file=config, environ=env)
    assert from_env.warehouse_path == tmp_path / "from_env.duckdb" and from_env.lock_timeout_seconds == 7.0
    from_flag = Settings.resolve(warehouse_path="flag.duckdb", config_file=config, environ=env)
    assert from_flag.warehouse_path == tmp_path / "flag.duckdb"
    default = Settings.resolve(environ=NO_ENV)  # no finops.toml in the working directory
    assert default.config_file is None and default.warehouse_path == tmp_path / "warehouse" / "finops.duckdb"
    assert default.lock_timeout_seconds == 600.0 and default.tag_mapping == PROJECT_ROOT / "ingest" / "tag_mapping.toml"


def test_spark_workers_from_the_variable_over_the_file_else_the_cpus(tmp_path):
    config = _config(tmp_path, '[sources.spark]\nlocation = "/data/spark"\nworkers = 3\n')
    assert Settings.resolve(config_file=config, environ=NO_ENV).spark_workers == 3
    assert Settings.resolve(config_file=config, environ={"FINOPS_SPARK_WORKERS": "1"}).spark_workers == 1
    assert Settings.resolve(config_file=config, environ=NO_ENV).source_location("spark") == "/data/spark"
    assert Settings.resolve(environ=NO_ENV).spark_workers is None  # the parser then uses the CPUs available
    with pytest.raises(SettingsError, match="FINOPS_SPARK_WORKERS .* = '-2': expected 1 or more"):
        Settings.resolve(config_file=config, environ={"FINOPS_SPARK_WORKERS": "-2"})


def test_finops_toml_in_the_working_directory_and_finops_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "finops.toml").write_text('[sources.gcp]\nbigquery_table = "p.d.gcp_billing_export_v1_X"\n')
    assert Settings.resolve(environ=NO_ENV).gcp_bigquery_table == "p.d.gcp_billing_export_v1_X"
    other = _config(tmp_path, '[sources.gcp]\nbigquery_table = "p.d.other"\n')
    assert Settings.resolve(environ={"FINOPS_CONFIG": str(other)}).gcp_bigquery_table == "p.d.other"
    with pytest.raises(SettingsError, match="FINOPS_CONFIG=.*no such file"):
        Settings.resolve(environ={"FINOPS_CONFIG": str(tmp_path / "missing.toml")})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[sources.openai]\napi_key_env = "sk-admin-abc123-secret"\n', "NAME of an environment variable"),
        ('[warehouse]\npaht = "x.duckdb"\n', "unknown key 'paht' in \\[warehouse\\]"),
        ('[sources.gcp]\ntable = "x"\n', "unknown key 'table' in \\[sources.gcp\\]"),
        ('[sourcez]\nazure = "x"\n', "unknown section \\[sourcez\\]"),
        ('[sources]\nledger = "s3://acme/ledger"\n', "ledger is read from a local folder only"),
        ("[warehouse\n", "not valid TOML"),
        ("[warehouse]\nthreads = 0\n", "expected 1 or more"),
        ("[sources.spark]\nworkers = 0\n", "workers = 0: expected 1 or more"),
        ('[sources.spark]\nworkers = "many"\n', "workers = 'many': expected a whole number"),
        ("[sources.spark]\nthreads = 2\n", "unknown key 'threads' in \\[sources.spark\\]"),
    ],
)
def test_a_bad_config_is_one_line_naming_the_file_and_key(tmp_path, text, expected):
    config = _config(tmp_path, text)
    with pytest.raises(SettingsError, match=expected) as error:
        Settings.resolve(config_file=config, environ=NO_ENV)
    assert "\n" not in str(error.value)
    assert "sk-admin-abc123-secret" not in str(error.value)  # a key put there by mistake is never echoed


def test_cli_reports_a_bad_config_with_exit_2(tmp_path, capsys):
    config = _config(tmp_path, '[warehouse]\npaht = "x"\n')
    assert main(["check", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "paht" in err and "Traceback" not in err


def test_routed_store_reads_each_source_from_its_own_location(tmp_path):
    landing, elsewhere = tmp_path / "landing", tmp_path / "billing" / "gcp-exports"
    (landing / "azure").mkdir(parents=True)
    (landing / "azure" / "a.csv").write_text("a")
    (landing / "gcp").mkdir()
    (landing / "gcp" / "stale.jsonl").write_text("ignored: gcp lives elsewhere")
    (elsewhere / "2026").mkdir(parents=True)
    (elsewhere / "2026" / "g.jsonl").write_text("g")
    store = open_store(landing, sources={"gcp": str(elsewhere)})
    assert isinstance(store, RoutedStore)
    assert store.list("gcp") == ["gcp/2026/g.jsonl"]
    assert store.list() == ["azure/a.csv", "gcp/2026/g.jsonl"]
    assert store.read_bytes("gcp/2026/g.jsonl") == b"g"
    assert store.describe("gcp/2026/g.jsonl") == str(elsewhere / "2026" / "g.jsonl")
    assert store.exists("gcp") and store.exists("azure") and not store.exists("focus")
    assert set(store.fingerprints()) == {"azure/a.csv", "gcp/2026/g.jsonl"}
    assert store.local_file("gcp/2026/g.jsonl") == elsewhere / "2026" / "g.jsonl"
    assert isinstance(open_store(landing), LocalStore)


def test_resource_config_carries_the_settings_and_only_names_of_secrets(tmp_path):
    config = _config(
        tmp_path,
        '[sources]\naws_cur = "s3://acme-cur/cur"\n[sources.openai]\napi_key_env = "ACME_OPENAI_KEY"\n'
        '[warehouse]\nmemory_limit = "1GB"\n',
    )
    settings = Settings.resolve(config_file=config, environ={"ACME_OPENAI_KEY": "sk-live-123"})
    run_config = resource_config(settings)
    assert run_config["landing"]["config"]["sources"] == {"aws_cur": "s3://acme-cur/cur"}
    assert run_config["openai_api"]["config"]["api_key_env_var"] == "ACME_OPENAI_KEY"
    assert run_config["warehouse"]["config"]["memory_limit"] == "1GB"
    assert "sk-live-123" not in json.dumps(run_config)


# the one place that writes os.environ: the run's partition window, set only while dagster-dbt copies the
# environment for a dbt subprocess (dagster-dbt takes no other; dbt re-parses everything when --vars change)
ENVIRONMENT_WRITER = ("pipelines/assets/dbt.py", "_environment")


def _without_function(text: str, name: str) -> str:
    (function,) = [
        node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.FunctionDef) and node.name == name
    ]
    return text.replace(ast.get_source_segment(text, function), "")


def test_nothing_outside_settings_reads_finops_variables_or_writes_the_environment():
    """Settings are read in one module; no code writes os.environ (dbt and resources get values passed) but
    ENVIRONMENT_WRITER."""
    writes = re.compile(r"os\.environ\[[^]]+\]\s*=|os\.environ\.(setdefault|update|pop)\(|os\.putenv")
    reads = re.compile(r"(os\.environ\.get|os\.getenv|os\.environ\[)\(?\s*[\"']FINOPS_")
    offenders = []
    for folder in ("ingest", "warehouse", "pipelines", "rate_cards"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            relative, text = str(path.relative_to(PROJECT_ROOT)), path.read_text()
            if relative == ENVIRONMENT_WRITER[0]:
                assert writes.search(text), "the window's writer moved: update ENVIRONMENT_WRITER"
                text = _without_function(text, ENVIRONMENT_WRITER[1])
            if writes.search(text) or (path.name != "settings.py" and reads.search(text)):
                offenders.append(relative)
    assert offenders == []


class _Api(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        ok = self.headers.get("Authorization") == "Bearer good-key"
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"data": [], "has_more": False} if ok else {"error": "bad key"}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def api_url():
    server = HTTPServer(("127.0.0.1", 0), _Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _by_item(results):
    return {result.item: result for result in results}


def test_check_calls_the_api_once_when_its_key_variable_is_set_and_never_prints_the_key(tmp_path, api_url):
    (tmp_path / "landing" / "ledger").mkdir(parents=True)
    config = _config(
        tmp_path,
        f'[landing]\nroot = "{tmp_path / "landing"}"\n'
        f'[sources.openai]\napi_key_env = "ACME_OPENAI_KEY"\nbase_url = "{api_url}"\n',
    )
    settings = Settings.resolve(config_file=config, environ=NO_ENV)
    good = _by_item(check(settings, environ={"ACME_OPENAI_KEY": "good-key"}))
    assert good["openai api"].status == "ready" and api_url in good["openai api"].detail
    bad_results = check(settings, environ={"ACME_OPENAI_KEY": "wrong-key-zzz"})
    bad = _by_item(bad_results)["openai api"]
    assert bad.status == "wrong" and "HTTP 401" in bad.detail and "ACME_OPENAI_KEY" in bad.fix
    assert "wrong-key-zzz" not in render(bad_results)
    unset = _by_item(check(settings, environ=NO_ENV))["openai api"]
    assert unset.status == "skipped" and "ACME_OPENAI_KEY is not set" in unset.detail


def test_check_reports_missing_sources_bad_cards_and_bad_mapping_with_the_fix(tmp_path, capsys):
    cards = tmp_path / "cards"
    for kind in ("llm", "gpu", "ptu"):
        (cards / kind).mkdir(parents=True)
    (cards / "llm" / "broken.toml").write_text('version = "x"\n[[models]]\nmodel = "m"\ninput = "-2.50"\n')
    (tmp_path / "tags.toml").write_text('team = "not-a-list"\n')
    (tmp_path / "landing" / "ledger").mkdir(parents=True)
    config = _config(
        tmp_path,
        f'[landing]\nroot = "{tmp_path / "landing"}"\n[sources]\nfocus = "{tmp_path / "no-such-folder"}"\n'
        f'[rate_cards]\ndir = "{cards}"\n[tags]\nmapping = "{tmp_path / "tags.toml"}"\n',
    )
    results = _by_item(check(Settings.resolve(config_file=config, environ=NO_ENV), environ=NO_ENV))
    assert results["source ledger"].status == "ready"
    assert results["source focus"].status == "wrong" and "[sources] focus" in results["source focus"].fix
    assert results["source azure"].status == "skipped"  # not configured, no folder: nothing to load
    assert results["rate cards llm"].status == "wrong"
    assert results["rate cards gpu"].status == "wrong" and "no GPU price cards" in results["rate cards gpu"].detail
    assert results["tag mapping"].status == "wrong" and "list of tag keys" in results["tag mapping"].detail
    assert main(["check", "--config", str(config)]) == 2
    out = capsys.readouterr().out
    assert "fix: create it or correct [sources] focus" in out and "item(s) wrong" in out


def test_init_writes_a_commented_config_that_resolves_and_refuses_to_overwrite(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    written = (tmp_path / "finops.toml").read_text()
    assert written == CONFIG_TEMPLATE and written.count("#") > 30
    settings = Settings.resolve(environ=NO_ENV)
    assert settings.config_file == tmp_path / "finops.toml"
    assert settings.openai.key_env == "OPENAI_ADMIN_KEY" and settings.source_locations == {}
    assert main(["init"]) == 2 and "exists" in capsys.readouterr().err
    (tmp_path / "landing" / "ledger").mkdir(parents=True)
    assert main(["check"]) == 0
