"""Results on LSL: detected events as a marker stream, and a slow status stream.

So that LabRecorder records raw signal, events and status side by side:

- events: type "Markers", one string channel, irregular rate; one JSON object per event::

      {"kind": "fasciculation", "channel": 2, "label": "EMG2", "amplitude_uv": 182.4,
       "duration_s": 0.0125, "flags": ["doublet"], "channels": [2, 3], "n_phases": 3,
       "snr": 14.2, "rms_uv": 41.0, "mean_freq_hz": 118.0, "onset_s": 73.2105,
       "source_time": 4521.30751, "end_source_time": 4521.32001,
       "decided_source_time": 4521.57751, "seq": 17}

  ``channel``/``channels`` are 1-based, ``amplitude_uv`` is peak-to-peak on the filtered
  signal. ``source_time``/``end_source_time`` are the stamps of the event's first/last sample
  in the input stream's clock (as the sensor stamped them); ``decided_source_time`` the stamp
  of the sample at which the detector decided (a twitch ~250 ms after it, the isolation rule's
  look-ahead). ``onset_s``: seconds on the stream's timeline from its first sample (missing
  samples counted). The marker's own LSL time stamp is the onset in our clock (source time +
  LSL time_correction), so recorders line it up with the signal.

  Gaps in the input are markers too: ``{"kind": "gap", "onset_s", "duration_s",
  "missing_samples", "source_time_before", "source_time_after", "cause"}`` (cause "dropout"
  or "reconnect"), stamped where the missing samples begin.

- status: type "Status", one string channel, irregular rate; about once a second a JSON object:
  ``{"state", "twitch_rate_per_min", "twitch_count", "in_sustained_activity", "warming_up",
  "signal_s", "observed_s", "counts", "stream": {health...}, "seq"}``; ``state`` is one of
  warming_up, listening, sustained_activity, no_signal (the input is not connected).

The payload builders are shared with the recorder (`twitchwatch.sinks.recorder`), which writes
the same strings with the same stamps into XDF.
"""

from __future__ import annotations

import json
import math
import socket
import time
from collections.abc import Sequence
from typing import Protocol

import pylsl

from twitchwatch import __version__
from twitchwatch._logging import logger
from twitchwatch.engine import Event

EVENTS_TYPE = "Markers"
STATUS_TYPE = "Status"
DEFAULT_BASE_NAME = "twitchwatch"
#: a closing outlet waits at most this long for connected inlets to take the last markers
CLOSE_LINGER_S = 0.25
STATUS_INTERVAL_S = 1.0


class Timing(Protocol):
    """Maps the detector's sample indices to time (an `LslSource` is one)."""

    fs_hz: float

    def timeline_sample(self, sample: int) -> int: ...
    def source_time(self, sample: int) -> float: ...
    def local_time(self, sample: int) -> float: ...


class NominalTiming:
    """Timing of a source without stamps (simulator, replay): sample i at ``t0 + i / fs`` in
    both clocks, no gaps. ``t0`` defaults to our clock now."""

    def __init__(self, fs_hz: float, t0: float | None = None):
        self.fs_hz = float(fs_hz)
        self.t0 = pylsl.local_clock() if t0 is None else float(t0)

    def timeline_sample(self, sample: int) -> int:
        return int(sample)

    def source_time(self, sample: int) -> float:
        return self.t0 + sample / self.fs_hz

    def local_time(self, sample: int) -> float:
        return self.source_time(sample)


def _r(x: float, nd: int) -> float | None:
    x = float(x)
    return round(x, nd) if math.isfinite(x) else None


def _label(labels: Sequence[str], channel: int) -> str:
    return labels[channel] if 0 <= channel < len(labels) else f"ch{channel + 1}"


def event_payload(event: Event, timing: Timing, labels: Sequence[str], seq: int = 0) -> tuple[str, float]:
    """(JSON text, marker stamp in our clock) for one event."""
    fs = timing.fs_hz
    d = {
        "kind": event.kind,
        "channel": event.channel + 1,
        "label": _label(labels, event.channel),
        "amplitude_uv": _r(event.peak_to_peak_uv, 2),
        "duration_s": round(event.duration_samples / fs, 6),
        "flags": list(event.flags),
        "channels": [c + 1 for c in event.channels],
        "n_phases": int(event.n_phases),
        "snr": _r(event.snr, 2),
        "rms_uv": _r(event.rms_uv, 2),
        "mean_freq_hz": _r(event.mean_freq_hz, 1),
        "onset_s": round(timing.timeline_sample(event.onset_sample) / fs, 6),
        "source_time": timing.source_time(event.onset_sample),
        "end_source_time": timing.source_time(event.end_sample),
        "decided_source_time": timing.source_time(max(0, event.decided_at_sample)),
        "seq": int(seq),
    }
    return json.dumps(d, separators=(",", ":"), allow_nan=False), timing.local_time(event.onset_sample)


def gap_payload(gap, timing: Timing, seq: int = 0) -> tuple[str, float]:
    """(JSON text, stamp in our clock where the missing samples begin) for a gap
    (`twitchwatch.sources.lsl_health.Gap`)."""
    d = gap.as_dict(timing.fs_hz)
    d["source_time_before"] = _r(d["source_time_before"], 9)
    d["source_time_after"] = _r(d["source_time_after"], 9)
    d["seq"] = int(seq)
    if gap.at_sample > 0:
        stamp = timing.local_time(gap.at_sample - 1) + 1.0 / timing.fs_hz
    else:
        stamp = timing.local_time(0) - gap.missing / timing.fs_hz
    return json.dumps(d, separators=(",", ":"), allow_nan=False), stamp


def status_payload(session, health=None, seq: int = 0) -> str:
    """JSON status of a `twitchwatch.session.Session` (and the stream's `StreamHealth`)."""
    s = session.summary
    connected = health is None or health.state == "connected"
    if not connected and (health is None or health.state != "connecting"):
        state = "no_signal"
    elif session.warming_up:
        state = "warming_up"
    elif session.in_sustained_activity:
        state = "sustained_activity"
    else:
        state = "listening"
    rate = s.twitch_rate_per_min
    d = {
        "state": state,
        "twitch_rate_per_min": None if rate is None else round(rate, 2),
        "twitch_count": s.twitch_count,
        "in_sustained_activity": bool(session.in_sustained_activity),
        "warming_up": bool(session.warming_up),
        "signal_s": round(s.duration_s, 3),
        "observed_s": round(s.observed_s, 3),
        "counts": dict(s.counts),
        "stream": health.as_dict() if health is not None else None,
        "seq": int(seq),
    }
    return json.dumps(d, separators=(",", ":"), allow_nan=False)


def _marker_info(name: str, stream_type: str, source_id: str, input_name: str,
                 input_source_id: str, what: str) -> pylsl.StreamInfo:
    info = pylsl.StreamInfo(name, stream_type, 1, pylsl.IRREGULAR_RATE, pylsl.cf_string, source_id)
    desc = info.desc()
    desc.append_child_value("payload", "json")
    desc.append_child_value("content", what)
    ch = desc.append_child("channels").append_child("channel")
    ch.append_child_value("label", what)
    ch.append_child_value("type", stream_type)
    inp = desc.append_child("input")
    inp.append_child_value("name", input_name)
    inp.append_child_value("source_id", input_source_id)
    desc.append_child("acquisition").append_child_value("software", f"twitchwatch {__version__}")
    return info


def output_source_id(kind: str, input_source_id: str, input_name: str) -> str:
    """A stable source_id for our outlet, derived from the input's (so LSL consumers recover
    it after a restart of the monitor)."""
    base = input_source_id or f"{input_name}@{socket.gethostname()}"
    return f"twitchwatch-{kind}:{base}"


class _StringOutlet:
    def __init__(self, info: pylsl.StreamInfo):
        self.info = info
        self.name = info.name()
        self._outlet: pylsl.StreamOutlet | None = pylsl.StreamOutlet(info)
        self.pushed = 0

    def _push(self, text: str, stamp: float) -> None:
        if self._outlet is None:
            raise RuntimeError(f"LSL outlet {self.name!r} is closed")
        self._outlet.push_sample([text], float(stamp))
        self.pushed += 1

    def have_consumers(self) -> bool:
        return self._outlet is not None and self._outlet.have_consumers()

    def wait_for_consumers(self, timeout_s: float) -> bool:
        return self._outlet is not None and self._outlet.wait_for_consumers(timeout_s)

    def close(self, linger_s: float = CLOSE_LINGER_S) -> None:
        """Withdraw the stream. With consumers connected, wait ``linger_s`` first so that the
        last markers pushed reach them (liblsl sends asynchronously)."""
        outlet, self._outlet = self._outlet, None
        if outlet is not None and linger_s > 0 and self.pushed and outlet.have_consumers():
            time.sleep(linger_s)  # liblsl has no "all sent" signal to wait on; a short grace
        del outlet

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class EventMarkerOutlet(_StringOutlet):
    """Events (and gaps) as JSON markers on LSL; an event sink (``write(event)``).

    ``timing`` maps sample indices to stamps (the `LslSource`, or `NominalTiming`).
    """

    def __init__(self, timing: Timing, channel_labels: Sequence[str], *,
                 name: str = f"{DEFAULT_BASE_NAME}-events", source_id: str = "",
                 input_name: str = "", input_source_id: str = ""):
        info = _marker_info(name, EVENTS_TYPE, source_id or output_source_id(
            "events", input_source_id, input_name), input_name, input_source_id, "events")
        super().__init__(info)
        self.timing = timing
        self.labels = list(channel_labels)
        logger.info("events on LSL stream %r (type %s)", name, EVENTS_TYPE)

    def write(self, event: Event) -> None:
        text, stamp = event_payload(event, self.timing, self.labels, self.pushed)
        self._push(text, stamp)

    def write_gap(self, gap) -> None:
        text, stamp = gap_payload(gap, self.timing, self.pushed)
        self._push(text, stamp)


class StatusOutlet(_StringOutlet):
    """The monitor's status as JSON on LSL (``push_text(status_payload(...))``; the live
    monitor does so every `STATUS_INTERVAL_S`)."""

    def __init__(self, *, name: str = f"{DEFAULT_BASE_NAME}-status", source_id: str = "",
                 input_name: str = "", input_source_id: str = ""):
        info = _marker_info(name, STATUS_TYPE, source_id or output_source_id(
            "status", input_source_id, input_name), input_name, input_source_id, "status")
        super().__init__(info)
        logger.info("status on LSL stream %r (type %s)", name, STATUS_TYPE)

    def push_text(self, text: str, stamp: float | None = None) -> None:
        self._push(text, pylsl.local_clock() if stamp is None else stamp)
