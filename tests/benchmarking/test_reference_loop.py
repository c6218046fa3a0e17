"""The reference loop of issue 4's throughput bar computes what it claims (scipy is the oracle),
carries its state across chunks, and the interleaved measurement reports a consistent ratio.
(No timing is asserted here: performance claims live in benchmarks/.)"""

import numpy as np
import pytest
from scipy import signal

from twitchwatch.benchmarking import reference_loop, throughput
from twitchwatch.benchmarking.baselines import BAND_HZ, SMOOTHING_ALPHA
from twitchwatch.benchmarking.reference_loop import ReferenceLoop, reference_sos
from twitchwatch.benchmarking.signals import emg_block

FS_HZ = 1000.0


@pytest.fixture(scope="module")
def data():
    reference_loop.compile_for(np.float32)
    return emg_block(3, FS_HZ, 4.0)


def oracle(x, fs_hz):
    """scipy: sosfilt of the cascade, then the one-pole envelope of |y| and the threshold count."""
    y = signal.sosfilt(reference_sos(fs_hz), x.astype(np.float64), axis=0)
    env = signal.lfilter([SMOOTHING_ALPHA], [1, SMOOTHING_ALPHA - 1], np.abs(y), axis=0)
    return env, (env > reference_loop.THRESHOLD_UV).sum(axis=0)


def test_the_loop_filters_as_scipy_and_counts_the_envelope_above_threshold(data):
    loop = ReferenceLoop(FS_HZ, data.shape[1])
    loop.process(data)
    env, above = oracle(data, FS_HZ)
    np.testing.assert_allclose(loop.envelope, env[-1], rtol=1e-12)
    np.testing.assert_array_equal(loop.samples_above, above)
    assert above.sum() > 0  # the simulated twitches and cramp reach the threshold


def test_the_loop_carries_its_state_across_chunks(data):
    whole, pieces = ReferenceLoop(FS_HZ, 3), ReferenceLoop(FS_HZ, 3)
    whole.process(data)
    cuts = [0, 1, 1, 250, 1999, data.shape[0]]
    for a, b in zip(cuts, cuts[1:]):
        pieces.process(data[a:b])
    np.testing.assert_array_equal(whole.z, pieces.z)
    np.testing.assert_array_equal(whole.envelope, pieces.envelope)
    np.testing.assert_array_equal(whole.samples_above, pieces.samples_above)


def test_the_band_stays_below_nyquist_at_250_hz():
    sos = reference_sos(250.0)
    assert sos.shape == (3, 6)
    w, h = signal.sosfreqz(sos, worN=[BAND_HZ[0] * 3, 50.0], fs=250.0)
    assert abs(h[0]) > 0.5 and abs(h[1]) < 0.1  # pass-band passes, the notch removes 50 Hz


def test_the_bar_is_60_of_160():
    assert reference_loop.BAR_FRACTION == pytest.approx(60.0 / 160.0)


def test_engine_against_the_reference_loop_reports_a_consistent_ratio(data):
    out = throughput.engine_vs_reference(data, FS_HZ, 2.0, rounds=2)
    assert out["channel_samples"] == 2 * int(FS_HZ) * 3
    assert out["engine_to_reference"] == pytest.approx(out["engine_msamples_per_s"] / out["reference_msamples_per_s"])
    assert out["scaled_bar_msamples_per_s"] == pytest.approx(out["bar_fraction"] * out["reference_msamples_per_s"])
    assert out["meets_bar"] == (out["engine_to_reference"] >= out["bar_fraction"])
    assert out["engine_at_reference_160_msamples_per_s"] == pytest.approx(160.0 * out["engine_to_reference"])
