"""Everything in the signal that is not muscle: noise, mains, ECG, motion, pops, clipping.

Each generator returns (signal (n_samples, n_channels) float64 or None when absent, truth).

- Noise: white + 1/f (flat below 1 Hz), ``pink_fraction`` of the power 1/f, scaled so each
  channel's RMS is exactly ``noise_uv_rms``.
- Mains: fundamental ``mains_hz`` (off by up to 0.02 Hz) of peak ``mains_uv`` as recorded on
  the most affected channel (others 0.6-1.0 of it, phases +-0.15 rad), 2nd harmonic 0.1-0.3
  and 3rd 0.2-0.5 of the fundamental, amplitude drifting +-8 % and phase wandering slowly.
  Harmonics at or above Nyquist are left out (a real anti-alias filter removes them); the
  others are scaled by the modelled anti-alias response relative to the fundamental.
- ECG (far field): mean rate drawn from ``heart_rate_bpm``, beat-to-beat intervals varying 5 %
  (AR(1)), a P-QRS-T template of Gaussians (QRS ~90 ms, sharp R), a gain gradient 0.4-1.0
  along the array, ``ecg_uv`` p-p on the strongest channel, random polarity.
- Motion: Poisson ``motion_per_min``; each 0.1-1 s long, a Hann-windowed mix of a baseline
  shift and a 1-10 Hz swing, p-p log-uniform in ``motion_uv`` on its strongest channel, falling
  off over 1-3 channels.
- Pops: Poisson ``pops_per_min``; a step on one channel, log-uniform in ``pop_uv``, random sign,
  decaying exponentially with a time constant of 20-300 ms (log-uniform).
- Clipping: the sensor saturates at +-``clip_uv``; one truth event per clipped span (spans
  closer than 20 ms merged), see ``clip``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import fft as sp_fft
from scipy import special

from twitchwatch.sim import constants as K
from twitchwatch.sim.activity import log_uniform, reached_channels
from twitchwatch.sim.scenarios import ScenarioParams
from twitchwatch.sim.truth import make_event
from twitchwatch.sim.units import place_snippet
from twitchwatch.sim.waveform import (
    GaussianWaveform,
    anti_alias_gain,
    anti_alias_sigma_s,
    peak_to_peak,
)

CLIP_MERGE_GAP_S = 0.02


def noise(p: ScenarioParams, rng: np.random.Generator, n_samples: int):
    if p.noise_uv_rms <= 0:
        return None, []
    shape = (n_samples, p.n_channels)
    out = rng.standard_normal(shape)
    out /= np.maximum(np.sqrt(np.mean(out * out, axis=0)), 1e-300)
    if p.pink_fraction > 0 and n_samples > 2:
        spec = sp_fft.rfft(rng.standard_normal(shape), axis=0)
        f = sp_fft.rfftfreq(n_samples, 1.0 / p.fs_hz)
        shaping = 1.0 / np.sqrt(np.maximum(f, K.PINK_CORNER_HZ))
        shaping[0] = 0.0
        pink = sp_fft.irfft(spec * shaping[:, None], n=n_samples, axis=0)
        pink /= np.maximum(np.sqrt(np.mean(pink * pink, axis=0)), 1e-300)
        out = math.sqrt(1.0 - p.pink_fraction) * out + math.sqrt(p.pink_fraction) * pink
    rms = np.sqrt(np.mean(out * out, axis=0))
    out *= p.noise_uv_rms / np.maximum(rms, 1e-300)
    return out, []


def _slow_wander(rng: np.random.Generator, t: np.ndarray, duration_s: float, knot_s: float):
    """A smooth random curve of unit-ish SD through knots every ``knot_s`` seconds."""
    knots = np.arange(0.0, duration_s + 2 * knot_s, knot_s)
    return np.interp(t, knots, rng.standard_normal(len(knots)))


def mains(p: ScenarioParams, rng: np.random.Generator, n_samples: int):
    if p.mains_hz is None or p.mains_uv <= 0:
        return None, []
    fs, n_ch = p.fs_hz, p.n_channels
    t = np.arange(n_samples) / fs
    f0 = p.mains_hz + rng.uniform(-1, 1) * K.MAINS_FREQUENCY_DEVIATION_HZ
    theta = 2 * np.pi * f0 * t + rng.uniform(0, 2 * np.pi)
    theta += 0.1 * _slow_wander(rng, t, p.duration_s, K.MAINS_DRIFT_KNOT_S)
    envelope = p.mains_uv * (
        1.0 + K.MAINS_AMPLITUDE_DRIFT * _slow_wander(rng, t, p.duration_s, K.MAINS_DRIFT_KNOT_S)
    )
    gains = rng.uniform(*K.MAINS_CHANNEL_GAIN, size=n_ch)
    gains /= gains.max()
    out = np.zeros((n_samples, n_ch))
    for k in (1, 2, 3):
        rel = 1.0 if k == 1 else rng.uniform(*K.MAINS_HARMONIC_RELATIVE[k])
        psi = rng.uniform(-1, 1, size=n_ch) * K.MAINS_CHANNEL_PHASE_RAD
        phase = k * theta + (0.0 if k == 1 else rng.uniform(0, 2 * np.pi))
        if k * f0 >= fs / 2:
            continue
        a = rel * float(anti_alias_gain(k * f0, fs) / anti_alias_gain(f0, fs)) * envelope
        c, s = a * np.cos(phase), a * np.sin(phase)
        out += np.outer(c, gains * np.cos(psi)) - np.outer(s, gains * np.sin(psi))
    amplitude = 2.0 * p.mains_uv
    event = make_event(0.0, n_samples / fs, "artifact", 0, amplitude, "mains",
                       range(1, n_ch + 1))
    return out, [event]


def ecg_template(rng: np.random.Generator) -> GaussianWaveform:
    """P-QRS-T beat relative to the R peak, widths and weights jittered by up to 10 %."""
    waves = K.ECG_WAVES
    return GaussianWaveform(
        (0,) * len(waves),
        tuple(w[1] for w in waves),
        tuple(w[2] * rng.uniform(0.9, 1.1) for w in waves),
        tuple(w[3] * rng.uniform(0.9, 1.1) for w in waves),
    )


def _qrs_window_s(template: GaussianWaveform) -> tuple[float, float]:
    q, s = 1, 3  # indexes of Q and S in ECG_WAVES
    return (
        template.centres_s[q] - K.ECG_QRS_SIGMAS * template.widths_s[q],
        template.centres_s[s] + K.ECG_QRS_SIGMAS * template.widths_s[s],
    )


def ecg(p: ScenarioParams, rng: np.random.Generator, n_samples: int):
    if p.ecg_uv <= 0:
        return None, []
    fs, n_ch = p.fs_hz, p.n_channels
    template = ecg_template(rng)
    aa = anti_alias_sigma_s(fs)
    tf, vf = template.fine(aa)
    template = template.scaled(rng.choice((-1.0, 1.0)) * p.ecg_uv / float(vf.max() - vf.min()))
    rr_mean = 60.0 / rng.uniform(*p.heart_rate_bpm)
    # R times: AR(1) beat-to-beat variation of unit variance, scaled to 5 % of the mean RR.
    n_max = int((p.duration_s + 2.0) / (rr_mean * (1 - 5 * K.ECG_HRV_FRACTION))) + 4
    z = np.empty(n_max)
    z[0] = rng.standard_normal()
    innovations = rng.standard_normal(n_max) * math.sqrt(1 - K.ECG_HRV_AR**2)
    for i in range(1, n_max):
        z[i] = K.ECG_HRV_AR * z[i - 1] + innovations[i]
    rr = rr_mean * (1.0 + K.ECG_HRV_FRACTION * np.clip(z, -4, 4))
    r_times = rng.uniform(-0.5, rr_mean) + np.concatenate([[0.0], np.cumsum(rr[:-1])])
    r_times = r_times[r_times < p.duration_s + 0.5]
    beat_scale = 1.0 + 0.03 * rng.standard_normal(len(r_times))
    ga, gb = rng.uniform(*K.ECG_CHANNEL_GAIN, size=2)
    gains = np.linspace(ga, gb, n_ch) if n_ch > 1 else np.array([1.0])
    gains /= gains.max()

    lo, hi = template.support_s(aa)
    k_lo = np.ceil((r_times + lo) * fs).astype(np.int64)
    length = int(math.ceil((hi - lo) * fs)) + 2
    idx = k_lo[:, None] + np.arange(length)[None, :]
    values = template.evaluate(idx / fs - r_times[:, None], aa) * beat_scale[:, None]
    keep = (idx >= 0) & (idx < n_samples)
    source = np.bincount(idx[keep], weights=values[keep], minlength=n_samples)
    out = source[:, None] * gains[None, :]

    strongest = int(np.argmax(gains))
    _, reach = reached_channels(gains)
    q_lo, q_hi = _qrs_window_s(template)
    truth = []
    for r in r_times:
        a, b = r + q_lo, r + q_hi
        if a < 0 or b >= n_samples / fs:
            continue
        ka, kb = math.ceil(a * fs), math.floor(b * fs)
        amp = float(np.ptp(out[ka : kb + 1, strongest])) if kb >= ka else 0.0
        truth.append(make_event(a, b - a, "artifact", strongest + 1, amp, "ecg", reach))
    return out, truth


def motion(p: ScenarioParams, rng: np.random.Generator, n_samples: int):
    if p.motion_per_min <= 0:
        return None, []
    fs, n_ch = p.fs_hz, p.n_channels
    n = int(rng.poisson(p.motion_per_min * p.duration_s / 60.0))
    out = np.zeros((n_samples, n_ch))
    truth = []
    for _ in range(n):
        dur = rng.uniform(*K.MOTION_DURATION_S)
        onset = rng.uniform(0.0, max(p.duration_s - dur, 0.0))
        freq = rng.uniform(*K.MOTION_FREQUENCY_HZ)
        phase = rng.uniform(0, 2 * np.pi)
        shift = rng.uniform(-1.0, 1.0)
        centre = rng.uniform(-0.5, n_ch - 0.5)
        spread = rng.uniform(*K.MOTION_SPREAD_CH)
        amplitude = float(log_uniform(rng, *p.motion_uv))
        k0 = math.ceil(onset * fs)
        tau = np.arange(k0, math.floor((onset + dur) * fs) + 1) / fs - onset
        if len(tau) < 2:
            continue
        wave = 0.5 * (1 - np.cos(2 * np.pi * tau / dur))
        wave *= shift + (1 - abs(shift)) * np.sin(2 * np.pi * freq * tau + phase)
        gains = np.exp(-np.abs(np.arange(n_ch) - centre) / spread)
        snippet = wave[:, None] * gains[None, :]
        pp = peak_to_peak(snippet)
        if pp.max() <= 0:
            continue
        snippet *= amplitude / pp.max()
        place_snippet(out, k0, snippet)
        channel, reach = reached_channels(pp)
        truth.append(make_event(onset, dur, "artifact", channel, amplitude, "motion", reach))
    return out, truth


def pops(p: ScenarioParams, rng: np.random.Generator, n_samples: int):
    if p.pops_per_min <= 0:
        return None, []
    fs, n_ch = p.fs_hz, p.n_channels
    a = anti_alias_sigma_s(fs)
    n = int(rng.poisson(p.pops_per_min * p.duration_s / 60.0))
    out = np.zeros((n_samples, n_ch))
    truth = []
    for _ in range(n):
        t0 = rng.uniform(0.0, p.duration_s)
        channel = int(rng.integers(n_ch))
        height = float(log_uniform(rng, *p.pop_uv)) * rng.choice((-1.0, 1.0))
        tau = float(log_uniform(rng, *K.POP_TAU_S))
        k0 = math.ceil((t0 - 6 * a) * fs)
        k1 = math.floor((t0 + 8 * tau) * fs)
        t = np.arange(k0, k1 + 1) / fs - t0
        # A step with exponential decay, smoothed by the anti-alias Gaussian (exact form).
        wave = height * np.exp(a * a / (2 * tau * tau) - t / tau) * special.ndtr(t / a - a / tau)
        a_i, b_i = max(k0, 0), min(k1 + 1, n_samples)
        if a_i >= b_i:
            continue
        out[a_i:b_i, channel] += wave[a_i - k0 : b_i - k0]
        amplitude = float(np.ptp(wave[a_i - k0 : b_i - k0]))
        truth.append(make_event(t0, min(tau * math.log(20.0), p.duration_s - t0), "artifact",
                                channel + 1, amplitude, "pop", (channel + 1,)))
    return out, truth


def clip(total: np.ndarray, clip_uv: float | None, fs_hz: float):
    """Saturate ``total`` in place at +-clip_uv; truth: one event per clipped span."""
    if clip_uv is None:
        return []
    mask = np.abs(total) >= clip_uv
    np.clip(total, -clip_uv, clip_uv, out=total)
    any_clip = mask.any(axis=1)
    if not any_clip.any():
        return []
    edges = np.diff(np.concatenate([[0], any_clip.view(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # ends exclusive
    gap = int(round(CLIP_MERGE_GAP_S * fs_hz))
    spans = [[starts[0], ends[0]]]
    for s, e in zip(starts[1:], ends[1:]):
        if s - spans[-1][1] <= gap:
            spans[-1][1] = e
        else:
            spans.append([s, e])
    truth = []
    for s, e in spans:
        counts = mask[s:e].sum(axis=0)
        channel = int(np.argmax(counts)) + 1
        reach = tuple(int(c) + 1 for c in np.flatnonzero(counts))
        truth.append(make_event(s / fs_hz, (e - s) / fs_hz, "artifact", channel, 2 * clip_uv,
                                "clipping", reach))
    return truth
