"""The public face of the engine: a streaming detector for multichannel surface EMG.

    detector = Detector(fs_hz=2000, n_channels=8)
    for chunk in source:                 # (samples, channels), any chunk size, 0 included
        for event in detector.process(chunk):
            ...
    detector.finish()                    # at the end of a recording: decide what is pending

Validation happens here; the compiled kernel trusts what it gets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twitchwatch._logging import logger
from twitchwatch.engine import layout as L
from twitchwatch.engine.config import DetectorConfig
from twitchwatch.engine.events import Event, events_from_rows
from twitchwatch.engine.filters import design_filters
from twitchwatch.engine.kernel import finish_stream, process_chunk
from twitchwatch.engine.state import DetectorState, derived_parameters
from twitchwatch.engine.vector_loops import channel_lanes

MIN_FS_HZ = 100.0
MAX_FS_HZ = 20000.0
LOW_RATE_WARNING_HZ = 250.0
MAX_ABS_UV = L.MAX_ABS_UV
_ACCEPTED_DTYPES = (np.float32, np.float64, np.int16, np.int32)
#: input dtypes the kernel has been called with in this process (compiled or loaded from cache)
_kernel_ready_for: set[np.dtype] = set()


@dataclass(frozen=True)
class ChannelQuality:
    """Live signal quality of one channel."""

    channel: int
    warming_up: bool
    noise_floor_uv_rms: float
    band_rms_uv: float
    mains_hz: float | None
    mains_uv: float
    clipped_samples: int
    clipping_fraction: float
    ecg_present: bool
    ecg_bpm: float | None
    low_rate_warning: bool
    envelope_only_warning: bool
    #: seconds after the warm-up with the 0.5-10 Hz signal beyond +-motion_lf_uv (motion, pops)
    motion_s: float = 0.0

    def problems(self) -> list[str]:
        """Plain-language list of what limits this channel's signal."""
        out = []
        if self.low_rate_warning:
            out.append("sampling rate <= 250 Hz undersamples surface EMG: lower confidence")
        if self.envelope_only_warning:
            out.append("looks like an envelope (rectified, smoothed) signal, not raw EMG: use the RAW output")
        if self.clipping_fraction > 0.001:
            out.append(f"clipping in {100 * self.clipping_fraction:.1f} % of samples")
        if self.mains_uv > max(20.0, 4 * self.noise_floor_uv_rms):
            out.append(f"strong mains hum ({self.mains_uv:.0f} µV at {self.mains_hz or 0:.0f} Hz)")
        if self.ecg_present:
            out.append("ECG present (heart beats are excluded from twitches)")
        return out


class Detector:
    """Streaming detector of fasciculations, cramps, contraction and artefacts.

    Parameters
    ----------
    fs_hz : sampling rate in Hz (100-20000).
    n_channels : number of channels (>= 1).
    config : DetectorConfig; defaults follow the physiology in shared/DESIGN.md.
    unit_scale : multiply the input by this to get microvolts (e.g. 1e6 for volts).
    """

    def __init__(self, fs_hz: float, n_channels: int, config: DetectorConfig | None = None,
                 *, unit_scale: float = 1.0) -> None:
        fs_hz = float(fs_hz)
        if not np.isfinite(fs_hz) or not MIN_FS_HZ <= fs_hz <= MAX_FS_HZ:
            raise ValueError(f"fs_hz must be between {MIN_FS_HZ:g} and {MAX_FS_HZ:g} Hz, got {fs_hz!r}")
        if int(n_channels) != n_channels or n_channels < 1:
            raise ValueError(f"n_channels must be a whole number >= 1, got {n_channels!r}")
        if not np.isfinite(unit_scale) or unit_scale == 0:
            raise ValueError(f"unit_scale must be a finite, non-zero factor to µV, got {unit_scale!r}")
        self.fs_hz = fs_hz
        self.n_channels = int(n_channels)
        self.config = config or DetectorConfig()
        self.unit_scale = float(unit_scale)
        self.design = design_filters(fs_hz, self.config)
        self.params = derived_parameters(fs_hz, self.n_channels, self.config)
        self.state = DetectorState.create(self.n_channels, self.design, self.config)
        self._finished = False
        self._no_filtered = np.zeros((0, self.n_channels), np.float64)

    # ---- streaming ------------------------------------------------------------------------
    @property
    def samples_processed(self) -> int:
        return int(self.state.gi[L.G_N])

    @property
    def nonfinite_samples(self) -> int:
        """Input samples so far that were NaN, Inf or beyond MAX_ABS_UV (processed as 0 µV)."""
        return int(self.state.gi[L.G_INVALID_SAMPLES])

    def set_voluntary(self, moving: bool) -> None:
        """The user's "I am moving" marker: activity from now on is voluntary contraction."""
        self.state.gi[L.G_VOLUNTARY] = 1 if moving else 0

    def _validate(self, chunk) -> np.ndarray:
        x = np.asarray(chunk)
        if x.ndim == 1 and self.n_channels == 1:
            x = x.reshape(-1, 1)
        if x.ndim != 2 or x.shape[1] != self.n_channels:
            raise ValueError(
                f"chunk must have shape (samples, {self.n_channels}) for this detector, got {x.shape}"
            )
        if x.dtype not in _ACCEPTED_DTYPES:
            if np.issubdtype(x.dtype, np.number) and not np.iscomplexobj(x):
                x = x.astype(np.float64)
            else:
                raise ValueError(f"chunk dtype must be numeric (float32/float64/int16/int32), got {x.dtype}")
        # NaN, Inf and absurd values (beyond MAX_ABS_UV) are replaced by 0 µV in the kernel, as it
        # reads them: one such value would poison the filters' state for good.
        return np.ascontiguousarray(x)

    def process(self, chunk, *, filtered_out: np.ndarray | None = None) -> list[Event]:
        """Feed samples (samples, channels) in time order; return the events decided meanwhile.

        `filtered_out`, if given, must be a float64 array of the chunk's shape: it receives the
        band-passed, notch-filtered signal in µV.
        """
        if self._finished:
            raise RuntimeError("this detector has finished; create a new one for a new stream")
        x = self._validate(chunk)
        if filtered_out is not None and (not isinstance(filtered_out, np.ndarray) or filtered_out.shape != x.shape
                                         or filtered_out.dtype != np.float64 or not filtered_out.flags.writeable):
            raise ValueError(f"filtered_out must be float64 of shape {x.shape}, got "
                             f"{getattr(filtered_out, 'dtype', type(filtered_out).__name__)} "
                             f"{getattr(filtered_out, 'shape', '')} (a writable numpy array)")
        events: list[Event] = []
        start = 0
        s = self.state
        first_sample, invalid_before = self.samples_processed, self.nonfinite_samples
        while True:
            rest = x[start:]
            y = self._no_filtered if filtered_out is None else filtered_out[start:]
            args = (
                rest, self.unit_scale, self.design.bandpass_sos, self.design.notch_sos,
                self.design.notch_count, self.design.detection_sos, self.design.onset_sos, self.params,
                s.ci, s.cf, s.zi, s.zn, s.zd, s.zo, s.hist, s.hist_sorted,
                s.work, s.seg_i, s.seg_f, s.run_i, s.pend_i, s.pend_f, s.gi, s.gf, s.ecg_h, s.recent,
                s.out_i, s.out_f, y,
            )
            if x.dtype in _kernel_ready_for:
                used = process_chunk(*args)
            else:
                with channel_lanes():  # the first call compiles (or loads the cache)
                    used = process_chunk(*args)
                _kernel_ready_for.add(x.dtype)
            events.extend(self._drain())
            start += used
            if start >= x.shape[0]:
                invalid = self.nonfinite_samples - invalid_before
                if invalid:
                    logger.warning("%d invalid samples (NaN, Inf or beyond %.0e µV) replaced by 0 µV in the chunk "
                                   "starting at sample %d", invalid, MAX_ABS_UV, first_sample)
                return events
            if used == 0 and filtered_out is not None:
                pass  # drained; the next call continues where this one stopped

    def finish(self) -> list[Event]:
        """End of stream: decide pending events and close ongoing activity. Call once."""
        if self._finished:
            return []
        s = self.state
        if s.gi[L.G_N] > 0:
            finish_stream(self.params, s.ci, s.cf, s.seg_i, s.seg_f, s.run_i, s.pend_i, s.pend_f,
                          s.gi, s.gf, s.ecg_h, s.recent, s.out_i, s.out_f)
        self._finished = True
        return self._drain()

    def _drain(self) -> list[Event]:
        s = self.state
        count = int(s.gi[L.G_NOUT])
        if count == 0:
            return []
        events = events_from_rows(s.out_i[:count], s.out_f[:count], self.n_channels)
        s.gi[L.G_NOUT] = 0
        return events

    # ---- quality ----------------------------------------------------------------------------
    @property
    def mains_hz(self) -> float | None:
        fam = int(self.state.gi[L.G_MAINS_FAM])
        return self.design.mains_candidates_hz[fam] if fam >= 0 else None

    @property
    def in_sustained_activity(self) -> bool:
        """True while a cramp or contraction may be under way (decided when it ends)."""
        return bool(self.state.gi[L.G_EP_OPEN])

    def quality(self) -> list[ChannelQuality]:
        s = self.state
        n = max(self.samples_processed, 1)
        fam = int(s.gi[L.G_MAINS_FAM])
        ecg_on = bool(s.gi[L.G_ECG_ON])
        rr = float(s.gf[L.GF_ECG_RR])
        out = []
        for c in range(self.n_channels):
            cf, ci = s.cf[:, c], s.ci[:, c]
            mains_uv = cf[L.CF_MAINS0_UV] if fam == 0 else cf[L.CF_MAINS1_UV] if fam == 1 else max(
                cf[L.CF_MAINS0_UV], cf[L.CF_MAINS1_UV])
            band = cf[L.CF_BAND_RMS]
            # Two seconds of blocks in a row that look like an envelope, not raw EMG.
            envelope_only = bool(ci[L.CI_ENVELOPE_BLOCKS] >= max(1, round(2000.0 / self.config.noise_block_ms)))
            out.append(ChannelQuality(
                channel=c,
                warming_up=bool(ci[L.CI_HIST_COUNT] < self.params[L.P_MIN_WARM_BLOCKS]
                                or self.samples_processed < self.params[L.P_WARMUP]),
                noise_floor_uv_rms=float(cf[L.CF_FLOOR_RMS]),
                band_rms_uv=float(band),
                mains_hz=self.mains_hz,
                mains_uv=float(mains_uv),
                clipped_samples=int(ci[L.CI_CLIPPED_SAMPLES]),
                clipping_fraction=float(ci[L.CI_CLIPPED_SAMPLES]) / n,
                ecg_present=ecg_on,
                ecg_bpm=(60.0 * self.fs_hz / rr) if (ecg_on and rr > 0) else None,
                low_rate_warning=self.fs_hz <= LOW_RATE_WARNING_HZ,
                envelope_only_warning=envelope_only,
                motion_s=float(ci[L.CI_MOTION_SAMPLES]) / self.fs_hz,
            ))
        return out
