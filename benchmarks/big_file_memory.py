"""Peak memory of `twitchwatch analyze` on a big EDF or XDF file: it must not grow with its size.

    .venv/bin/python benchmarks/big_file_memory.py            # 200 MB and 2 GB (the issue's size)
    .venv/bin/python benchmarks/big_file_memory.py 50 500     # other sizes, in MB
    .venv/bin/python benchmarks/big_file_memory.py --xdf 300 2000   # XDF (streamed from 256 MB)

The files are sparse: a real EDF header (written by edfio) followed by data records that are
holes in the file (zeros to every reader, no disk used), so a 2 GB file costs no disk space and
no time to write. XDF files cannot have holes (every chunk has a header): they are written by
`XdfWriter` in 1 s chunks of zeros (8 ch float32 at 2 kHz; the stamps k/fs + second are not
exact steps of 1/fs, so every sample keeps its stamp, as in LabRecorder files) with a marker every
10 s, so they take disk space (1.28 x the size asked) and ~4 s/GB. Each size is analysed in a fresh process that reports its own peak resident
memory (VmHWM). Not part of `make test` (2 GB of samples take minutes); `make test` checks the
same property with smaller files (tests/formats/test_big_files.py).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

FS_HZ = 2000
N_CHANNELS = 8
RECORD_S = 1
BYTES_PER_RECORD = FS_HZ * RECORD_S * N_CHANNELS * 2  # 16-bit samples


def write_sparse_edf(path: Path, size_mb: float) -> int:
    """An EDF of ~size_mb MB of zero samples (a hole); returns the number of data records."""
    import edfio

    signals = [edfio.EdfSignal(np.zeros(FS_HZ * RECORD_S), sampling_frequency=FS_HZ, label=f"EMG{c + 1}",
                               physical_dimension="uV", physical_range=(-3276.8, 3276.7),
                               digital_range=(-32768, 32767)) for c in range(N_CHANNELS)]
    edfio.Edf(signals, data_record_duration=RECORD_S).write(path)
    records = max(1, int(size_mb * 1e6 // BYTES_PER_RECORD))
    with open(path, "r+b") as f:
        header_bytes = 256 * (N_CHANNELS + 1)
        f.seek(236)
        f.write(f"{records:<8d}".encode("ascii"))  # "number of data records" field
        f.truncate(header_bytes + records * BYTES_PER_RECORD)  # the rest: a hole of zeros
    return records


# VmHWM counts the file's pages that the reader's memory map touched (page cache, given back
# under pressure); RssAnon is the process's own memory, sampled for its peak while it runs.
CHILD = """
import sys, threading
from twitchwatch.cli import main

def field(name):
    return int(open("/proc/self/status").read().split(name + ":")[1].split()[0]) / 1024

peak = [0.0]
done = threading.Event()
def sample():
    while not done.wait(0.1):
        peak[0] = max(peak[0], field("RssAnon"))
threading.Thread(target=sample, daemon=True).start()
rc = main(["analyze", sys.argv[1], "--quiet", "--no-history"])
done.set()
peak[0] = max(peak[0], field("RssAnon"))
print("PEAK_MB", field("VmHWM"), "ANON_MB", peak[0])
sys.exit(rc)
"""


def write_xdf(path: Path, size_mb: float) -> int:
    """An XDF of ~size_mb MB of zero samples in 1 s chunks; returns the number of seconds."""
    from twitchwatch.formats import XdfWriter

    block = np.zeros((FS_HZ * RECORD_S, N_CHANNELS), np.float32)
    base = np.arange(len(block)) / FS_HZ
    records = max(1, int(size_mb * 1e6 // block.nbytes))
    with XdfWriter(path) as w:
        sid = w.add_stream("EMG", "EMG", N_CHANNELS, float(FS_HZ), "float32", channel_units=["uV"] * N_CHANNELS)
        mid = w.add_stream("Markers", "Markers", 1, 0.0, "string")
        for k in range(records):
            w.write_samples(sid, block, base + k * RECORD_S)
            if k % 10 == 0:
                w.write_samples(mid, [f"m{k}"], [float(k * RECORD_S)])
    return records


def measure(size_mb: float, folder: Path, fmt: str = "edf") -> dict:
    path = folder / f"big_{size_mb:g}MB.{fmt}"
    t_write = time.perf_counter()
    records = (write_xdf if fmt == "xdf" else write_sparse_edf)(path, size_mb)
    write_s = time.perf_counter() - t_write
    file_mb = path.stat().st_size / 1e6
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True)
    wall_s = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"analyze failed ({out.returncode}): {out.stderr[-2000:]}")
    peak_mb = float(out.stdout.split("PEAK_MB")[1].split()[0])
    anon_mb = float(out.stdout.split("ANON_MB")[1].split()[0])
    path.unlink()
    return {"file_mb": file_mb, "signal_h": records * RECORD_S / 3600, "wall_s": wall_s,
            "peak_rss_mb": peak_mb, "peak_anon_mb": anon_mb, "write_s": write_s}


def main(argv: list[str]) -> None:
    fmt = "xdf" if "--xdf" in argv else "edf"
    sizes = [float(a) for a in argv if a != "--xdf"] or [200.0, 2000.0]
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            r = measure(size, Path(tmp), fmt)
            print(f"analyze {fmt.upper()} {r['file_mb']:.0f} MB ({N_CHANNELS} ch @ {FS_HZ} Hz, {r['signal_h']:.1f} h): "
                  f"peak own memory (RssAnon) {r['peak_anon_mb']:.0f} MB, peak RSS incl. mapped file pages "
              f"(VmHWM) {r['peak_rss_mb']:.0f} MB, {r['wall_s']:.0f} s wall", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
