"""Damaged XDF files: the scan keeps what pyxdf can parse exactly; nothing but RecordingError escapes."""

from __future__ import annotations

import struct
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twitchwatch.formats import RecordingError, XdfWriter, open_recording, xdf_reader
from twitchwatch.formats.xdf_scan import ScanTimeout, scan_xdf
from twitchwatch.formats.xdf_spec import (
    BOUNDARY_UUID,
    MAGIC,
    TAG_SAMPLES,
    chunk_header,
    encode_varlen,
)

FS = 100.0


def _valid_file(path, n_blocks=4, boundary_every_block=True) -> tuple[bytes, np.ndarray]:
    data = np.arange(n_blocks * 20, dtype=np.float32).reshape(-1, 2)
    with XdfWriter(path) as w:
        sid = w.add_stream("E", "EMG", 2, FS, "float32", channel_units=["uV", "uV"])
        mid = w.add_stream("M", "Markers", 1, 0.0, "string")
        for k in range(n_blocks):
            w.write_samples(sid, data[k * 10 : (k + 1) * 10], np.arange(k * 10, (k + 1) * 10) / FS)
            w.write_samples(mid, [f"m{k}"], [k * 0.1])
            w.write_clock_offset(sid, k * 0.1, 0.0)
            if boundary_every_block:
                w.write_boundary()
    return path.read_bytes(), data


def _scan(raw: bytes):
    return scan_xdf(raw, "test.xdf", time.monotonic() + 5.0)


def _samples_chunk(sid: int, n_claimed: int, body: bytes) -> bytes:
    payload = encode_varlen(n_claimed) + body
    return chunk_header(TAG_SAMPLES, len(payload), sid) + payload


def test_clean_file_passes_through_untouched(tmp_path):
    raw, _ = _valid_file(tmp_path / "ok.xdf")
    result = _scan(raw)
    assert result.clean is raw and result.n_problems == 0 and result.summary() is None
    assert [(s.name, s.n_samples, len(s.clock_times)) for s in result.streams.values()] == [
        ("E", 40, 4),
        ("M", 4, 0),
    ]


def test_not_xdf_is_refused(tmp_path):
    with pytest.raises(RecordingError, match=r"not an XDF file \(it starts with b'PK"):
        _scan(b"PK\x03\x04rest")


def test_samples_chunk_claiming_more_samples_than_it_holds_is_dropped(tmp_path):
    """The fuzzed-file hang: pyxdf would allocate and loop over 2**32-1 samples."""
    raw, data = _valid_file(tmp_path / "ok.xdf")
    liar = _samples_chunk(1, 2**32 - 1, b"\x08" + struct.pack("<d", 9.0) + b"\x00" * 8)
    result = _scan(raw + liar)
    assert result.streams[1].n_samples == 40
    assert "4294967295 samples do not fit" in result.summary()
    bad = tmp_path / "liar.xdf"
    bad.write_bytes(raw + liar)
    with open_recording(bad) as rec:
        assert np.concatenate(list(rec.iter_chunks())).tobytes() == data.tobytes()
        assert any("damaged XDF file" in w for w in rec.warnings)


def test_chunk_length_lie_resyncs_at_the_next_boundary(tmp_path):
    raw, data = _valid_file(tmp_path / "ok.xdf")
    # make the first Samples chunk claim 1 MB: everything up to the next Boundary is skipped
    first = raw.index(chunk_header(TAG_SAMPLES, 1 + 1 + 10 * 17, 1)[:2])
    damaged = raw[:first] + b"\x04" + struct.pack("<I", 1 << 20) + raw[first + 2 :]
    result = _scan(damaged)
    assert result.streams[1].n_samples == 30
    assert "runs past the end of the file" in result.summary()
    path = tmp_path / "lie.xdf"
    path.write_bytes(damaged)
    with open_recording(path) as rec:
        assert np.concatenate(list(rec.iter_chunks())).tobytes() == data[10:].tobytes()
        assert [t for _, t in rec.markers] == ["m1", "m2", "m3"]


def test_garbage_between_chunks_is_skipped_to_the_next_boundary(tmp_path):
    raw, _ = _valid_file(tmp_path / "ok.xdf")
    cut = raw.index(BOUNDARY_UUID) + len(BOUNDARY_UUID)
    damaged = raw[:cut] + b"\x07\x07\x07garbage" + raw[cut:]
    result = _scan(damaged)
    assert result.streams[1].n_samples == 30  # the block after the garbage is lost, the rest kept
    assert "invalid chunk length (length byte 7" in result.summary()


@pytest.mark.parametrize(
    ("xml", "reason"),
    [
        (
            b"<info><name>x</name><channel_count>0</channel_count><nominal_srate>1</nominal_srate>"
            b"<channel_format>float32</channel_format></info>",
            "channel_count 0 is outside",
        ),
        (
            b"<info><name>x</name><channel_count>2</channel_count><nominal_srate>fast</nominal_srate>"
            b"<channel_format>float32</channel_format></info>",
            "nominal_srate 'fast' is not a number",
        ),
        (
            b"<info><name>x</name><channel_count>2</channel_count><nominal_srate>1</nominal_srate>"
            b"<channel_format>float16</channel_format></info>",
            "channel_format 'float16'",
        ),
        (
            b"<info><channel_count>2</channel_count><nominal_srate>1</nominal_srate>"
            b"<channel_format>float32</channel_format></info>",
            "no <name>",
        ),
        (b"<info><name>x</name", "XML does not parse"),
        (b"<stream/>", "root element is <stream>"),
    ],
)
def test_unusable_stream_header_drops_the_stream_and_its_data(tmp_path, xml, reason):
    raw, _ = _valid_file(tmp_path / "ok.xdf")
    extra = chunk_header(2, len(xml), 77) + xml + _samples_chunk(77, 1, b"\x00" + b"\x00" * 8)
    result = _scan(raw + extra)
    assert 77 not in result.streams
    assert reason in result.summary()
    assert result.n_problems == 1  # the stream's samples are dropped without a second report


def test_chunks_of_undeclared_streams_and_unknown_tags_are_dropped(tmp_path):
    raw, _ = _valid_file(tmp_path / "ok.xdf")
    orphan = _samples_chunk(42, 1, b"\x00" + b"\x00" * 8)
    unknown = encode_varlen(2 + 3) + struct.pack("<H", 9) + b"abc"
    bad_offset = chunk_header(4, 8, 1) + struct.pack("<d", 1.0)  # 8 bytes instead of 16
    bad_footer = chunk_header(6, 40, 1) + b"<info><sample_count>x</sample_count></info>"[:40]
    result = _scan(raw + orphan + unknown + bad_offset + bad_footer)
    text = " | ".join(result.problems)
    assert "stream id 42 has no StreamHeader" in text
    assert "unknown chunk tag 9" in text
    assert "12 content bytes instead of 20" in text
    assert "StreamFooter chunk dropped" in text
    assert result.streams[1].n_samples == 40


def test_mixed_timestamp_layout_is_walked(tmp_path, pyxdf_load):
    """A chunk mixing stamped and deduced samples (another writer's choice) is accepted."""
    raw, _ = _valid_file(tmp_path / "ok.xdf", n_blocks=1)
    values = np.arange(6, dtype="<f4").reshape(3, 2)
    body = (
        b"\x08"
        + struct.pack("<d", 1.0)
        + values[0].tobytes()
        + b"\x00"
        + values[1].tobytes()
        + b"\x08"
        + struct.pack("<d", 5.0)
        + values[2].tobytes()
    )
    result = _scan(raw + _samples_chunk(1, 3, body))
    assert result.n_problems == 0 and result.streams[1].n_samples == 13
    streams, _ = pyxdf_load(result.clean)
    assert streams[0]["time_stamps"][-3:].tolist() == [1.0, 1.0 + 1 / FS, 5.0]


def test_deadline_gives_a_clear_error(tmp_path, monkeypatch):
    raw, _ = _valid_file(tmp_path / "ok.xdf")
    with pytest.raises(ScanTimeout):
        scan_xdf(raw, "x", time.monotonic() - 1.0)
    monkeypatch.setattr(xdf_reader, "XDF_LOAD_TIMEOUT_S", -10.0)
    with pytest.raises(RecordingError, match=r"gave up after .* loading too slow"):
        open_recording(tmp_path / "ok.xdf")


def test_many_clock_resets_switch_reset_handling_off(tmp_path):
    """pyxdf spends ~15 ms per clock-reset segment: a corrupt offset list must not make it hang."""
    path = tmp_path / "resets.xdf"
    with XdfWriter(path) as w:
        sid = w.add_stream("E", "EMG", 1, FS, "float32")
        w.write_samples(sid, np.zeros((50, 1), np.float32), np.arange(50) / FS)
        for k in range(2000):  # collection time steps backwards every other offset
            w.write_clock_offset(sid, (k % 2) * 100.0 - k, float(k % 2))
    start = time.perf_counter()
    with open_recording(path) as rec:
        assert rec.n_samples == 50
        assert any("clock resets suspected" in w for w in rec.warnings)
    assert time.perf_counter() - start < 5.0


_BASE: dict[str, bytes] = {}


def _base_file(tmp_path_factory) -> bytes:
    if "raw" not in _BASE:
        _BASE["raw"], _ = _valid_file(tmp_path_factory.mktemp("base") / "base.xdf", n_blocks=3)
    return _BASE["raw"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cut=st.integers(min_value=0, max_value=2000),
    flips=st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), max_size=6),
    inserts=st.lists(st.tuples(st.integers(0, 2000), st.binary(min_size=1, max_size=12)), max_size=2),
)
def test_fuzzed_files_never_crash_or_hang(tmp_path_factory, time_limit, cut, flips, inserts):
    raw = bytearray(_base_file(tmp_path_factory))
    for pos, blob in inserts:
        raw[pos % len(raw) : pos % len(raw)] = blob
    for pos, value in flips:
        raw[pos % len(raw)] = value
    raw = bytes(raw[: len(MAGIC) + cut % len(raw)]) if cut < len(raw) else bytes(raw)
    path = tmp_path_factory.mktemp("fuzz") / "f.xdf"
    path.write_bytes(raw)
    with time_limit(5.0):
        try:
            with open_recording(path) as rec:
                for chunk in rec.iter_chunks(7):
                    assert chunk.dtype == np.float32 and chunk.shape[1] == rec.n_channels
        except RecordingError:
            pass
