"""Dagster resources. An empty field falls back to pipelines.settings (env var > finops.toml > default),
resolved once when a run starts; `finops run` fills the fields from its own resolved settings."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from ingest.storage import LandingStore, open_store
from ingest.tags import TagMapping, load_tag_mapping
from pipelines.settings import Settings, SettingsError
from rate_cards.ptu_cards import PtuCards, load_ptu_cards
from warehouse.duckdb_store import connect


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file, its exports folder and the rate cards it is priced from.
    Empty fields = the settings ([warehouse] / [rate_cards] in finops.toml, FINOPS_* variables, defaults)."""

    duckdb_path: str = ""
    exports_dir: str = ""
    memory_limit: str = ""
    threads: int = 0
    rate_cards_dir: str = ""
    config_file: str = ""
    _resolved: Settings | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._resolved = self._resolve()

    def _resolve(self) -> Settings:
        settings = Settings.resolve(
            warehouse_path=self.duckdb_path or None,
            exports_dir=self.exports_dir or None,
            config_file=self.config_file or None,
        )
        return settings.with_overrides(
            memory_limit=self.memory_limit or settings.memory_limit,
            threads=self.threads or settings.threads,
            rate_cards_dir=Path(self.rate_cards_dir).resolve() if self.rate_cards_dir else settings.rate_cards_dir,
        )

    @property
    def settings(self) -> Settings:
        return self._resolved or self._resolve()

    @property
    def path(self) -> Path:
        return self.settings.warehouse_path

    def connect(self, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        settings = self.settings
        return connect(
            settings.warehouse_path,
            read_only=read_only,
            timeout_seconds=settings.lock_timeout_seconds,
            memory_limit=settings.memory_limit,
            threads=settings.threads,
        )


class LandingResource(dg.ConfigurableResource):
    """The landing area: a folder or s3://bucket/prefix, one sub-folder per source; `sources` puts some
    sources elsewhere (source name -> folder or s3:// prefix holding what `<landing>/<source>/` would).

    Empty fields = the settings ([landing], [sources], [tags] in finops.toml, FINOPS_* variables, defaults).
    `s3_endpoint_url` points boto3 at an S3-compatible endpoint; credentials come from boto3's environment chain."""

    location: str = ""
    s3_endpoint_url: str = ""
    sources: dict[str, str] = {}
    tag_mapping_file: str = ""
    spark_tag_prefix: str = ""
    config_file: str = ""
    _resolved: Settings | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._resolved = self._resolve()

    def _resolve(self) -> Settings:
        settings = Settings.resolve(landing=self.location or None, config_file=self.config_file or None)
        locations = dict(settings.source_locations)
        for name, where in self.sources.items():
            locations[name] = where if where.startswith("s3://") else str(Path(where).resolve())
        return settings.with_overrides(
            source_locations=locations,
            s3_endpoint_url=self.s3_endpoint_url or settings.s3_endpoint_url,
            tag_mapping=Path(self.tag_mapping_file).resolve() if self.tag_mapping_file else settings.tag_mapping,
            spark_tag_prefix=self.spark_tag_prefix or settings.spark_tag_prefix,
        )

    @property
    def settings(self) -> Settings:
        return self._resolved or self._resolve()

    @property
    def root(self) -> str:
        return self.settings.landing

    def store(self) -> LandingStore:
        settings = self.settings
        return open_store(settings.landing, endpoint_url=settings.s3_endpoint_url, sources=settings.source_locations)

    def local_folder(self, source: str) -> Path:
        """A source that only reads local files (the ledger, outcomes): its folder."""
        location = self.settings.source_location(source)
        if location.startswith("s3://"):
            raise SettingsError(
                f"{source} is read from a local folder, not {location}; set [sources.{source}] location to a folder"
            )
        return Path(location)

    def local_path(self) -> Path:
        """The landing folder itself (a local landing root only)."""
        if self.root.startswith("s3://"):
            raise ValueError(f"this source reads a local landing folder, not {self.root}")
        return Path(self.root)

    def tag_mapping(self) -> TagMapping:
        return load_tag_mapping(self.settings.tag_mapping)


class RateCardsResource(dg.ConfigurableResource):
    """Where the PTU price cards are read from. Empty folder = the settings' rate-card folder (finops.toml, else
    the cards versioned in the repo, `rate_cards/ptu/`)."""

    ptu_dir: str = ""

    def ptu(self, default_dir: Path | None = None) -> PtuCards:
        if self.ptu_dir:
            return load_ptu_cards(Path(self.ptu_dir))
        return load_ptu_cards(default_dir) if default_dir else load_ptu_cards()
