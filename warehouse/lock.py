"""One writer at a time on a warehouse file, readers wait for it: an advisory lock beside the DuckDB file.

DuckDB lets one process write a file, and no other process open it meanwhile (not even read-only). A run
opens and closes the file many times (each asset, then dbt in a subprocess), so two runs interleave and
both die on DuckDB's lock, and an export during a run crashes. `finops run` / `finops demo` hold an
exclusive lock on `<warehouse>.lock` for the whole run; `finops export` holds a shared one. A second
process waits (saying so) up to `timeout_seconds` (the setting FINOPS_LOCK_TIMEOUT_SECONDS, default 600,
resolved by pipelines.settings), then stops with a one-line error.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULT_LOCK_TIMEOUT_SECONDS = 600.0
_POLL_SECONDS = 0.25


class WarehouseBusy(RuntimeError):
    """Another finops process kept the warehouse past the timeout. The message is one line."""


def lock_path(warehouse_path: str | Path) -> Path:
    warehouse_path = Path(warehouse_path)
    return warehouse_path.with_name(warehouse_path.name + ".lock")


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _holder(path: Path) -> str:
    try:
        text = path.read_text().strip()
    except OSError:
        text = ""
    return text or "another finops process"


@contextmanager
def warehouse_lock(
    warehouse_path: str | Path,
    *,
    exclusive: bool,
    purpose: str,
    timeout_seconds: float | None = None,
    say: Callable[[str], None] = _stderr,
) -> Iterator[None]:
    """Hold the warehouse's lock (exclusive for a run, shared for a reader) for the `with` block."""
    timeout = DEFAULT_LOCK_TIMEOUT_SECONDS if timeout_seconds is None else timeout_seconds
    path = lock_path(warehouse_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    handle = path.open("a+")
    held = False
    try:
        deadline = time.monotonic() + timeout
        waited = False
        while True:
            try:
                fcntl.flock(handle, mode | fcntl.LOCK_NB)
                held = True
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"warehouse {warehouse_path} is in use by {_holder(path)} for more than {timeout:.0f} s; "
                        "try again when it ends (or raise FINOPS_LOCK_TIMEOUT_SECONDS)"
                    ) from None
                if not waited:
                    say(
                        f"warehouse {warehouse_path} is in use by {_holder(path)}; {purpose} waits up to "
                        f"{timeout:.0f} s (FINOPS_LOCK_TIMEOUT_SECONDS)"
                    )
                    waited = True
                time.sleep(_POLL_SECONDS)
        if exclusive:  # who holds it, for the message a waiting process prints
            handle.seek(0)
            handle.truncate()
            handle.write(f"{purpose} (pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')})\n")
            handle.flush()
        if waited:
            say(f"warehouse {warehouse_path} is free; {purpose} goes on")
        yield
    finally:
        if held and exclusive:  # no stale holder named once the run ends
            handle.seek(0)
            handle.truncate()
        handle.close()  # closing releases the lock
