"""Keep freed memory in the gateway's processes instead of handing it back per request.

glibc's allocator serves allocations over its mmap threshold (128 KiB at first) from
fresh mappings, and gives the top of its heap back to the kernel whenever more than
twice that is free there. A gateway allocates and frees a few copies of every request
body (hundreds of KiB each) per request, so both happen all the time: measured on the
benchmark's 172 KB requests, a worker took about 100 page faults per request, and the
kernel's side of them (zeroing and mapping pages, unmapping them again) was about a
quarter of the worker's CPU. Whether it happens depends on where long-lived objects
land in the heap, so it comes and goes with unrelated changes.

`tune_allocator` raises both thresholds once per process (`mallopt`): bodies up to
`MMAP_THRESHOLD` come from the heap, and up to `TRIM_THRESHOLD` of free memory stays
in the process for the next request. Larger bodies are still mapped and unmapped on
their own, so a rare huge request does not stay resident. Elsewhere than glibc, or
when the user tunes glibc's allocator through `GLIBC_TUNABLES`, nothing is changed.
"""

from __future__ import annotations

import ctypes
import os
import platform

#: Allocations up to this size come from the heap (glibc's default: 128 KiB, adapting).
MMAP_THRESHOLD = 4 << 20
#: Free memory kept at the top of the heap before any is given back (default: 128 KiB).
TRIM_THRESHOLD = 32 << 20

_M_TRIM_THRESHOLD = -1  # glibc's <malloc.h>
_M_MMAP_THRESHOLD = -3


def tune_allocator() -> bool:
    """Raise glibc's mmap and trim thresholds for this process; True if they were set.

    False where there is no glibc, or where `GLIBC_TUNABLES` already tunes its
    allocator (the user's settings win)."""
    if platform.libc_ver()[0] != "glibc" or "glibc.malloc." in os.environ.get("GLIBC_TUNABLES", ""):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # Setting either also stops glibc from adapting both to the sizes freed so far.
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
