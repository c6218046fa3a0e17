"""Integer overflow wraps (PhysioNet emg_neuropathy style): found, counted, undone, never twitches.

The real emg_neuropathy record is not in ../shared/data, so its defect is reproduced: a simulated
recording whose values exceed the int16 range is stored as WFDB format 16 with the overflow
wrapping (what a careless int16 cast does), next to the same signal stored as floats.
"""

from __future__ import annotations

import numpy as np
import pytest

from twitchwatch.checks import WrapUnwrapper
from twitchwatch.engine import Detector
from twitchwatch.formats import write_recording
from twitchwatch.session import Session
from twitchwatch.sim import simulate
from twitchwatch.sources import FileSource

wfdb = pytest.importorskip("wfdb")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")

FS = 2000.0
UV_PER_COUNT = 0.01  # a gain that leaves +-327 µV of range: twitches on a DC offset go past it
PERIOD_UV = 65536 * UV_PER_COUNT


def wrapped_int16(counts: np.ndarray) -> np.ndarray:
    return (((counts + 32768) % 65536) - 32768).astype(np.int16)


@pytest.fixture(scope="module")
def neuropathy_like(tmp_path_factory):
    """(wrapped WFDB .hea, the same signal as float32 XDF, the number of wraps in the file)."""
    folder = tmp_path_factory.mktemp("wrap")
    sim = simulate("rest-benign", duration_s=40.0, fs_hz=FS, n_channels=2, seed=7)
    t = np.arange(sim.data.shape[0]) / FS
    # a DC offset and a slow sway keep channel 1 near the top of the range: twitches wrap it
    uv = sim.data.astype(np.float64) * 2.0
    uv[:, 0] += 200.0 + 40.0 * np.sin(2 * np.pi * 0.1 * t)
    counts = np.round(uv / UV_PER_COUNT).astype(np.int64)
    assert counts.max() > 32767, "the test signal must exceed the int16 range"
    stored = wrapped_int16(counts)
    # WFDB reserves -32768 for a missing sample (read as NaN): wraps are steps between the others
    kept = stored[:, 0][stored[:, 0] != -32768].astype(np.int64)
    n_wraps = int(np.sum(np.abs(np.diff(kept)) > 49152))
    gain_adu_per_mv = 1000.0 / UV_PER_COUNT
    wfdb.wrsamp("neuro", fs=FS, units=["mV", "mV"], sig_name=["EMG1", "EMG2"],
                d_signal=stored.astype(np.int32), fmt=["16", "16"],
                adc_gain=[gain_adu_per_mv] * 2, baseline=[0, 0], write_dir=str(folder))
    clean = folder / "clean.xdf"
    write_recording(clean, (counts * UV_PER_COUNT).astype(np.float32), FS, ["EMG1", "EMG2"])
    return folder / "neuro.hea", clean, n_wraps


def run(path, chunk_samples=4096):
    with FileSource(path) as src:
        session = Session(src, chunk_samples=chunk_samples, keep_events=None)
        summary = session.run()
        return summary, session.wrap_count


def key(events):
    return [(e.kind, e.onset_sample, e.channel) for e in events]


def test_a_wrapped_16_bit_record_gives_the_events_of_the_true_signal(neuropathy_like):
    hea, clean, n_wraps = neuropathy_like
    assert n_wraps >= 4
    wrapped_summary, wraps = run(hea)
    clean_summary, _ = run(clean)
    assert wraps == n_wraps
    assert key(wrapped_summary.events) == key(clean_summary.events)
    assert clean_summary.counts["fasciculation"] > 0
    (note,) = [w for w in wrapped_summary.warnings if "integer overflow wrap" in w]
    assert note.startswith(f"channel EMG1: {n_wraps} integer overflow wrap(s)")
    assert "not counted as twitches" in note and "re-export" in note


def test_without_unwrapping_the_wraps_would_be_taken_for_events(neuropathy_like):
    """What the check prevents: fed as stored, each wrap is a step of a full range (655 µV here)
    that the detector reports as part of an event the true signal does not have."""
    hea, clean, _ = neuropathy_like
    with FileSource(hea) as src:
        parts = []
        while (chunk := src.read(8192)) is not None:
            parts.append(chunk)
    raw = np.concatenate(parts)
    assert np.nanmax(np.abs(np.diff(raw[:, 0]))) > 0.75 * PERIOD_UV  # the wraps are there
    det = Detector(FS, 2)
    events = det.process(raw) + det.finish()
    clean_summary, _ = run(clean)
    def sizes(evs):
        return sorted((e.onset_sample, e.kind, round(e.peak_to_peak_uv)) for e in evs)

    assert sizes(events) != sizes(clean_summary.events)
    assert max(e.peak_to_peak_uv for e in events) > 0.75 * PERIOD_UV
    assert max(e.peak_to_peak_uv for e in clean_summary.events) < 0.75 * PERIOD_UV


def test_the_period_comes_from_the_format_and_gain(neuropathy_like):
    hea, _, _ = neuropathy_like
    with FileSource(hea) as src:
        assert src.wrap_periods_uv == pytest.approx([PERIOD_UV, PERIOD_UV])


@pytest.mark.parametrize("chunk", [1, 7, 500, 100_000])
def test_unwrapping_does_not_depend_on_where_chunks_end(chunk):
    rng = np.random.default_rng(3)
    true = np.cumsum(rng.normal(0, 30.0, size=(5000, 2)), axis=0)  # wanders across the range
    period = 1000.0
    stored = (true + period / 2) % period - period / 2
    u = WrapUnwrapper([period, None], ["A", "B"])
    out = np.concatenate([u.process(stored[i:i + chunk].astype(np.float32), i)
                          for i in range(0, len(stored), chunk)])
    expected_wraps = int(np.sum(np.abs(np.diff(stored[:, 0])) > 0.75 * period))
    assert u.wraps.tolist() == [expected_wraps, 0] and expected_wraps > 0
    # channel A back on the true path (up to its first value's period), B untouched
    assert np.allclose(out[:, 0] - true[:, 0], out[0, 0] - true[0, 0], atol=0.01)
    assert np.array_equal(out[:, 1], stored[:, 1].astype(np.float32))


def test_float_streams_have_nothing_to_unwrap():
    u = WrapUnwrapper([None, None], ["A", "B"])
    x = np.array([[0.0, 0.0], [1e5, -1e5]], np.float32)
    assert not u.enabled and u.process(x, 0) is x and u.warnings() == []
