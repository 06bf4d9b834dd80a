"""Where landing files come from: a local folder or an S3 bucket/prefix (boto3), behind one small interface.

A source reads `landing/<source>/...` whichever way it is configured, e.g. `s3://bucket/prefix` or a path.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol


class LandingStore(Protocol):
    """Read-only view of a landing area. Keys are '/'-separated, relative to the store root."""

    def list(self, prefix: str = "", pattern: str = "*") -> list[str]: ...

    def read_bytes(self, key: str) -> bytes: ...

    def describe(self, key: str) -> str: ...

    def exists(self, prefix: str) -> bool: ...

    def modified_at(self, key: str) -> datetime: ...

    def fingerprints(self, prefix: str = "") -> dict[str, str]:
        """Every file under `prefix` with a token that changes when the file does (sensors diff them)."""
        ...

    def local_file(self, key: str) -> Path | None:
        """The file itself when it is on a local disk (read in place), else None (copy it first)."""
        ...


class LandingLinkError(ValueError):
    """A symbolic link inside the landing folder: never followed (a link to /etc/passwd or to another
    source's folder must not be read, loaded or copied into quarantine)."""

    def __init__(self, link: Path):
        try:
            target = os.readlink(link)
        except OSError:
            target = "?"
        super().__init__(
            f"{link}: is a symbolic link (to {target}); landing files must be regular files, links are never "
            "followed: replace the link with the file itself or remove it"
        )


def _plain_key(key: str) -> bool:
    """A relative key that pathlib would leave as it is: no empty, `.` or `..` part, no leading `/`."""
    return bool(key) and not any(part in ("", ".", "..") for part in key.split("/"))


@dataclass(frozen=True)
class LocalStore:
    """A landing folder. The root itself may be a link (landing -> /mnt/data); links below it are refused."""

    root: Path

    def list(self, prefix: str = "", pattern: str = "*") -> list[str]:
        base = self.root / prefix if prefix else self.root
        self._refuse_links(base)
        if not base.exists():
            return []
        relative = base.relative_to(self.root).as_posix()
        keys: list[str] = []
        self._scan(str(base), "" if relative == "." else relative + "/", pattern, keys)
        return sorted(keys)

    def _scan(self, folder: str, key_prefix: str, pattern: str, keys: list[str]) -> None:
        """The regular files under `folder`, as keys; a link anywhere is refused. One directory read per folder
        (the entries' types come with it: no stat per file, which thousands of event logs felt)."""
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:  # not a folder, or unreadable: as os.walk, nothing listed
            return
        for entry in entries:
            if entry.is_symlink():
                raise LandingLinkError(Path(entry.path))
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                self._scan(entry.path, f"{key_prefix}{entry.name}/", pattern, keys)
            elif entry.is_file(follow_symlinks=False) and fnmatch.fnmatch(entry.name, pattern):
                keys.append(key_prefix + entry.name)

    def _refuse_links(self, path: Path) -> None:
        """Refuse `path` when it, or a folder between it and the root, is a link."""
        relative = path.relative_to(self.root)
        current = self.root
        for part in relative.parts:
            current = current / part
            if current.is_symlink():
                raise LandingLinkError(current)

    def read_bytes(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def path(self, key: str) -> Path:
        return Path(self.path_text(key))

    def path_text(self, key: str) -> str:
        """`path(key)` as a string: the Spark parser opens thousands of small logs, and a Path per file shows."""
        if _plain_key(key):  # the common case, in strings: pathlib costs more than the lstat calls themselves
            current = str(self.root)
            for part in key.split("/"):
                current = os.path.join(current, part)
                if os.path.islink(current):
                    raise LandingLinkError(Path(current))
            return current
        path = self.root / key
        self._refuse_links(path)
        return str(path)

    def describe(self, key: str) -> str:
        return os.path.join(self.root, key) if _plain_key(key) else str(self.root / key)

    def local_file(self, key: str) -> Path | None:
        return self.path(key)

    def exists(self, prefix: str) -> bool:
        """The folder is there (perhaps empty: an explicit empty delivery), as opposed to missing (no delivery)."""
        return (self.root / prefix).is_dir()

    def modified_at(self, key: str) -> datetime:
        """The file's modification time, tz-naive UTC."""
        return datetime.fromtimestamp((self.root / key).stat().st_mtime, UTC).replace(tzinfo=None)

    def fingerprints(self, prefix: str = "") -> dict[str, str]:
        """key -> "size:mtime_ns" of every file under `prefix`."""
        stats = {key: (self.root / key).stat() for key in self.list(prefix)}
        return {key: f"{stat.st_size}:{stat.st_mtime_ns}" for key, stat in stats.items()}


@dataclass(frozen=True)
class S3Store:
    """An S3 bucket/prefix read through boto3. Credentials come from the environment (boto3's chain);
    `endpoint_url` points at a compatible server (tests use moto_server on 127.0.0.1)."""

    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region_name: str | None = None

    def _client(self):
        import boto3  # imported here: boto3 costs ~0.5 s and most runs read local folders

        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name=self.region_name or "us-east-1")

    def _full(self, key: str) -> str:
        return f"{self.prefix.rstrip('/')}/{key}".lstrip("/") if self.prefix else key

    def list(self, prefix: str = "", pattern: str = "*") -> list[str]:
        client = self._client()
        # a prefix names a folder: `azure` must not also list `azure_openai/...`
        full_prefix = self._full(prefix.rstrip("/") + "/") if prefix else self._full("")
        keys: list[str] = []
        paginator = client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=full_prefix):
            for obj in page.get("Contents", []):
                key = obj["Key"]
                relative = key[len(self.prefix.rstrip("/")) + 1 :] if self.prefix else key
                if fnmatch.fnmatch(relative.rsplit("/", 1)[-1], pattern) and not key.endswith("/"):
                    keys.append(relative)
        return sorted(keys)

    def first_keys(self, limit: int) -> list[str]:
        """Up to `limit` keys under the prefix, in one request (a reachability check, not a listing)."""
        page = self._client().list_objects_v2(Bucket=self.bucket, Prefix=self._full(""), MaxKeys=limit)
        return [obj["Key"][len(self._full("")) :] for obj in page.get("Contents", [])]

    def read_bytes(self, key: str) -> bytes:
        return self._client().get_object(Bucket=self.bucket, Key=self._full(key))["Body"].read()

    def describe(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._full(key)}"

    def local_file(self, key: str) -> Path | None:
        return None

    def exists(self, prefix: str) -> bool:
        """Some object under `prefix/`, a zero-byte `prefix/` folder marker included (an explicit empty delivery)."""
        folder = self._full(prefix).rstrip("/")
        page = self._client().list_objects_v2(Bucket=self.bucket, Prefix=folder + "/" if folder else "", MaxKeys=1)
        return bool(page.get("KeyCount") or page.get("Contents"))

    def fingerprints(self, prefix: str = "") -> dict[str, str]:
        """key -> ETag of every object under `prefix`, from the listing itself (no request per object)."""
        client = self._client()
        full_prefix = self._full(prefix.rstrip("/") + "/") if prefix else self._full("")
        tokens: dict[str, str] = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full_prefix):
            for obj in page.get("Contents", []):
                if not obj["Key"].endswith("/"):
                    relative = obj["Key"][len(self.prefix.rstrip("/")) + 1 :] if self.prefix else obj["Key"]
                    tokens[relative] = f"{obj['Size']}:{obj['ETag']}"
        return tokens

    def modified_at(self, key: str) -> datetime:
        """The object's LastModified, tz-naive UTC."""
        modified = self._client().head_object(Bucket=self.bucket, Key=self._full(key))["LastModified"]
        return modified.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class RoutedStore:
    """The landing root, with some sources kept elsewhere (`finops.toml` [sources]): a key's first folder
    names the source, and a routed source's keys are read from its own store, whose root holds what
    `<root>/<source>/` would. Keys stay `<source>/...`, so every reader is unchanged."""

    default: LandingStore
    routes: Mapping[str, LandingStore]

    def _route(self, key: str) -> tuple[LandingStore, str, str]:
        head, _, rest = key.strip("/").partition("/")
        if head in self.routes:
            return self.routes[head], rest, head
        return self.default, key, ""

    def list(self, prefix: str = "", pattern: str = "*") -> list[str]:
        if prefix:
            store, rest, head = self._route(prefix)
            keys = store.list(rest, pattern)
            return [f"{head}/{key}" for key in keys] if head else keys
        keys = [key for key in self.default.list("", pattern) if key.split("/", 1)[0] not in self.routes]
        for head, store in self.routes.items():
            keys.extend(f"{head}/{key}" for key in store.list("", pattern))
        return sorted(keys)

    def read_bytes(self, key: str) -> bytes:
        store, rest, _ = self._route(key)
        return store.read_bytes(rest)

    def describe(self, key: str) -> str:
        store, rest, _ = self._route(key)
        return store.describe(rest)

    def exists(self, prefix: str) -> bool:
        store, rest, _ = self._route(prefix)
        return store.exists(rest)

    def modified_at(self, key: str) -> datetime:
        store, rest, _ = self._route(key)
        return store.modified_at(rest)

    def local_file(self, key: str) -> Path | None:
        store, rest, _ = self._route(key)
        return store.local_file(rest)

    def fingerprints(self, prefix: str = "") -> dict[str, str]:
        if prefix:
            store, rest, head = self._route(prefix)
            tokens = store.fingerprints(rest)
            return {f"{head}/{key}": token for key, token in tokens.items()} if head else tokens
        tokens = {
            key: token
            for key, token in self.default.fingerprints("").items()
            if key.split("/", 1)[0] not in self.routes
        }
        for head, store in self.routes.items():
            tokens.update({f"{head}/{key}": token for key, token in store.fingerprints("").items()})
        return tokens


def open_store(
    location: str | Path, *, endpoint_url: str | None = None, sources: Mapping[str, str] | None = None
) -> LandingStore:
    """`s3://bucket/prefix` gives an S3Store (at `endpoint_url` when given, else AWS), anything else a
    LocalStore; `sources` (source folder -> its own folder or s3:// prefix) routes those sources elsewhere."""
    text = str(location)
    if text.startswith("s3://"):
        bucket, _, prefix = text[len("s3://") :].partition("/")
        store: LandingStore = S3Store(bucket=bucket, prefix=prefix, endpoint_url=endpoint_url)
    else:
        store = LocalStore(Path(text))
    if sources:
        routes = {name: open_store(where, endpoint_url=endpoint_url) for name, where in sources.items()}
        return RoutedStore(store, routes)
    return store
