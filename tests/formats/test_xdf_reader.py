"""open_recording on XDF: stream choice, units, rates, markers, and what write_recording wrote."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from twitchwatch.formats import (
    RecordingError,
    XdfWriter,
    open_recording,
    write_recording,
)
from twitchwatch.formats.xdf_spec import MAGIC, chunk_header


def _add(w: XdfWriter, name, type_, n, fs=1000.0, fmt="float32", ch=1, t0=0.0, **kw) -> int:
    sid = w.add_stream(name, type_, ch, fs, fmt, **kw)
    if n:
        if fmt == "string":
            w.write_samples(sid, [f"{name}{k}" for k in range(n)], t0 + np.arange(n) * 0.5)
        else:
            step = 1.0 / fs if fs > 0 else 0.01
            w.write_samples(sid, np.zeros((n, ch), fmt), t0 + np.arange(n) * step)
    return sid


def _file(tmp_path, streams, name="f.xdf"):
    path = tmp_path / name
    with XdfWriter(path) as w:
        for args, kw in streams:
            _add(w, *args, **kw)
    return path


def _s(*args, **kw):
    return args, kw


@pytest.mark.parametrize(
    ("streams", "chosen", "note"),
    [
        ([_s("eeg", "EEG", 900), _s("exg", "ExG", 500), _s("emg", "EMG", 100)], "emg", None),
        (
            [_s("eeg", "EEG", 900), _s("exg", "EXG", 500), _s("emg", "emg", 0)],
            "exg",
            "no EMG stream: using the EXG",
        ),
        ([_s("eeg1", "EEG", 90), _s("eeg2", "eeg", 300)], "eeg2", "no EMG stream: using the eeg"),
        (
            [
                _s("irr", "Counter", 900, fs=0.0),
                _s("small", "Aux", 10),
                _s("big", "Aux", 20),
                _s("m", "Markers", 3, fmt="string"),
            ],
            "big",
            "no EMG/ExG/EEG stream: using 'big'",
        ),
        ([_s("emg_irregular", "EMG", 50, fs=0.0), _s("aux", "Aux", 900)], "emg_irregular", None),
    ],
)
def test_signal_stream_choice(tmp_path, streams, chosen, note):
    with open_recording(_file(tmp_path, streams)) as rec:
        assert rec.stream_name == chosen
        notes = [w for w in rec.warnings if w.startswith("no EMG")]
        if note is None:
            assert notes == []
        else:
            assert len(notes) == 1 and note in notes[0]


@pytest.mark.parametrize(
    ("wanted", "chosen"), [("aux", "aux"), ("EEG", "eeg"), ("eeg", "eeg"), ("Aux", "aux")]
)
def test_stream_argument_by_name_then_type(tmp_path, wanted, chosen):
    path = _file(tmp_path, [_s("emg", "EMG", 100), _s("eeg", "EEG", 50), _s("aux", "Aux", 20)])
    with open_recording(path, stream=wanted) as rec:
        assert rec.stream_name == chosen


def test_stream_argument_errors(tmp_path):
    path = _file(tmp_path, [_s("emg", "EMG", 0), _s("mk", "Markers", 2, fmt="string")])
    with pytest.raises(RecordingError, match=r"no stream named or typed 'nope'; streams found: 'emg'"):
        open_recording(path, stream="nope")
    with pytest.raises(RecordingError, match="holds strings \\(markers\\), not a signal"):
        open_recording(path, stream="mk")
    with pytest.raises(RecordingError, match="stream 'emg' has no samples"):
        open_recording(path, stream="emg")


def test_no_signal_stream_lists_what_was_found(tmp_path):
    path = _file(tmp_path, [_s("emg", "EMG", 0), _s("mk", "Markers", 2, fmt="string", fs=0.0)])
    with pytest.raises(RecordingError) as info:
        open_recording(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: no EMG/ExG/EEG signal stream")
    assert "'emg' (type 'EMG', 1 ch 1000 Hz, 0 samples), 'mk' (type 'Markers', 1 ch string, 2 samples)" in msg
    assert "stream=NAME" in msg


@pytest.mark.parametrize(
    ("unit", "scale"),
    [
        ("V", 1e6),
        ("volts", 1e6),
        ("mV", 1e3),
        ("millivolts", 1e3),
        ("mv", 1e3),
        ("uV", 1.0),
        ("µV", 1.0),
        ("μV", 1.0),
        ("microvolts", 1.0),
    ],
)
def test_units_are_converted_to_microvolts(tmp_path, unit, scale):
    x = np.random.default_rng(0).standard_normal((300, 2)).astype(np.float32)
    path = tmp_path / "u.xdf"
    write_recording(path, x, 1000.0, ["a", "b"], unit=unit)
    with open_recording(path) as rec:
        got = np.concatenate(list(rec.iter_chunks()))
        assert rec.units_in == [unit, unit] and rec.warnings == []
    expected = (x.astype(np.float64) * scale).astype(np.float32)
    assert got.tobytes() == expected.tobytes()


def test_missing_and_unknown_units(tmp_path):
    path = tmp_path / "mixed.xdf"
    with XdfWriter(path) as w:
        _add(w, "e", "EMG", 10, ch=2, channel_labels=["L", "R"], channel_units=["", "mV"])
    with open_recording(path) as rec:
        assert rec.units_in == ["", "mV"]
        assert rec.warnings == ["no unit declared: assuming microvolts (channels L)"]
    path = tmp_path / "counts.xdf"
    with XdfWriter(path) as w:
        _add(w, "e", "EMG", 10, channel_labels=["L"], channel_units=["counts"])
    with pytest.raises(
        RecordingError, match=r"stream 'e', channel 'L': unknown unit 'counts'; accepted units: V/volts, mV"
    ):
        open_recording(path)


def test_labels_default_and_mismatched_desc(tmp_path):
    path = tmp_path / "l.xdf"
    with XdfWriter(path) as w:
        sid = _add(w, "e", "EMG", 0, ch=3)
        w.write_samples(sid, np.zeros((5, 3), np.float32), np.arange(5) / 1000)
    with open_recording(path) as rec:
        assert rec.channel_labels == ["ch1", "ch2", "ch3"] and rec.units_in == ["", "", ""]
        assert rec.warnings == ["no unit declared: assuming microvolts (all channels)"]

    # a header whose desc lists 2 channels for a 3-channel stream (hand-made: our writer refuses)
    xml = (
        b"<info><name>e</name><type>EMG</type><channel_count>3</channel_count>"
        b"<nominal_srate>1000</nominal_srate><channel_format>float32</channel_format><desc><channels>"
        b"<channel><label>L</label><unit>mV</unit></channel><channel><label></label></channel>"
        b"</channels></desc></info>"
    )
    sample = b"\x08" + struct.pack("<d", 1.0) + np.ones(3, "<f4").tobytes()
    raw = (
        MAGIC
        + chunk_header(2, len(xml), 1)
        + xml
        + chunk_header(3, 2 + len(sample), 1)
        + b"\x01\x01"
        + sample
    )
    path.write_bytes(raw)
    with open_recording(path) as rec:
        assert rec.channel_labels == ["L", "ch2", "ch3"] and rec.units_in == ["mV", "", ""]
        assert "describes 2 channels but has 3" in rec.warnings[0]
        assert rec.warnings[1] == "no unit declared: assuming microvolts (channels ch2, ch3)"
        assert next(rec.iter_chunks()).tolist() == [[1000.0, 1.0, 1.0]]


def test_rates(tmp_path):
    path = _file(tmp_path, [_s("e", "EMG", 100, fs=512.0)])
    assert open_recording(path).fs_hz == 512.0
    assert open_recording(path, fs_hz=512.5).fs_hz == 512.0  # within 0.5 %
    with pytest.raises(RecordingError, match=r"nominal_srate\) gives 512 Hz but 500 Hz was passed"):
        open_recording(path, fs_hz=500)

    slow = _file(tmp_path, [_s("e", "EMG", 100, fs=50.0)], "slow.xdf")
    assert any("50 Hz is below 100 Hz" in w for w in open_recording(slow).warnings)

    irregular = _file(tmp_path, [_s("e", "EMG", 100, fs=0.0)], "irr.xdf")  # stamps 10 ms apart
    rec = open_recording(irregular)
    assert rec.fs_hz == 100.0 and any("declares no nominal rate (irregular)" in w for w in rec.warnings)
    assert open_recording(irregular, fs_hz=99.0).fs_hz == 99.0


def test_measured_rate_far_from_nominal_is_warned(tmp_path):
    path = tmp_path / "drop.xdf"
    with XdfWriter(path) as w:
        sid = w.add_stream("e", "EMG", 1, 250.0, "float32")
        w.write_samples(sid, np.zeros((100, 1), np.float32), np.arange(100) / 200.0)  # really 200 Hz
    rec = open_recording(path)
    assert rec.fs_hz == 250.0
    assert any("measured rate 200 Hz differs from the nominal 250 Hz" in w for w in rec.warnings)


def test_markers_are_relative_to_the_first_signal_sample_across_clocks(tmp_path):
    path = tmp_path / "mk.xdf"
    with XdfWriter(path) as w:
        sig = w.add_stream("e", "EMG", 1, 100.0, "float32")
        mk = w.add_stream("cues", "Markers", 2, 0.0, "string")
        w.write_samples(sig, np.zeros((500, 1), np.float32), 1000.0 + np.arange(500) / 100.0)
        w.write_samples(mk, [["go", "left"], ["stop", ""]], [1001.5 - 3.0, 1003.0 - 3.0])
        for t in (1000.0, 1002.0, 1004.0):
            w.write_clock_offset(sig, t, 0.0)
            w.write_clock_offset(mk, t - 3.0, 3.0)  # the marker source's clock runs 3 s behind
    with open_recording(path) as rec:
        assert [(pytest.approx(o, abs=1e-6), t) for o, t in rec.markers] == [
            (1.5, "go | left"),
            (3.0, "stop | "),
        ]


def test_several_marker_streams_are_merged_and_prefixed(tmp_path):
    path = tmp_path / "mk2.xdf"
    with XdfWriter(path) as w:
        sig = w.add_stream("e", "EMG", 1, 100.0, "float32")
        a = w.add_stream("A", "Markers", 1, 0.0, "string")
        b = w.add_stream("B", "Markers", 1, 0.0, "string")
        w.write_samples(sig, np.zeros((100, 1), np.float32), 10.0 + np.arange(100) / 100.0)
        w.write_samples(a, ["a1", "a2"], [10.2, 10.9])
        w.write_samples(b, ["b1"], [9.5])
    rec = open_recording(path)
    assert [(round(o, 6), t) for o, t in rec.markers] == [(-0.5, "B: b1"), (0.2, "A: a1"), (0.9, "A: a2")]


def test_write_recording_round_trip_is_bit_equal(tmp_path):
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((5000, 4)) * 200).astype(np.float32)
    x[0, 0] = np.float32(1e-40)  # a subnormal
    markers = [(0.25, "twitch"), (2.0, "cramp, start"), (4.5, "end")]
    path = tmp_path / "rt.xdf"
    write_recording(
        path, x, 2048.0, ["A", "B", "C", "D"], markers=markers, stream_name="sim", stream_type="EMG"
    )
    with open_recording(path) as rec:
        chunks = list(rec.iter_chunks(1000))
        assert [len(c) for c in chunks] == [1000] * 5
        assert all(c.dtype == np.float32 and c.flags.c_contiguous and c.shape[1] == 4 for c in chunks)
        assert np.concatenate(chunks).tobytes() == x.tobytes()
        assert (rec.fs_hz, rec.n_samples, rec.n_channels) == (2048.0, 5000, 4)
        assert rec.channel_labels == ["A", "B", "C", "D"] and rec.units_in == ["microvolts"] * 4
        assert (rec.stream_name, rec.stream_type) == ("sim", "EMG")
        assert [(pytest.approx(o, abs=1e-9), t) for o, t in rec.markers] == markers
        assert rec.warnings == []


def test_chunks_are_fresh_copies_and_iteration_restarts(tmp_path):
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    path = tmp_path / "c.xdf"
    write_recording(path, x, 1000.0, ["a", "b"])
    rec = open_recording(path)
    for chunk in rec.iter_chunks(7):
        chunk[:] = -1.0  # callers may filter in place
    assert np.concatenate(list(rec.iter_chunks(7))).tobytes() == x.tobytes()
    with pytest.raises(ValueError, match=">= 1"):
        next(rec.iter_chunks(0))
    rec.close()
    with pytest.raises(RecordingError, match="recording is closed"):
        next(rec.iter_chunks())


def test_integer_streams_become_float32_exactly(tmp_path):
    path = tmp_path / "i.xdf"
    values = np.array([[-32768, 32767], [0, 1]], np.int16)
    with XdfWriter(path) as w:
        sid = w.add_stream("e", "EMG", 2, 1000.0, "int16", channel_units=["uV", "uV"])
        w.write_samples(sid, values, [0.0, 0.001])
    with open_recording(path) as rec:
        assert np.array_equal(next(rec.iter_chunks()), values.astype(np.float32))


def test_gzip_compressed_xdfz(tmp_path):
    x = np.arange(10, dtype=np.float32).reshape(5, 2)
    write_recording(tmp_path / "r.xdf", x, 1000.0, ["a", "b"])
    (tmp_path / "r.xdfz").write_bytes(gzip.compress((tmp_path / "r.xdf").read_bytes()))
    with open_recording(tmp_path / "r.xdfz") as rec:
        assert next(rec.iter_chunks()).tobytes() == x.tobytes()
