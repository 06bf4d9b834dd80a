"""Tags flattened once into the normalized attribution columns (team, feature, environment, tenant, cost_center).

The key mapping is data, not code: `ingest/tag_mapping.toml` (documented there), replaceable by another file
(`[tags] mapping` in finops.toml or FINOPS_TAG_MAPPING, resolved by pipelines.settings and passed in as a path).
Raw tags are kept beside the normalized columns as canonical JSON.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

NORMALIZED_TAG_COLUMNS = ("team", "feature", "environment", "tenant", "cost_center")
DEFAULT_MAPPING_FILE = Path(__file__).with_name("tag_mapping.toml")
_STRIP_PREFIXES = ("resourcetags/", "resource_tags_")
# normalized column -> raw tag keys in priority order, as load_tag_mapping returns it
TagMapping = Mapping[str, tuple[str, ...]]


@lru_cache(maxsize=8)
def load_tag_mapping(path: str | os.PathLike | None = None) -> dict[str, tuple[str, ...]]:
    """Normalized column -> raw keys in priority order (lower-cased), from `path` (default: the packaged file)."""
    mapping_path = Path(path or DEFAULT_MAPPING_FILE)
    try:
        with mapping_path.open("rb") as handle:
            raw = tomllib.load(handle)
    except OSError as exc:
        raise ValueError(f"{mapping_path}: cannot read the tag mapping ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{mapping_path}: tag mapping is not valid TOML ({exc})") from None
    unknown = set(raw) - set(NORMALIZED_TAG_COLUMNS)
    if unknown:
        raise ValueError(
            f"{mapping_path}: unknown normalized tag columns {sorted(unknown)}; "
            f"expected some of {list(NORMALIZED_TAG_COLUMNS)}"
        )
    for column, keys in raw.items():
        if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
            raise ValueError(f'{mapping_path}: {column} must be a list of tag keys, e.g. ["team", "user:team"]')
    return {column: tuple(str(key).lower() for key in raw.get(column, ())) for column in NORMALIZED_TAG_COLUMNS}


def _key(raw_key: str) -> str:
    key = raw_key.strip().lower()
    for prefix in _STRIP_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def normalize_tags(tags: Mapping[str, object] | None, mapping: Mapping[str, tuple[str, ...]] | None = None) -> dict:
    """The normalized columns for one row's tags; empty values count as missing (None)."""
    mapping = mapping or load_tag_mapping()
    by_key: dict[str, str] = {}
    for raw_key, value in (tags or {}).items():
        if value is None or str(value).strip() == "":
            continue
        by_key.setdefault(_key(str(raw_key)), str(value).strip())
    return {column: next((by_key[k] for k in mapping[column] if k in by_key), None) for column in mapping}


def tags_json(tags: Mapping[str, object] | None) -> str | None:
    """Canonical JSON (sorted keys) of the raw tags, None when there are none."""
    if not tags:
        return None
    return json.dumps({str(k): (None if v is None else str(v)) for k, v in tags.items()}, sort_keys=True)
