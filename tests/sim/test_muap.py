"""MUAP shapes: durations, phases, spectrum, and sampling at low rates without aliasing."""

from __future__ import annotations

import numpy as np
import pytest

from twitchwatch.sim.constants import (
    COMPLEX_MIN_PHASES,
    CRAMP_MNF_HZ,
    FASCICULATION_MNF_HZ,
    VOLUNTARY_MNF_HZ,
)
from twitchwatch.sim.muap import random_muap
from twitchwatch.sim.units import MotorUnit
from twitchwatch.sim.waveform import FINE_STEP_S, count_phases, extent


def _spectrum(values: np.ndarray, step_s: float = FINE_STEP_S):
    power = np.abs(np.fft.rfft(values, 1 << 16)) ** 2
    return np.fft.rfftfreq(1 << 16, step_s), power


@pytest.fixture(scope="module")
def shapes():
    rng = np.random.default_rng(123)
    simple = [random_muap(rng, FASCICULATION_MNF_HZ) for _ in range(80)]
    complex_ = [random_muap(rng, FASCICULATION_MNF_HZ, "complex") for _ in range(20)]
    return simple, complex_


def test_durations_are_5_to_25_ms_and_peak_to_peak_is_one(shapes):
    for shape, _ in shapes[0] + shapes[1]:
        t, v = shape.fine()
        start, end = extent(t, v)
        assert 0.005 <= end - start <= 0.025
        assert np.ptp(v) == pytest.approx(1.0, rel=1e-6)
        assert abs(0.5 * (start + end)) < 1e-4  # centred on its extent


def test_simple_shapes_have_2_to_4_phases_and_all_kinds_occur(shapes):
    kinds = {kind for _, kind in shapes[0]}
    assert kinds == {"biphasic", "triphasic", "polyphasic"}
    for shape, kind in shapes[0]:
        phases = count_phases(shape.fine()[1])
        assert 2 <= phases <= 4
        if kind == "biphasic":
            assert phases == 2
        if kind == "triphasic":
            assert phases == 3


def test_complex_shapes_have_more_than_4_phases(shapes):
    for shape, kind in shapes[1]:
        assert kind == "complex"
        assert count_phases(shape.fine()[1]) >= COMPLEX_MIN_PHASES


def test_energy_mostly_in_surface_emg_band(shapes):
    for shape, _ in shapes[0]:
        f, p = _spectrum(shape.fine()[1])
        assert p[(f >= 40) & (f <= 250)].sum() / p.sum() > 0.75


def test_cramp_shapes_are_higher_in_frequency_than_voluntary():
    rng = np.random.default_rng(7)

    def mean_frequency(mnf_range):
        out = []
        for _ in range(40):
            f, p = _spectrum(random_muap(rng, mnf_range)[0].fine()[1])
            out.append((f * p).sum() / p.sum())
        return np.mean(out)

    cramp, voluntary = mean_frequency(CRAMP_MNF_HZ), mean_frequency(VOLUNTARY_MNF_HZ)
    assert 85 <= cramp <= 120
    assert 65 <= voluntary <= 90
    assert cramp - voluntary > 15


@pytest.mark.parametrize("fs", [200.0, 250.0])
def test_low_rate_sampling_keeps_energy_whatever_the_sub_sample_phase(shapes, fs):
    """At 200-250 Hz the waveform is evaluated (after the anti-alias filter) at the sample
    times: its sampled energy matches the continuous one whatever the sub-sample phase,
    which would not hold if content far above Nyquist were sampled (aliasing)."""
    errors = []
    for shape, kind in shapes[0]:
        unit = MotorUnit(shape, kind, position_ch=0.0, spread_ch=1.0, delay_s_per_ch=0.0)
        tf, vf = unit.continuous(0, 1, fs)
        energy = np.sum(vf**2) * FINE_STEP_S
        for offset in np.linspace(0.0, 1.0, 8, endpoint=False):
            v = unit.waveforms((np.arange(-25, 26) + offset) / fs, 1, fs)[:, 0]
            errors.append(abs(np.sum(v**2) / fs / energy - 1.0))
    assert np.median(errors) < 0.1
    assert np.percentile(errors, 90) < 0.35
