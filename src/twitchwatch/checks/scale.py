"""Is the signal really in microvolts? Judged from each channel's typical amplitude.

Surface EMG at rest has a noise floor of ~0.3-20 µV and rarely exceeds a few mV: its median
absolute deviation (MAD, robust to twitches, artefacts and DC offsets) lies within
`PLAUSIBLE_MAD_UV`. A channel in volts taken as µV has a MAD of ~1e-6, one in millivolts ~1e-3;
one in raw counts or nanovolts is far above. After `WINDOW_S` of signal each channel is judged
once; a channel that is exactly constant is reported as dead or disconnected instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from twitchwatch._logging import logger

#: seconds of signal judged (the first ones after start)
WINDOW_S = 2.0
#: MAD of real surface EMG in µV: below, the values are too small to be µV; above, too large
PLAUSIBLE_MAD_UV = (0.05, 20_000.0)
#: the units tried to explain a too-small amplitude, with their factor to µV
_SMALLER_UNITS = (("mV", 1e3), ("V", 1e6))


def guess_unit(mad_uv: float) -> str | None:
    """The unit the values are probably in when taken as µV gives ``mad_uv``; None when µV fits
    or nothing explains it."""
    lo, hi = PLAUSIBLE_MAD_UV
    if not (np.isfinite(mad_uv) and mad_uv > 0) or lo <= mad_uv <= hi:
        return None
    if mad_uv < lo:
        for unit, factor in _SMALLER_UNITS:
            if lo <= mad_uv * factor <= hi:
                return unit
        return "V"  # smaller still: volts is the closest explanation
    return "counts"


class ScaleCheck:
    """Collects the first `WINDOW_S` of each channel, then judges the unit once.

    ``advice``: what the user should do to declare the right unit, e.g. "pass --unit V" (the
    caller knows its command line); ``{unit}`` in it is replaced by the guessed unit.
    """

    def __init__(self, fs_hz: float, labels: Sequence[str], advice: str):
        self.labels = list(labels)
        self.advice = advice
        self._need = max(1, int(round(WINDOW_S * fs_hz)))
        self._parts: list[np.ndarray] = []
        self._have = 0
        self.done = False
        self.findings: list[tuple[str, float, str]] = []  # (label, MAD µV, guessed unit)
        self.constant: list[str] = []  # channels exactly constant over the window

    def process(self, chunk: np.ndarray) -> None:
        if self.done or chunk.shape[0] == 0:
            return
        take = min(chunk.shape[0], self._need - self._have)
        self._parts.append(np.array(chunk[:take], dtype=np.float64))
        self._have += take
        if self._have >= self._need:
            self._judge()

    def finish(self) -> None:
        """Judge what there is (a recording shorter than the window)."""
        if not self.done and self._have >= 2:
            self._judge()

    def _judge(self) -> None:
        x = np.concatenate(self._parts)
        self._parts = []
        self.done = True
        finite = np.where(np.isfinite(x), x, np.nan)
        with np.errstate(all="ignore"):
            med = np.nanmedian(finite, axis=0)
            mad = np.nanmedian(np.abs(finite - med), axis=0)
            span = np.nanmax(finite, axis=0) - np.nanmin(finite, axis=0)
        for c, label in enumerate(self.labels):
            if span[c] == 0:
                self.constant.append(label)  # a dead or disconnected input: no unit to judge
                continue
            unit = guess_unit(float(mad[c]))
            if unit is not None:
                self.findings.append((label, float(mad[c]), unit))
        for w in self.warnings():
            logger.warning("%s", w)

    def warnings(self) -> list[str]:
        out = []
        if self.constant:
            out.append(f"channels {', '.join(self.constant)}: constant over the first {WINDOW_S:g} s "
                       "(dead, disconnected or switched-off input): check the electrode and cable")
        by_unit: dict[str, list[tuple[str, float]]] = {}
        for label, mad, unit in self.findings:
            by_unit.setdefault(unit, []).append((label, mad))
        for unit, chans in by_unit.items():
            names = ", ".join(lab for lab, _ in chans)
            mads = [m for _, m in chans]
            amp = f"{min(mads):.3g}" if len(mads) == 1 else f"{min(mads):.3g}-{max(mads):.3g}"
            if unit == "counts":
                out.append(
                    f"channels {names}: typical amplitude {amp} µV is far above surface EMG: the "
                    "values look like raw ADC counts or nanovolts, not microvolts; events and "
                    "amplitudes are not trustworthy. Convert counts to µV before analysing (live: "
                    "--unit counts --uv-per-count X)")
            else:
                out.append(
                    f"channels {names}: typical amplitude {amp} µV is far below any real EMG "
                    f"(noise alone is >= {PLAUSIBLE_MAD_UV[0]:g} µV): the values look like "
                    f"{'volts' if unit == 'V' else 'millivolts'}, not microvolts; events and "
                    "amplitudes are not trustworthy. " + self.advice.format(unit=unit))
        return out
