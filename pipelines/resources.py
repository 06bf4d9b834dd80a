"""Dagster resources. Paths default to Settings (env or defaults), resolved when a run starts."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from ingest.storage import LandingStore, open_store
from pipelines.settings import Settings
from rate_cards.ptu_cards import PtuCards, load_ptu_cards
from warehouse.duckdb_store import connect


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file. Empty path = FINOPS_WAREHOUSE_PATH or ./warehouse/finops.duckdb."""

    duckdb_path: str = ""
    exports_dir: str = ""

    @property
    def settings(self) -> Settings:
        return Settings.resolve(warehouse_path=self.duckdb_path or None, exports_dir=self.exports_dir or None)

    @property
    def path(self) -> Path:
        return self.settings.warehouse_path

    def connect(self, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return connect(self.path, read_only=read_only)


class LandingResource(dg.ConfigurableResource):
    """The landing area: a folder or s3://bucket/prefix, one sub-folder per source.

    Empty location = FINOPS_LANDING_DIR or ./landing. `s3_endpoint_url` points boto3 at an
    S3-compatible endpoint; credentials come from boto3's environment chain."""

    location: str = ""
    s3_endpoint_url: str = ""

    @property
    def root(self) -> str:
        return Settings.resolve(landing=self.location or None).landing

    def store(self) -> LandingStore:
        return open_store(self.root, endpoint_url=self.s3_endpoint_url or None)

    def local_path(self) -> Path:
        """The landing folder; sources that only read local files (the ledger) call this."""
        if self.root.startswith("s3://"):
            raise ValueError(f"this source reads a local landing folder, not {self.root}")
        return Path(self.root)


class RateCardsResource(dg.ConfigurableResource):
    """Where the price cards are read from. Empty folder = the cards versioned in the repo (`rate_cards/ptu/`)."""

    ptu_dir: str = ""

    def ptu(self) -> PtuCards:
        return load_ptu_cards(Path(self.ptu_dir)) if self.ptu_dir else load_ptu_cards()
