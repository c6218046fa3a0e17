"""`Recorder`: a live session to XDF as LabRecorder writes it; pyxdf is the oracle.

The subprocess kill -9 test of `live --record` is in tests/integration; here the file is cut
where a crash could cut it, in process.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import pyxdf

from twitchwatch.engine import Event
from twitchwatch.sinks.lsl_events import NominalTiming
from twitchwatch.sinks.recorder import Recorder, RecorderError, SignalStream
from twitchwatch.sources.lsl_health import Gap

FS = 500.0
LABELS = ["EMG1", "EMG2", "EMG3"]


def signal_stream(fmt="int16") -> SignalStream:
    return SignalStream(name="board", type="EXG", channel_count=3, nominal_srate=FS, format=fmt,
                        source_id="board-1", labels=LABELS, units=["counts"] * 3, types=["EMG"] * 3)


def make_event(onset: int) -> Event:
    return Event(kind="fasciculation", channel=2, onset_sample=onset, end_sample=onset + 9,
                 peak_to_peak_uv=80.0, channels=(2,), flags=(), n_phases=2, energy_uv2_s=1.0,
                 snr=10.0, rms_uv=0.0, mean_freq_hz=0.0, breadth=0.33, decided_at_sample=onset + 130)


class FakeClock:
    def __init__(self, t=50.0):
        self.t = t

    def __call__(self):
        return self.t


def by_name(streams):
    return {s["info"]["name"][0]: s for s in streams}


def record(path, n_chunks=20, close=True, background=True):
    """A session: 20 chunks of 25 int16 samples with raw stamps from 1000 s, an offset of
    -990 s (the sender's clock runs 990 s ahead), 2 events, 1 gap, statuses."""
    clock = FakeClock()
    timing = NominalTiming(FS, t0=10.0)  # sample i at 10 + i/FS in our clock
    rec = Recorder(path, signal_stream(), timing, LABELS, base_name="tw", clock=clock,
                   background=background)
    rng = np.random.default_rng(0)
    data = rng.integers(-2000, 2000, size=(n_chunks * 25, 3)).astype(np.int16)
    stamps = 1000.0 + np.arange(len(data)) / FS
    rec.write_signal_clock_offset(50.0, -990.0)
    for k in range(n_chunks):
        rec.write_signal(data[k * 25:(k + 1) * 25], stamps[k * 25:(k + 1) * 25])
        if k == 5:
            rec.write(make_event(40))
        if k == 10:
            rec.write_gap(Gap(200, 200, 5, stamps[199], stamps[200], "dropout"))
            rec.write(make_event(150))
        if k % 5 == 0:
            clock.t += 1.0
            rec.write_status(json.dumps({"state": "listening", "k": k}))
            rec.tick()
    rec.write_signal_clock_offset(clock.t, -990.0)
    if close:
        rec.close()
    return rec, data, stamps


@pytest.mark.parametrize("background", [True, False])
def test_three_streams_as_labrecorder_writes_them(tmp_path, background):
    path = tmp_path / "rec.xdf"
    rec, data, stamps = record(path, background=background)
    assert rec.closed
    streams, header = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
    s = by_name(streams)
    assert set(s) == {"board", "tw-events", "tw-status"}
    sig = s["board"]
    assert sig["info"]["type"] == ["EXG"] and sig["info"]["channel_format"] == ["int16"]
    assert sig["info"]["source_id"] == ["board-1"]
    chans = sig["info"]["desc"][0]["channels"][0]["channel"]
    assert [c["label"][0] for c in chans] == LABELS and chans[0]["unit"] == ["counts"]
    np.testing.assert_array_equal(sig["time_series"], data)  # raw values, their own type
    # pyxdf applies the recorded clock offsets: the sender's stamps land on our clock
    np.testing.assert_allclose(sig["time_stamps"], stamps - 990.0, atol=1e-9)
    assert sig["footer"]["info"]["sample_count"] == [str(len(data))]
    ev = s["tw-events"]
    assert ev["info"]["type"] == ["Markers"] and ev["info"]["channel_format"] == ["string"]
    payloads = [json.loads(x[0]) for x in ev["time_series"]]
    assert [p["kind"] for p in payloads] == ["fasciculation", "gap", "fasciculation"]
    assert [p["seq"] for p in payloads] == [0, 1, 2]
    np.testing.assert_allclose(ev["time_stamps"], [10 + 40 / FS, 10 + 200 / FS, 10 + 150 / FS])
    st = s["tw-status"]
    assert st["info"]["type"] == ["Status"] and len(st["time_series"]) == 4
    assert json.loads(st["time_series"][0][0])["state"] == "listening"
    for name in ("tw-events", "tw-status"):  # our own streams: clock offset 0, as measured
        offsets = s[name]["footer"]["info"]["clock_offsets"][0]["offset"]
        assert offsets and all(float(o["value"][0]) == 0.0 for o in offsets)


def test_a_file_cut_at_any_chunk_loads_up_to_it(tmp_path):
    """What a kill -9 leaves: no footers, maybe half a chunk at the end."""
    path = tmp_path / "rec.xdf"
    rec, data, stamps = record(path, close=False)
    try:
        rec.flush()  # the writer thread has written everything handed over
        assert rec.bytes_written > 0
        whole = tmp_path / "killed.xdf"
        shutil.copyfile(path, whole)
        raw = whole.read_bytes()
        cut = tmp_path / "cut.xdf"
        cut.write_bytes(raw[: len(raw) - 37])  # the last chunk broken off mid-way
        for f, at_least in ((whole, len(data)), (cut, len(data) - 25)):
            streams, _ = pyxdf.load_xdf(str(f), dejitter_timestamps=False)
            sig = by_name(streams)["board"]
            n = len(sig["time_stamps"])
            assert at_least <= n <= len(data)
            np.testing.assert_array_equal(sig["time_series"], data[:n])
    finally:
        rec.close()


def test_float_signals_and_close_twice(tmp_path):
    path = tmp_path / "f.xdf"
    rec = Recorder(path, signal_stream("float32"), NominalTiming(FS, t0=0.0), LABELS)
    x = np.linspace(-1, 1, 30, dtype=np.float32).reshape(10, 3)
    rec.write_signal(x, np.arange(10) / FS)
    rec.write_signal(x[:0], np.zeros(0))  # nothing: nothing written
    rec.close()
    rec.close()
    streams, _ = pyxdf.load_xdf(str(path))
    sig = by_name(streams)["board"]
    np.testing.assert_array_equal(sig["time_series"], x)
    with pytest.raises(ValueError, match="closed"):
        rec.write_status("{}")


def test_a_failure_in_the_writer_thread_is_raised_not_swallowed(tmp_path):
    rec = Recorder(tmp_path / "x.xdf", signal_stream(), NominalTiming(FS, t0=0.0), LABELS)
    rec.write_signal(np.zeros((4, 2), np.int16), np.arange(4) / FS)  # 2 channels, not 3
    with pytest.raises(RecorderError, match="shape"):
        rec.flush()
    with pytest.raises(RecorderError):
        rec.write_status("{}")
    with pytest.raises(RecorderError):
        rec.close()
    assert rec.closed
