"""A channel count that changes mid-stream is a clear error, never a silent misalignment."""

from __future__ import annotations

import numpy as np
import pytest

from twitchwatch.checks import InputLayoutError
from twitchwatch.session import Session
from twitchwatch.sources.base import Source


class Changing(Source):
    """8 channels for a while, then 4 (a re-resolved stream, a file with inconsistent rows)."""

    def __init__(self):
        self.fs_hz, self.n_channels, self.name = 1000.0, 8, "changing"
        self.channel_labels = [f"ch{i}" for i in range(8)]
        self.blocks = [np.zeros((500, 8), np.float32), np.zeros((300, 4), np.float32)]

    def read(self, max_samples, timeout_s=0.0):
        return self.blocks.pop(0) if self.blocks else None


def test_a_chunk_with_another_channel_count_stops_with_a_clear_error_keeping_the_events():
    events_written = []
    session = Session(Changing(), sinks=[type("S", (), {"write": lambda self, e: events_written.append(e)})()])
    with pytest.raises(InputLayoutError, match=r"changing: the input changed from 8 channels to 4 "
                                               r"channels at sample 500; .*Everything up to here"):
        session.run()
    assert session.detector.samples_processed == 500  # nothing of the new layout was mixed in
    session.finish(stopped_early=True)  # and what was measured can still be concluded
    assert session.summary.finished and session.summary.samples == 500


def test_layout_error_is_a_value_error_for_callers_that_catch_bad_input():
    assert issubclass(InputLayoutError, ValueError)


def test_the_live_monitor_concludes_and_flushes_before_reporting_a_layout_change(tmp_path):
    from twitchwatch.live import LiveMonitor
    from twitchwatch.sources import SimulatorSource

    class ThenChanged(SimulatorSource):
        def read(self, max_samples, timeout_s=0.0):
            out = super().read(max_samples, timeout_s)
            if out is None:
                raise InputLayoutError("sensor came back with 4 channels")
            return out

    events_csv = tmp_path / "events.csv"
    with ThenChanged("rest-benign", duration_s=20.0, fs_hz=1000.0, n_channels=2, seed=1) as src, LiveMonitor(src, events_out=events_csv) as monitor:
        with pytest.raises(InputLayoutError, match="4 channels"):
            monitor.run()
        summary = monitor.summary
    assert summary.finished and summary.stopped_early and summary.samples == 20_000
    rows = events_csv.read_text().splitlines()
    assert len(rows) - 1 == sum(summary.counts.values()) > 0  # every event decided is on disk
