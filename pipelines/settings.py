"""Every setting of the project, read in one place, when a run or a command starts (never at import time).

Precedence: explicit argument (CLI flag or Dagster resource config) > environment variable > `finops.toml` >
default. The config file is `--config FILE`, else $FINOPS_CONFIG, else `./finops.toml` when it exists; relative
paths inside it are taken from the file's own folder (relative paths from flags and variables: from the
working directory). `finops init` writes a commented one (`CONFIG_TEMPLATE` below is the reference).

| setting | env var | finops.toml | default |
|---|---|---|---|
| landing root | FINOPS_LANDING_DIR | [landing] root | ./landing (a folder, or s3://bucket/prefix) |
| S3 endpoint | FINOPS_S3_ENDPOINT_URL | [landing] s3_endpoint_url | boto3's default (AWS) |
| one source's location | FINOPS_SOURCE_<NAME> (e.g. FINOPS_SOURCE_AWS_CUR) | [sources.<name>] location | <landing root>/<name> |
| warehouse | FINOPS_WAREHOUSE_PATH | [warehouse] path | ./warehouse/finops.duckdb |
| exports | FINOPS_EXPORTS_DIR | [warehouse] exports_dir | <warehouse folder>/exports |
| DuckDB memory / threads | FINOPS_DUCKDB_MEMORY_LIMIT / _THREADS | [warehouse] memory_limit / threads | DuckDB's |
| lock wait | FINOPS_LOCK_TIMEOUT_SECONDS | [warehouse] lock_timeout_seconds | 600 |
| who closes months | FINOPS_ACTOR | [warehouse] actor | the OS user |
| tag mapping | FINOPS_TAG_MAPPING | [tags] mapping | ingest/tag_mapping.toml |
| Spark tag prefix | FINOPS_SPARK_TAG_PREFIX | [tags] spark_prefix | spark.finops. |
| Spark log parsing processes | FINOPS_SPARK_WORKERS | [sources.spark] workers | the CPUs the load average leaves idle (1 = no pool) |
| rate cards | FINOPS_RATE_CARDS_DIR | [rate_cards] dir | rate_cards/ (llm/, gpu/, ptu/ inside) |
| GCP export table | FINOPS_GCP_BILLING_TABLE | [sources.gcp] bigquery_table, project | files in landing/gcp |

Secrets never live here: `[sources.openai] api_key_env`, `[sources.anthropic] api_key_env` and
`[sources.azure_openai] token_env` hold the NAMES of the environment variables that hold them, read by the
Dagster resources when a run needs them.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ingest.provider_api import PROVIDER_APIS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
DEFAULT_CONFIG_NAME = "finops.toml"
DEFAULT_RATE_CARDS_DIR = PROJECT_ROOT / "rate_cards"
DEFAULT_TAG_MAPPING = PROJECT_ROOT / "ingest" / "tag_mapping.toml"
DEFAULT_SPARK_TAG_PREFIX = "spark.finops."
DEFAULT_LOCK_TIMEOUT_SECONDS = 600.0

# The landing sub-folders, one per source. Ledger and outcomes are read from local folders only.
SOURCES = (
    "ledger",
    "outcomes",
    "aws_cur",
    "azure",
    "gcp",
    "focus",
    "openai",
    "anthropic",
    "azure_openai",
    "bedrock",
    "spark",
    "kubeflow",
    "dcgm",
    "model_registry",
)
LOCAL_ONLY_SOURCES = ("ledger", "outcomes")
DEFAULT_KEY_ENV = {"openai": "OPENAI_ADMIN_KEY", "anthropic": "ANTHROPIC_ADMIN_KEY"}
DEFAULT_BASE_URLS = {name: api.base_url for name, api in PROVIDER_APIS.items()}
DEFAULT_AZURE_TOKEN_ENV = "AZURE_MANAGEMENT_TOKEN"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Keys accepted in finops.toml: a typo is an error naming the key, never a setting silently ignored.
_SOURCE_KEYS = {
    "gcp": {"location", "bigquery_table", "project"},
    "openai": {"location", "api_key_env", "base_url"},
    "anthropic": {"location", "api_key_env", "base_url"},
    "azure_openai": {"location", "account_resource_id", "token_env"},
    "spark": {"location", "workers"},
}
_SECTIONS = {
    "landing": {"root", "s3_endpoint_url"},
    "warehouse": {"path", "exports_dir", "memory_limit", "threads", "lock_timeout_seconds", "actor"},
    "tags": {"mapping", "spark_prefix"},
    "rate_cards": {"dir"},
    "sources": set(SOURCES),
}


class SettingsError(ValueError):
    """A setting that cannot be used; the message is one line naming where it came from and what was expected."""


@dataclass(frozen=True)
class ApiSource:
    """An API-backed source: the NAME of the variable holding its key (the key itself is never stored)."""

    key_env: str
    base_url: str = ""


@dataclass(frozen=True)
class Settings:
    landing: str
    warehouse_path: Path
    exports_dir: Path
    # source name -> folder or s3:// prefix, only for the sources configured apart from the landing root
    source_locations: Mapping[str, str] = field(default_factory=dict)
    s3_endpoint_url: str | None = None
    memory_limit: str | None = None
    threads: int | None = None
    lock_timeout_seconds: float = DEFAULT_LOCK_TIMEOUT_SECONDS
    actor: str | None = None
    tag_mapping: Path = DEFAULT_TAG_MAPPING
    spark_tag_prefix: str = DEFAULT_SPARK_TAG_PREFIX
    spark_workers: int | None = None  # processes parsing Spark event logs; None = the idle CPUs (load average)
    rate_cards_dir: Path = DEFAULT_RATE_CARDS_DIR
    gcp_bigquery_table: str = ""
    gcp_project: str = ""
    openai: ApiSource = ApiSource(DEFAULT_KEY_ENV["openai"])
    anthropic: ApiSource = ApiSource(DEFAULT_KEY_ENV["anthropic"])
    azure_openai_account_resource_id: str = ""
    azure_openai_token_env: str = DEFAULT_AZURE_TOKEN_ENV
    config_file: Path | None = None

    @classmethod
    def resolve(
        cls,
        landing: str | os.PathLike | None = None,
        warehouse_path: str | os.PathLike | None = None,
        exports_dir: str | os.PathLike | None = None,
        *,
        config_file: str | os.PathLike | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Flags (the arguments) > environment > config file > defaults. `environ` defaults to os.environ."""
        env = os.environ if environ is None else environ
        config_path = _config_path(config_file, env)
        layers = _Layers(env, _read_config(config_path) if config_path else {}, config_path)
        landing_value, landing_base = layers.pick(landing, "FINOPS_LANDING_DIR", "landing", "root")
        warehouse_value, warehouse_base = layers.pick(warehouse_path, "FINOPS_WAREHOUSE_PATH", "warehouse", "path")
        warehouse = _path(warehouse_value or "warehouse/finops.duckdb", warehouse_base)
        exports_value, exports_base = layers.pick(exports_dir, "FINOPS_EXPORTS_DIR", "warehouse", "exports_dir")
        endpoint, _ = layers.pick(None, "FINOPS_S3_ENDPOINT_URL", "landing", "s3_endpoint_url")
        memory_limit, _ = layers.pick(None, "FINOPS_DUCKDB_MEMORY_LIMIT", "warehouse", "memory_limit")
        threads, _ = layers.pick(None, "FINOPS_DUCKDB_THREADS", "warehouse", "threads")
        timeout, _ = layers.pick(None, "FINOPS_LOCK_TIMEOUT_SECONDS", "warehouse", "lock_timeout_seconds")
        actor, _ = layers.pick(None, "FINOPS_ACTOR", "warehouse", "actor")
        mapping, mapping_base = layers.pick(None, "FINOPS_TAG_MAPPING", "tags", "mapping")
        spark_prefix, _ = layers.pick(None, "FINOPS_SPARK_TAG_PREFIX", "tags", "spark_prefix")
        cards, cards_base = layers.pick(None, "FINOPS_RATE_CARDS_DIR", "rate_cards", "dir")
        return cls(
            landing=_location(landing_value or "landing", landing_base),
            warehouse_path=warehouse,
            exports_dir=_path(exports_value, exports_base)
            if exports_value
            else (warehouse.parent / "exports").resolve(),
            source_locations=layers.source_locations(),
            s3_endpoint_url=str(endpoint) if endpoint else None,
            memory_limit=str(memory_limit) if memory_limit else None,
            threads=_count("FINOPS_DUCKDB_THREADS / [warehouse] threads", threads),
            lock_timeout_seconds=_seconds(timeout),
            actor=str(actor) if actor else None,
            tag_mapping=_path(mapping, mapping_base) if mapping else DEFAULT_TAG_MAPPING,
            spark_tag_prefix=str(spark_prefix) if spark_prefix else DEFAULT_SPARK_TAG_PREFIX,
            spark_workers=_count(
                "FINOPS_SPARK_WORKERS / [sources.spark] workers",
                layers.source_setting("spark", "workers", "FINOPS_SPARK_WORKERS"),
            ),
            rate_cards_dir=_path(cards, cards_base) if cards else DEFAULT_RATE_CARDS_DIR,
            gcp_bigquery_table=layers.source_value("gcp", "bigquery_table", "FINOPS_GCP_BILLING_TABLE"),
            gcp_project=layers.source_value("gcp", "project"),
            openai=layers.api("openai"),
            anthropic=layers.api("anthropic"),
            azure_openai_account_resource_id=layers.source_value("azure_openai", "account_resource_id"),
            azure_openai_token_env=_env_name(
                "[sources.azure_openai] token_env", layers.source_value("azure_openai", "token_env")
            )
            or DEFAULT_AZURE_TOKEN_ENV,
            config_file=config_path,
        )

    def source_location(self, name: str) -> str:
        """Where one source's files are: its own location when configured, else <landing root>/<name>."""
        if name in self.source_locations:
            return self.source_locations[name]
        if self.landing.startswith("s3://"):
            return f"{self.landing.rstrip('/')}/{name}"
        return str(Path(self.landing) / name)

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)


@dataclass(frozen=True)
class _Layers:
    """The environment over the config file: where one setting's value comes from."""

    env: Mapping[str, str]
    config: Mapping[str, Any]
    config_path: Path | None

    def pick(self, flag: Any, env_name: str, section: str, key: str) -> tuple[Any, Path]:
        """The value, and the folder a relative path in it is relative to (the working directory for flags
        and variables, the config file's folder for the file)."""
        if flag not in (None, ""):
            return flag, Path.cwd()
        if self.env.get(env_name):
            return self.env[env_name], Path.cwd()
        base = self.config_path.parent if self.config_path else Path.cwd()
        value = self.config.get(section, {}).get(key)
        return (value, base) if value not in (None, "") else (None, base)

    def source_locations(self) -> dict[str, str]:
        """The sources given their own location (`[sources] name = ...` or `[sources.name] location = ...`)."""
        locations: dict[str, str] = {}
        for name in SOURCES:
            variable = f"FINOPS_SOURCE_{name.upper()}"
            value, base = self.pick(None, variable, "sources", name)
            if isinstance(value, Mapping):
                value = value.get("location")
            if not value:
                continue
            locations[name] = _location(str(value), base)
            if name in LOCAL_ONLY_SOURCES and locations[name].startswith("s3://"):
                origin = variable if self.env.get(variable) else f"{self.config_path} [sources.{name}]"
                raise SettingsError(
                    f"{origin}: {name} is read from a local folder only, not {locations[name]}; sync it to a "
                    "folder (e.g. `aws s3 sync`) and name that folder"
                )
        return locations

    def source_value(self, name: str, key: str, env_name: str | None = None) -> str:
        if env_name and self.env.get(env_name):
            return self.env[env_name]
        table = self.config.get("sources", {}).get(name)
        return str(table.get(key) or "") if isinstance(table, Mapping) else ""

    def source_setting(self, name: str, key: str, env_name: str) -> Any:
        """The variable, else `[sources.<name>] key` as written (a 0 stays 0, for the caller to refuse)."""
        if self.env.get(env_name):
            return self.env[env_name]
        table = self.config.get("sources", {}).get(name)
        return table.get(key) if isinstance(table, Mapping) else None

    def api(self, provider: str) -> ApiSource:
        key_env = _env_name(f"[sources.{provider}] api_key_env", self.source_value(provider, "api_key_env"))
        return ApiSource(key_env or DEFAULT_KEY_ENV[provider], self.source_value(provider, "base_url"))


def _config_path(flag: str | os.PathLike | None, env: Mapping[str, str]) -> Path | None:
    if flag:
        path = Path(flag)
        if not path.is_file():
            raise SettingsError(f"--config {path}: no such file; `finops init` writes one")
        return path.resolve()
    if env.get("FINOPS_CONFIG"):
        path = Path(env["FINOPS_CONFIG"])
        if not path.is_file():
            raise SettingsError(f"FINOPS_CONFIG={path}: no such file; `finops init` writes one")
        return path.resolve()
    default = Path.cwd() / DEFAULT_CONFIG_NAME
    return default.resolve() if default.is_file() else None


def _read_config(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            config = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc})") from None
    for section, value in config.items():
        if section not in _SECTIONS:
            raise SettingsError(f"{path}: unknown section [{section}]; expected one of {sorted(_SECTIONS)}")
        if not isinstance(value, Mapping):
            raise SettingsError(f"{path}: {section} must be a table [{section}]")
        for key, item in value.items():
            if key not in _SECTIONS[section]:
                raise SettingsError(
                    f"{path}: unknown key {key!r} in [{section}]; expected one of {sorted(_SECTIONS[section])}"
                )
            if section == "sources" and isinstance(item, Mapping):
                allowed = _SOURCE_KEYS.get(key, {"location"})
                for source_key in item:
                    if source_key not in allowed:
                        raise SettingsError(
                            f"{path}: unknown key {source_key!r} in [sources.{key}]; expected one of {sorted(allowed)}"
                        )
            elif section == "sources" and not isinstance(item, str):
                raise SettingsError(f"{path}: [sources] {key} must be a folder or s3:// prefix, or a table")
    return config


def _location(value: str, base: Path) -> str:
    text = str(value)
    if text.startswith("s3://"):
        return text
    return str(_path(text, base))


def _path(value: str | os.PathLike, base: Path) -> Path:
    path = Path(value).expanduser()
    return (path if path.is_absolute() else base / path).resolve()


def _env_name(where: str, value: str) -> str:
    """A variable NAME, never a secret: a value that does not look like one is refused (and not echoed)."""
    if value and not _ENV_NAME.match(value):
        raise SettingsError(
            f"{where}: expected the NAME of an environment variable (e.g. OPENAI_ADMIN_KEY), not a key; "
            "secrets never go in finops.toml"
        )
    return value


def _count(where: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        count = int(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{where} = {value!r}: expected a whole number, e.g. 2") from None
    if count < 1:
        raise SettingsError(f"{where} = {value!r}: expected 1 or more")
    return count


def _seconds(value: Any) -> float:
    if value in (None, ""):
        return DEFAULT_LOCK_TIMEOUT_SECONDS
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise SettingsError(f"FINOPS_LOCK_TIMEOUT_SECONDS={value!r}: expected a number of seconds, e.g. 600") from None
    if seconds < 0:
        raise SettingsError(f"FINOPS_LOCK_TIMEOUT_SECONDS={value!r}: expected 0 or more seconds")
    return seconds
