"""Gaussian-derivative waveforms: analytic smoothing against a numerical oracle, measurements."""

from __future__ import annotations

import numpy as np
import pytest

from twitchwatch.sim.waveform import (
    GaussianWaveform,
    anti_alias_gain,
    anti_alias_sigma_s,
    count_phases,
    extent,
)


def _numerical_smoothing(shape: GaussianWaveform, sigma_s: float, step_s: float = 1e-5):
    """Slow oracle: convolve the unsmoothed waveform with a sampled unit-area Gaussian."""
    lo, hi = shape.support_s(sigma_s)
    t = np.arange(lo - 6 * sigma_s, hi + 6 * sigma_s, step_s)
    kernel_t = np.arange(-6 * sigma_s, 6 * sigma_s + step_s / 2, step_s)
    kernel = np.exp(-0.5 * (kernel_t / sigma_s) ** 2)
    kernel /= kernel.sum()
    return t, np.convolve(shape.evaluate(t), kernel, mode="same")


@pytest.mark.parametrize("order", [0, 1, 2, 3, 4])
def test_analytic_smoothing_matches_numerical_convolution(order):
    shape = GaussianWaveform((order, 1), (0.0, 0.004), (0.0015, 0.002), (1.0, -0.4))
    sigma = 0.0012
    t, oracle = _numerical_smoothing(shape, sigma)
    analytic = shape.evaluate(t, sigma)
    inner = slice(2000, -2000)  # away from the edges of the 'same' convolution
    assert np.max(np.abs(analytic[inner] - oracle[inner])) < 1e-4 * np.max(np.abs(oracle))


def test_smoothing_broadcasts_per_channel_widths():
    shape = GaussianWaveform((2,), (0.0,), (0.002,), (1.0,))
    t = np.linspace(-0.01, 0.01, 101)[:, None]
    widths = np.array([0.0, 0.001, 0.002])
    out = shape.evaluate(t, widths[None, :])
    assert out.shape == (101, 3)
    for c, w in enumerate(widths):
        np.testing.assert_allclose(out[:, c], shape.evaluate(t[:, 0], w))
    # wider smoothing lowers the peak of a triphasic wave
    assert abs(out[50, 0]) > abs(out[50, 1]) > abs(out[50, 2]) > 0


@pytest.mark.parametrize("order, phases", [(1, 2), (2, 3), (3, 4), (4, 5)])
def test_phase_count_of_single_derivatives(order, phases):
    _, v = GaussianWaveform((order,), (0.0,), (0.002,), (1.0,)).fine()
    assert count_phases(v) == phases


def test_phase_count_ignores_ripples_below_threshold():
    v = np.array([0.0, 1.0, 0.5, 0.01, -0.01, 0.02, -1.0, 0.0])
    assert count_phases(v) == 2
    assert count_phases(np.zeros(5)) == 0


def test_extent_is_span_above_threshold():
    t = np.arange(10.0)
    v = np.array([0, 0.01, 0.2, 1.0, -0.5, 0.06, 0.04, 0, 0, 0])
    assert extent(t, v, 0.05) == (2.0, 5.0)
    assert all(np.isnan(extent(t, np.zeros(10))))


@pytest.mark.parametrize("fs", [200.0, 250.0, 2000.0, 10000.0])
def test_anti_alias_filter_is_tenth_at_nyquist(fs):
    assert anti_alias_gain(fs / 2, fs) == pytest.approx(0.1, rel=0.01)
    assert anti_alias_gain(0.0, fs) == 1.0
    assert anti_alias_sigma_s(fs) * fs == pytest.approx(0.683)
