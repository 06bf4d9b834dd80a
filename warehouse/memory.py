"""Hand a long process's freed heap back to the OS between the steps of a run.

DuckDB's Python wheel here allocates through glibc malloc (it bundles no jemalloc: `duckdb_extensions()` lists
none). glibc keeps what DuckDB, Arrow and Python free in its arenas, so after the ingest steps the `finops run`
process stayed at ~700 MB while dbt's own DuckDB (a child process, with its own memory limit) ran beside it:
the two together passed 3 GiB at 100M requests (issue 12, bench_scale). `malloc_trim(0)` returns the free pages.
"""

from __future__ import annotations

import ctypes
import gc
import sys
from functools import cache


@cache
def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        trim = libc.malloc_trim  # glibc only: musl and others have none
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return libc


def release_memory() -> bool:
    """Collect Python's garbage, then give the heap's free pages back to the OS (glibc `malloc_trim`; a no-op
    elsewhere). Returns whether any memory went back."""
    gc.collect()
    libc = _glibc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
