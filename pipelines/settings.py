"""Where things are: landing folder, warehouse file, exports. Read at run time, never at import time.

Precedence: explicit argument (CLI flag or Dagster resource config) > environment variable > default.
| setting | env var | default |
|---|---|---|
| landing | FINOPS_LANDING_DIR | ./landing (a folder, or s3://bucket/prefix) |
| warehouse | FINOPS_WAREHOUSE_PATH | ./warehouse/finops.duckdb |
| exports | FINOPS_EXPORTS_DIR | <warehouse folder>/exports |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"


@dataclass(frozen=True)
class Settings:
    landing: str
    warehouse_path: Path
    exports_dir: Path

    @classmethod
    def resolve(
        cls,
        landing: str | os.PathLike | None = None,
        warehouse_path: str | os.PathLike | None = None,
        exports_dir: str | os.PathLike | None = None,
    ) -> Settings:
        landing_text = str(landing or os.environ.get("FINOPS_LANDING_DIR") or "landing")
        if not landing_text.startswith("s3://"):
            landing_text = str(Path(landing_text).resolve())
        warehouse = Path(warehouse_path or os.environ.get("FINOPS_WAREHOUSE_PATH") or "warehouse/finops.duckdb")
        warehouse = warehouse.resolve()
        exports = Path(exports_dir or os.environ.get("FINOPS_EXPORTS_DIR") or warehouse.parent / "exports").resolve()
        return cls(landing=landing_text, warehouse_path=warehouse, exports_dir=exports)
