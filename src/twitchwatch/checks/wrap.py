"""Integer overflow wraps: find them, count them, undo them.

A value stored in 16 bits that goes past +32767 comes back as -32768 (and the other way): the
recorded signal then jumps by ~65536 counts between two neighbouring samples (PhysioNet's
``emg_neuropathy`` record is the known example: its needle potentials exceed the 16-bit range).
Fed to the detector, every such jump is a huge step that the band-pass turns into a spike.

A true signal never moves by more than half the full range between two samples (the converter's
anti-alias filter forbids it), so a step larger than `WRAP_STEP_FRACTION` of the period is a wrap,
undone by adding or subtracting one period (what ``numpy.unwrap(period=...)`` does, but
streaming: the offset carries across chunks). The count and the first positions are kept so
the user is told; the restored values are what the sensor saw.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from twitchwatch._logging import logger

#: a step between neighbouring samples larger than this fraction of the period is a wrap (a
#: wrap steps by the period minus the true change; a true change of half the range is no signal)
WRAP_STEP_FRACTION = 0.75
#: positions of the first this many wraps per channel are kept for the warning
KEEP_WRAP_POSITIONS = 5


class WrapUnwrapper:
    """Streaming unwrapper for channels whose values wrap with a known period (in µV).

    ``periods_uv``: per channel, the span of the stored integer in µV (65536 counts times µV per
    count for 16 bits), or None for channels stored as floats (nothing to unwrap).
    """

    def __init__(self, periods_uv: Sequence[float | None], labels: Sequence[str]):
        if len(periods_uv) != len(labels):
            raise ValueError("one wrap period (or None) per channel expected")
        self.labels = list(labels)
        self._periods = np.array([p if p else np.nan for p in periods_uv], np.float64)
        self._active = np.isfinite(self._periods) & (self._periods > 0)
        self._cols = np.flatnonzero(self._active)
        self._offset_uv = np.zeros(len(labels), np.float64)
        self._last_raw = np.full(len(labels), np.nan)
        self.wraps = np.zeros(len(labels), np.int64)
        self.first_at: list[list[int]] = [[] for _ in labels]

    @property
    def enabled(self) -> bool:
        return bool(self._cols.size)

    @property
    def total_wraps(self) -> int:
        return int(self.wraps.sum())

    def process(self, chunk: np.ndarray, first_sample: int) -> np.ndarray:
        """``chunk`` (samples, channels) in µV with wraps undone (a new array only if needed)."""
        if not self.enabled or chunk.shape[0] == 0:
            return chunk
        out = None
        for c in self._cols:
            period = self._periods[c]
            x = chunk[:, c].astype(np.float64)
            # steps between finite neighbours (a missing sample, NaN, must not hide a wrap)
            valid = np.flatnonzero(np.isfinite(x))
            if valid.size == 0:
                continue
            xv = x[valid]
            prev = self._last_raw[c]
            steps = np.diff(xv, prepend=xv[0] if np.isnan(prev) else prev)
            self._last_raw[c] = xv[-1]
            # +1 period where the raw signal fell by almost a period (it went past the top)
            k = np.where(steps < -WRAP_STEP_FRACTION * period, 1.0, 0.0) \
                - np.where(steps > WRAP_STEP_FRACTION * period, 1.0, 0.0)
            hits = np.flatnonzero(k)
            if hits.size == 0 and self._offset_uv[c] == 0.0:
                continue
            if hits.size:
                self.wraps[c] += hits.size
                room = KEEP_WRAP_POSITIONS - len(self.first_at[c])
                self.first_at[c].extend(int(first_sample + valid[i]) for i in hits[:max(0, room)])
                if self.wraps[c] == hits.size:
                    logger.warning("channel %s: integer overflow wrap (a step of %.0f µV, one "
                                   "full range of the stored integer) at sample %d; undone",
                                   self.labels[c], abs(steps[hits[0]]), first_sample + valid[hits[0]])
            fixed = x.copy()
            fixed[valid] = xv + self._offset_uv[c] + period * np.cumsum(k)
            self._offset_uv[c] += period * k.sum()
            if out is None:
                out = np.array(chunk, dtype=np.float32, copy=True)
            out[:, c] = fixed
        return chunk if out is None else out

    def warnings(self) -> list[str]:
        """One line per channel that wrapped: how often, where first, and what was done."""
        out = []
        for c in np.flatnonzero(self.wraps):
            where = ", ".join(map(str, self.first_at[c]))
            more = " ..." if self.wraps[c] > len(self.first_at[c]) else ""
            out.append(
                f"channel {self.labels[c]}: {self.wraps[c]} integer overflow wrap(s) (jumps of the "
                f"stored integer's full range, {self._periods[c]:.0f} µV, e.g. 65536 counts for "
                f"16 bits, between neighbouring samples; first at samples {where}{more}): undone, "
                "not counted as "
                "twitches. The values exceeded the file's integer range: re-export with a "
                "smaller gain or a wider format")
        return out
