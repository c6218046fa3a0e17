"""Muscle activity: fasciculations, cramps and voluntary contractions, with their truth.

Each function returns the noise-free signal it adds (float64, (n_samples, n_channels) or a
segment of it), the truth events and the spike trains it was built from.

Fasciculations: Poisson at ``twitch_rate_per_min``; each picks one of ``twitch_units`` units
(random place on the array, shape, log-uniform p-p in ``twitch_amplitude_uv``); a
``doublet_fraction`` of them fire again 10-110 ms later (one truth event, detail "doublet").
Each twitch is evaluated at its exact (sub-sample) time and scaled so that its sampled p-p on
the strongest channel equals the unit's amplitude.

Cramps: 20-40 units around one place on the array (SD 0.5 channel), recruited over a 1-3 s ramp
and dropping out over a 1-3 s ramp at the end; each fires at a steady rate drawn from
14.5 +- 5.1 Hz (6-25 Hz) with gamma intervals of CV 0.45 and 4 % doublets (5-20 ms), MUAPs of
mean frequency ~100 Hz. The sum is scaled so its RMS on the strongest channel over the plateau
(all units active) equals a value drawn from ``cramp_uv_rms``.

Voluntary contractions: 60 units spread over the whole array with broad territories
(spread 2-3.5 channels), thresholds 0.02-0.6 effort on an exponential scale, sizes growing with
threshold (Henneman), rate 8 Hz at recruitment rising by 27 Hz over the effort range above
threshold (up to 35 Hz), gamma intervals of CV 0.15-0.2, MUAPs of mean frequency ~75 Hz, effort
a raised-cosine ramp up / hold / ramp down. RMS on the strongest channel during the hold is
70 uV at 10 % and 500 uV at 80 % effort (log-linear between).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from twitchwatch.sim import constants as K
from twitchwatch.sim.firing import (
    SpikeTrain,
    add_doublets,
    fasciculation_doublet_intervals_s,
    modulated_train,
    poisson_times,
    raised_cosine_crossings,
    raised_cosine_effort,
    steady_train,
)
from twitchwatch.sim.muap import random_muap
from twitchwatch.sim.scenarios import ScenarioParams
from twitchwatch.sim.truth import TruthEvent, make_event
from twitchwatch.sim.units import MotorUnit, place_snippet, place_trains
from twitchwatch.sim.waveform import count_phases, extent, peak_to_peak

log = logging.getLogger(__name__)


def log_uniform(rng: np.random.Generator, lo: float, hi: float, size=None):
    return np.exp(rng.uniform(math.log(lo), math.log(hi), size=size))


def reached_channels(amplitudes: np.ndarray) -> tuple[int, tuple[int, ...]]:
    """(strongest 1-based channel, 1-based channels with >= 20 % of its amplitude)."""
    strongest = int(np.argmax(amplitudes))
    reach = np.flatnonzero(amplitudes >= K.CHANNEL_REACH_FRACTION * amplitudes[strongest])
    return strongest + 1, tuple(int(c) + 1 for c in reach)


# --- fasciculations --------------------------------------------------------------------------


def _twitch_unit(rng: np.random.Generator, p: ScenarioParams) -> MotorUnit:
    kind = "complex" if rng.random() < p.complex_fraction else None
    shape, kind = random_muap(rng, K.FASCICULATION_MNF_HZ, kind)
    return MotorUnit(
        shape=shape,
        kind=kind,
        position_ch=rng.uniform(-0.5, p.n_channels - 0.5),
        spread_ch=rng.uniform(*K.TWITCH_SPREAD_CH),
        delay_s_per_ch=rng.choice((-1.0, 1.0)) * K.PROPAGATION_DELAY_S_PER_CH,
        size=float(log_uniform(rng, *p.twitch_amplitude_uv)),
    )


def _discharge(unit: MotorUnit, t_s: float, p: ScenarioParams):
    """(first sample, waveforms (L, C)) of one discharge at exact time ``t_s``."""
    lo, hi = unit.support_s(p.n_channels, p.fs_hz)
    k0 = math.ceil((t_s + lo) * p.fs_hz)
    k1 = math.floor((t_s + hi) * p.fs_hz)
    t_rel = np.arange(k0, k1 + 1) / p.fs_hz - t_s
    return k0, unit.waveforms(t_rel, p.n_channels, p.fs_hz)


def fasciculations(p: ScenarioParams, rng: np.random.Generator, n_samples: int):
    """Twitches: (signal (N, C) or None, truth, trains)."""
    t_hi = p.duration_s - K.EDGE_MARGIN_S - K.DOUBLET_INTERVAL_S[1]
    times = poisson_times(rng, p.twitch_rate_per_min, K.EDGE_MARGIN_S, t_hi)
    n = len(times)
    if n == 0:
        return None, [], []
    n_units = p.twitch_units or n
    units = [_twitch_unit(rng, p) for _ in range(n_units)]
    which = rng.integers(n_units, size=n) if p.twitch_units else np.arange(n)
    is_doublet = rng.random(n) < p.doublet_fraction
    intervals = fasciculation_doublet_intervals_s(rng, n)

    out = np.zeros((n_samples, p.n_channels))
    truth: list[TruthEvent] = []
    shape_cache: dict[tuple[int, int], tuple[float, float, int]] = {}
    fired: dict[int, list[tuple[float, bool]]] = {}
    for t, u, doublet, interval in zip(times, which, is_doublet, intervals):
        unit = units[u]
        k0, w = _discharge(unit, t, p)
        pp = peak_to_peak(w)
        scale = unit.size / pp[int(np.argmax(pp))]
        w *= scale
        parts = [(k0, w)]
        fired.setdefault(int(u), []).append((float(t), False))
        if doublet:
            k0b, wb = _discharge(unit, t + interval, p)
            parts.append((k0b, wb * scale))
            fired[int(u)].append((float(t + interval), True))
        start = parts[0][0]
        event = np.zeros((parts[-1][0] + parts[-1][1].shape[0] - start, p.n_channels))
        for k, wave in parts:
            place_snippet(out, k, wave)
            place_snippet(event, k - start, wave)
        amplitudes = peak_to_peak(event)
        channel, channels = reached_channels(amplitudes)
        key = (int(u), channel - 1)
        if key not in shape_cache:
            tf, vf = unit.continuous(channel - 1, p.n_channels, p.fs_hz)
            a, b = extent(tf, vf)
            shape_cache[key] = (a, b, count_phases(vf))
        a, b, phases = shape_cache[key]
        tags = (["doublet"] if doublet else []) + (
            ["complex"] if phases >= K.COMPLEX_MIN_PHASES else []
        )
        end = (t + interval if doublet else t) + b
        truth.append(
            make_event(
                t + a, end - (t + a), "fasciculation", channel, amplitudes[channel - 1],
                ",".join(tags), channels,
            )
        )
    trains = []
    for u in sorted(fired):
        tt = np.array([x[0] for x in fired[u]])
        dd = np.array([x[1] for x in fired[u]])
        order = np.argsort(tt, kind="stable")
        trains.append(SpikeTrain("fasciculation", 0, u, tt[order], dd[order]))
    return out, truth, trains


# --- episodes: where cramps and contractions go ----------------------------------------------


@dataclass(frozen=True)
class Episode:
    """How a cramp or contraction was built (for checks): times in s from the first sample.

    plateau_s: (from, to) while all its units are active (cramp) or effort holds (contraction);
    amplitude_uv is the RMS on the strongest channel over it. peak_effort: contraction only.
    """

    kind: str
    index: int
    start_s: float
    duration_s: float
    ramp_up_s: float
    ramp_down_s: float
    plateau_s: tuple[float, float]
    n_units: int
    peak_effort: float | None = None


def place_episodes(p: ScenarioParams, rng: np.random.Generator) -> list[tuple[str, float, float]]:
    """Non-overlapping (kind, start s, duration s) for the cramps and contractions.

    Durations are drawn from each kind's range; if they do not fit in the recording
    (1 s margins, 2 s gaps) they are shrunk proportionally, and episodes that cannot get
    even 1 s are dropped (with a warning).
    """
    kinds = ["cramp"] * p.n_cramps + ["contraction"] * p.n_contractions
    if not kinds:
        return []
    kinds = [kinds[i] for i in rng.permutation(len(kinds))]
    ranges = {"cramp": p.cramp_duration_s, "contraction": p.contraction_duration_s}
    durations = np.array([rng.uniform(*ranges[k]) for k in kinds])
    available = p.duration_s - 2.0 * K.EPISODE_EDGE_S
    max_n = int((available + K.EPISODE_GAP_S) // (K.EPISODE_MIN_S + K.EPISODE_GAP_S))
    if len(kinds) > max_n:
        log.warning(
            "%.3g s is too short for %d cramps/contractions; simulating %d",
            p.duration_s, len(kinds), max(max_n, 0),
        )
        kinds, durations = kinds[: max(max_n, 0)], durations[: max(max_n, 0)]
        if not kinds:
            return []
    room = available - (len(kinds) - 1) * K.EPISODE_GAP_S
    if durations.sum() > room:
        log.info("shrinking cramps/contractions to fit %.3g s", p.duration_s)
        durations = durations * (room / durations.sum())
    slack = max(room - durations.sum(), 0.0)  # shrinking to fit can leave -epsilon
    cuts = np.sort(rng.uniform(0.0, slack, size=len(kinds)))
    starts = K.EPISODE_EDGE_S + cuts + np.concatenate([[0.0], np.cumsum(durations[:-1])])
    starts = starts + np.arange(len(kinds)) * K.EPISODE_GAP_S
    return [(k, float(s), float(d)) for k, s, d in zip(kinds, starts, durations)]


def _render_episode(units, trains, p: ScenarioParams, n_samples: int, t_from: float, t_to: float):
    """Signal of an episode on the segment [t_from, t_to] s: (first sample, (L, C) array)."""
    k_from = max(int(math.floor(t_from * p.fs_hz)), 0)
    k_to = min(int(math.ceil(t_to * p.fs_hz)) + 1, n_samples)
    banks = [u.bank(p.n_channels, p.fs_hz) for u in units]
    positions = np.concatenate([np.rint(tr.times_s * p.fs_hz).astype(np.int64) for tr in trains])
    ids = np.concatenate([np.full(len(tr.times_s), i) for i, tr in enumerate(trains)])
    return k_from, place_trains(k_to - k_from, p.n_channels, positions - k_from, ids, banks)


def _plateau_rms(seg: np.ndarray, k_from: int, fs: float, t_a: float, t_b: float) -> np.ndarray:
    a = max(int(round(t_a * fs)) - k_from, 0)
    b = min(int(round(t_b * fs)) - k_from, seg.shape[0])
    if b - a < 2:
        a, b = 0, seg.shape[0]
    return np.sqrt(np.mean(np.square(seg[a:b]), axis=0))


def _fit_ramps(up: float, down: float, duration: float, share: float) -> tuple[float, float]:
    if up + down > share * duration:
        f = share * duration / (up + down)
        return up * f, down * f
    return up, down


def cramp(p: ScenarioParams, rng: np.random.Generator, n_samples: int, t_start: float,
          duration: float, episode: int):
    """One cramp: (first sample, segment (L, C), truth event, trains, Episode)."""
    n_units = int(rng.integers(p.cramp_units[0], p.cramp_units[1] + 1))
    centre = rng.uniform(-0.5, p.n_channels - 0.5)
    up, down = _fit_ramps(rng.uniform(*K.CRAMP_RAMP_UP_S), rng.uniform(*K.CRAMP_RAMP_DOWN_S),
                          duration, 0.8)
    t_end = t_start + duration
    units = []
    for _ in range(n_units):
        shape, kind = random_muap(rng, K.CRAMP_MNF_HZ)
        units.append(MotorUnit(
            shape=shape, kind=kind,
            position_ch=float(np.clip(centre + K.CRAMP_LOCATION_SD_CH * rng.standard_normal(),
                                      -0.5, p.n_channels - 0.5)),
            spread_ch=rng.uniform(*K.CRAMP_SPREAD_CH),
            delay_s_per_ch=rng.choice((-1.0, 1.0)) * K.PROPAGATION_DELAY_S_PER_CH,
            size=float(log_uniform(rng, *K.CRAMP_UNIT_SIZE_RANGE)),
        ))
    t_on = t_start + up * np.sort(rng.uniform(size=n_units))
    t_on[0] = t_start
    t_off = t_end - down * rng.uniform(size=n_units)
    t_off[int(np.argmax(t_off))] = t_end
    rates = np.clip(K.CRAMP_RATE_MEAN_HZ + K.CRAMP_RATE_SD_HZ * rng.standard_normal(n_units),
                    *K.CRAMP_RATE_RANGE_HZ)
    trains = []
    for u in range(n_units):
        times = steady_train(rng, t_on[u], t_off[u], rates[u], K.CRAMP_ISI_CV)
        times, flags = add_doublets(rng, times, K.CRAMP_DOUBLET_FRACTION,
                                    K.CRAMP_DOUBLET_INTERVAL_S)
        trains.append(SpikeTrain("cramp", episode, u, times, flags))
    first = min(tr.times_s[0] for tr in trains)
    last = max(tr.times_s[-1] for tr in trains)
    k_from, seg = _render_episode(units, trains, p, n_samples, first - 0.05, last + 0.05)
    plateau = (float(t_on.max()), float(t_off.min()))
    if plateau[1] - plateau[0] < 0.5:
        plateau = (t_start + 0.25 * duration, t_end - 0.25 * duration)
    rms = _plateau_rms(seg, k_from, p.fs_hz, *plateau)
    target = rng.uniform(*p.cramp_uv_rms)
    seg *= target / rms.max()
    channel, channels = reached_channels(rms)
    event = make_event(first, last - first, "cramp", channel, target, "", channels)
    info = Episode("cramp", episode, t_start, duration, up, down, plateau, n_units)
    return k_from, seg, event, trains, info


def _voluntary_rms_uv(effort: float) -> float:
    (e0, r0), (e1, r1) = K.VOLUNTARY_RMS_ANCHORS
    return r0 * (r1 / r0) ** ((effort - e0) / (e1 - e0))


def contraction(p: ScenarioParams, rng: np.random.Generator, n_samples: int, t_start: float,
                duration: float, episode: int):
    """One voluntary contraction: (first sample, segment (L, C), truth event, trains, Episode)."""
    peak = rng.uniform(*p.contraction_effort)
    up, down = _fit_ramps(rng.uniform(*K.VOLUNTARY_RAMP_S), rng.uniform(*K.VOLUNTARY_RAMP_S),
                          duration, 0.6)
    hold = duration - up - down
    effort = raised_cosine_effort(t_start, up, hold, down, peak)
    n = K.VOLUNTARY_UNITS
    rank = np.arange(n) / (n - 1)
    thresholds = K.RECRUITMENT_LIMIT_EFFORT * np.exp(np.log(K.RECRUITMENT_RANGE) * (rank - 1.0))
    sizes = np.exp(np.log(K.VOLUNTARY_SIZE_RANGE) * (rank - 1.0))
    units, trains = [], []
    span = K.VOLUNTARY_RATE_MAX_HZ - K.VOLUNTARY_RATE_MIN_HZ
    for i in range(n):
        crossing = raised_cosine_crossings(thresholds[i], t_start, up, hold, down, peak)
        if crossing is None:
            break
        thr = thresholds[i]
        shape, kind = random_muap(rng, K.VOLUNTARY_MNF_HZ)
        units.append(MotorUnit(
            shape=shape, kind=kind,
            position_ch=rng.uniform(-0.5, p.n_channels - 0.5),
            spread_ch=rng.uniform(*K.VOLUNTARY_SPREAD_CH),
            delay_s_per_ch=rng.choice((-1.0, 1.0)) * K.PROPAGATION_DELAY_S_PER_CH,
            size=float(sizes[i]),
        ))
        cv = rng.uniform(*K.VOLUNTARY_ISI_CV)

        def rate(t, thr=thr):
            return K.VOLUNTARY_RATE_MIN_HZ + span * max(effort(t) - thr, 0.0) / (1.0 - thr)

        t_rec, t_derec = crossing
        t_first = t_rec + rng.uniform() / K.VOLUNTARY_RATE_MIN_HZ
        if t_first < t_derec:
            times = modulated_train(rng, t_first, t_derec, rate, cv)
        else:
            times = np.empty(0)
        trains.append(SpikeTrain("contraction", episode, i, times, np.zeros(len(times), bool)))
    keep = [j for j, tr in enumerate(trains) if len(tr.times_s)]
    units, trains = [units[j] for j in keep], [trains[j] for j in keep]
    if not trains:  # pragma: no cover - the smallest unit is recruited at 2 % effort
        return 0, np.zeros((0, p.n_channels)), None, [], None
    first = min(tr.times_s[0] for tr in trains)
    last = max(tr.times_s[-1] for tr in trains)
    k_from, seg = _render_episode(units, trains, p, n_samples, first - 0.05, last + 0.05)
    plateau = (t_start + up, t_start + up + hold)
    rms = _plateau_rms(seg, k_from, p.fs_hz, *plateau)
    target = _voluntary_rms_uv(peak)
    seg *= target / rms.max()
    channel, channels = reached_channels(rms)
    event = make_event(first, last - first, "contraction", channel, target, "", channels)
    info = Episode("contraction", episode, t_start, duration, up, down, plateau, len(units), peak)
    return k_from, seg, event, trains, info
