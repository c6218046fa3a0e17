"""Memory stays bounded while reading big files: the readers stream, whatever the file's size.

A 2 GB file cannot be written and analysed within `make test`'s budget, so the property is shown
with sparse files (a real header, then data records that are holes: zeros, no disk used) of two
sizes ten times apart: the reader's peak allocation (tracemalloc) is the same for both. The full
2 GB run is `benchmarks/big_file_memory.py` (its result is in docs/robustness.md).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from oracles.memory import peak_bytes_of, samples_read
from twitchwatch.formats import open_recording, write_recording

FS_HZ = 2000


def _load_benchmark():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "big_file_memory.py"
    spec = importlib.util.spec_from_file_location("big_file_memory", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sparse_edf(folder: Path, size_mb: float) -> Path:
    path = folder / f"big{size_mb:g}.edf"
    _load_benchmark().write_sparse_edf(path, size_mb)
    return path


def sparse_wfdb(folder: Path, size_mb: float) -> Path:
    n = int(size_mb * 1e6 // 4)  # 2 channels x 2 bytes per frame
    (folder / f"w{size_mb:g}.hea").write_text(
        f"w{size_mb:g} 2 {FS_HZ} {n}\n" + "".join(
            f"w{size_mb:g}.dat 16 1000/uV 16 0 0 0 0 EMG{c + 1}\n" for c in range(2)))
    with open(folder / f"w{size_mb:g}.dat", "wb") as f:
        f.truncate(n * 4)
    return folder / f"w{size_mb:g}.hea"


def dense_csv(folder: Path, size_mb: float) -> Path:
    rows = int(size_mb * 1e6 // 24)  # ~24 bytes per row of time + 2 values
    path = folder / f"c{size_mb:g}.csv"
    write_recording(path, np.ones((rows, 2), np.float32), float(FS_HZ), ["EMG1", "EMG2"])
    return path


def peak_while_reading(path: Path) -> tuple[int, int]:
    """(samples read, peak bytes allocated while iterating)."""
    with open_recording(path) as rec:
        return peak_bytes_of(lambda: samples_read(rec, 4096))


@pytest.mark.parametrize(("make", "small_mb"), [(sparse_edf, 4.0), (sparse_wfdb, 1.0), (dense_csv, 1.0)],
                         ids=["edf", "wfdb", "csv"])
def test_reading_memory_does_not_grow_with_the_file(tmp_path, make, small_mb):
    if make is sparse_wfdb:
        pytest.importorskip("wfdb")
    small, big = make(tmp_path, small_mb), make(tmp_path, 10 * small_mb)
    n_small, peak_small = peak_while_reading(small)
    n_big, peak_big = peak_while_reading(big)
    assert n_big >= 9 * n_small
    # ten times the samples, the same working set (a chunk or two), not the file
    assert peak_big < 1.5 * peak_small + 256 * 1024, (peak_small, peak_big)
    assert peak_big < 8e6, peak_big
