"""Property tests over the engine's entry points as the session drives them: random chunkings,
random shapes and dtypes, extreme values. No exception but the documented ValueErrors, and the
events never depend on where chunks end (the input checks carry their state across chunks).

`make fuzz` runs these with TWITCHWATCH_FUZZ_EXAMPLES examples.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from twitchwatch.checks import InputLayoutError
from twitchwatch.engine import Detector
from twitchwatch.session import Session
from twitchwatch.sources.base import Source

EXAMPLES = int(os.environ.get("TWITCHWATCH_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FS = 500.0
PERIOD_UV = 6553.6


class ArraySource(Source):
    def __init__(self, data, chunks, wrap_period=None):
        self.fs_hz, self.n_channels, self.name = FS, data.shape[1], "fuzz"
        self.channel_labels = [f"c{i}" for i in range(data.shape[1])]
        self._data, self._chunks, self._pos, self._period = data, list(chunks), 0, wrap_period

    @property
    def wrap_periods_uv(self):
        return None if self._period is None else [self._period] * self.n_channels

    def read(self, max_samples, timeout_s=0.0):
        if self._pos >= len(self._data):
            return None
        n = self._chunks.pop(0) if self._chunks else max_samples
        out = self._data[self._pos:self._pos + min(n, max_samples)]
        self._pos += len(out)
        return out


def signal(seed: int, n: int, n_ch: int, extremes: list[tuple[int, int, float]]) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 10, (n, n_ch))
    x[rng.random(n) < 0.002] += 300.0  # spikes to detect
    for i, c, v in extremes:
        x[i % n, c % n_ch] = v
    # stored as 16-bit: wrapped into the period, as a careless int16 cast would (NaN stays NaN)
    with np.errstate(invalid="ignore"):
        return ((x + PERIOD_UV / 2) % PERIOD_UV - PERIOD_UV / 2).astype(np.float32)


def run(data, chunks, wrap=True):
    logging.getLogger("twitchwatch").setLevel(logging.CRITICAL)
    try:
        session = Session(ArraySource(data, chunks, PERIOD_UV if wrap else None), chunk_samples=3000,
                          keep_events=None)
        summary = session.run()
    finally:
        logging.getLogger("twitchwatch").setLevel(logging.NOTSET)
    return [(e.kind, e.onset_sample, e.channel) for e in summary.events], summary.warnings, session.wrap_count


@FUZZ
@given(seed=st.integers(0, 2**16), n_ch=st.integers(1, 3),
       chunks=st.lists(st.integers(0, 700), min_size=1, max_size=40),
       extremes=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 5),
                                   st.sampled_from([np.nan, np.inf, -np.inf, 3e4, -3e4, 1e12, 0.0])),
                         max_size=6))
def test_any_chunking_gives_the_same_events_and_warnings(seed, n_ch, chunks, extremes):
    data = signal(seed, 6000, n_ch, extremes)
    whole = run(data, [len(data)])
    pieces = run(data, chunks)
    assert pieces == whole


@FUZZ
@given(arr=hnp.arrays(dtype=st.sampled_from([np.float32, np.float64, np.int16, np.int32, np.int8,
                                             np.uint16, np.int64]),
                      shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=40)))
def test_the_detector_takes_any_numeric_chunk_or_refuses_it_with_a_value_error(arr):
    det = Detector(FS, 2)
    try:
        det.process(arr)
    except ValueError as exc:
        fits = arr.ndim == 2 and arr.shape[1] == 2
        assert not fits, f"a (n, 2) {arr.dtype} chunk was refused: {exc}"
        assert "chunk must have shape" in str(exc)
        return
    assert arr.ndim == 2 and arr.shape[1] == 2
    state = det.state
    assert all(np.all(np.isfinite(a)) for a in (state.zi, state.zn, state.zd))


@FUZZ
@given(values=hnp.arrays(np.float64, st.tuples(st.integers(1, 300), st.integers(1, 3)),
                         elements=st.floats(allow_nan=True, allow_infinity=True, width=64)))
def test_extreme_float_values_never_poison_the_filters(values):
    det = Detector(FS, values.shape[1])
    det.process(values)
    det.process(np.random.default_rng(0).normal(0, 5, (200, values.shape[1])))
    s = det.state
    assert all(np.all(np.isfinite(a)) for a in (s.zi, s.zn, s.zd))
    for q in det.quality():
        assert np.isfinite(q.noise_floor_uv_rms) and np.isfinite(q.band_rms_uv)


@FUZZ
@given(first=st.integers(1, 4), second=st.integers(1, 4))
def test_a_changed_channel_count_is_always_a_layout_error(first, second):
    data = np.zeros((100, first), np.float32)

    class Switch(ArraySource):
        def read(self, max_samples, timeout_s=0.0):
            out = super().read(max_samples, timeout_s)
            return np.zeros((5, second), np.float32) if out is None and self._pos < 10**6 and \
                not setattr(self, "_pos", 10**6) else out

    session = Session(Switch(data, [100]))
    if first == second:
        session.run()
    else:
        with pytest.raises(InputLayoutError):
            session.run()
