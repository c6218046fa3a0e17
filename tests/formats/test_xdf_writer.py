"""XdfWriter against pyxdf as the oracle: what we write, pyxdf reads back identically."""

from __future__ import annotations

import struct
import threading

import numpy as np
import pytest

from twitchwatch.formats import XdfWriter
from twitchwatch.formats.xdf_spec import (
    BOUNDARY_UUID,
    MAGIC,
    NUMERIC_FORMATS,
    decode_varlen,
    encode_varlen,
)


def _chunk_tags(raw: bytes) -> list[int]:
    """Tags of all chunks, walking the framing (the file must be well formed)."""
    assert raw.startswith(MAGIC)
    pos, tags = 4, []
    while pos < len(raw):
        length, body = decode_varlen(raw, pos)
        tags.append(struct.unpack_from("<H", raw, body)[0])
        pos = body + length
    assert pos == len(raw), "chunks must tile the file exactly"
    return tags


def _special_float32() -> np.ndarray:
    """Values whose bits must survive: signed zero, subnormals, extremes, inf, a NaN payload."""
    bits = np.array([0x80000000, 0x00000001, 0x7F7FFFFF, 0xFF800000, 0x7FC00123], dtype=np.uint32)
    return bits.view(np.float32)


@pytest.mark.parametrize("fmt", sorted(NUMERIC_FORMATS))
def test_numeric_formats_round_trip_bit_equal(tmp_path, pyxdf_load, fmt):
    dtype = NUMERIC_FORMATS[fmt].newbyteorder("=")
    rng = np.random.default_rng(7)
    if dtype.kind == "f":
        data = rng.standard_normal((257, 3)).astype(dtype)
        if fmt == "float32":
            data[:5, 0] = _special_float32()
    else:
        info = np.iinfo(dtype)
        data = rng.integers(info.min, info.max, size=(257, 3), endpoint=True, dtype=dtype)
        data[0] = [info.min, info.max, 0]
    stamps = 1000.0 + np.sort(rng.uniform(0, 5, 257))
    path = tmp_path / f"{fmt}.xdf"
    with XdfWriter(path) as w:
        sid = w.add_stream("S", "EMG", 3, 50.0, fmt)
        w.write_samples(sid, data, stamps)
    (stream,), _ = pyxdf_load(path)
    assert stream["time_series"].dtype == dtype
    assert stream["time_series"].tobytes() == data.tobytes()  # bit-equal, NaN payload included
    assert stream["time_stamps"].tobytes() == stamps.tobytes()


def test_string_markers_round_trip(tmp_path, pyxdf_load):
    texts = ["", "snap", "Ünïcödé ✓", 'a,b;c\t"q"', "<xml>&amp;</xml>", "x" * 300, "line\nbreak"]
    stamps = np.linspace(10.0, 16.0, len(texts))
    path = tmp_path / "m.xdf"
    with XdfWriter(path) as w:
        sid = w.add_stream("M", "Markers", 1, 0.0, "string")
        w.write_samples(sid, texts, stamps)
    (stream,), _ = pyxdf_load(path)
    assert stream["time_series"] == [[t] for t in texts]
    assert stream["time_stamps"].tobytes() == stamps.tobytes()


def test_multichannel_string_stream(tmp_path, pyxdf_load):
    rows = [["a", "b"], ["", "ç"]]
    path = tmp_path / "m2.xdf"
    with XdfWriter(path) as w:
        sid = w.add_stream("M2", "Markers", 2, 0.0, "string")
        w.write_samples(sid, rows, [1.0, 2.0])
    (stream,), _ = pyxdf_load(path)
    assert stream["time_series"] == rows


def test_header_desc_footer_and_clock_offsets(tmp_path, pyxdf_load):
    labels = [f"EMG{i}" for i in range(4)]
    path = tmp_path / "meta.xdf"
    with XdfWriter(path) as w:
        sid = w.add_stream(
            "Amp",
            "EMG",
            4,
            2048.0,
            "float32",
            source_id="serial-123",
            channel_labels=labels,
            channel_units=["microvolts"] * 4,
            channel_types=["EMG"] * 4,
            created_at=123.25,
        )
        w.write_samples(sid, np.ones((3, 4), np.float32), [5.0, 5.5, 6.0])
        w.write_clock_offset(sid, 100.0, -0.25)
        w.write_clock_offset(sid, 105.0, -0.125)
    (stream,), header = pyxdf_load(path)
    assert header["info"]["version"] == ["1.0"]
    info = stream["info"]
    assert info["name"] == ["Amp"] and info["type"] == ["EMG"] and info["source_id"] == ["serial-123"]
    assert info["channel_count"] == ["4"] and info["channel_format"] == ["float32"]
    assert float(info["nominal_srate"][0]) == 2048.0 and float(info["created_at"][0]) == 123.25
    channels = info["desc"][0]["channels"][0]["channel"]
    assert [c["label"][0] for c in channels] == labels
    assert [c["unit"][0] for c in channels] == ["microvolts"] * 4
    assert [c["type"][0] for c in channels] == ["EMG"] * 4
    footer = stream["footer"]["info"]
    assert float(footer["first_timestamp"][0]) == 5.0
    assert float(footer["last_timestamp"][0]) == 6.0
    assert footer["sample_count"] == ["3"]
    offsets = footer["clock_offsets"][0]["offset"]
    assert [(float(o["time"][0]), float(o["value"][0])) for o in offsets] == [(100.0, -0.25), (105.0, -0.125)]
    assert stream["clock_times"] == [100.0, 105.0]
    assert stream["clock_values"] == [-0.25, -0.125]


def test_clock_offsets_are_applied_by_pyxdf_sync(tmp_path, pyxdf_load):
    path = tmp_path / "sync.xdf"
    with XdfWriter(path) as w:
        sid = w.add_stream("E", "EMG", 1, 100.0, "float32")
        w.write_samples(sid, np.zeros((100, 1), np.float32), np.arange(100) / 100.0)
        for t in (0.0, 5.0, 10.0):
            w.write_clock_offset(sid, t, 2.0)
    (stream,), _ = pyxdf_load(path, synchronize_clocks=True)
    np.testing.assert_allclose(stream["time_stamps"], np.arange(100) / 100.0 + 2.0, atol=1e-9)


def test_multiple_streams_interleaved(tmp_path, pyxdf_load, by_name):
    rng = np.random.default_rng(3)
    emg = rng.standard_normal((1000, 2)).astype(np.float32)
    acc = rng.integers(-100, 100, (250, 3)).astype(np.int16)
    path = tmp_path / "multi.xdf"
    with XdfWriter(path) as w:
        a = w.add_stream("emg", "EMG", 2, 1000.0, "float32")
        b = w.add_stream("acc", "Accelerometer", 3, 250.0, "int16")
        m = w.add_stream("mk", "Markers", 1, 0.0, "string")
        for k in range(10):  # 100 ms blocks, as a recorder would receive them
            w.write_samples(a, emg[k * 100 : (k + 1) * 100], np.arange(k * 100, (k + 1) * 100) / 1000.0)
            w.write_samples(b, acc[k * 25 : (k + 1) * 25], np.arange(k * 25, (k + 1) * 25) / 250.0)
            if k % 3 == 0:
                w.write_samples(m, [f"m{k}"], [k / 10.0])
    streams = by_name(pyxdf_load(path)[0])
    assert streams["emg"]["time_series"].tobytes() == emg.tobytes()
    assert streams["acc"]["time_series"].tobytes() == acc.tobytes()
    assert streams["mk"]["time_series"] == [["m0"], ["m3"], ["m6"], ["m9"]]
    assert [s["footer"]["info"]["sample_count"][0] for s in streams.values()] == ["1000", "250", "4"]


def test_zero_and_one_sample_streams(tmp_path, pyxdf_load, by_name):
    path = tmp_path / "tiny.xdf"
    with XdfWriter(path) as w:
        empty = w.add_stream("empty", "EMG", 2, 500.0, "float32")
        one = w.add_stream("one", "EMG", 2, 500.0, "float32")
        w.write_samples(empty, np.zeros((0, 2), np.float32), np.zeros(0))  # writes nothing
        w.write_samples(one, np.array([[1.5, -2.5]], np.float32), [42.0])
    streams = by_name(pyxdf_load(path)[0])
    assert streams["empty"]["time_series"].shape == (0, 2)
    assert streams["empty"]["footer"]["info"]["sample_count"] == ["0"]
    assert streams["one"]["time_series"].tolist() == [[1.5, -2.5]]
    assert streams["one"]["time_stamps"].tolist() == [42.0]
    assert _chunk_tags(path.read_bytes()).count(3) == 1


def test_64_channels(tmp_path, pyxdf_load):
    data = np.arange(64 * 300, dtype=np.float32).reshape(300, 64)
    labels = [f"E{i}" for i in range(64)]
    path = tmp_path / "grid.xdf"
    with XdfWriter(path) as w:
        sid = w.add_stream("grid", "EMG", 64, 2000.0, "float32", channel_labels=labels)
        w.write_samples(sid, data, np.arange(300) / 2000.0)
    (stream,), _ = pyxdf_load(path)
    assert stream["time_series"].tobytes() == data.tobytes()
    assert [c["label"][0] for c in stream["info"]["desc"][0]["channels"][0]["channel"]] == labels


def test_deduced_timestamps_round_trip_and_shrink_the_file(tmp_path, pyxdf_load):
    """Stamps built the way readers rebuild omitted ones are omitted, and come back bit-equal."""
    fs = 250.0
    stamps = np.empty(2000)
    stamps[0] = 17.3
    for k in range(1, len(stamps)):
        stamps[k] = stamps[k - 1] + 1.0 / fs
    data = np.zeros((len(stamps), 1), np.float32)
    sizes = {}
    for deduce in (True, False):
        path = tmp_path / f"d{deduce}.xdf"
        with XdfWriter(path, deduce_timestamps=deduce) as w:
            w.write_samples(w.add_stream("E", "EMG", 1, fs, "float32"), data, stamps)
        (stream,), _ = pyxdf_load(path)
        assert stream["time_stamps"].tobytes() == stamps.tobytes()
        sizes[deduce] = path.stat().st_size
    assert sizes[False] - sizes[True] >= 8 * (len(stamps) - 8 * 2)  # 8 bytes per omitted stamp


def test_long_writes_are_split_and_boundaries_written(tmp_path, pyxdf_load):
    fs, seconds = 200.0, 35
    n = int(fs * seconds)
    data = np.arange(n, dtype=np.float32).reshape(-1, 1)
    path = tmp_path / "long.xdf"
    with XdfWriter(path) as w:
        w.write_samples(w.add_stream("E", "EMG", 1, fs, "float32"), data, np.arange(n) / fs)
    raw = path.read_bytes()
    tags = _chunk_tags(raw)
    assert tags.count(3) == seconds  # one Samples chunk per second of data
    assert tags.count(5) >= seconds // 10  # a Boundary chunk at least every 10 s of data
    assert raw.count(BOUNDARY_UUID) == tags.count(5)
    (stream,), _ = pyxdf_load(path)
    assert stream["time_series"].tobytes() == data.tobytes()


def test_varlen_ints_use_the_smallest_form():
    assert encode_varlen(255) == b"\x01\xff"
    assert encode_varlen(256) == b"\x04" + struct.pack("<I", 256)
    assert encode_varlen(2**32) == b"\x08" + struct.pack("<Q", 2**32)
    for value in (0, 255, 256, 2**32 - 1, 2**32, 2**40):
        assert decode_varlen(encode_varlen(value), 0) == (value, len(encode_varlen(value)))


def test_threads_may_share_a_writer(tmp_path, pyxdf_load, by_name):
    path = tmp_path / "threads.xdf"
    with XdfWriter(path) as w:
        sids = [w.add_stream(f"s{i}", "EMG", 1, 1000.0, "float32") for i in range(4)]

        def produce(sid):
            for k in range(50):
                w.write_samples(sid, np.full((20, 1), sid, np.float32), (k * 20 + np.arange(20)) / 1000.0)

        threads = [threading.Thread(target=produce, args=(sid,)) for sid in sids]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    streams = by_name(pyxdf_load(path)[0])
    for i, sid in enumerate(sids):
        series = streams[f"s{i}"]["time_series"]
        assert series.shape == (1000, 1) and np.all(series == sid)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda w, s: w.write_samples(s, np.zeros((3, 1)), np.zeros(3)), r"shape \(n, 2\)"),
        (lambda w, s: w.write_samples(s, np.zeros((3, 2)), np.zeros(2)), r"n = len\(timestamps\) = 2"),
        (lambda w, s: w.write_samples(s, np.zeros((1, 2)), [np.nan]), "finite"),
        (lambda w, s: w.write_samples(99, np.zeros((1, 2)), [0.0]), "unknown stream id"),
        (lambda w, s: w.add_stream("x", "EMG", 1, 100.0, "float16"), "not an XDF format"),
        (lambda w, s: w.add_stream("x", "EMG", 0, 100.0, "float32"), "channel_count"),
        (lambda w, s: w.add_stream("x", "EMG", 1, -1.0, "float32"), "nominal_srate"),
        (lambda w, s: w.add_stream("x", "EMG", 2, 1.0, "float32", channel_labels=["a"]), "channel_labels"),
    ],
)
def test_bad_arguments_raise_precise_errors(tmp_path, call, message):
    with XdfWriter(tmp_path / "bad.xdf") as w:
        sid = w.add_stream("E", "EMG", 2, 100.0, "float32")
        with pytest.raises(ValueError, match=message):
            call(w, sid)


def test_refuses_lossy_casts_into_integer_streams(tmp_path):
    with XdfWriter(tmp_path / "i.xdf") as w:
        sid = w.add_stream("I", "EMG", 1, 100.0, "int16")
        with pytest.raises(ValueError, match="cannot store float64"):
            w.write_samples(sid, np.array([[1.5]]), [0.0])
        with pytest.raises(ValueError, match="outside the int16 range"):
            w.write_samples(sid, np.array([[40000]]), [0.0])
        w.write_samples(sid, np.array([[-32768]], dtype=np.int64), [0.0])  # in range: fine


def test_closed_writer_refuses_and_close_is_idempotent(tmp_path):
    w = XdfWriter(tmp_path / "c.xdf")
    sid = w.add_stream("E", "EMG", 1, 100.0, "float32")
    w.close()
    w.close()
    assert w.closed
    with pytest.raises(ValueError, match="closed"):
        w.write_samples(sid, np.zeros((1, 1), np.float32), [0.0])
