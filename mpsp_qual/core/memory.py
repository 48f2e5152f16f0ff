"""Handing memory that Python has freed back to the operating system.

CPython frees the strings of a large transcript (its turn texts, a few hundred bytes
each) into the C library's heap, and glibc gives heap pages back only from the top of
the heap: the rest stays in the process, so that the next large allocation (SQLite
copying a 200 MB text) comes on top of it. ``malloc_trim`` returns every free page.
Where there is no ``malloc_trim`` (macOS, Windows, musl) this does nothing.
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def _malloc_trim():
    import ctypes

    try:
        # dlopen(NULL): the symbols already loaded into the process, the C library's too.
        libc = ctypes.CDLL(None)
    except (OSError, TypeError):
        return None
    trim = getattr(libc, "malloc_trim", None)
    if trim is not None:
        trim.argtypes = [ctypes.c_size_t]
        trim.restype = ctypes.c_int
    return trim


def release_freed_memory() -> None:
    """Give the C heap's free pages back to the operating system, where it can be done."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
