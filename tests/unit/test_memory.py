"""release_memory gives freed heap back to the OS (glibc only: elsewhere it is a no-op)."""

import ctypes
import sys

import pytest

from warehouse.memory import _glibc, release_memory


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


@pytest.mark.skipif(not sys.platform.startswith("linux") or _glibc() is None, reason="glibc malloc only")
def test_freed_heap_goes_back_to_the_os():
    libc = _glibc()
    libc.malloc.argtypes, libc.malloc.restype = [ctypes.c_size_t], ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD: free() itself never trims in this test
    blocks = [libc.malloc(64 * 1024) for _ in range(4000)]  # 256 MB of heap blocks (below the mmap threshold)
    for block in blocks:
        ctypes.memset(block, 1, 64 * 1024)  # touched: resident
    for block in blocks[:-1]:  # the last block stays: the heap's top cannot shrink, only its free pages go
        libc.free(block)
    before = _rss_mb()
    assert release_memory()
    after = _rss_mb()
    libc.free(blocks[-1])
    libc.mallopt(-1, 128 * 1024)  # glibc's default again
    assert before - after > 200, (before, after)
