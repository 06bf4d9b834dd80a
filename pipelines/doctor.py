"""`finops init` writes a commented finops.toml; `finops check` (the doctor) reaches what it names.

The check reads the settings (flags > env > finops.toml > defaults), lists a few objects of every source
location, calls each provider API once when its key variable is set, loads the rate cards and the tag mapping,
and reports one line per item: ready, wrong (with the fix) or skipped (not configured). Secrets are never
printed: only the names of the variables that hold them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipelines.settings import DEFAULT_BASE_URLS, SOURCES, Settings

READY, WRONG, SKIPPED = "ready", "wrong", "skipped"
# sources a run cannot do without; every other source is optional (a missing folder is no delivery)
REQUIRED_SOURCES = ("ledger",)
_SAMPLE = 3  # objects listed per source

CONFIG_TEMPLATE = """\
# finops.toml: where the warehouse and each source's data are. Read by every `finops` command and by the
# Dagster resources (also under `dagster dev`): a flag beats an environment variable (FINOPS_*), which beats
# this file, which beats the defaults. Relative paths are taken from this file's folder.
# Secrets never go here: name the environment VARIABLE that holds a key (api_key_env, token_env).
# `finops check` reaches everything named below and says what is ready and what is wrong.

[warehouse]
path = "warehouse/finops.duckdb"          # the DuckDB file (FINOPS_WAREHOUSE_PATH)
# exports_dir = "warehouse/exports"       # showback and FOCUS exports (FINOPS_EXPORTS_DIR)
# memory_limit = "2GB"                    # DuckDB spills beyond it instead of failing (FINOPS_DUCKDB_MEMORY_LIMIT)
# threads = 2                             # FINOPS_DUCKDB_THREADS
# lock_timeout_seconds = 600              # how long a second run waits for the first (FINOPS_LOCK_TIMEOUT_SECONDS)
# actor = "finops-bot"                    # who closes months (FINOPS_ACTOR; default: the OS user)

[landing]
root = "landing"                          # a folder or s3://bucket/prefix, one sub-folder per source (FINOPS_LANDING_DIR)
# s3_endpoint_url = "http://127.0.0.1:9000"   # an S3-compatible endpoint (FINOPS_S3_ENDPOINT_URL);
#                                             # credentials come from boto3's usual chain (AWS_PROFILE, ...)

# Each source is read from <root>/<source>/ unless given its own location here: a folder or an s3:// prefix
# holding what <root>/<source>/ would (FINOPS_SOURCE_<NAME>, e.g. FINOPS_SOURCE_AWS_CUR). The ledger and the
# outcomes are read from local folders only.
[sources]
# ledger = "/data/ledger"                                   # YYYY-MM-DD/*.jsonl|csv|parquet
# outcomes = "/data/outcomes"
# aws_cur = "s3://my-cur-bucket/cur"                        # the CUR / Data Exports prefix, manifests included
# azure = "s3://my-billing/azure"                           # Cost Management exports (actual/, amortized/)
# focus = "/data/focus"                                     # FOCUS 1.0-1.4 files from any provider
# bedrock = "s3://my-bedrock-logs/AWSLogs"                  # model invocation logs (*.json.gz)
# spark = "s3://my-spark-history/eventlogs"
# kubeflow = "/data/kubeflow"
# dcgm = "/data/dcgm"
# model_registry = "/data/model_registry"

[sources.gcp]
# location = "/data/gcp"                                    # exported files, or:
# bigquery_table = "my-project.billing.gcp_billing_export_v1_XXXXXX"   # query the export table (FINOPS_GCP_BILLING_TABLE)
# project = "my-project"                                    # credentials: Application Default Credentials

[sources.openai]
api_key_env = "OPENAI_ADMIN_KEY"          # the variable holding the admin key; unset = recorded pages in <root>/openai/
# location = "/data/openai"

[sources.anthropic]
api_key_env = "ANTHROPIC_ADMIN_KEY"
# location = "/data/anthropic"

[sources.azure_openai]
# account_resource_id = "/subscriptions/SUB/resourceGroups/RG/providers/Microsoft.CognitiveServices/accounts/NAME"
token_env = "AZURE_MANAGEMENT_TOKEN"      # the variable holding an ARM bearer token
# location = "/data/azure_openai"

[sources.spark]
# location = "/data/spark"
# workers = 2                             # processes parsing event logs (FINOPS_SPARK_WORKERS); default: the idle CPUs, 1 = no pool

[tags]
# mapping = "tag_mapping.toml"            # which tag keys fill team, feature, ... (default ingest/tag_mapping.toml)
# spark_prefix = "spark.finops."          # Spark properties read as attribution tags

[rate_cards]
# dir = "rate_cards"                      # holds llm/, gpu/ and ptu/ (default: the cards shipped in the repo)
"""


@dataclass(frozen=True)
class CheckResult:
    item: str
    status: str
    detail: str
    fix: str = ""

    @property
    def ready(self) -> bool:
        return self.status != WRONG


def write_config(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CONFIG_TEMPLATE)


def check(settings: Settings, *, environ: dict[str, str] | None = None) -> list[CheckResult]:
    """Every check, in the order printed. `environ` (default os.environ) is only asked whether key variables
    are set and for their values to call the APIs; no value is ever put in a result."""
    env = os.environ if environ is None else environ
    results = [_config_file(settings), _warehouse(settings)]
    for source in SOURCES:
        results.append(_source(settings, source))
    results.append(_gcp_table(settings))
    results.extend(_provider_api(settings, name, env) for name in ("openai", "anthropic"))
    results.append(_azure_openai_api(settings, env))
    results.extend(_rate_cards(settings))
    results.append(_tag_mapping(settings))
    return results


def render(results: list[CheckResult]) -> str:
    """A plain table: item, status, detail, then the fix on its own line under a wrong item."""
    width = max(len(result.item) for result in results)
    lines = [f"{'item'.ljust(width)}  status   detail", f"{'-' * width}  -------  ------"]
    for result in results:
        lines.append(f"{result.item.ljust(width)}  {result.status.ljust(7)}  {result.detail}")
        if result.fix:
            lines.append(f"{' ' * width}  {'':7}  fix: {result.fix}")
    wrong = sum(1 for result in results if not result.ready)
    lines.append("")
    lines.append("all ready" if not wrong else f"{wrong} item(s) wrong: fix them, then run `finops check` again")
    return "\n".join(lines)


def _config_file(settings: Settings) -> CheckResult:
    if settings.config_file:
        return CheckResult("config", READY, str(settings.config_file))
    return CheckResult("config", SKIPPED, "no finops.toml: defaults and FINOPS_* variables (`finops init` writes one)")


def _warehouse(settings: Settings) -> CheckResult:
    path = settings.warehouse_path
    folder = next((parent for parent in (path.parent, *path.parents) if parent.exists()), None)
    if path.exists() and not os.access(path, os.W_OK):
        return CheckResult("warehouse", WRONG, f"{path} is not writable", "fix its permissions or set [warehouse] path")
    if folder is None or not os.access(folder, os.W_OK):
        return CheckResult("warehouse", WRONG, f"cannot create {path}", "choose a writable place in [warehouse] path")
    state = "exists" if path.exists() else "will be created"
    return CheckResult("warehouse", READY, f"{path} ({state})")


def _source(settings: Settings, source: str) -> CheckResult:
    configured = source in settings.source_locations
    location = settings.source_location(source)
    item = f"source {source}"
    setting = f"[sources] {source}" if configured else "[landing] root"
    if location.startswith("s3://"):
        return _s3_source(settings, item, location, setting, required=configured or source in REQUIRED_SOURCES)
    folder = Path(location)
    if not folder.is_dir():
        if configured or source in REQUIRED_SOURCES:
            return CheckResult(item, WRONG, f"{folder} does not exist", f"create it or correct {setting}")
        return CheckResult(item, SKIPPED, f"no {folder} (nothing to load from this source)")
    from ingest.storage import LandingLinkError, LocalStore

    try:
        keys = LocalStore(folder).list()
    except LandingLinkError as exc:
        return CheckResult(item, WRONG, str(exc), "replace the link with the file itself")
    except OSError as exc:
        return CheckResult(item, WRONG, f"{folder}: cannot list ({exc.strerror})", "fix its permissions")
    return CheckResult(item, READY, _listing(str(folder), keys))


def _s3_source(settings: Settings, item: str, location: str, setting: str, *, required: bool) -> CheckResult:
    from ingest.storage import S3Store

    endpoint = f" at {settings.s3_endpoint_url}" if settings.s3_endpoint_url else ""
    bucket, _, prefix = location[len("s3://") :].partition("/")
    try:
        keys = S3Store(bucket, prefix, endpoint_url=settings.s3_endpoint_url).first_keys(_SAMPLE + 1)
    except Exception as exc:  # noqa: BLE001 - any boto3/botocore failure is reported, not raised
        return CheckResult(
            item,
            WRONG,
            f"{location}{endpoint}: {_one_line(exc)}",
            "check the bucket and prefix, the credentials (AWS_PROFILE or AWS_ACCESS_KEY_ID) and "
            "[landing] s3_endpoint_url",
        )
    if not keys:
        if required:
            return CheckResult(item, WRONG, f"{location}{endpoint}: no objects", f"check the prefix in {setting}")
        return CheckResult(item, SKIPPED, f"no objects under {location} (nothing to load from this source)")
    return CheckResult(item, READY, _listing(location, keys))


def _listing(location: str, keys: list[str]) -> str:
    if not keys:
        return f"{location}: empty (an empty delivery)"
    more = len(keys) > _SAMPLE
    sample = ", ".join(keys[:_SAMPLE]) + (", ..." if more else "")
    return f"{location}: {'more than ' + str(_SAMPLE) if more else len(keys)} file(s): {sample}"


def _gcp_table(settings: Settings) -> CheckResult:
    table = settings.gcp_bigquery_table
    if not table:
        return CheckResult("gcp bigquery table", SKIPPED, "not set: GCP billing is read from files")
    try:
        from google.cloud import bigquery

        found = bigquery.Client(project=settings.gcp_project or None).get_table(table)
    except Exception as exc:  # noqa: BLE001 - credentials, project or table: all reported
        return CheckResult(
            "gcp bigquery table",
            WRONG,
            f"{table}: {_one_line(exc)}",
            "check [sources.gcp] bigquery_table and project, and `gcloud auth application-default login`",
        )
    return CheckResult("gcp bigquery table", READY, f"{table}: {found.num_rows} rows")


def _provider_api(settings: Settings, provider: str, env) -> CheckResult:
    api = settings.openai if provider == "openai" else settings.anthropic
    item = f"{provider} api"
    key = env.get(api.key_env)
    if not key:
        return CheckResult(item, SKIPPED, f"{api.key_env} is not set: recorded pages in the {provider} folder are read")
    base_url = api.base_url or DEFAULT_BASE_URLS[provider]
    day_ago = datetime.now(UTC) - timedelta(days=1)
    if provider == "openai":
        headers = {"Authorization": f"Bearer {key}"}
        path, params = "/v1/organization/costs", [("start_time", str(int(day_ago.timestamp()))), ("limit", "1")]
    else:
        headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}
        path = "/v1/organizations/cost_report"
        params = [("starting_at", day_ago.strftime("%Y-%m-%dT%H:%M:%SZ")), ("limit", "1")]
    return _call_once(item, base_url, headers, path, params, f"the key in {api.key_env} (an admin key)")


def _azure_openai_api(settings: Settings, env) -> CheckResult:
    item = "azure_openai api"
    account = settings.azure_openai_account_resource_id
    if not account:
        return CheckResult(
            item, SKIPPED, "no account_resource_id: recorded responses in the azure_openai folder are read"
        )
    token = env.get(settings.azure_openai_token_env)
    if not token:
        return CheckResult(
            item,
            WRONG,
            f"{settings.azure_openai_token_env} is not set",
            f"export {settings.azure_openai_token_env}=$(az account get-access-token --query accessToken -o tsv)",
        )
    return _call_once(
        item,
        "https://management.azure.com",
        {"Authorization": f"Bearer {token}"},
        f"{account}/deployments",
        [("api-version", "2024-10-01")],
        f"the token in {settings.azure_openai_token_env} and [sources.azure_openai] account_resource_id",
    )


def _call_once(item: str, base_url: str, headers: dict, path: str, params: list, what: str) -> CheckResult:
    from ingest.http_client import ApiError, JsonApiClient

    client = JsonApiClient(base_url, headers=headers, timeout_seconds=15, max_attempts=1)
    try:
        client.get(path, params)
    except ApiError as exc:  # the message is already redacted by the client
        return CheckResult(item, WRONG, str(exc), f"check {what}")
    return CheckResult(item, READY, f"GET {base_url.rstrip('/')}{path}: answered")


def _rate_cards(settings: Settings) -> list[CheckResult]:
    from rate_cards.gpu_cards import JOB_TYPE_RULES_FILE, load_gpu_cards, load_job_type_rules
    from rate_cards.llm_cards import load_rate_cards
    from rate_cards.ptu_cards import load_ptu_cards

    cards = settings.rate_cards_dir

    def llm() -> str:
        loaded = load_rate_cards(cards / "llm")
        return f"{len(loaded.prices)} prices, {len({price.model for price in loaded.prices})} models"

    def gpu() -> str:
        prices = load_gpu_cards(cards / "gpu")
        load_job_type_rules(cards / "gpu" / JOB_TYPE_RULES_FILE.name)
        return f"{len(prices)} GPU prices and the job-type rules"

    def ptu() -> str:
        load_ptu_cards(cards / "ptu")
        return "PTU prices and reservations"

    checks: list[tuple[str, Path, Callable[[], str]]] = [
        ("rate cards llm", cards / "llm", llm),
        ("rate cards gpu", cards / "gpu", gpu),
        ("rate cards ptu", cards / "ptu", ptu),
    ]
    results = []
    for item, folder, load in checks:
        try:
            results.append(CheckResult(item, READY, f"{folder}: {load()}"))
        except (ValueError, OSError) as exc:
            results.append(CheckResult(item, WRONG, _one_line(exc), "correct the card, or [rate_cards] dir"))
    return results


def _tag_mapping(settings: Settings) -> CheckResult:
    from ingest.tags import load_tag_mapping

    try:
        mapping = load_tag_mapping(settings.tag_mapping)
    except ValueError as exc:
        return CheckResult("tag mapping", WRONG, _one_line(exc), "correct the file, or [tags] mapping")
    empty = [column for column, keys in mapping.items() if not keys]
    detail = f"{settings.tag_mapping}: " + ", ".join(
        f"{column} <- {len(keys)} key(s)" for column, keys in mapping.items()
    )
    if "team" in empty:
        return CheckResult("tag mapping", WRONG, detail, "map at least one tag key to team, or nothing is attributed")
    return CheckResult("tag mapping", READY, detail)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
