"""`LiveMonitor` with a source that is not LSL (the simulator, unpaced): nominal times, the
recording of what the detector saw, outputs closed properly, errors propagated."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import pyxdf

from twitchwatch.engine import Detector
from twitchwatch.live import LiveMonitor
from twitchwatch.sinks import EVENT_CSV_COLUMNS
from twitchwatch.sources import SimulatorSource


def simulator():
    return SimulatorSource("rest-benign", duration_s=12.0, fs_hz=1000.0, n_channels=2, seed=4)


def test_simulator_through_the_monitor_to_csv_and_xdf(tmp_path):
    src = simulator()
    with LiveMonitor(src, events_out=tmp_path / "e.csv", record=tmp_path / "r.xdf",
                     keep_events=None) as mon:
        summary = mon.run()
        assert mon.health() is None and mon.status()["state"] in ("listening", "sustained_activity")
    det = Detector(src.fs_hz, src.n_channels)
    data = src.simulation.data.astype(np.float32)
    offline = det.process(data) + det.finish()
    assert [e.onset_sample for e in summary.events] == [e.onset_sample for e in offline]
    with open(tmp_path / "e.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == EVENT_CSV_COLUMNS and len(rows) - 1 == len(offline)
    assert [round(float(r[0]) * src.fs_hz) for r in rows[1:]] == [e.onset_sample for e in offline]
    streams, _ = pyxdf.load_xdf(str(tmp_path / "r.xdf"), dejitter_timestamps=False)
    by_type = {s["info"]["type"][0]: s for s in streams}
    sig = by_type["EMG"]
    np.testing.assert_array_equal(sig["time_series"], data)
    assert sig["info"]["desc"][0]["channels"][0]["channel"][0]["unit"] == ["microvolts"]
    stamps = sig["time_stamps"]
    markers = by_type["Markers"]
    assert len(markers["time_series"]) == len(offline)
    first = json.loads(markers["time_series"][0][0])
    k = offline[0].onset_sample
    assert markers["time_stamps"][0] == pytest.approx(stamps[k], abs=1e-6)
    assert first["source_time"] == pytest.approx(stamps[k], abs=1e-6)


def test_errors_in_outputs_propagate(tmp_path):
    def explode(event):
        raise RuntimeError("sink broke")

    src = simulator()
    with LiveMonitor(src, on_event=explode) as mon:
        with pytest.raises(RuntimeError, match="sink broke"):
            mon.run()
