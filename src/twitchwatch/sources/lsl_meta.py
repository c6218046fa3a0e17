"""What an LSL stream says about itself: a plain `StreamDescription`, whether it looks like EMG,
and the factors that turn its values into microvolts.

Consumer sensors label their streams in many ways: "EMG", "ExG"/"EXG", "EEG" (OpenBCI GUI
streams its EMG as EEG), or the device's MAC address as the type (PLUX OpenSignals). We call
a stream EMG-like when it is numeric, regular and fast enough for surface EMG and its type (or
name) is one of these; `emg_likeness` says why, and the user chooses among several.

Units come from ``desc/channels/channel/unit`` (the XDF meta-data scheme): volts, millivolts
and microvolts are converted; a stream that declares none is taken as microvolts, with a
warning; raw counts ("counts", "ADC", "raw", ...) need a scale in microvolts per count, from
the caller or from the channel's ``scaling_factor`` element.

Imports pylsl only to read `pylsl.StreamInfo` objects handed to it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from twitchwatch.formats.constants import UNIT_SCALE_TO_UV

#: LSL channel formats (pylsl's cf_* numbers) by the names XDF and `streams` use
CHANNEL_FORMAT_NAMES = {1: "float32", 2: "double64", 3: "string", 4: "int32", 5: "int16",
                        6: "int8", 7: "int64"}
NUMERIC_FORMATS = {"float32": "float32", "double64": "float64", "int32": "int32",
                   "int16": "int16", "int8": "int8", "int64": "int64"}
"""XDF/LSL format name -> numpy dtype name, for the formats a signal can have."""

#: stream types (lower-cased) that carry EMG on consumer and lab sensors
EMG_TYPES = ("emg",)
EXG_TYPES = ("exg", "biosignal", "biosignals")
EEG_TYPES = ("eeg",)
#: names (lower-cased substrings) of software that streams EMG under other types
EMG_NAME_HINTS = ("emg", "exg", "obci", "openbci", "opensignals", "bitalino", "plux", "myo",
                  "delsys", "myoware", "cyton", "ganglion", "biosignalsplux")
MAC_ADDRESS = re.compile(r"^(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2}$", re.IGNORECASE)
#: below this nominal rate a stream cannot carry surface EMG (band ~20-450 Hz)
MIN_EMG_RATE_HZ = 100.0

#: units that mean "raw converter values": these need a declared scale
COUNT_UNITS = frozenset({"counts", "count", "adc", "raw", "adu", "digital", "bits", "lsb",
                         "n/a", "na", "a.u.", "au", "arbitrary"})
#: channel elements that may hold a stream's own scale, in microvolts per count
SCALE_ELEMENTS = ("scaling_factor", "scale_uv", "scale")


@dataclass(frozen=True)
class StreamDescription:
    """One LSL stream as plain values. ``format`` is the XDF name ("float32", "int16", ...).
    Channel lists are empty when the stream has no (or a partial) ``desc/channels``."""

    name: str
    type: str
    channel_count: int
    nominal_srate: float
    format: str
    source_id: str
    hostname: str
    uid: str = ""
    created_at: float = 0.0
    labels: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    scales: tuple[str, ...] = ()
    manufacturer: str = ""
    info: object = field(default=None, compare=False, repr=False)
    """The pylsl.StreamInfo it came from (to open an inlet), if any."""

    @property
    def numeric(self) -> bool:
        return self.format in NUMERIC_FORMATS

    @property
    def regular(self) -> bool:
        return self.nominal_srate > 0

    def as_dict(self) -> dict:
        likely, why = emg_likeness(self)
        return {
            "name": self.name, "type": self.type, "channel_count": self.channel_count,
            "nominal_srate": self.nominal_srate, "format": self.format,
            "source_id": self.source_id, "hostname": self.hostname, "uid": self.uid,
            "emg_like": likely, "emg_reason": why,
        }

    def short(self) -> str:
        """'name' (type, N ch float32 @ R Hz, host H, source_id S)."""
        rate = f"{self.nominal_srate:g} Hz" if self.regular else "irregular"
        sid = f", source_id {self.source_id!r}" if self.source_id else ""
        return (f"{self.name!r} (type {self.type!r}, {self.channel_count} ch {self.format} @ {rate}, "
                f"host {self.hostname or '?'}{sid})")


def _children(desc, parent: str, child: str, value: str) -> tuple[str, ...]:
    out = []
    ch = desc.child(parent).child(child)
    while not ch.empty():
        out.append(ch.child_value(value))
        ch = ch.next_sibling(child)
    return tuple(out)


def describe(info) -> StreamDescription:
    """A `StreamDescription` of a `pylsl.StreamInfo` (full info from an inlet, or a resolved
    one whose ``desc`` is empty)."""
    desc = info.desc()
    n = int(info.channel_count())
    labels = _children(desc, "channels", "channel", "label")
    ok = len(labels) == n
    scales: list[str] = []
    if ok:
        ch = desc.child("channels").child("channel")
        while not ch.empty():
            scales.append(next((ch.child_value(e) for e in SCALE_ELEMENTS if ch.child_value(e)), ""))
            ch = ch.next_sibling("channel")
    return StreamDescription(
        name=info.name(), type=info.type(), channel_count=n,
        nominal_srate=float(info.nominal_srate()),
        format=CHANNEL_FORMAT_NAMES.get(int(info.channel_format()), "undefined"),
        source_id=info.source_id(), hostname=info.hostname(), uid=info.uid(),
        created_at=float(info.created_at()),
        labels=labels if ok else (),
        units=_children(desc, "channels", "channel", "unit") if ok else (),
        types=_children(desc, "channels", "channel", "type") if ok else (),
        scales=tuple(scales) if ok else (),
        manufacturer=desc.child("acquisition").child_value("manufacturer")
        or desc.child_value("manufacturer"),
        info=info,
    )


# ---- is it EMG? ---------------------------------------------------------------------------------
def emg_likeness(d: StreamDescription) -> tuple[bool, str]:
    """(looks like EMG, why) for the `streams` list and the automatic pick."""
    t = d.type.strip().lower()
    name = d.name.lower()
    if not d.numeric:
        return False, f"{d.format} values, not a signal"
    if not d.regular:
        return False, "no sampling rate (irregular stream)"
    if d.nominal_srate < MIN_EMG_RATE_HZ:
        return False, f"{d.nominal_srate:g} Hz is too slow for surface EMG"
    if t in EMG_TYPES:
        return True, "type EMG"
    if t in EXG_TYPES:
        return True, f"type {d.type} (EMG/EEG/ECG channels)"
    if t in EEG_TYPES:
        why = "type EEG"
        if "obci" in name or "openbci" in name:
            why += " from OpenBCI GUI, which streams its EMG as EEG"
        return True, why + " (EMG is often streamed as EEG)"
    if MAC_ADDRESS.match(t):
        return True, "type is a MAC address (PLUX OpenSignals / BITalino)"
    if any(h in name for h in EMG_NAME_HINTS):
        return True, f"name suggests an EMG sensor (type {d.type!r})"
    if d.types and any(x.strip().lower() in EMG_TYPES + EXG_TYPES for x in d.types):
        return True, "channels of type EMG/ExG"
    return False, f"type {d.type!r}"


def type_matches(d: StreamDescription, wanted: str) -> bool:
    """``--type`` matching, case-insensitive; "emg-like" matches every EMG-looking stream."""
    w = wanted.strip().lower()
    if w in ("emg-like", "emglike", "any-emg"):
        return emg_likeness(d)[0]
    return d.type.strip().lower() == w


# ---- units ------------------------------------------------------------------------------------
def _unit_key(unit: str) -> str:
    return unit.strip().lower()


def channel_scales_to_uv(
    d: StreamDescription,
    *,
    unit: str | None = None,
    uv_per_count: float | None = None,
) -> tuple[list[float], list[str]]:
    """Factors that turn each channel's values into µV, and the warnings to show.

    ``unit`` overrides what the stream declares (for streams that declare none or get it wrong);
    ``uv_per_count`` is the scale of a stream in raw counts (overriding a declared
    ``scaling_factor``). Raises ValueError for an unknown unit or counts without a scale.
    """
    n = d.channel_count
    where = f"LSL stream {d.name!r}"
    if uv_per_count is not None and not (math.isfinite(uv_per_count) and uv_per_count != 0):
        raise ValueError(f"the scale in µV per count must be a finite, non-zero number, got {uv_per_count!r}")
    units: Sequence[str] = [unit] * n if unit is not None else (d.units or [""] * n)
    labels = d.labels or tuple(f"ch{i + 1}" for i in range(n))
    scales: list[float] = []
    warnings: list[str] = []
    no_unit: list[str] = []
    for i, (u, label) in enumerate(zip(units, labels)):
        key = _unit_key(u or "")
        if key in COUNT_UNITS or (uv_per_count is not None and key == "" and unit is None):
            s = uv_per_count
            declared = d.scales[i] if i < len(d.scales) else ""
            if s is None and declared:
                try:
                    s = float(declared)
                except ValueError:
                    raise ValueError(f"{where}, channel {label!r}: scaling_factor {declared!r} is "
                                     "not a number") from None
            if s is None or not math.isfinite(s) or s == 0:
                raise ValueError(
                    f"{where}, channel {label!r} is in raw counts ({u!r}) and declares no scale; "
                    "give the scale in microvolts per count (twitchwatch live --uv-per-count X; "
                    "BITalino/PLUX 16-bit: 3.3e6 / 1009 / 65536 = 0.0499)")
            scales.append(float(s))
        elif key == "":
            no_unit.append(label)
            scales.append(1.0)
        elif key in UNIT_SCALE_TO_UV:
            scales.append(UNIT_SCALE_TO_UV[key])
        else:
            raise ValueError(
                f"{where}, channel {label!r}: unknown unit {u!r}; accepted: V, mV, uV/µV "
                "(volts, millivolts, microvolts) or raw counts with --uv-per-count; "
                "override with --unit")
    if no_unit:
        who = "all channels" if len(no_unit) == n else ", ".join(no_unit)
        warnings.append(f"{where} declares no unit ({who}): assuming microvolts; "
                        "if it is in volts or millivolts, say so with --unit")
    conv = sorted({u for u, s in zip(units, scales) if s != 1.0 and u})
    if conv:
        warnings_info = f"{where}: values converted to microvolts from {', '.join(conv)}"
        warnings.append(warnings_info)
    return scales, warnings
