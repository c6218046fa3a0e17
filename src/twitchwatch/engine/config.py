"""Detector settings: every number the engine uses, named with its unit, in one place.

The defaults follow the physiology in shared/DESIGN.md:
- surface-EMG band 20-450 Hz (SENIAM high-pass 10-20 Hz; 20 Hz also tames ECG and motion);
- a fasciculation potential lasts 5-25 ms on the skin (up to 30 ms counted with its tail);
- isolated vs continual firing: intervals > 250 ms on both sides (Sleutjes 2016);
- doublets/echoes 10-110 ms after the first potential (Kleine 2012);
- complex potentials have more than 4 phases (Shimizu 2014);
- a cramp is sustained involuntary activity of many units lasting seconds to minutes; we call
  sustained activity a cramp from 2 s on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np


@dataclass(frozen=True)
class DetectorConfig:
    # --- signal path -------------------------------------------------------------------------
    highpass_hz: float = 20.0
    highpass_order: int = 2  # 4th order rings for ~15 ms after a potential
    lowpass_hz: float = 450.0
    #: the low-pass never goes above this fraction of the sampling rate
    lowpass_max_fraction_of_fs: float = 0.45
    lowpass_order: int = 2
    #: detection looks at 20-250 Hz, where surface potentials carry their energy; the reported
    #: filtered signal keeps the full band
    detection_lowpass_hz: float = 250.0
    #: onsets are found on the energy of 50-150 Hz, where surface motor-unit potentials carry most
    #: of their power against flat amplifier noise (surface EMG's median frequency is ~60-120 Hz);
    #: narrowing the band this way is a cheap stand-in for a matched filter. Features (p-p,
    #: phases, noise floor) still come from the detection band. A first-order band-pass (one
    #: section); left out where it would not narrow the band (below ~370 Hz sampling).
    onset_band_hz: tuple[float, float] = (50.0, 150.0)
    #: mains frequencies the detector looks for; the one present is notched with its harmonics
    mains_candidates_hz: tuple[float, float] = (50.0, 60.0)
    mains_harmonics: int = 3
    notch_quality: float = 100.0  # narrow: a twitch excites a small, if long, ringing
    #: mains is measured over blocks of this length (1 s gives 1 Hz Goertzel bins)
    mains_block_s: float = 1.0
    #: one mains family is chosen when its power exceeds the other's by this factor
    mains_dominance_ratio: float = 10.0
    #: time constant of the onset envelope: about the length of the shortest potentials
    envelope_ms: float = 5.0
    #: time constant of the low-frequency (motion/pop) band: 0.5-10 Hz
    lf_highpass_hz: float = 0.5
    lf_lowpass_hz: float = 10.0

    # --- noise floor ---------------------------------------------------------------------------
    noise_block_ms: float = 250.0
    noise_history_blocks: int = 32
    #: the floor uses this quantile of the recent blocks (not the median), so that it holds when
    #: most blocks carry a heart beat (ECG at 140 bpm puts a beat in over half of them)
    noise_block_quantile: float = 0.25
    #: a block busier than this (fraction of samples above threshold) leaves the floor frozen
    noise_freeze_active_fraction: float = 0.2
    #: onset threshold: calibrated on the noise_block_quantile, over recent quiet blocks, of each
    #: block's largest envelope value (an extreme-value estimate that adapts to any noise colour),
    #: then extrapolated along an exponential tail to this false-crossing rate of pure noise.
    #: Nominal: the envelope has fewer independent samples than fs and a lighter tail, so real
    #: crossings are several times more frequent; false twitches on amplifier noise, after the
    #: duration and shape rules, measure ~0.04-0.07/min per channel at 1-2 kHz (README)
    target_false_crossings_per_min: float = 0.01
    #: extra safety factor on that extrapolation
    threshold_margin: float = 1.0
    #: the segment ends once the envelope falls below this fraction of the onset threshold...
    threshold_off_fraction: float = 0.35
    #: ...or below this fraction of the segment's own peak envelope (so that a large potential's
    #: filter ringing does not hold it open)
    segment_end_fraction_of_peak: float = 0.02
    #: samples whose |filtered signal| exceeds this many noise RMS form the waveform (duration, phases)
    waveform_noise_multiple: float = 3.0
    #: dips shorter than this inside one burst of activity do not split it
    merge_gap_ms: float = 8.0
    #: a potential's edges are where |signal| crosses this fraction of its largest |value|
    #: (filter ringing after a large potential is not part of it)
    potential_edge_fraction: float = 0.3
    #: inside one burst, a quiet gap this long separates two potentials (e.g. a doublet)
    potential_gap_ms: float = 6.0

    # --- events --------------------------------------------------------------------------------
    #: shorter crossings are noise, not potentials (a surface potential lasts 5-25 ms)
    min_twitch_ms: float = 2.5
    max_twitch_ms: float = 40.0
    max_twitch_uv: float = 2500.0
    #: a potential seen on several channels within this window is one event
    channel_merge_ms: float = 8.0
    #: a potential smaller than this fraction of one that ended on the same channel less than
    #: ringing_ms before is the filters' ringing, not a twitch; with a mains notch running, the
    #: limit then decays with the notch's own ring time, Q / (pi f0)
    ringing_ms: float = 250.0
    ringing_fraction: float = 0.25
    doublet_min_ms: float = 10.0
    doublet_max_ms: float = 110.0
    doublet_amplitude_ratio: float = 2.5
    #: intervals at or below this (both sides) mean continual firing (Sleutjes 2016)
    isolation_ms: float = 250.0
    #: this many discharges in a row at continual intervals (echoes not counted) are a train,
    #: not twitches; 4 rather than 3 so that three unrelated twitches close together stay twitches
    train_min_potentials: int = 4
    complex_min_phases: int = 5
    #: low-frequency (0.5-10 Hz) swing larger than this fraction of the EMG swing: motion or pop
    motion_lf_ratio: float = 0.6
    #: the time a channel's low-frequency (0.5-10 Hz) signal strays beyond +-this is motion time
    #: (ChannelQuality.motion_s): the detector sees little under such swings, and an event's
    #: extent (where its 50-150 Hz part stands out) says little of how long they last. Heart beats
    #: of a few hundred µV, twitches and cramps stay far below it
    motion_lf_uv: float = 100.0
    #: a raw sample repeated this many times far from baseline is the amplifier rail (clipping)
    clip_repeat_samples: int = 3
    clip_min_noise_multiple: float = 25.0
    #: events starting this soon after clipping are its ringing
    clip_holdoff_ms: float = 100.0

    # --- sustained activity ------------------------------------------------------------------
    cramp_min_s: float = 2.0
    #: sustained activity ends after this long with no activity on any channel
    episode_end_quiet_ms: float = 800.0
    #: voluntary-vs-cramp rule (kernel._close_episode): RMS frequency of the strongest channel
    #: (cramp ~100 Hz, voluntary ~75-80 Hz) and spatial breadth (share of channels with >= 30 %
    #: of the strongest channel's RMS; voluntary contraction involves the whole muscle)
    cramp_min_mean_freq_hz: float = 90.0
    voluntary_min_breadth: float = 0.75

    # --- ECG ------------------------------------------------------------------------------------
    ecg_min_bpm: float = 40.0
    ecg_max_bpm: float = 180.0
    #: a beat must fall within this fraction of the R-R interval of where it is expected
    ecg_rr_tolerance: float = 0.10
    ecg_amplitude_ratio: float = 1.35
    #: beats of one heart look alike: duration within this ratio, and they reach about as many
    #: channels, within this share of the array (at least one channel either way). Loose on
    #: purpose: a beat of 60 uV near an 8 uV floor measures 5-55 ms and reaches 1-8 of 8
    #: channels from beat to beat (its size and rhythm stay steady); with 1.5 and one channel,
    #: such beats were never recognised and a few per minute counted as twitches.
    ecg_duration_ratio: float = 3.0
    ecg_breadth_difference: float = 0.25
    #: beats missed in a row before the ECG track is dropped
    ecg_max_missed_beats: int = 3
    #: regular, alike potentials needed to recognise a heart rhythm (four equal intervals)
    ecg_min_beats: int = 5

    # --- start-up ------------------------------------------------------------------------------
    #: no events before this: noise floor, mains and ECG are being learned
    warmup_s: float = 3.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if not np.isfinite(value) or value < 0:
                    raise ValueError(f"DetectorConfig.{f.name} must be a finite number >= 0, got {value!r}")
        if self.highpass_hz <= 0:
            raise ValueError(f"DetectorConfig.highpass_hz must be > 0 Hz, got {self.highpass_hz}")
        if self.doublet_min_ms >= self.doublet_max_ms:
            raise ValueError("DetectorConfig.doublet_min_ms must be below doublet_max_ms")
        if self.noise_history_blocks < 1 or self.train_min_potentials < 2:
            raise ValueError("noise_history_blocks must be >= 1 and train_min_potentials >= 2")
        for f in fields(self):
            if f.type in ("int", int) and not float(getattr(self, f.name)).is_integer():
                raise ValueError(f"DetectorConfig.{f.name} must be a whole number, got {getattr(self, f.name)!r}")
        mains = tuple(self.mains_candidates_hz)
        if len(mains) != 2 or not all(np.isfinite(m) and m > 0 for m in mains) or mains[0] == mains[1]:
            raise ValueError(f"DetectorConfig.mains_candidates_hz must be two different positive frequencies "
                             f"in Hz, e.g. (50.0, 60.0); got {self.mains_candidates_hz!r}")
        if self.lowpass_hz <= self.highpass_hz:
            raise ValueError(f"DetectorConfig.lowpass_hz ({self.lowpass_hz:g} Hz) must be above "
                             f"highpass_hz ({self.highpass_hz:g} Hz)")
        band = tuple(self.onset_band_hz)
        if len(band) != 2 or not all(np.isfinite(f) and f > 0 for f in band) or band[0] >= band[1]:
            raise ValueError(f"DetectorConfig.onset_band_hz must be two increasing positive frequencies in Hz, "
                             f"e.g. (50.0, 150.0); got {self.onset_band_hz!r}")
        if not 0 < self.noise_block_quantile < 1:
            raise ValueError(f"DetectorConfig.noise_block_quantile must be between 0 and 1, got {self.noise_block_quantile!r}")

    def as_dict(self) -> dict:
        return asdict(self)
