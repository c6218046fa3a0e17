"""Events as the rest of the program sees them: kind, where, when (in samples) and features."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twitchwatch.engine import layout as L

EVENT_KINDS = L.KIND_NAMES


@dataclass(frozen=True)
class Event:
    """One detected event. Positions are absolute sample indices from the first sample seen.

    ``channel`` is 0-based (the CLI and files show it 1-based). ``peak_to_peak_uv`` is measured on
    the filtered (20-450 Hz) signal of the strongest channel. For cramps and contractions,
    ``rms_uv`` and ``mean_freq_hz`` describe the activity and ``breadth`` the fraction of
    channels involved.
    """

    kind: str
    channel: int
    onset_sample: int
    end_sample: int
    peak_to_peak_uv: float
    channels: tuple[int, ...]
    flags: tuple[str, ...]
    n_phases: int
    energy_uv2_s: float
    snr: float
    rms_uv: float
    mean_freq_hz: float
    breadth: float
    decided_at_sample: int

    @property
    def duration_samples(self) -> int:
        return self.end_sample - self.onset_sample + 1

    def onset_s(self, fs_hz: float) -> float:
        return self.onset_sample / fs_hz

    def duration_s(self, fs_hz: float) -> float:
        return self.duration_samples / fs_hz


def _mask_channels(mask: int, n_channels: int) -> tuple[int, ...]:
    return tuple(c for c in range(n_channels) if mask & (1 << min(c, 63)))


def _flag_names(flags: int) -> tuple[str, ...]:
    return tuple(name for bit, name in L.FLAG_NAMES.items() if flags & bit)


def events_from_rows(out_i: np.ndarray, out_f: np.ndarray, n_channels: int) -> list[Event]:
    """Turn the kernel's output rows into Event objects."""
    events = []
    for row_i, row_f in zip(out_i, out_f):
        events.append(
            Event(
                kind=L.KIND_NAMES[int(row_i[L.OI_KIND])],
                channel=int(row_i[L.OI_CH]),
                onset_sample=int(row_i[L.OI_ONSET]),
                end_sample=int(row_i[L.OI_END]),
                peak_to_peak_uv=float(row_f[L.OF_PP]),
                channels=_mask_channels(int(row_i[L.OI_MASK]), n_channels),
                flags=_flag_names(int(row_i[L.OI_FLAGS])),
                n_phases=int(row_i[L.OI_PHASES]),
                energy_uv2_s=float(row_f[L.OF_ENERGY]),
                snr=float(row_f[L.OF_SNR]),
                rms_uv=float(row_f[L.OF_RMS]),
                mean_freq_hz=float(row_f[L.OF_FREQ]),
                breadth=float(row_f[L.OF_BREADTH]),
                decided_at_sample=int(row_i[L.OI_DECIDED_AT]),
            )
        )
    return events
