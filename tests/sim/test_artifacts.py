"""Artefacts and noise: each present when asked, absent when not, and as specified."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import welch

from twitchwatch.sim import simulate

#: Nothing at all: each test switches on what it checks.
NOTHING = dict(twitch_rate_per_min=0.0, noise_uv_rms=0.0, mains_hz=None, ecg_uv=0.0,
               n_cramps=0, n_contractions=0, motion_per_min=0.0, pops_per_min=0.0,
               clip_uv=None)


def only(**kwargs):
    return {**NOTHING, **kwargs}


def test_nothing_means_silence():
    sim = simulate("mixed", duration_s=20.0, n_channels=3, seed=1, return_components=True,
                   **NOTHING)
    assert not np.any(sim.data) and sim.truth == [] and sim.components == {}


@pytest.mark.parametrize("fs, rms", [(250.0, 8.0), (2000.0, 5.0), (2000.0, 0.7)])
def test_noise_rms_as_requested_with_1_over_f_part(fs, rms):
    sim = simulate("rest-benign", duration_s=60.0, fs_hz=fs, n_channels=3, seed=2,
                   **only(noise_uv_rms=rms))
    measured = np.sqrt(np.mean(sim.data.astype(float) ** 2, axis=0))
    np.testing.assert_allclose(measured, rms, rtol=0.05)
    assert [e for e in sim.truth] == []
    f, p = welch(sim.data[:, 0], fs, nperseg=4096)
    low = p[(f >= 1.5) & (f <= 5)].mean()
    high = p[(f >= 0.3 * fs) & (f <= 0.45 * fs)].mean()
    assert low > 3 * high  # 1/f noise at low frequencies on top of the white floor
    assert abs(np.corrcoef(sim.data[:, 0], sim.data[:, 1])[0, 1]) < 0.1  # independent channels


def _peak_ratio(x, fs, f0, nperseg=8192):
    f, p = welch(x, fs, nperseg=nperseg)
    k = int(np.argmin(np.abs(f - f0)))
    around = np.r_[p[max(k - 40, 1) : k - 4], p[k + 5 : k + 41]]
    return p[k - 1 : k + 2].max() / np.median(around)


@pytest.mark.parametrize("mains_hz", [50.0, 60.0])
def test_mains_fundamental_and_harmonics(mains_hz):
    fs = 2000.0
    sim = simulate("rest-benign", duration_s=30.0, fs_hz=fs, n_channels=2, seed=3,
                   **only(mains_hz=mains_hz, mains_uv=10.0, noise_uv_rms=2.0))
    x = sim.data[:, 0].astype(float)
    for k in (1, 2, 3):
        assert _peak_ratio(x, fs, k * mains_hz) > 20
    other = 55.0 if mains_hz == 60.0 else 65.0
    assert _peak_ratio(x, fs, other) < 5
    (event,) = sim.events("artifact", "mains")
    assert (event.channel, event.onset_s, event.duration_s) == (0, 0.0, 30.0)
    assert event.channels == (1, 2)
    assert event.amplitude_uv == pytest.approx(20.0, rel=0.05)


def test_mains_absent_when_none():
    sim = simulate("rest-benign", duration_s=30.0, seed=3, **only(noise_uv_rms=2.0))
    assert _peak_ratio(sim.data[:, 0].astype(float), sim.fs_hz, 50.0) < 5
    assert sim.events("artifact", "mains") == []


def test_mains_harmonics_above_nyquist_are_left_out():
    sim = simulate("noisy-consumer-250hz", duration_s=30.0, seed=3, return_components=True,
                   **only(mains_hz=60.0, mains_uv=40.0))
    x = sim.components["mains"]
    f, p = welch(x[:, 0], 250.0, nperseg=4096)
    assert f[np.argmax(p)] == pytest.approx(60.0, abs=0.2)
    # the fundamental has the requested amplitude as recorded (on the strongest channel)
    spec = np.fft.rfft(x, axis=0)
    freqs = np.fft.rfftfreq(len(x), 1 / 250.0)
    spec[np.abs(freqs - 60.0) > 3.0] = 0
    fundamental = np.fft.irfft(spec, n=len(x), axis=0)
    amplitude = np.sqrt(2) * np.sqrt(np.mean(fundamental**2, axis=0)).max()
    assert amplitude == pytest.approx(40.0, rel=0.1)
    alias_of_180 = 250.0 - 180.0  # the 3rd harmonic would fold to 70 Hz
    k = np.argmin(np.abs(f - alias_of_180))
    assert p[k] < 1e-6 * p.max()


@pytest.fixture(scope="module")
def ecg_sim():
    return simulate("ecg-contaminated", duration_s=60.0, n_channels=4, seed=4,
                    return_components=True, **only(ecg_uv=200.0))


def test_ecg_is_periodic_at_a_heart_rate(ecg_sim):
    beats = ecg_sim.events("artifact", "ecg")
    rr = np.diff([e.onset_s for e in beats])
    hr = 60.0 / rr.mean()
    assert 55 <= hr <= 90
    assert 0.02 < rr.std() / rr.mean() < 0.1  # heart-rate variability ~5 %
    # the signal itself repeats at that interval: autocorrelation peak at the mean RR
    x = ecg_sim.data[:, 0].astype(float)
    fs = ecg_sim.fs_hz
    ac = np.fft.irfft(np.abs(np.fft.rfft(x, 2 * len(x))) ** 2)
    lags = np.arange(int(0.4 * fs), int(1.5 * fs))
    assert lags[int(np.argmax(ac[lags]))] / fs == pytest.approx(rr.mean(), rel=0.05)


def test_ecg_beats_are_qrs_windows_on_all_channels(ecg_sim):
    fs = ecg_sim.fs_hz
    x = ecg_sim.components["ecg"]
    for e in ecg_sim.events("artifact", "ecg"):
        assert 0.08 <= e.duration_s <= 0.105
        assert e.channels == (1, 2, 3, 4)
        a, b = math.ceil(e.onset_s * fs), math.floor(e.end_s * fs) + 1
        seg = x[a:b, e.channel - 1]
        assert np.ptp(seg) == pytest.approx(e.amplitude_uv, rel=1e-3)
        assert 200 * 0.85 <= e.amplitude_uv <= 200 * 1.15
        peak = a + int(np.argmax(np.abs(seg)))
        assert a + 0.25 * (b - a) < peak < b - 0.25 * (b - a)  # sharp R inside the window
    pp = np.ptp(x, axis=0)
    assert pp.min() >= 0.35 * pp.max()  # far field: every channel, with varied gain
    assert pp.min() < pp.max()


def test_ecg_absent_when_zero():
    sim = simulate("ecg-contaminated", duration_s=20.0, seed=4, **only(noise_uv_rms=1.0))
    assert sim.events("artifact", "ecg") == []
    assert np.abs(sim.data).max() < 10


def test_clipping_saturates_and_is_reported_per_span():
    clip = 150.0
    sim = simulate("noisy-consumer-250hz", duration_s=120.0, seed=5,
                   **only(motion_per_min=6.0, pops_per_min=3.0, noise_uv_rms=3.0, clip_uv=clip))
    x = sim.data
    assert np.abs(x).max() == np.float32(clip)
    clipped = np.abs(x) == np.float32(clip)
    spans = sim.events("artifact", "clipping")
    assert clipped.any() and spans
    covered = np.zeros(sim.n_samples, bool)
    fs = sim.fs_hz
    for e in spans:
        a, b = round(e.onset_s * fs), round(e.end_s * fs)
        covered[a:b] = True
        assert clipped[a].any() and clipped[b - 1].any()  # spans start and end clipped
        assert e.amplitude_uv == 2 * clip
        assert e.channel in e.channels
        assert set(e.channels) == {c + 1 for c in np.flatnonzero(clipped[a:b].any(axis=0))}
    assert np.array_equal(covered & clipped.any(axis=1), clipped.any(axis=1))


def test_no_clipping_unless_asked():
    sim = simulate("noisy-consumer-250hz", duration_s=120.0, seed=5,
                   **only(motion_per_min=6.0, pops_per_min=3.0, noise_uv_rms=3.0))
    assert np.abs(sim.data).max() > 150.0
    assert sim.events("artifact", "clipping") == []


def test_pops_are_steps_with_decay_on_one_channel():
    sim = simulate("rest-benign", duration_s=300.0, fs_hz=2000.0, n_channels=4, seed=6,
                   return_components=True, **only(pops_per_min=4.0))
    pops = sim.events("artifact", "pop")
    assert abs(len(pops) - 20) < 4 * math.sqrt(20)
    x = sim.components["pops"]
    fs = sim.fs_hz
    for e in pops:
        assert e.channels == (e.channel,)
        assert 200 * 0.95 <= e.amplitude_uv <= 3000 * 1.05
        k = round(e.onset_s * fs)
        col = x[:, e.channel - 1]
        isolated = all(abs(o.onset_s - e.onset_s) > 3 for o in pops if o is not e)
        if isolated and k + int(0.02 * fs) < len(col) and k > 10:
            before, after = col[k - 10], col[k + 3]
            assert abs(before) < 0.05 * e.amplitude_uv  # nothing before the step
            assert abs(after) > 0.6 * e.amplitude_uv  # the step
            end = min(round(e.end_s * fs), len(col) - 1)
            assert abs(col[end]) < 0.06 * e.amplitude_uv  # decayed to ~5 % at the end
    # other channels untouched by a pop
    assert all(np.count_nonzero(x[:, c]) == 0 for c in range(4)
               if c + 1 not in {e.channel for e in pops})


def test_motion_is_slow_and_large():
    sim = simulate("noisy-consumer-250hz", duration_s=300.0, seed=7, return_components=True,
                   **only(motion_per_min=4.0))
    events = sim.events("artifact", "motion")
    assert abs(len(events) - 20) < 4 * math.sqrt(20)
    x = sim.components["motion"]
    fs = sim.fs_hz
    inside = np.zeros(sim.n_samples, bool)
    for e in events:
        assert 0.1 <= e.duration_s <= 1.0 and 100 * 0.99 <= e.amplitude_uv <= 2000 * 1.01
        a, b = math.ceil(e.onset_s * fs), math.floor(e.end_s * fs) + 1
        inside[a:b] = True
        assert np.ptp(x[a:b, e.channel - 1]) == pytest.approx(e.amplitude_uv, rel=1e-3)
        assert e.channel in e.channels
    assert not np.any(x[~inside])
    f, p = welch(x[:, 0], fs, nperseg=1024)
    assert p[f <= 15].sum() > 0.9 * p.sum()  # low-frequency energy


def test_motion_and_pops_absent_when_not_asked():
    sim = simulate("noisy-consumer-250hz", duration_s=60.0, seed=7, return_components=True,
                   **only(noise_uv_rms=8.0))
    assert set(sim.components) == {"noise"}
    assert not sim.events("artifact")
