"""Property tests: every reader, fed random or mutated bytes, either reads float32 chunks of the
announced width or raises `RecordingError` — no other exception, no hang (5 s limit).

Example counts are modest for `make test`; `make fuzz` runs the same properties with
TWITCHWATCH_FUZZ_EXAMPLES (thousands) as a longer job. The XDF reader has its own mutation
fuzz in test_xdf_damaged.py.
"""

from __future__ import annotations

import logging
import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twitchwatch.formats import RecordingError, open_recording, write_recording

EXAMPLES = int(os.environ.get("TWITCHWATCH_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
LIMIT_S = 5.0
EXTENSIONS = [".xdf", ".csv", ".txt", ".edf", ".bdf", ".hea", ".dat", ".bin"]

_SEEDS: dict[str, dict[str, bytes]] = {}


def _seed_files(tmp_path_factory) -> dict[str, bytes]:
    """Valid files of each format, the starting points of the mutations."""
    if not _SEEDS:
        folder = tmp_path_factory.mktemp("seeds")
        x = (np.random.default_rng(0).normal(0, 20, (600, 2))).astype(np.float32)
        write_recording(folder / "s.csv", x, 1000.0, ["EMG1", "EMG2 [mV]"])
        write_recording(folder / "s.xdf", x, 1000.0, ["EMG1", "EMG2"])
        import edfio

        edfio.Edf([edfio.EdfSignal(x[:500, c].astype(np.float64), sampling_frequency=500, label=f"EMG{c}",
                                   physical_dimension="uV") for c in range(2)]).write(folder / "s.edf")
        text = "".join(f"{i / 1000:.3f} {v:.4f}\n" for i, v in enumerate(x[:300, 0] / 1000))
        (folder / "p.txt").write_text(text)
        osig = ('# OpenSignals Text File Format\n# {"00:07:80:4D:2E:AD": {"sampling rate": 1000, '
                '"resolution": [16], "column": ["nSeq", "DI", "A1"], "sensor": ["EMG"], '
                '"label": ["A1"], "device": "biosignalsplux"}}\n# EndOfHeader\n')
        osig += "".join(f"{i % 16}\t0\t{32768 + int(v * 10)}\n" for i, v in enumerate(x[:300, 0]))
        (folder / "o.txt").write_text(osig)
        _SEEDS.update({".csv": (folder / "s.csv").read_bytes(), ".xdf": (folder / "s.xdf").read_bytes(),
                       ".edf": (folder / "s.edf").read_bytes(), ".txt": (folder / "p.txt").read_bytes(),
                       "opensignals.txt": (folder / "o.txt").read_bytes()})
    return _SEEDS


def read_or_refuse(path, time_limit, fs_hz=None) -> None:
    """The property: chunks of the announced shape, or a RecordingError; within LIMIT_S."""
    with time_limit(LIMIT_S), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # library deprecation chatter is not a finding
        logging.getLogger("twitchwatch").setLevel(logging.CRITICAL)
        try:
            with open_recording(path, fs_hz=fs_hz) as rec:
                assert rec.n_channels >= 1 and rec.fs_hz > 0
                for chunk in rec.iter_chunks(97):
                    assert chunk.dtype == np.float32 and chunk.ndim == 2
                    assert chunk.shape[1] == rec.n_channels
        except RecordingError as exc:
            assert str(exc)  # a message, never empty
        finally:
            logging.getLogger("twitchwatch").setLevel(logging.NOTSET)


@FUZZ
@given(ext=st.sampled_from(EXTENSIONS), data=st.binary(max_size=3000), fs=st.sampled_from([None, 1000.0]))
def test_random_bytes_under_any_extension(tmp_path_factory, time_limit, ext, data, fs):
    path = tmp_path_factory.mktemp("rnd") / f"f{ext}"
    path.write_bytes(data)
    read_or_refuse(path, time_limit, fs)


@FUZZ
@given(kind=st.sampled_from([".csv", ".xdf", ".edf", ".txt", "opensignals.txt"]),
       cut=st.integers(0, 1 << 16),
       flips=st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)), max_size=8),
       inserts=st.lists(st.tuples(st.integers(0, 1 << 16), st.binary(min_size=1, max_size=16)), max_size=3))
def test_mutated_valid_files(tmp_path_factory, time_limit, kind, cut, flips, inserts):
    raw = bytearray(_seed_files(tmp_path_factory)[kind])
    for pos, blob in inserts:
        raw[pos % len(raw):pos % len(raw)] = blob
    for pos, value in flips:
        raw[pos % len(raw)] = value
    raw = raw[: cut % (len(raw) + 1)] if cut < len(raw) else raw
    name = "f" + (kind if kind.startswith(".") else ".txt")
    path = tmp_path_factory.mktemp("mut") / name
    path.write_bytes(bytes(raw))
    read_or_refuse(path, time_limit, fs_hz=None)


@FUZZ
@given(rows=st.lists(st.lists(st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr), st.text(max_size=6),
    st.sampled_from(["", "1e400", "-0", "0x10", "1,5", "\x00", "nan"])), min_size=0, max_size=4),
    max_size=30), header=st.sampled_from(["time,EMG1,EMG2\n", "EMG1;EMG2\n", "", "% comment\nEMG1\n"]))
def test_csv_with_random_cells(tmp_path_factory, time_limit, rows, header):
    path = tmp_path_factory.mktemp("cells") / "c.csv"
    path.write_text(header + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8",
                    errors="surrogatepass")
    read_or_refuse(path, time_limit, fs_hz=500.0)


def test_the_seeds_are_readable(tmp_path_factory, time_limit):
    """The mutations start from files that read (else the fuzz only tests refusals)."""
    folder = tmp_path_factory.mktemp("seedcheck")
    for kind, raw in _seed_files(tmp_path_factory).items():
        path = folder / ("s" + (kind if kind.startswith(".") else ".txt"))
        path.write_bytes(raw)
        with open_recording(path, fs_hz=1000.0 if kind == ".txt" else None) as rec:
            assert sum(len(c) for c in rec.iter_chunks()) > 0, kind
