"""Peak allocation while reading: how the tests prove that readers stream (bounded memory)."""

from __future__ import annotations

import tracemalloc
from typing import Callable, TypeVar

T = TypeVar("T")


def peak_bytes_of(read: Callable[[], T]) -> tuple[T, int]:
    """What `read()` returns, and the peak bytes Python allocated while it ran (tracemalloc)."""
    tracemalloc.start()
    try:
        result = read()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def samples_read(recording, chunk_samples: int) -> int:
    """Iterate a recording's chunks to the end; the number of samples."""
    return sum(len(c) for c in recording.iter_chunks(chunk_samples))
