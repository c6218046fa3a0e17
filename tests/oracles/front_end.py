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
   ``(b + 1) * M`` on, from zero state.
4. Detection band: ``sosfilt`` of the detection low-pass (when the design has one) over the
   notched signal, from zero state, never reset.
5. Energy envelope: ``e[n] = e[n-1] + alpha * (d[n]**2 - e[n-1])``, ``e[-1] = 0``,
   ``alpha = 1 - exp(-1 / max(envelope_ms * fs / 1000, 2))``.
6. Noise blocks of ``B = max(round(noise_block_ms * fs / 1000), 16)`` samples per channel: the
   block's mean of d**2 (``rms2``), its largest envelope value, the standard deviation and the
   minimum of the raw signal (for the envelope-only check), and how many of its samples were
   active (inside a segment, or with the envelope above the onset threshold in force). At the
   end of a block, while fewer than ``min(4, history)`` blocks are stored, or when fewer than
   ``noise_freeze_active_fraction * B`` samples were active, the block enters the history ring
   (``noise_history_blocks``); otherwise the floor stays frozen. After an append:
   ``floor_rms = sqrt(median(rms2))``, ``t_on = k_on * median(block max envelope)``,
   ``t_off = threshold_off_fraction * t_on`` with
   ``k_on = margin * ln(1/q) / ln(B / ln 2)``, ``q = false_crossings_per_min / (60 fs)``.
   A channel is warm once ``min(4, history)`` blocks are stored.
7. Segments (warm channels only): a segment opens at the first sample whose envelope exceeds
   ``t_on``; every sample whose envelope exceeds ``t_off`` is "above"; it closes at the first
   sample more than ``merge_gap`` samples after the last "above" one. Inside it, samples with
   ``|d| > max(waveform_noise_multiple * floor_rms, potential_edge_fraction * (largest |d| so
   far))`` are the waveform: the first and last of them are the potential's onset and end;
   a pause of more than ``potential_gap`` samples between two of them starts a new potential;
   a sign change between consecutive ones is a phase. With two potentials whose onsets are
   ``doublet_min..doublet_max`` apart, the segment ends with the first potential (the second is
   its echo). A segment is long when it lasts more than ``max_twitch`` samples or holds 3+
   potentials.

Rules that decide which closed segments reach the kernel's segment ring, and whether this
reference applies them:
- minimum duration (``min_twitch_ms``) unless long: applied;
- same-channel ringing (a segment within ``ringing_ms`` of the previous kept one's end and smaller
  than ``ringing_fraction`` of the largest there): applied;
- clipping (raw value repeated ``clip_repeat_samples`` times, far from baseline) marking a
  segment: applied;
- shadowing by events on this or neighbouring channels (``kernel._shadowed``: echoes/ringing of
  events seen elsewhere): NOT applied. ``check_shadowing_cannot_apply`` verifies that a signal
  keeps every kept segment far enough (more than ``ringing_ms`` after, and beyond the span plus
  ``channel_merge_ms`` of, every earlier one on any channel) for that rule never to fire.
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


def design(fs_hz: float, config) -> tuple[np.ndarray, tuple[np.ndarray, ...], np.ndarray, float]:
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
    return bandpass, tuple(notches), detection, lowpass


def params_for(fs_hz: float, config) -> Params:
    bandpass, notches, detection, _ = design(fs_hz, config)
    block = max(_samples(config.noise_block_ms, fs_hz), 16)
    q = config.target_false_crossings_per_min / (60.0 * fs_hz)
    # numpy's log/exp/cos, as scipy-style designs use: the same libm as the engine's parameters
    k_on = config.threshold_margin * np.log(1.0 / q) / np.log(block / np.log(2.0))
    rc = 1.0 / (2 * np.pi * config.lf_highpass_hz)
    return Params(
        fs_hz=fs_hz,
        bandpass_sos=bandpass,
        notch_sos=notches,
        detection_sos=detection,
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
    )


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
    return Filtered(raw, bandpassed, switches, winners, notched, detection)


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


@dataclass
class Block:
    end_sample: int
    rms2: float
    max_envelope: float
    active: int
    appended: bool


@dataclass
class ChannelTrace:
    envelope: np.ndarray
    segments: list[Segment] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    #: samples-processed count -> {"cf": {name: value}, "ci": {...}, "hist": (2, H) array}
    snapshots: dict[int, dict] = field(default_factory=dict)

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
        self.blk_sumsq = self.blk_maxe = self.blk_raw_sum = self.blk_raw_sumsq = 0.0
        self.blk_raw_min = math.inf
        self.blk_active = self.blk_pos = 0
        self.hist = np.zeros((2, P.history))
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
        self.last_pp = 0.0
        self.last_end = NEVER
        self.seg_count = 0

    # --- per sample ---
    def step(self, n: int, raw: float, y_bp: float, y: float, d: float, trace: ChannelTrace) -> None:
        P = self.P
        for i in (0, 1):  # Goertzel resonators on the band-passed (un-notched) signal
            s1, s2 = self.g[i]
            self.g[i] = [y_bp + self.gcoef[i] * s1 - s2, s1]
        self.lf_hp = P.lf_hp_a * (self.lf_hp + raw - self.prev_raw)
        self.lf += P.lf_lp_a * (self.lf_hp - self.lf)
        warm = self.hist_count >= P.min_warm
        self.clip_run = self.clip_run + 1 if raw == self.prev_raw else 0
        self.prev_raw = raw
        if warm and self.clip_run + 1 >= P.clip_repeat and abs(self.lf_hp) > P.clip_k * self.floor:
            self.clipped += 1
            self.last_clip = n
        self.prev_y = y
        e = self.env + P.alpha * (d * d - self.env)
        self.env = e
        trace.envelope[n] = e

        self.blk_sumsq += d * d
        self.blk_maxe = max(self.blk_maxe, e)
        self.blk_raw_sum += raw
        self.blk_raw_sumsq += raw * raw
        self.blk_raw_min = min(self.blk_raw_min, raw)
        if self.in_seg or e > self.t_on:
            self.blk_active += 1

        if warm:
            if not self.in_seg and e > self.t_on:
                self._open(n, d)
            if self.in_seg:
                self._inside(n, d, e, trace)

        self.blk_pos += 1
        if self.blk_pos >= P.block:
            self._end_block(n, trace)

    def _open(self, n: int, d: float) -> None:
        self.in_seg = 1
        self.seg_start = self.last_above = n
        self.amp_first = self.amp_last = -1
        self.phases = self.last_sign = self.seg_clip = self.seg_activity = 0
        self.pots = 0
        self.pot1_end = self.pot2_onset = -1
        self.absmax = 0.0
        self.ymax = self.ymin = d
        self.energy = 0.0
        self.lfmax = self.lfmin = self.lf

    def _inside(self, n: int, d: float, e: float, trace: ChannelTrace) -> None:
        P = self.P
        self.ymax = max(self.ymax, d)
        self.ymin = min(self.ymin, d)
        self.lfmax = max(self.lfmax, self.lf)
        self.lfmin = min(self.lfmin, self.lf)
        self.energy += d * d
        ad = abs(d)
        self.absmax = max(self.absmax, ad)
        if ad > max(P.wave_k * self.floor, P.edge_fraction * self.absmax):
            if self.amp_first < 0:
                self.amp_first = n
                self.pots = 1
            elif n - self.amp_last > P.pot_gap:
                self.pots += 1
                if self.pots == 2:
                    self.pot1_end = self.amp_last
                    self.pot2_onset = n
            self.amp_last = n
            sign = 1 if d > 0 else -1
            if sign != self.last_sign:
                self.phases += 1
                self.last_sign = sign
        if n - self.last_clip <= P.clip_hold:
            self.seg_clip = 1
        if not self.seg_activity and n - self.seg_start >= P.activity_min:
            self.seg_activity = 1
        if e > self.t_off:
            self.last_above = n
        elif n - self.last_above > P.merge_gap:
            self._close(n, trace)

    def _close(self, n: int, trace: ChannelTrace) -> None:
        P = self.P
        onset = self.amp_first if self.amp_first >= 0 else self.seg_start
        span_end = max(self.amp_last if self.amp_last >= 0 else self.last_above, onset)
        end, echo_onset, echo_end = span_end, -1, -1
        if self.pots == 2 and P.dbl_min <= self.pot2_onset - onset <= P.dbl_max:
            end, echo_onset, echo_end = self.pot1_end, self.pot2_onset, span_end
        duration = end - onset + 1
        pp = self.ymax - self.ymin
        is_long = 1 if (duration > P.max_twitch or self.pots >= 3) else 0
        self.in_seg = 0
        if duration < P.min_twitch and not is_long:
            reason = "short"
        elif onset - self.last_end <= P.ring and pp < P.ring_fraction * self.last_pp:
            reason = "ringing"
        else:
            reason = "kept"
            if onset - self.last_end > P.ring or pp >= self.last_pp:
                self.last_pp = pp
            self.last_end = span_end
            self.seg_count += 1
        trace.segments.append(Segment(onset, end, span_end, n, self.pots, self.phases, is_long,
                                      echo_onset, echo_end, pp, self.energy,
                                      self.lfmax - self.lfmin, self.seg_clip, reason == "kept", reason))

    def _end_block(self, n: int, trace: ChannelTrace) -> None:
        P = self.P
        B = self.blk_pos
        rms2 = self.blk_sumsq / B
        append = self.hist_count < P.min_warm or self.blk_active < P.freeze_fraction * B
        trace.blocks.append(Block(n, rms2, self.blk_maxe, self.blk_active, append))
        if append:
            self.hist[0, self.hist_pos] = rms2
            self.hist[1, self.hist_pos] = self.blk_maxe
            self.hist_pos = (self.hist_pos + 1) % P.history
            self.hist_count = min(self.hist_count + 1, P.history)
            k = self.hist_count
            self.floor = math.sqrt(float(np.median(self.hist[0, :k])))
            self.t_on = P.k_on * float(np.median(self.hist[1, :k]))
            self.t_off = P.off_fraction * self.t_on
        mean = self.blk_raw_sum / B
        self.raw_std = math.sqrt(max(self.blk_raw_sumsq / B - mean * mean, 0.0))
        self.band_rms = math.sqrt(rms2)
        self.raw_min = self.blk_raw_min
        self.blk_raw_min = math.inf
        self.blk_sumsq = self.blk_maxe = self.blk_raw_sum = self.blk_raw_sumsq = 0.0
        self.blk_active = self.blk_pos = 0

    def end_mains_block(self) -> None:
        m = self.P.mains_block
        for i in (0, 1):
            s1, s2 = self.g[i]
            power = max(s1 * s1 + s2 * s2 - self.gcoef[i] * s1 * s2, 0.0)
            self.mains_uv[i] = 2.0 * math.sqrt(power) / m
            self.g[i] = [0.0, 0.0]

    def finish(self, n_last: int, trace: ChannelTrace) -> None:
        """End of stream: an open segment closes at the last sample."""
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
            "BLK_RAW_MIN": self.blk_raw_min,
            "G0_S1": self.g[0][0], "G0_S2": self.g[0][1], "G1_S1": self.g[1][0], "G1_S2": self.g[1][1],
            "MAINS0_UV": self.mains_uv[0], "MAINS1_UV": self.mains_uv[1],
            "SEG_YMAX": self.ymax, "SEG_YMIN": self.ymin, "SEG_ENERGY": self.energy,
            "SEG_LFMAX": self.lfmax, "SEG_LFMIN": self.lfmin, "SEG_ABSMAX": self.absmax,
            "LAST_PP": self.last_pp,
        }
        ci = {
            "IN_SEG": self.in_seg, "SEG_START": self.seg_start, "LAST_ABOVE": self.last_above,
            "AMP_FIRST": self.amp_first, "AMP_LAST": self.amp_last, "PHASES": self.phases,
            "LAST_SIGN": self.last_sign, "SEG_CLIP": self.seg_clip, "CLIP_RUN": self.clip_run,
            "LAST_CLIP": self.last_clip, "BLK_ACTIVE": self.blk_active, "BLK_POS": self.blk_pos,
            "HIST_COUNT": self.hist_count, "HIST_POS": self.hist_pos, "SEG_COUNT": self.seg_count,
            "CLIPPED_SAMPLES": self.clipped, "SEG_ACTIVITY": self.seg_activity, "POTS": self.pots,
            "POT1_END": self.pot1_end, "POT2_ONSET": self.pot2_onset, "LAST_END": self.last_end,
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
    traces = []
    for c in range(n_channels):
        ch = _Channel(P)
        trace = ChannelTrace(envelope=np.zeros(n_samples))
        raw = F.raw[:, c].tolist()
        ybp = F.bandpassed[:, c].tolist()
        y = F.notched[:, c].tolist()
        d = F.detection[:, c].tolist()
        if 0 in wanted:
            trace.snapshots[0] = ch.snapshot()
        for n in range(n_samples):
            ch.step(n, raw[n], ybp[n], y[n], d[n], trace)
            if (n + 1) % P.mains_block == 0:
                ch.end_mains_block()
            if n + 1 in wanted:
                trace.snapshots[n + 1] = ch.snapshot()
        if finish:
            ch.finish(n_samples - 1, trace)
            trace.snapshots["finish"] = ch.snapshot()
        traces.append(trace)
    return FrontEnd(P, F, traces)


def check_shadowing_cannot_apply(ref: FrontEnd) -> None:
    """Raise AssertionError unless the kernel's cross-event shadowing rule cannot fire.

    That rule drops a non-long segment that starts within ``ringing_ms`` of, or inside the span
    (plus ``channel_merge_ms``) of, an earlier event on the same or a neighbouring channel. This
    checks the stronger condition over all channels, pairwise between kept segments.
    """
    P = ref.params
    kept = sorted(((s.onset, s.span_end, s.echo_end, c) for c, tr in enumerate(ref.channels)
                   for s in tr.kept), key=lambda t: t[0])
    for i, (onset, _, _, c) in enumerate(kept):
        for prev_onset, prev_span, prev_echo, pc in kept[:i]:
            if onset == prev_onset:
                continue  # `since > 0` is needed for shadowing
            gap = onset - prev_onset
            reach = max(prev_span, prev_echo) + P.ch_merge
            if gap <= P.ring or onset <= reach:
                raise AssertionError(
                    f"segment at {onset} (channel {c}) is within the shadowing reach of the one at "
                    f"{prev_onset} (channel {pc}): the reference does not model that rule"
                )
