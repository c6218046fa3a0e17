"""Dead (constant) channels and huge DC offsets: reported or harmless, never twitches."""

from __future__ import annotations

import numpy as np
import pytest

from twitchwatch.session import Session
from twitchwatch.sim import simulate
from twitchwatch.sources.base import Source

FS = 1000.0


class Arrays(Source):
    def __init__(self, data):
        self.fs_hz, self.n_channels, self.name = FS, data.shape[1], "arrays"
        self.channel_labels = [f"EMG{i + 1}" for i in range(data.shape[1])]
        self._data, self._pos = data.astype(np.float32), 0

    def read(self, max_samples, timeout_s=0.0):
        if self._pos >= len(self._data):
            return None
        out = self._data[self._pos:self._pos + max_samples]
        self._pos += len(out)
        return out


@pytest.fixture(scope="module")
def sim():
    return simulate("rest-benign", duration_s=30.0, fs_hz=FS, n_channels=2, seed=5)


def events(data):
    summary = Session(Arrays(data), keep_events=None).run()
    return [(e.kind, e.onset_sample, e.channel) for e in summary.events], summary


def test_a_dead_channel_is_reported_and_gives_no_events(sim):
    data = sim.data.copy()
    data[:, 1] = 0.0  # the second electrode is off
    got, summary = events(data)
    assert [e for e in got if e[2] == 1] == []
    assert any(e[0] == "fasciculation" for e in got)  # the live channel still works
    assert any(w.startswith("channels EMG2: constant over the first") and "check the electrode" in w
               for w in summary.warnings)


@pytest.mark.parametrize("offset_uv", [5e4, -3e5])
def test_a_huge_dc_offset_changes_no_event(sim, offset_uv):
    plain, _ = events(sim.data)
    shifted, summary = events(sim.data.astype(np.float64) + offset_uv)
    assert shifted == plain and plain
    assert not [w for w in summary.warnings if "typical amplitude" in w]  # DC is not a unit error
