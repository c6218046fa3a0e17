"""The streaming XDF reader (large files) against the pyxdf path (small files) as the oracle.

Every file here is small; `stream_min_bytes=0` sends it through the streaming path and
`stream_min_bytes=HUGE` through pyxdf, and both must give the same recording: samples bit for bit,
labels, units, rate, markers, warnings, wrap periods. Memory: the streaming path's peak allocation
does not grow with the file (20 MB vs 200 MB, tracemalloc).
"""

from __future__ import annotations

import struct
import time

import numpy as np
import pytest

from oracles.memory import peak_bytes_of, samples_read
from twitchwatch.formats import RecordingError, XdfWriter, open_recording, xdf_reader
from twitchwatch.formats.constants import XDF_STREAM_MIN_FILE_BYTES
from twitchwatch.formats.xdf_reader import XdfRecording, open_xdf, signal_timing
from twitchwatch.formats.xdf_spec import MAGIC, TAG_SAMPLES, chunk_header, encode_varlen
from twitchwatch.formats.xdf_stream import StampTiming, XdfStreamingRecording

HUGE = 1 << 62
LIMIT_S = 5.0


def _open_both(path, **kw):
    whole = open_xdf(path, stream_min_bytes=HUGE, **kw)
    streamed = open_xdf(path, stream_min_bytes=0, **kw)
    assert isinstance(whole, XdfRecording) and isinstance(streamed, XdfStreamingRecording)
    return whole, streamed


def _samples(rec, chunk_samples=4096) -> np.ndarray:
    chunks = list(rec.iter_chunks(chunk_samples))
    return np.concatenate(chunks) if chunks else np.empty((0, rec.n_channels), np.float32)


def assert_same_recording(path, chunk_samples=4096, **kw):
    whole, streamed = _open_both(path, **kw)
    a, b = _samples(whole, chunk_samples), _samples(streamed, chunk_samples)
    assert a.shape == b.shape and a.tobytes() == b.tobytes()  # bit for bit
    assert streamed.n_samples == whole.n_samples == len(a)
    assert streamed.channel_labels == whole.channel_labels
    assert streamed.units_in == whole.units_in
    assert (streamed.stream_name, streamed.stream_type) == (whole.stream_name, whole.stream_type)
    assert streamed.fs_hz == pytest.approx(whole.fs_hz, rel=1e-9)
    assert streamed.wrap_periods_uv == whole.wrap_periods_uv
    assert streamed.warnings == whole.warnings
    assert [t for _, t in streamed.markers] == [t for _, t in whole.markers]
    np.testing.assert_allclose([o for o, _ in streamed.markers], [o for o, _ in whole.markers],
                               rtol=0, atol=1e-9)
    return whole, streamed


def _write(path, fmt="float32", n=5000, ch=3, fs=1000.0, *, chunk_sizes=None, deduce=True, unit="uV",
           markers=True, offsets=((0.0, 0.0),), t0=0.0, stamps=None, seed=0):
    rng = np.random.default_rng(seed)
    if fmt in ("float32", "double64"):
        data = (rng.standard_normal((n, ch)) * 100).astype(fmt.replace("double64", "float64"))
    else:
        info = np.iinfo(fmt)
        data = rng.integers(info.min, info.max, size=(n, ch), endpoint=True).astype(fmt)
    if stamps is None:
        stamps = t0 + np.arange(n) / fs if fs > 0 else t0 + np.cumsum(rng.uniform(0.5e-3, 1.5e-3, n))
    with XdfWriter(path, deduce_timestamps=deduce) as w:
        sid = w.add_stream("emg", "EMG", ch, fs, fmt, channel_labels=[f"M{c}" for c in range(ch)],
                           channel_units=[unit] * ch)
        mid = w.add_stream("mk", "Markers", 1, 0.0, "string") if markers else None
        for t, v in offsets:
            w.write_clock_offset(sid, t, v)
            if mid is not None:
                w.write_clock_offset(mid, t, v + 0.25)
        sizes = chunk_sizes or [n]
        start, k = 0, 0
        while start < n:
            stop = min(n, start + sizes[k % len(sizes)])
            w.write_samples(sid, data[start:stop], stamps[start:stop])
            if mid is not None:
                w.write_samples(mid, [f"event {k} ü"], [float(stamps[start]) + 0.001])
            start, k = stop, k + 1
    return data


@pytest.mark.parametrize("fmt", ["int8", "int16", "int32", "int64", "float32", "double64"])
@pytest.mark.parametrize("deduce", [True, False], ids=["first-stamped", "all-stamped"])
def test_every_numeric_format_and_layout_matches_pyxdf(tmp_path, fmt, deduce):
    path = tmp_path / "f.xdf"
    _write(path, fmt, n=3000, chunk_sizes=[1, 7, 1000, 333, 0, 2], deduce=deduce, unit="mV")
    whole, streamed = assert_same_recording(path)
    assert len(streamed.markers) > 10


@pytest.mark.parametrize("chunk_samples", [1, 7, 1000, 4096, 100_000])
def test_chunk_boundaries_anywhere(tmp_path, chunk_samples):
    """File chunks of random sizes read in blocks of any size: the same samples, full blocks."""
    path = tmp_path / "f.xdf"
    sizes = np.random.default_rng(1).integers(1, 900, 40).tolist()
    _write(path, n=9000, chunk_sizes=sizes)
    assert_same_recording(path, chunk_samples=chunk_samples)
    with open_xdf(path, stream_min_bytes=0) as rec:
        lengths = [len(c) for c in rec.iter_chunks(chunk_samples)]
    assert all(n == chunk_samples for n in lengths[:-1]) and 0 < lengths[-1] <= chunk_samples


def test_iteration_restarts_and_chunks_are_fresh_copies(tmp_path):
    path = tmp_path / "f.xdf"
    _write(path, n=2000, chunk_sizes=[300])
    with open_xdf(path, stream_min_bytes=0) as rec:
        first = _samples(rec, 256)
        for chunk in rec.iter_chunks(256):
            chunk[:] = 0  # writable, and must not change the next iteration
        assert _samples(rec, 256).tobytes() == first.tobytes()


def test_clock_offsets_with_drift_and_markers_on_another_clock(tmp_path):
    """Several offsets with a drift: pyxdf's robust fit, applied the same way to both streams."""
    path = tmp_path / "f.xdf"
    offsets = [(t, -1476.9 + 2e-5 * t + (1e-4 if k % 3 else -1e-4)) for k, t in enumerate(range(0, 30, 5))]
    _write(path, n=20000, fs=2000.0, chunk_sizes=[997], offsets=offsets, t0=350000.0)
    assert_same_recording(path)


@pytest.mark.parametrize("fs", [0.0, 540.0], ids=["irregular", "regular"])
def test_rates_with_gaps_and_irregular_streams(tmp_path, fs):
    """Stamps with jitter and a gap (two segments): the same measured rate and first-sample time."""
    n = 6000
    rng = np.random.default_rng(3)
    stamps = 1000.0 + np.arange(n) / 500.0 + rng.normal(0, 2e-4, n)
    stamps[3000:] += 30.0  # a gap of 30 s splits the stream
    path = tmp_path / "f.xdf"
    _write(path, n=n, fs=fs, stamps=stamps, chunk_sizes=[512, 3])
    whole, streamed = assert_same_recording(path)
    if fs > 0:
        assert any("measured rate" in w for w in streamed.warnings)  # 500 Hz measured vs 540 nominal


def test_stamp_timing_equals_signal_timing_whatever_the_chunking():
    rng = np.random.default_rng(4)
    stamps = 7e5 + np.arange(50_000) / 1000.0 + rng.normal(0, 1e-3, 50_000)
    stamps[20_000:] += 5.0
    stamps[35_000:] -= 100.0  # backwards: a break too
    for srate in (1000.0, 0.0):
        expected = signal_timing(stamps, srate)
        for sizes in ([50_000], [1], [7, 19_993, 1], [4096]):
            timing = StampTiming(srate)
            start, k = 0, 0
            while start < len(stamps):
                stop = min(len(stamps), start + sizes[k % len(sizes)])
                timing.add(stamps[start:stop])
                start, k = stop, k + 1
            t0, rate = timing.result()
            assert t0 == pytest.approx(expected[0], abs=1e-9)
            assert rate == pytest.approx(expected[1], rel=1e-9)
    with_nan = stamps.copy()
    with_nan[10] = np.nan
    timing = StampTiming(1000.0)
    timing.add(with_nan[:5])
    timing.add(with_nan[5:])
    assert timing.result() == signal_timing(with_nan, 1000.0)


@pytest.mark.parametrize("unit", ["uV", "mV"])
def test_int16_wrap_periods_are_passed_on(tmp_path, unit):
    path = tmp_path / "f.xdf"
    _write(path, "int16", n=500, unit=unit)
    _, streamed = assert_same_recording(path)
    assert streamed.wrap_periods_uv == [65536.0 * (1000.0 if unit == "mV" else 1.0)] * 3


def test_stream_choice_and_errors_are_those_of_the_pyxdf_path(tmp_path):
    path = tmp_path / "f.xdf"
    with XdfWriter(path) as w:
        eeg = w.add_stream("eeg", "EEG", 2, 250.0, "float32")
        aux = w.add_stream("aux", "Aux", 1, 100.0, "int32")
        w.add_stream("mk", "Markers", 1, 0.0, "string")
        w.write_samples(eeg, np.ones((300, 2), np.float32), np.arange(300) / 250.0)
        w.write_samples(aux, np.ones((900, 1), np.int32), np.arange(900) / 100.0)
    _, streamed = assert_same_recording(path)
    assert streamed.stream_name == "eeg" and "no EMG stream" in streamed.warnings[0]
    assert assert_same_recording(path, stream="aux")[1].stream_name == "aux"
    for kw in ({"stream": "mk"}, {"stream": "nope"}, {"fs_hz": 300.0}):
        with pytest.raises(RecordingError) as whole_error:
            open_xdf(path, stream_min_bytes=HUGE, **kw)
        with pytest.raises(RecordingError) as streamed_error:
            open_xdf(path, stream_min_bytes=0, **kw)
        assert str(streamed_error.value) == str(whole_error.value)


def test_mixed_timestamp_layout_is_walked(tmp_path):
    """A chunk mixing stamped and deduced samples (another writer's choice) decodes the same."""
    path = tmp_path / "f.xdf"
    _write(path, n=20, ch=2, fs=100.0, markers=False)
    values = np.arange(6, dtype="<f4").reshape(3, 2)
    body = (b"\x08" + struct.pack("<d", 1.0) + values[0].tobytes() + b"\x00" + values[1].tobytes()
            + b"\x08" + struct.pack("<d", 5.0) + values[2].tobytes())
    payload = encode_varlen(3) + body
    with open(path, "ab") as f:
        f.write(chunk_header(TAG_SAMPLES, len(payload), 1) + payload)
    _, streamed = assert_same_recording(path)
    assert _samples(streamed)[-3:].tolist() == values.tolist()


def test_a_samples_chunk_whose_samples_do_not_fill_it_is_dropped_with_the_same_warning(tmp_path):
    path = tmp_path / "f.xdf"
    _write(path, n=100, ch=1, fs=100.0, markers=False, chunk_sizes=[50])
    # 2 samples claimed, bytes for 1 stamped + 1 bare + 8 stray bytes: fits the count, not the walk
    body = b"\x08" + struct.pack("<d", 9.0) + b"\0" * 4 + b"\x00" + b"\0" * 4 + b"\x01" * 8
    payload = encode_varlen(2) + body
    with open(path, "ab") as f:
        f.write(chunk_header(TAG_SAMPLES, len(payload), 1) + payload)
    _, streamed = assert_same_recording(path)
    assert streamed.n_samples == 100
    assert "Samples chunk dropped: stream 'emg': 2 samples do not fit" in streamed.warnings[0]


def test_truncated_file_keeps_the_samples_before_the_cut(tmp_path, time_limit):
    path = tmp_path / "f.xdf"
    _write(path, n=4000, fs=1000.0, chunk_sizes=[250])
    raw = path.read_bytes()
    for cut in np.linspace(len(raw) // 3, len(raw) - 1, 12).astype(int).tolist():
        cut_path = tmp_path / f"cut{cut}.xdf"
        cut_path.write_bytes(raw[:cut])
        with time_limit(LIMIT_S):
            _, streamed = assert_same_recording(cut_path)
        assert streamed.n_samples <= 4000 and "recording cut off?" in streamed.warnings[0]


@pytest.mark.parametrize("garbage", ["random", "zeros", "lengths"])
def test_garbage_is_a_clear_error_or_the_intact_part_within_5_s(tmp_path, time_limit, garbage):
    rng = np.random.default_rng(5)
    path = tmp_path / "g.xdf"
    if garbage == "random":
        body = rng.integers(0, 256, 4_000_000, dtype=np.uint8).tobytes()
    elif garbage == "zeros":
        body = bytes(4_000_000)
    else:  # chunk lengths that lie: 8-byte lengths far beyond the file, over and over
        body = (b"\x08" + struct.pack("<Q", 1 << 60) + b"\x03\x00") * 300_000
    path.write_bytes(MAGIC + body)
    with time_limit(LIMIT_S):
        with pytest.raises(RecordingError) as info:
            open_xdf(path, stream_min_bytes=0)
    assert str(path) in str(info.value) and "no EMG/ExG/EEG signal stream" in str(info.value)
    assert "The file is damaged" in str(info.value)

    valid = tmp_path / "v.xdf"
    _write(valid, n=1000, markers=False)
    damaged = tmp_path / "d.xdf"
    damaged.write_bytes(valid.read_bytes() + body)  # intact part first, then garbage
    with time_limit(LIMIT_S):
        with open_xdf(damaged, stream_min_bytes=0) as rec:
            assert rec.n_samples == 1000 and rec.warnings[0].startswith("damaged XDF file")

    not_xdf = tmp_path / "n.xdf"
    not_xdf.write_bytes(b"NOPE" + body[:1000])
    with pytest.raises(RecordingError, match="not an XDF file"):
        open_xdf(not_xdf, stream_min_bytes=0)


def test_the_threshold_picks_the_path(tmp_path, monkeypatch):
    assert XDF_STREAM_MIN_FILE_BYTES == 256 * 1024 * 1024
    path = tmp_path / "f.xdf"
    _write(path, n=100)
    assert isinstance(open_recording(path), XdfRecording)
    monkeypatch.setattr(xdf_reader, "XDF_STREAM_MIN_FILE_BYTES", path.stat().st_size)
    assert isinstance(open_recording(path), XdfStreamingRecording)
    gz = tmp_path / "f.xdfz"
    import gzip

    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert isinstance(open_xdf(gz, stream_min_bytes=0), XdfRecording)  # gzip cannot be seeked cheaply


def test_real_files_match_the_pyxdf_path(shared_data, time_limit):
    for path in sorted((shared_data / "xdf").glob("*/*.xdf")):
        try:
            open_xdf(path, stream_min_bytes=HUGE)
        except RecordingError as exc:
            with pytest.raises(RecordingError) as streamed:
                open_xdf(path, stream_min_bytes=0)
            assert str(streamed.value) == str(exc)
            continue
        if path.name == "clock_resets.xdf":  # resets are not handled when streaming: said so
            whole, streamed = _open_both(path)
            assert _samples(streamed).tobytes() == _samples(whole).tobytes()
            assert streamed.fs_hz == whole.fs_hz
            assert any("clock resets suspected" in w for w in streamed.warnings)
            continue
        with time_limit(LIMIT_S):
            assert_same_recording(path)


# --- memory --------------------------------------------------------------------------------------
_BLOCK_S = 1.0
_FS = 2000.0
_CH = 8


def _big_file(path, size_mb: float) -> int:
    """An EMG stream of 8 float32 channels at 2 kHz, written by XdfWriter in 1 s chunks, plus a
    marker every second; returns the number of samples."""
    block = int(_FS * _BLOCK_S)
    values = np.random.default_rng(6).standard_normal((block, _CH)).astype(np.float32)
    n_blocks = max(1, int(size_mb * 1e6 // values.nbytes))
    with XdfWriter(path) as w:
        sid = w.add_stream("emg", "EMG", _CH, _FS, "float32", channel_units=["uV"] * _CH)
        mid = w.add_stream("mk", "Markers", 1, 0.0, "string")
        base = np.arange(block) / _FS
        for k in range(n_blocks):
            w.write_samples(sid, values, base + k * _BLOCK_S)
            w.write_samples(mid, [f"s{k}"], [k * _BLOCK_S])
    return n_blocks * block


def _peak_while_opening_and_reading(path) -> tuple[int, int]:
    def open_and_read() -> int:
        with open_xdf(path, stream_min_bytes=0) as rec:
            return samples_read(rec, 4096)
    return peak_bytes_of(open_and_read)


def test_streaming_memory_does_not_grow_with_the_file(tmp_path):
    small, big = tmp_path / "small.xdf", tmp_path / "big.xdf"
    n_small, n_big = _big_file(small, 20), _big_file(big, 200)
    start = time.perf_counter()
    assert _peak_while_opening_and_reading(small)[0] == n_small
    got_big, peak_big = _peak_while_opening_and_reading(big)
    _, peak_small = _peak_while_opening_and_reading(small)  # after the big one: the same warm state
    assert got_big == n_big >= 9 * n_small
    # ten times the samples, the same working set (a chunk or two and the markers), not the file
    markers_bytes = 200 * (n_big // int(_FS))  # ~200 B per marker kept in memory (text, onset)
    assert peak_big < 1.5 * peak_small + markers_bytes + 256 * 1024, (peak_small, peak_big)
    assert peak_big < 8e6, peak_big
    assert time.perf_counter() - start < 60
