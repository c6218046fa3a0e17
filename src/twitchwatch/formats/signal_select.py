"""Which signals of a multi-signal file (EDF, WFDB, OpenSignals) become the recording's channels.

A recording has one sampling rate, so the chosen signals must share one. The rules:

* ``stream`` given: a comma-separated list. Each item names a signal by its label (exact,
  case-insensitive), else by its type: every signal whose type or label contains the item
  ("EMG" picks "EMG chin" and "EMG1"). Nothing matched, or matched signals at several rates,
  is a `RecordingError` listing the file's signals.
* no ``stream``: the EMG-like signals (type or label contains "EMG"); when there are none, every
  signal in a voltage unit (with a warning naming what was taken). Of those, the ones at the
  highest rate; those left out are named in a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from twitchwatch.formats.constants import EMG_SIGNAL_WORD, SIGNAL_LIST_MAX_SHOWN, UNIT_SCALE_TO_UV
from twitchwatch.formats.recording import RecordingError


@dataclass(frozen=True)
class SignalSpec:
    """One signal of a file, as the selection sees it."""

    index: int  # position in the file's own signal list
    label: str
    kind: str  # transducer / sensor type, "" when the format has none
    unit: str  # as declared ("" when none)
    fs_hz: float

    @property
    def is_emg_like(self) -> bool:
        return EMG_SIGNAL_WORD in self.label.lower() or EMG_SIGNAL_WORD in self.kind.lower()

    @property
    def is_voltage(self) -> bool:
        """Declared in a unit we convert to µV, or with no unit (then assumed µV)."""
        return self.unit.strip().lower() in UNIT_SCALE_TO_UV or not self.unit.strip()

    def describe(self) -> str:
        kind = f" {self.kind}" if self.kind and self.kind.lower() not in self.label.lower() else ""
        unit = self.unit.strip() or "no unit"
        return f"{self.label!r} ({unit}{kind}, {self.fs_hz:g} Hz)"


def signals_text(signals: Sequence[SignalSpec]) -> str:
    shown = ", ".join(s.describe() for s in signals[:SIGNAL_LIST_MAX_SHOWN])
    more = len(signals) - SIGNAL_LIST_MAX_SHOWN
    return (shown + (f" and {more} more" if more > 0 else "")) or "none"


def _labels(signals: Sequence[SignalSpec]) -> str:
    names = [s.label for s in signals[:SIGNAL_LIST_MAX_SHOWN]]
    more = len(signals) - len(names)
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def _match(signals: Sequence[SignalSpec], item: str) -> list[SignalSpec]:
    key = item.strip().lower()
    exact = [s for s in signals if s.label.strip().lower() == key]
    if exact:
        return exact
    return [s for s in signals if key in s.kind.lower() or key in s.label.lower()]


def select_signals(
    signals: Sequence[SignalSpec], stream: str | None, where: str
) -> tuple[list[SignalSpec], list[str]]:
    """(chosen signals in file order, warnings about the choice); see the module docstring."""
    if not signals:
        raise RecordingError(f"{where}: no signals in the file (only annotations, or an empty header)")
    if stream is not None:
        return _explicit(signals, stream, where), []
    warnings: list[str] = []
    pool = [s for s in signals if s.is_emg_like]
    if not pool:
        pool = [s for s in signals if s.is_voltage]
        if not pool:
            raise RecordingError(
                f"{where}: no EMG signal and no signal in a voltage unit; signals found: "
                f"{signals_text(signals)}. Pass --stream LABEL to choose one"
            )
        warnings.append(
            f"no signal labelled EMG: using {_labels(pool)}; pass --stream LABEL to choose"
        )
    top = max(s.fs_hz for s in pool)
    chosen = [s for s in pool if s.fs_hz == top]
    left_out = [s for s in pool if s.fs_hz != top]
    if left_out:
        warnings.append(
            f"signals at other rates left out: {_labels(left_out)} (a recording has one rate; "
            f"using the {top:g} Hz ones); pass --stream LABEL to choose"
        )
    return chosen, warnings


def _explicit(signals: Sequence[SignalSpec], stream: str, where: str) -> list[SignalSpec]:
    items = [x.strip() for x in stream.split(",") if x.strip()]
    if not items:
        raise RecordingError(f"{where}: --stream {stream!r} names no signal; signals found: "
                             f"{signals_text(signals)}")
    chosen: dict[int, SignalSpec] = {}
    for item in items:
        found = _match(signals, item)
        if not found:
            raise RecordingError(
                f"{where}: no signal labelled or typed {item!r}; signals found: "
                f"{signals_text(signals)}"
            )
        for s in found:
            chosen.setdefault(s.index, s)
    out = sorted(chosen.values(), key=lambda s: s.index)
    rates = sorted({s.fs_hz for s in out})
    if len(rates) > 1:
        raise RecordingError(
            f"{where}: --stream {stream!r} picks signals at different rates "
            f"({', '.join(f'{r:g}' for r in rates)} Hz): {signals_text(out)}; a recording has one "
            "rate, so choose signals of one rate"
        )
    return out
