"""A slow, obviously correct reference for the detector's per-channel front end.

Written from the rules (DetectorConfig docstrings, shared/DESIGN.md, the kernel's docstring),
with scipy for the filters, a DFT for the mains measurement and plain Python loops, one channel
at a time, for everything that carries state from sample to sample. Nothing here imports the
engine's kernel, state or derived parameters: the parameters are re-derived from the config.

For a signal ``x`` (samples, channels) fed to ``Detector(fs, C, config, unit_scale=scale)``:

1. ``raw = float64(x) * scale``.
2. Band-pass: ``scipy.signal.sosfilt`` of the Butterworth high-pass then low-pass
   (``min(lowpass_hz, 0.45 fs)``), over the whole signal, from zero state.
3. Mains: the band-passed signal is cut into blocks of ``M = round(mains_block_s * fs)`` samples
   at absolute positions (0..M-1, M..2M-1, ...). Per block and candidate f, the power is
   ``sum over channels |sum_n y[n] exp(-2j pi f n / fs)|^2``; a candidate wins a block when its
   power exceeds the other's ``mains_dominance_ratio`` times. The first winner is taken at once;
   a different family needs to win twice (a block won by the current family resets that count,
   an undecided block leaves it as it is). When the family changes at the end of block b, the
   notch of that family (fundamental and harmonics, ``notch_count`` sections) runs from sample
   ``(b + 1) * M`` on, from zero state. "The family in force at sample n" is the last one whose
   notch started at or before n (none, -1, before the first); at the end of the stream it is the
   last one chosen.
4. Detection band ``d``: ``sosfilt`` of the detection low-pass (when the design has one) over the
   notched signal, from zero state, never reset. Onset band ``o``: ``sosfilt`` of the first-order
   Butterworth band-pass ``onset_band_hz`` over the notched signal, likewise; when its top is not
   below 0.9 times the low-pass edge (or its bottom not above the high-pass), ``o = d``.
5. Energy envelope: ``e[n] = e[n-1] + alpha * (o[n]**2 - e[n-1])``, ``e[-1] = 0``,
   ``alpha = 1 - exp(-1 / max(envelope_ms * fs / 1000, 2))``.
6. Noise blocks of ``B = max(round(noise_block_ms * fs / 1000), 16)`` samples per channel: the
   block's mean of d**2 (``rms2``) and of o**2 (``rms2_onset``), its largest envelope value, the standard deviation and the
   minimum of the raw signal, and how many of its samples were active (inside a segment, or with
   the envelope above the onset threshold in force). At the end of a block, while fewer than
   ``min(4, history)`` blocks are stored, or when fewer than ``noise_freeze_active_fraction * B``
   samples were active, the block enters the history ring (``noise_history_blocks``); otherwise
   the floor stays frozen. After an append, with ``Q(v)`` the lower ``noise_block_quantile``
   quantile of the stored values (sorted ascending, the element at ``int(quantile * (count - 1))``):
   ``floor_rms = sqrt(Q(rms2))``, ``floor_onset = sqrt(Q(rms2_onset))``,
   ``t_on = k_on * Q(block max envelope)``,
   ``t_off = threshold_off_fraction * t_on`` with
   ``k_on = margin * ln(1/q) / ln(B / ln(1/quantile))``, ``q = false_crossings_per_min / (60 fs)``.
   A channel is warm once ``min(4, history)`` blocks are stored.
   Envelope-only check, at every block end: a block "looks like an envelope" when the raw
   standard deviation is > 0, its equivalent frequency ``fs/(2 pi) * sqrt(mean(step**2)) /
   raw_std`` (step = raw minus the previous raw sample, the first against 0) is below 20 Hz, and
   the raw minimum is >= 0; a counter counts such blocks in a row (reset to 0 by any other block). The
   minimum of the last completed block is kept; the running one restarts at +inf.
7. Clipping (warm channels): a raw value equal to the previous ``clip_repeat_samples - 1`` ones,
   with the low-frequency high-pass ``|lf_hp| > clip_min_noise_multiple * floor_rms``, and at the
   most extreme raw level seen so far (``>=`` the all-time maximum or ``<=`` the all-time minimum,
   this sample included) is a clipped sample.
8. Segments (warm channels only): a segment opens at the first sample whose envelope exceeds
   ``t_on`` and ``limit(n - last_end, last_pp)**2 / 32`` (rule 9: what the ringing of the
   channel's reference potential can explain; the family in force at n); the segment's peak envelope is the largest envelope value since it opened (this
   sample included); a sample is "above" when its envelope exceeds both ``t_off`` and
   ``segment_end_fraction_of_peak * peak``; the segment closes at the first sample more than
   ``merge_gap`` samples after the last "above" one. Inside it, samples with
   ``|o| > max(waveform_noise_multiple * floor_onset, potential_edge_fraction * (largest |o| so
   far))`` are the waveform: the first and last of them are the potential's onset and end;
   a pause of more than ``potential_gap`` samples between two of them starts a new potential.
   Samples with ``|d| > max(waveform_noise_multiple * floor_rms, potential_edge_fraction *
   (largest |d| so far))`` carry the phases: a sign change of d between consecutive ones is a
   phase. With two potentials whose onsets are
   ``doublet_min..doublet_max`` apart, the segment ends with the first potential (the second is
   its echo). A segment is long when it lasts more than ``max_twitch`` samples or holds 3+
   potentials. Once a segment is activity (rule 10: a burst of ``activity_min`` samples), no
   shape is followed: the waveform, potentials and phases stop where they are, and the segment
   is long and ends at its last "above" sample. Its p-p is ``max(d) - min(d)`` over the segment.
9. Ringing limit ``limit(since, ref)``: the largest p-p that can still be filter ringing
   ``since`` samples after a potential of p-p ``ref``: ``ringing_fraction * ref`` up to
   ``ringing_ms``; after that, while a mains notch is running (the family in force),
   ``ringing_fraction * ref * exp(-(since - ringing_ms) / tau)`` with the notch's ring time
   ``tau = notch_quality * fs / (pi * f0)`` (f0: that family's fundamental) for up to 5 tau, and
   0 beyond; with no notch running, 0 after ``ringing_ms``.
   Each channel keeps a ringing reference (p-p and span end of a kept potential; none at first).
10. Activity: a segment that has lasted ``activity_min`` (150 ms) samples is marked as activity
   once twice its largest ``|d|`` is at least ``limit(segment start - reference end, reference
   p-p)`` (a long burst that is the ringing of a large potential is not activity).

Rules that decide which closed segments reach the kernel's segment ring, and whether this
reference applies them:
- minimum duration (``min_twitch_ms``) unless long: applied;
- same-channel ringing (p-p below ``limit(onset - reference end, reference p-p)``): applied; a
  kept segment becomes the channel's new reference only when its p-p is at least
  ``limit / ringing_fraction``, i.e. not smaller than what is left of the old reference;
- clipping marking a segment (a clipped sample within ``clip_holdoff_ms`` before or during it):
  applied;
- shadowing by events on this or neighbouring channels (``kernel._shadowed``: echoes/ringing of
  events seen elsewhere, with the exemption of potentials that start with a pending event on
  other channels, ``kernel._joins_pending``): NOT applied, and neither are pending events (their
  merging by onsets or overlapping spans). ``check_shadowing_cannot_apply`` verifies that a
  signal keeps every kept segment clear of every earlier one on the same or a neighbouring
  channel (past its span plus ``channel_merge_ms``, and above its ringing limit) so that the rule
  can never fire.
Runs, doublets across segments, ECG, episodes and event decisions are not covered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import signal

NEVER = -(2**62)


# ---- parameters, re-derived from the config ----------------------------------------------------


def _samples(ms: float, fs_hz: float) -> int:
    return int(round(ms * 1e-3 * fs_hz))


@dataclass(frozen=True)
class Params:
    fs_hz: float
    bandpass_sos: np.ndarray
    notch_sos: tuple[np.ndarray, ...]  # per candidate: (n_used, 6)
    detection_sos: np.ndarray  # (0 or 1, 6)
    onset_sos: np.ndarray  # (0 or 1, 6)
    candidates_hz: tuple[float, ...]
    alpha: float
    lf_hp_a: float
    lf_lp_a: float
    block: int
    history: int
    min_warm: int
    freeze_fraction: float
    k_on: float
    off_fraction: float
    wave_k: float
    edge_fraction: float
    pot_gap: int
    merge_gap: int
    min_twitch: int
    max_twitch: int
    ring: int
    ring_fraction: float
    dbl_min: int
    dbl_max: int
    ch_merge: int
    activity_min: int
    clip_repeat: int
    clip_k: float
    clip_hold: int
    mains_block: int
    mains_ratio: float
    block_quantile: float
    seg_end_fraction: float
    notch_tau: tuple[float, ...]  # per candidate: ring time of its fundamental notch, in samples


def design(fs_hz: float, config) -> tuple[np.ndarray, tuple[np.ndarray, ...], np.ndarray, np.ndarray, float]:
    """The filters as the config describes them, designed here with scipy."""
    lowpass = min(config.lowpass_hz, config.lowpass_max_fraction_of_fs * fs_hz)
    hp = signal.butter(config.highpass_order, config.highpass_hz, "highpass", fs=fs_hz, output="sos")
    lp = signal.butter(config.lowpass_order, lowpass, "lowpass", fs=fs_hz, output="sos")
    bandpass = np.vstack([hp, lp])
    top = min(0.48 * fs_hz, 1.15 * lowpass)
    notches = []
    for f0 in config.mains_candidates_hz:
        rows = []
        for k in range(1, min(config.mains_harmonics, 3) + 1):
            if k * f0 >= top:
                break
            b, a = signal.iirnotch(k * f0, config.notch_quality, fs=fs_hz)
            rows.append(signal.tf2sos(b, a)[0])
        notches.append(np.array(rows).reshape(-1, 6))
    if config.detection_lowpass_hz < 0.9 * lowpass:
        detection = signal.butter(2, config.detection_lowpass_hz, "lowpass", fs=fs_hz, output="sos")
    else:
        detection = np.zeros((0, 6))
    low, high = config.onset_band_hz
    if high < 0.9 * lowpass and low > config.highpass_hz:
        onset = signal.butter(1, [low, high], "bandpass", fs=fs_hz, output="sos")
    else:
        onset = np.zeros((0, 6))
    return bandpass, tuple(notches), detection, onset, lowpass


def params_for(fs_hz: float, config) -> Params:
    bandpass, notches, detection, onset, _ = design(fs_hz, config)
    block = max(_samples(config.noise_block_ms, fs_hz), 16)
    q = config.target_false_crossings_per_min / (60.0 * fs_hz)
    # The lower `noise_block_quantile` of B-sample maxima of an exponential tail of scale s sits
    # near s ln(B / ln(1/quantile)); the level crossed with probability q per sample, s ln(1/q).
    # numpy's log/exp/cos, as scipy-style designs use: the same libm as the engine's parameters
    quantile = config.noise_block_quantile
    k_on = config.threshold_margin * np.log(1.0 / q) / np.log(block / np.log(1.0 / quantile))
    rc = 1.0 / (2 * np.pi * config.lf_highpass_hz)
    return Params(
        fs_hz=fs_hz,
        bandpass_sos=bandpass,
        notch_sos=notches,
        detection_sos=detection,
        onset_sos=onset,
        candidates_hz=tuple(config.mains_candidates_hz),
        alpha=float(1.0 - np.exp(-1.0 / max(config.envelope_ms * 1e-3 * fs_hz, 2.0))),
        lf_hp_a=rc / (rc + 1.0 / fs_hz),
        lf_lp_a=float(1.0 - np.exp(-2 * np.pi * config.lf_lowpass_hz / fs_hz)),
        block=block,
        history=config.noise_history_blocks,
        min_warm=min(4, config.noise_history_blocks),
        freeze_fraction=config.noise_freeze_active_fraction,
        k_on=float(k_on),
        off_fraction=config.threshold_off_fraction,
        wave_k=config.waveform_noise_multiple,
        edge_fraction=config.potential_edge_fraction,
        pot_gap=max(_samples(config.potential_gap_ms, fs_hz), 1),
        merge_gap=max(_samples(config.merge_gap_ms, fs_hz), 1),
        min_twitch=_samples(config.min_twitch_ms, fs_hz),
        max_twitch=_samples(config.max_twitch_ms, fs_hz),
        ring=_samples(config.ringing_ms, fs_hz),
        ring_fraction=config.ringing_fraction,
        dbl_min=_samples(config.doublet_min_ms, fs_hz),
        dbl_max=_samples(config.doublet_max_ms, fs_hz),
        ch_merge=max(_samples(config.channel_merge_ms, fs_hz), 3),
        activity_min=_samples(150.0, fs_hz),
        clip_repeat=config.clip_repeat_samples,
        clip_k=config.clip_min_noise_multiple,
        clip_hold=_samples(config.clip_holdoff_ms, fs_hz),
        mains_block=max(_samples(config.mains_block_s * 1e3, fs_hz), 1),
        mains_ratio=config.mains_dominance_ratio,
        block_quantile=quantile,
        seg_end_fraction=config.segment_end_fraction_of_peak,
        notch_tau=tuple(config.notch_quality * fs_hz / (np.pi * f0) for f0 in config.mains_candidates_hz),
    )


def ringing_limit(P: Params, since: int, ref_pp: float, family: int) -> float:
    """Rule 9: the largest p-p that can be ringing `since` samples after a potential of `ref_pp`."""
    if since <= P.ring:
        return P.ring_fraction * ref_pp
    if family < 0:
        return 0.0  # no notch running: the band-pass alone rings for less than ringing_ms
    late = (since - P.ring) / P.notch_tau[family]
    if late > 5.0:
        return 0.0
    return P.ring_fraction * ref_pp * float(np.exp(-late))


def lower_quantile(values, quantile: float) -> float:
    """Rule 6: the element at int(quantile * (count - 1)) of the values sorted ascending."""
    ordered = sorted(float(v) for v in values)
    return ordered[int(quantile * (len(ordered) - 1))]


# ---- filters and mains ---------------------------------------------------------------------------


@dataclass
class Filtered:
    raw: np.ndarray
    bandpassed: np.ndarray
    #: (first sample, family index) each time the notch family changes
    switches: list[tuple[int, int]]
    #: winning candidate per mains block (-1: none)
    block_winners: list[int]
    notched: np.ndarray  # the detector's `filtered_out`
    detection: np.ndarray
    onset: np.ndarray


def block_power(y: np.ndarray, f_hz: float, fs_hz: float) -> float:
    """Power at f over one block: |DFT|^2 summed over channels (block-relative time)."""
    n = np.arange(y.shape[0])
    phasor = np.exp(-2j * np.pi * f_hz * n / fs_hz)
    return float(np.sum(np.abs(phasor @ y) ** 2))


def mains_schedule(bandpassed: np.ndarray, P: Params) -> tuple[list[tuple[int, int]], list[int]]:
    m = P.mains_block
    family, candidate, count = -1, -1, 0
    switches, winners = [], []
    for b in range(bandpassed.shape[0] // m):
        block = bandpassed[b * m:(b + 1) * m]
        p0, p1 = (block_power(block, f, P.fs_hz) for f in P.candidates_hz)
        win = 0 if p0 > P.mains_ratio * p1 else 1 if p1 > P.mains_ratio * p0 else -1
        winners.append(win)
        if win >= 0 and win != family:
            count = count + 1 if win == candidate else 1
            candidate = win
            if family < 0 or count >= 2:
                family, count = win, 0
                switches.append(((b + 1) * m, family))
        elif win >= 0 and win == family:
            count = 0
    return switches, winners


def filtered(x: np.ndarray, fs_hz: float, config, unit_scale: float = 1.0) -> Filtered:
    P = params_for(fs_hz, config)
    raw = np.asarray(x).astype(np.float64) * unit_scale
    bandpassed = signal.sosfilt(P.bandpass_sos, raw, axis=0)
    switches, winners = mains_schedule(bandpassed, P)
    notched = bandpassed.copy()
    bounds = [s for s, _ in switches] + [raw.shape[0]]
    for (start, fam), stop in zip(switches, bounds[1:]):
        if start < stop and P.notch_sos[fam].shape[0]:
            notched[start:stop] = signal.sosfilt(P.notch_sos[fam], bandpassed[start:stop], axis=0)
    if P.detection_sos.shape[0]:
        detection = signal.sosfilt(P.detection_sos, notched, axis=0)
    else:
        detection = notched.copy()
    onset = signal.sosfilt(P.onset_sos, notched, axis=0) if P.onset_sos.shape[0] else detection.copy()
    return Filtered(raw, bandpassed, switches, winners, notched, detection, onset)


# ---- one channel, sample by sample -------------------------------------------------------------


@dataclass
class Segment:
    onset: int
    end: int
    span_end: int
    closed_at: int
    pots: int
    phases: int
    is_long: int
    echo_onset: int
    echo_end: int
    pp: float
    energy: float
    lf_pp: float
    clip: int
    kept: bool
    reason: str  # "kept", "short", "ringing"
    since_last: int  # onset - the channel's ringing reference end, at the close
    limit: float  # the ringing limit the segment was held to
    replaced: bool  # it became the channel's ringing reference
    family: int  # the mains family in force when it closed


@dataclass
class Block:
    end_sample: int
    rms2: float
    max_envelope: float
    active: int
    appended: bool
    envelope_like: bool


@dataclass
class ChannelTrace:
    envelope: np.ndarray
    segments: list[Segment] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    #: samples-processed count -> {"cf": {name: value}, "ci": {...}, "hist": (2, H) array}
    snapshots: dict[int, dict] = field(default_factory=dict)
    #: repeated values far from baseline that were not clipping, not being at the rail
    clip_off_rail: int = 0
    #: segment samples with t_off < e <= segment_end_fraction_of_peak * peak (not "above")
    below_peak_fraction: int = 0
    #: samples at which a segment old enough to be activity was not, being ringing-sized
    activity_vetoed: int = 0
    #: kind -> samples where something happened ("open", "close", "activity", "activity_veto",
    #: "clip", "clip_off_rail", "below_peak", "envelope_reset"), to check the state right there
    moments: dict[str, list[int]] = field(default_factory=dict)

    def note(self, kind: str, n: int) -> None:
        self.moments.setdefault(kind, []).append(n)

    @property
    def kept(self) -> list[Segment]:
        return [s for s in self.segments if s.kept]

    @property
    def frozen_blocks(self) -> int:
        return sum(1 for b in self.blocks if not b.appended)


class _Channel:
    """The per-channel state machine. Attribute names follow the rules, not the kernel."""

    def __init__(self, P: Params):
        self.P = P
        self.env = self.prev_y = self.prev_raw = self.lf_hp = self.lf = 0.0
        self.t_on = self.t_off = self.floor = self.band_rms = self.raw_std = self.raw_min = 0.0
        self.blk_sumsq = self.blk_sumsq_onset = self.blk_maxe = self.blk_raw_sum = self.blk_raw_sumsq = 0.0
        self.blk_raw_dsq = 0.0
        self.floor_onset = 0.0
        self.blk_raw_min = math.inf
        self.raw_hi, self.raw_lo = -math.inf, math.inf  # all-time extremes of raw
        self.envelope_blocks = 0
        self.blk_active = self.blk_pos = 0
        self.hist = np.zeros((3, P.history))  # rms2, block max envelope, rms2_onset
        self.hist_count = self.hist_pos = 0
        self.g = [[0.0, 0.0], [0.0, 0.0]]
        self.gcoef = [float(2.0 * np.cos(2 * np.pi * f / P.fs_hz)) for f in P.candidates_hz]
        self.mains_uv = [0.0, 0.0]
        self.clip_run = self.clipped = 0
        self.last_clip = NEVER
        self.in_seg = 0
        self.seg_start = self.last_above = 0
        self.amp_first = self.amp_last = 0
        self.phases = self.last_sign = self.seg_clip = self.seg_activity = 0
        self.pots = 0
        self.pot1_end = self.pot2_onset = 0
        self.absmax = self.ymax = self.ymin = self.energy = self.lfmax = self.lfmin = 0.0
        self.onset_absmax = 0.0
        self.peak_e = 0.0
        self.last_pp = 0.0
        self.last_end = NEVER
        self.seg_count = 0
        self.family = -1

    # --- per sample ---
    def step(self, n: int, raw: float, y_bp: float, y: float, d: float, o: float, family: int,
             trace: ChannelTrace) -> None:
        """Sample n; `family`: the mains family in force at n (-1: no notch)."""
        P = self.P
        self.family = family
        for i in (0, 1):  # Goertzel resonators on the band-passed (un-notched) signal
            s1, s2 = self.g[i]
            self.g[i] = [y_bp + self.gcoef[i] * s1 - s2, s1]
        self.blk_raw_dsq += (raw - self.prev_raw) ** 2
        self.lf_hp = P.lf_hp_a * (self.lf_hp + raw - self.prev_raw)
        self.lf += P.lf_lp_a * (self.lf_hp - self.lf)
        warm = self.hist_count >= P.min_warm
        self.clip_run = self.clip_run + 1 if raw == self.prev_raw else 0
        self.prev_raw = raw
        self.raw_hi = max(self.raw_hi, raw)
        self.raw_lo = min(self.raw_lo, raw)
        if warm and self.clip_run + 1 >= P.clip_repeat and abs(self.lf_hp) > P.clip_k * self.floor:
            if raw >= self.raw_hi or raw <= self.raw_lo:  # at the rail
                self.clipped += 1
                self.last_clip = n
                trace.note("clip", n)
            else:
                trace.clip_off_rail += 1
                trace.note("clip_off_rail", n)
        self.prev_y = y
        e = self.env + P.alpha * (o * o - self.env)
        self.env = e
        trace.envelope[n] = e

        self.blk_sumsq += d * d
        self.blk_sumsq_onset += o * o
        self.blk_maxe = max(self.blk_maxe, e)
        self.blk_raw_sum += raw
        self.blk_raw_sumsq += raw * raw
        self.blk_raw_min = min(self.blk_raw_min, raw)
        if self.in_seg or e > self.t_on:
            self.blk_active += 1

        if warm:
            if not self.in_seg and e > self.t_on:
                limit = ringing_limit(P, n - self.last_end, self.last_pp, family)
                if e > limit * limit / 32.0:
                    self._open(n, d, e)
                    trace.note("open", n)
                else:
                    trace.note("ringing_not_opened" if n - self.last_end <= P.ring else "ringing_not_opened_late", n)
            if self.in_seg:
                self._inside(n, d, o, e, trace)

        self.blk_pos += 1
        if self.blk_pos >= P.block:
            self._end_block(n, trace)

    def _open(self, n: int, d: float, e: float) -> None:
        self.in_seg = 1
        self.peak_e = e
        self.seg_start = self.last_above = n
        self.amp_first = self.amp_last = -1
        self.phases = self.last_sign = self.seg_clip = self.seg_activity = 0
        self.pots = 0
        self.pot1_end = self.pot2_onset = -1
        self.absmax = self.onset_absmax = 0.0
        self.ymax = self.ymin = d
        self.energy = 0.0
        self.lfmax = self.lfmin = self.lf

    def _inside(self, n: int, d: float, o: float, e: float, trace: ChannelTrace) -> None:
        P = self.P
        self.ymax = max(self.ymax, d)
        self.ymin = min(self.ymin, d)
        self.lfmax = max(self.lfmax, self.lf)
        self.lfmin = min(self.lfmin, self.lf)
        self.energy += d * d
        if not self.seg_activity:  # inside sustained activity no shape is followed
            self._shape(n, d, o)
        if n - self.last_clip <= P.clip_hold:
            self.seg_clip = 1
        if not self.seg_activity and n - self.seg_start >= P.activity_min:
            limit = ringing_limit(P, self.seg_start - self.last_end, self.last_pp, self.family)
            if 2.0 * self.absmax >= limit:
                self.seg_activity = 1
                trace.note("activity", n)
            else:
                trace.activity_vetoed += 1
                trace.note("activity_veto", n)
        self.peak_e = max(self.peak_e, e)
        if e > self.t_off and e > P.seg_end_fraction * self.peak_e:
            self.last_above = n
        else:
            if e > self.t_off:
                trace.below_peak_fraction += 1
                trace.note("below_peak", n)
            if n - self.last_above > P.merge_gap:
                self._close(n, trace)

    def _shape(self, n: int, d: float, o: float) -> None:
        P = self.P
        ad = abs(d)
        self.absmax = max(self.absmax, ad)
        self.onset_absmax = max(self.onset_absmax, abs(o))
        if abs(o) > max(P.wave_k * self.floor_onset, P.edge_fraction * self.onset_absmax):
            if self.amp_first < 0:
                self.amp_first = n
                self.pots = 1
            elif n - self.amp_last > P.pot_gap:
                self.pots += 1
                if self.pots == 2:
                    self.pot1_end = self.amp_last
                    self.pot2_onset = n
            self.amp_last = n
        if ad > max(P.wave_k * self.floor, P.edge_fraction * self.absmax):
            sign = 1 if d > 0 else -1
            if sign != self.last_sign:
                self.phases += 1
                self.last_sign = sign

    def _close(self, n: int, trace: ChannelTrace) -> None:
        P = self.P
        onset = self.amp_first if self.amp_first >= 0 else self.seg_start
        span_end = max(self.amp_last if self.amp_last >= 0 else self.last_above, onset)
        end, echo_onset, echo_end = span_end, -1, -1
        if self.seg_activity:
            span_end = end = max(self.last_above, onset)
        elif self.pots == 2 and P.dbl_min <= self.pot2_onset - onset <= P.dbl_max:
            end, echo_onset, echo_end = self.pot1_end, self.pot2_onset, span_end
        duration = end - onset + 1
        pp = self.ymax - self.ymin
        is_long = 1 if (duration > P.max_twitch or self.pots >= 3 or self.seg_activity) else 0
        self.in_seg = 0
        since = onset - self.last_end
        limit = ringing_limit(P, since, self.last_pp, self.family)
        replaced = False
        if duration < P.min_twitch and not is_long:
            reason = "short"
        elif pp < limit:
            reason = "ringing"
        else:
            reason = "kept"
            # The reference stays the old potential while what is left of it is the larger.
            if P.ring_fraction == 0 or pp >= limit / P.ring_fraction:  # (no ringing rule: always)
                self.last_pp = pp
                self.last_end = span_end
                replaced = True
            self.seg_count += 1
        trace.note("close", n)
        trace.segments.append(Segment(onset, end, span_end, n, self.pots, self.phases, is_long,
                                      echo_onset, echo_end, pp, self.energy,
                                      self.lfmax - self.lfmin, self.seg_clip, reason == "kept", reason,
                                      since, limit, replaced, self.family))

    def _end_block(self, n: int, trace: ChannelTrace) -> None:
        P = self.P
        B = self.blk_pos
        rms2 = self.blk_sumsq / B
        append = self.hist_count < P.min_warm or self.blk_active < P.freeze_fraction * B
        if append:
            self.hist[0, self.hist_pos] = rms2
            self.hist[1, self.hist_pos] = self.blk_maxe
            self.hist[2, self.hist_pos] = self.blk_sumsq_onset / B
            self.hist_pos = (self.hist_pos + 1) % P.history
            self.hist_count = min(self.hist_count + 1, P.history)
            k = self.hist_count
            self.floor = math.sqrt(lower_quantile(self.hist[0, :k], P.block_quantile))
            self.t_on = P.k_on * lower_quantile(self.hist[1, :k], P.block_quantile)
            self.floor_onset = math.sqrt(lower_quantile(self.hist[2, :k], P.block_quantile))
            self.t_off = P.off_fraction * self.t_on
        mean = self.blk_raw_sum / B
        self.raw_std = math.sqrt(max(self.blk_raw_sumsq / B - mean * mean, 0.0))
        self.band_rms = math.sqrt(rms2)
        self.raw_min = self.blk_raw_min
        smooth_hz = (self.P.fs_hz / (2 * math.pi) * math.sqrt(self.blk_raw_dsq / B) / self.raw_std
                     if self.raw_std > 0 else math.inf)
        envelope_like = smooth_hz < 20.0 and self.raw_min >= 0
        if self.envelope_blocks and not envelope_like:
            trace.note("envelope_reset", n)
        self.envelope_blocks = self.envelope_blocks + 1 if envelope_like else 0
        trace.blocks.append(Block(n, rms2, self.blk_maxe, self.blk_active, append, envelope_like))
        self.blk_raw_min = math.inf
        self.blk_sumsq = self.blk_sumsq_onset = self.blk_maxe = self.blk_raw_sum = self.blk_raw_sumsq = 0.0
        self.blk_raw_dsq = 0.0
        self.blk_active = self.blk_pos = 0

    def end_mains_block(self) -> None:
        m = self.P.mains_block
        for i in (0, 1):
            s1, s2 = self.g[i]
            power = max(s1 * s1 + s2 * s2 - self.gcoef[i] * s1 * s2, 0.0)
            self.mains_uv[i] = 2.0 * math.sqrt(power) / m
            self.g[i] = [0.0, 0.0]

    def finish(self, n_last: int, family: int, trace: ChannelTrace) -> None:
        """End of stream: an open segment closes at the last sample (`family`: the last one chosen)."""
        self.family = family
        if self.in_seg:
            self.last_above = min(self.last_above, n_last)
            self._close(n_last, trace)

    def snapshot(self) -> dict:
        cf = {
            "ENV": self.env, "PREV_Y": self.prev_y, "PREV_RAW": self.prev_raw, "LF_HP": self.lf_hp,
            "LF": self.lf, "T_ON": self.t_on, "T_OFF": self.t_off, "FLOOR_RMS": self.floor,
            "BLK_SUMSQ": self.blk_sumsq, "BLK_MAXE": self.blk_maxe,
            "BLK_RAW_SUM": self.blk_raw_sum, "BLK_RAW_SUMSQ": self.blk_raw_sumsq,
            "RAW_STD": self.raw_std, "BAND_RMS": self.band_rms, "RAW_MIN": self.raw_min,
            "BLK_RAW_MIN": self.blk_raw_min, "RAW_HI": self.raw_hi, "RAW_LO": self.raw_lo,
            "G0_S1": self.g[0][0], "G0_S2": self.g[0][1], "G1_S1": self.g[1][0], "G1_S2": self.g[1][1],
            "MAINS0_UV": self.mains_uv[0], "MAINS1_UV": self.mains_uv[1],
            "SEG_YMAX": self.ymax, "SEG_YMIN": self.ymin, "SEG_ENERGY": self.energy,
            "SEG_LFMAX": self.lfmax, "SEG_LFMIN": self.lfmin, "SEG_ABSMAX": self.absmax,
            "SEG_EMAX": self.peak_e,
            "LAST_PP": self.last_pp,
            "BLK_SUMSQ_ON": self.blk_sumsq_onset, "FLOOR_ON": self.floor_onset, "SEG_ONMAX": self.onset_absmax,
        }
        ci = {
            "IN_SEG": self.in_seg, "SEG_START": self.seg_start, "LAST_ABOVE": self.last_above,
            "AMP_FIRST": self.amp_first, "AMP_LAST": self.amp_last, "PHASES": self.phases,
            "LAST_SIGN": self.last_sign, "SEG_CLIP": self.seg_clip, "CLIP_RUN": self.clip_run,
            "LAST_CLIP": self.last_clip, "BLK_ACTIVE": self.blk_active, "BLK_POS": self.blk_pos,
            "HIST_COUNT": self.hist_count, "HIST_POS": self.hist_pos, "SEG_COUNT": self.seg_count,
            "CLIPPED_SAMPLES": self.clipped, "SEG_ACTIVITY": self.seg_activity, "POTS": self.pots,
            "POT1_END": self.pot1_end, "POT2_ONSET": self.pot2_onset, "LAST_END": self.last_end,
            "ENVELOPE_BLOCKS": self.envelope_blocks,
        }
        return {"cf": cf, "ci": ci, "hist": self.hist.copy()}


@dataclass
class FrontEnd:
    params: Params
    filtered: Filtered
    channels: list[ChannelTrace]


def run(x: np.ndarray, fs_hz: float, config, *, unit_scale: float = 1.0, checkpoints=(),
        finish: bool = False) -> FrontEnd:
    """Run the reference over the whole of `x`.

    `checkpoints`: sample counts after which to record every channel's state (a count of 0 is
    the initial state). With `finish`, open segments are closed at the last sample, as
    ``Detector.finish()`` does, and a final snapshot is recorded under the key ``"finish"``.
    """
    P = params_for(fs_hz, config)
    F = filtered(x, fs_hz, config, unit_scale)
    n_samples, n_channels = F.raw.shape
    wanted = set(int(k) for k in checkpoints)
    # family[n]: the mains family whose notch is running at sample n (index n_samples: at the end)
    family = [-1] * (n_samples + 1)
    for start, fam in F.switches:
        for n in range(start, n_samples + 1):
            family[n] = fam
    traces = []
    for c in range(n_channels):
        ch = _Channel(P)
        trace = ChannelTrace(envelope=np.zeros(n_samples))
        raw = F.raw[:, c].tolist()
        ybp = F.bandpassed[:, c].tolist()
        y = F.notched[:, c].tolist()
        d = F.detection[:, c].tolist()
        o = F.onset[:, c].tolist()
        if 0 in wanted:
            trace.snapshots[0] = ch.snapshot()
        for n in range(n_samples):
            ch.step(n, raw[n], ybp[n], y[n], d[n], o[n], family[n], trace)
            if (n + 1) % P.mains_block == 0:
                ch.end_mains_block()
            if n + 1 in wanted:
                trace.snapshots[n + 1] = ch.snapshot()
        if finish:
            ch.finish(n_samples - 1, family[n_samples], trace)
            trace.snapshots["finish"] = ch.snapshot()
        traces.append(trace)
    return FrontEnd(P, F, traces)


def check_shadowing_cannot_apply(ref: FrontEnd) -> None:
    """Raise AssertionError unless the kernel's cross-event shadowing rule cannot fire.

    That rule drops a non-long segment that starts after an earlier event on the same or a
    neighbouring channel (channel index +-1), inside its span plus ``channel_merge_ms``, or with a
    p-p below the ringing limit (rule 9) of that event's p-p. Every kept segment here stands for
    an event of its own; this checks each kept segment (long ones too) against every
    earlier-starting kept one on the same or a neighbouring channel (an event's span may also take
    in its echo segment, up to ``doublet_max_ms`` later on its channel). That covers the kernel's
    condition for events made of one segment, and so this first raises when two kept segments on
    different channels (neighbours or not) would make one event: one starting inside the other's
    span plus ``channel_merge_ms``.
    """
    P = ref.params
    kept = [(s, c) for c, tr in enumerate(ref.channels) for s in tr.kept]
    for s, c in kept:
        for r, rc in kept:
            if rc != c and r.onset <= s.onset <= r.span_end + P.ch_merge:
                raise AssertionError(
                    f"segments at {r.onset} (channel {rc}) and {s.onset} (channel {c}) make one "
                    f"multi-channel event: the reference does not model pending events")
    for s, c in kept:
        for r, rc in kept:
            since = s.onset - r.onset
            if since <= 0 or abs(c - rc) > 1:
                continue  # shadowing needs `since > 0` and a channel next to the event's
            span_end = max([r.span_end, r.echo_end] + [e.span_end for e, ec in kept
                                                       if ec == rc and r.onset < e.onset <= r.onset + P.dbl_max])
            if s.onset <= span_end + P.ch_merge:
                raise AssertionError(
                    f"segment at {s.onset} (channel {c}) starts inside the span of the one at {r.onset} "
                    f"(channel {rc}): the reference does not model shadowing")
            limit = ringing_limit(P, since, r.pp, s.family)
            if s.pp < limit:
                raise AssertionError(
                    f"segment at {s.onset} (channel {c}, p-p {s.pp:.1f}) is below the ringing limit "
                    f"{limit:.1f} of the one at {r.onset} (channel {rc}, p-p {r.pp:.1f}): the reference "
                    f"does not model shadowing")
