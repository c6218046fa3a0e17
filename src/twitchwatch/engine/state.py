"""The detector's state: plain arrays made from the configuration, never from the data.

Keeping every bit of state in arrays (and none in Python attributes the kernel updates) is what
lets a detector be copied, compared bit for bit, and fed any chunking of a signal.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from twitchwatch.engine import layout as L
from twitchwatch.engine.config import DetectorConfig
from twitchwatch.engine.filters import MAX_NOTCH_SECTIONS, FilterDesign

#: events the kernel may emit before the wrapper drains them: a whole span's worst case, twice,
#: so that spans stay full length between drains
OUTPUT_CAPACITY = 2 * L.SPAN_SAMPLES * L.EVENTS_PER_SAMPLE_MAX


def onset_threshold_factor(fs_hz: float, block_samples: float, config: DetectorConfig) -> float:
    """Onset threshold as a multiple of the median block maximum of the noise envelope.

    For an exponential tail with scale s, the p-quantile of the maximum of B samples sits near
    s*ln(B/ln(1/p)) and the level crossed with probability q per sample at s*ln(1/q); the ratio
    turns a per-minute false-crossing target into a factor that holds at any sampling rate.
    """
    q = config.target_false_crossings_per_min / (60.0 * fs_hz)
    # The p-quantile of the maximum of B samples sits near s*ln(B / ln(1/p)).
    p_block = config.noise_block_quantile
    return config.threshold_margin * np.log(1.0 / q) / np.log(block_samples / np.log(1.0 / p_block))


def derived_parameters(fs_hz: float, n_channels: int, config: DetectorConfig) -> np.ndarray:
    """The kernel's parameter vector: config values converted to samples and coefficients."""

    def samples(ms: float) -> float:
        return float(round(ms * 1e-3 * fs_hz))

    p = np.zeros(L.N_PARAMS)
    # Envelope smoothing never shorter than two samples, so low rates still average a little.
    tau_samples = max(config.envelope_ms * 1e-3 * fs_hz, 2.0)
    p[L.P_ALPHA_ENV] = 1.0 - np.exp(-1.0 / tau_samples)
    rc_hp = 1.0 / (2 * np.pi * config.lf_highpass_hz)
    p[L.P_LF_HP_A] = rc_hp / (rc_hp + 1.0 / fs_hz)
    p[L.P_LF_LP_A] = 1.0 - np.exp(-2 * np.pi * config.lf_lowpass_hz / fs_hz)
    p[L.P_NOISE_BLOCK] = max(samples(config.noise_block_ms), 16.0)
    p[L.P_HIST_N] = config.noise_history_blocks
    p[L.P_MIN_WARM_BLOCKS] = min(4, config.noise_history_blocks)
    p[L.P_FREEZE_FRAC] = config.noise_freeze_active_fraction
    p[L.P_K_ON] = onset_threshold_factor(fs_hz, p[L.P_NOISE_BLOCK], config)
    p[L.P_OFF_FRAC] = config.threshold_off_fraction
    p[L.P_WAVE_K] = config.waveform_noise_multiple
    p[L.P_MERGE_GAP] = max(samples(config.merge_gap_ms), 1.0)
    p[L.P_MAX_TWITCH] = samples(config.max_twitch_ms)
    p[L.P_MIN_TWITCH] = samples(config.min_twitch_ms)
    p[L.P_RING] = samples(config.ringing_ms)
    p[L.P_RING_FRAC] = config.ringing_fraction
    p[L.P_MAX_TWITCH_UV] = config.max_twitch_uv
    # At low rates onsets jitter by a sample or two between channels.
    p[L.P_CH_MERGE] = max(samples(config.channel_merge_ms), 3.0)
    p[L.P_DBL_MIN] = samples(config.doublet_min_ms)
    p[L.P_DBL_MAX] = samples(config.doublet_max_ms)
    p[L.P_DBL_RATIO] = config.doublet_amplitude_ratio
    p[L.P_ISO] = samples(config.isolation_ms)
    p[L.P_TRAIN_MIN] = config.train_min_potentials
    p[L.P_COMPLEX] = config.complex_min_phases
    p[L.P_MOTION_RATIO] = config.motion_lf_ratio
    p[L.P_MOTION_LF_UV] = config.motion_lf_uv
    p[L.P_CLIP_REPEAT] = config.clip_repeat_samples
    p[L.P_CLIP_K] = config.clip_min_noise_multiple
    p[L.P_CLIP_HOLD] = samples(config.clip_holdoff_ms)
    p[L.P_CRAMP_MIN] = samples(config.cramp_min_s * 1e3)
    p[L.P_EP_QUIET] = samples(config.episode_end_quiet_ms)
    # A single burst of activity this long is sustained activity, not a potential.
    p[L.P_ACTIVITY_MIN] = samples(150.0)
    p[L.P_CRAMP_FREQ] = config.cramp_min_mean_freq_hz
    # The spectral cue needs the band up to ~300 Hz; at low rates only breadth is used.
    p[L.P_USE_FREQ] = 1.0 if min(config.lowpass_hz, config.lowpass_max_fraction_of_fs * fs_hz) >= 300.0 else 0.0
    p[L.P_VOL_BREADTH] = config.voluntary_min_breadth
    p[L.P_ECG_RR_MIN] = samples(60e3 / config.ecg_max_bpm)
    p[L.P_ECG_RR_MAX] = samples(60e3 / config.ecg_min_bpm)
    p[L.P_ECG_TOL] = config.ecg_rr_tolerance
    p[L.P_ECG_AMP] = config.ecg_amplitude_ratio
    p[L.P_ECG_MISSED] = config.ecg_max_missed_beats
    p[L.P_WARMUP] = samples(config.warmup_s * 1e3)
    p[L.P_MAINS_BLOCK] = max(samples(config.mains_block_s * 1e3), 1.0)
    p[L.P_MAINS_RATIO] = config.mains_dominance_ratio
    f0, f1 = config.mains_candidates_hz
    p[L.P_GCOEF0] = 2.0 * np.cos(2 * np.pi * f0 / fs_hz)
    p[L.P_GCOEF1] = 2.0 * np.cos(2 * np.pi * f1 / fs_hz)
    p[L.P_FS] = fs_hz
    p[L.P_EDGE_FRAC] = config.potential_edge_fraction
    p[L.P_POT_GAP] = max(samples(config.potential_gap_ms), 1.0)
    p[L.P_ECG_MIN_BEATS] = config.ecg_min_beats
    p[L.P_ECG_DUR] = config.ecg_duration_ratio
    p[L.P_ECG_NCH] = max(1.0, np.floor(config.ecg_breadth_difference * n_channels))
    p[L.P_BLOCK_Q] = config.noise_block_quantile
    p[L.P_SEG_END_FRAC] = config.segment_end_fraction_of_peak
    # Ring time constant of each mains family's fundamental notch, in samples.
    p[L.P_NOTCH_TAU0] = config.notch_quality * fs_hz / (np.pi * f0)
    p[L.P_NOTCH_TAU1] = config.notch_quality * fs_hz / (np.pi * f1)
    return p


@dataclass
class DetectorState:
    """All mutable state of one detector. Every field is an array updated in place by the kernel."""

    ci: np.ndarray
    cf: np.ndarray
    zi: np.ndarray
    zn: np.ndarray
    zd: np.ndarray
    zo: np.ndarray
    hist: np.ndarray
    hist_sorted: np.ndarray
    work: np.ndarray
    seg_i: np.ndarray
    seg_f: np.ndarray
    run_i: np.ndarray
    pend_i: np.ndarray
    pend_f: np.ndarray
    gi: np.ndarray
    gf: np.ndarray
    ecg_h: np.ndarray
    recent: np.ndarray
    out_i: np.ndarray
    out_f: np.ndarray

    @classmethod
    def create(cls, n_channels: int, design: FilterDesign, config: DetectorConfig) -> "DetectorState":
        c = n_channels
        state = cls(
            ci=np.zeros((L.NCI, c), np.int64),  # fields x channels: a field is contiguous over channels
            cf=np.zeros((L.NCF, c), np.float64),
            zi=np.zeros((design.bandpass_sos.shape[0], 2, c), np.float64),
            zn=np.zeros((MAX_NOTCH_SECTIONS, 2, c), np.float64),
            zd=np.zeros((max(design.detection_sos.shape[0], 1), 2, c), np.float64),
            zo=np.zeros((max(design.onset_sos.shape[0], 1), 2, c), np.float64),
            # per block: detection-band mean square, largest envelope, onset-band mean square
            hist=np.zeros((c, 3, config.noise_history_blocks), np.float64),
            # the same, each row kept sorted (its lower quantile is the floor and threshold)
            hist_sorted=np.zeros((c, 3, config.noise_history_blocks), np.float64),
            # a span of samples: raw, filtered, detection band, onset band
            work=np.zeros((4, L.SPAN_SAMPLES, c), np.float64),
            seg_i=np.zeros((c, L.SEG_RING, L.NSI), np.int64),
            seg_f=np.zeros((c, L.SEG_RING, L.NSF), np.float64),
            run_i=np.zeros((c, L.RUN_RING, L.NRI), np.int64),
            pend_i=np.zeros((L.PENDING_CAPACITY, L.NPI), np.int64),
            pend_f=np.zeros((L.PENDING_CAPACITY, L.NPF), np.float64),
            gi=np.zeros(L.NGI, np.int64),
            gf=np.zeros(L.NGF, np.float64),
            ecg_h=np.zeros((L.ECG_HISTORY, L.NEH), np.float64),
            recent=np.zeros((L.RECENT_EVENTS, L.NRE), np.int64),
            out_i=np.zeros((OUTPUT_CAPACITY, L.NOI), np.int64),
            out_f=np.zeros((OUTPUT_CAPACITY, L.NOF), np.float64),
        )
        never = -(2**62)  # "long ago": no clipping, no episode yet
        state.ci[L.CI_LAST_CLIP, :] = never
        state.cf[L.CF_BLK_RAW_MIN, :] = np.inf
        state.cf[L.CF_RAW_HI, :] = -np.inf
        state.cf[L.CF_RAW_LO, :] = np.inf
        state.ci[L.CI_LAST_END, :] = never
        state.gi[L.G_MAINS_FAM] = -1
        state.gi[L.G_MAINS_CAND] = -1
        state.gi[L.G_EP_PREV_START] = never
        state.gi[L.G_EP_PREV_LAST] = never
        state.ecg_h[:, L.EH_ONSET] = never
        state.recent[:, L.RE_ONSET] = never
        state.recent[:, L.RE_SPAN_END] = never
        return state

    def arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def copy(self) -> "DetectorState":
        return DetectorState(**{k: v.copy() for k, v in self.arrays().items()})

    def equals(self, other: "DetectorState") -> bool:
        """Bit-for-bit equality of every array (the output buffer's drained rows excluded)."""
        mine, theirs = self.arrays(), other.arrays()
        return all(
            np.array_equal(mine[k], theirs[k], equal_nan=True) for k in mine if k not in ("out_i", "out_f", "work")
        )
