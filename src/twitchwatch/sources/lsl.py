"""`LslSource`: a live LSL stream as a `Source`, with a stream-health watchdog and recovery.

    from twitchwatch.sources.lsl import LslSource
    with LslSource(source_id="obci-1") as src:           # or name=..., type=..., stream=...
        while (chunk := src.read(4096, timeout_s=0.1)) is not None:
            ...                                           # float32 (n, ch) µV; empty: nothing yet
            print(src.health().state)                     # connected / stalled / reconnecting / lost

Reading: ``pull_chunk(timeout=..., dest_obj=...)`` into a preallocated buffer in the stream's own
type (first sample waited for, then whatever else is ready), converted to microvolts with the
channel units the stream declares (`lsl_meta.channel_scales_to_uv`). The returned array is the
caller's to keep. Time stamps stay as the sender made them (raw, in the input stream's clock);
LSL's ``time_correction`` (refreshed every `TIME_CORRECTION_INTERVAL_S`) maps them to our clock.

Health (`lsl_health`): silence, effective vs nominal rate, gaps (missing samples found from
the stamps), duplicate and backwards stamps; states connecting / connected / stalled /
reconnecting / lost / stopped, by how long the stream has been silent. Our inlet does not let liblsl recover in silence
(``recover=False``): when the connection breaks, we look for the stream again by its
``source_id`` (a `pylsl.ContinuousResolver`, polled without blocking) and connect to it when
it comes back, with the time between marked as a gap. A stream without a source_id is looked
for by name, type, channel count and host, which may also find a different sensor (warned).

Gaps are never bridged: the samples that exist are handed out back to back, and each gap is
reported (``gaps``, listeners' ``on_gap``) with its position. `timeline_sample` maps a sample
index to the stream's own timeline (slots since the first sample, missing ones counted), and
`source_time`/`local_time` give its stamp in the input stream's clock / ours.

Threads: ``read`` belongs to one thread (the acquisition worker; never a GUI thread).
``health()`` and ``gaps`` may be called from any thread. Listeners (``add_listener``) are
called from ``read``, in the reading thread, and must be quick.
"""

from __future__ import annotations

import bisect
import dataclasses
import inspect
import math
import threading
from collections import deque
from collections.abc import Callable

import numpy as np
import pylsl
from pylsl.util import LostError
from pylsl.util import TimeoutError as LslTimeout

from twitchwatch._logging import logger
from twitchwatch.checks import InputLayoutError
from twitchwatch.sources.base import Source, check_max_samples
from twitchwatch.sources.lsl_discovery import find_one, predicate
from twitchwatch.sources.lsl_health import (
    DEFAULT_LOST_AFTER_S,
    DEFAULT_RECONNECT_AFTER_S,
    DEFAULT_STALL_AFTER_S,
    Gap,
    RateMeter,
    StampTracker,
    StreamHealth,
    StreamState,
    stream_state,
)
from twitchwatch.sources.lsl_meta import (
    NUMERIC_FORMATS,
    StreamDescription,
    channel_scales_to_uv,
    describe,
)

#: most samples one pull asks for (the preallocated buffer's rows)
MAX_PULL_SAMPLES = 16384
#: the inlet keeps this much signal when we fall behind (older samples are dropped: a gap)
DEFAULT_MAX_BUFFER_S = 60
#: longest single wait inside ``read`` before the watchdog looks again
POLL_S = 0.05
#: LabRecorder asks for a clock offset every 5 s; so do we
TIME_CORRECTION_INTERVAL_S = 5.0
#: until the first estimate is ready, ask again this often
TIME_CORRECTION_RETRY_S = 0.1
#: the resolver forgets streams it has not heard from for this long
RESOLVER_FORGET_S = 1.0
#: how often the resolver's results are looked at while searching
SEARCH_POLL_S = 0.1
#: opening a found stream may take this long
OPEN_TIMEOUT_S = 2.0
#: exact stamps are kept this long (for markers and recorders); older ones are extrapolated
STAMP_HISTORY_S = 60.0
#: sparse (sample, stamp) anchors for older positions: one per ANCHOR_EVERY_S, this many kept
ANCHOR_EVERY_S = 1.0
MAX_ANCHORS = 7 * 24 * 3600
#: gap records kept for display (counts are kept for all)
KEEP_GAPS = 100

_PULL_AS_NUMPY = "as_numpy" in inspect.signature(pylsl.StreamInlet.pull_chunk).parameters


class StreamLayoutChanged(InputLayoutError):
    """The stream came back (same source_id) with another channel count, rate or format."""


class LslListener:
    """Callbacks from `LslSource.read` (in the reading thread). Override what you need."""

    def on_raw(self, samples: np.ndarray, stamps: np.ndarray) -> None:
        """Each chunk as received: values in the stream's own type and unit, raw stamps. Views
        of reused buffers: copy what you keep."""

    def on_gap(self, gap: Gap) -> None:
        """Samples were found missing (before the chunk about to be handed out)."""

    def on_clock_offset(self, collection_time: float, offset_s: float) -> None:
        """A new LSL time_correction value (our clock at collection, offset in s)."""

    def on_state(self, old: str, new: str, health: StreamHealth) -> None:
        """The stream's state changed."""


class LslSource(Source):
    """Read a live LSL stream (EMG, ExG, EEG...) as float32 µV.

    Parameters
    ----------
    name, type, source_id : which stream (all given must match; type case-insensitive, or
        "emg-like"). Or ``stream``: a `StreamDescription` or `pylsl.StreamInfo` already found.
        With nothing given, the one EMG-like stream on the network.
    resolve_timeout_s : how long to look for the stream at start.
    unit : the unit to assume instead of what the stream declares ("V", "mV", "uV", "counts").
    uv_per_count : microvolts per count for streams in raw counts.
    max_buffer_s : signal the inlet holds when we fall behind.
    stall_after_s, reconnect_after_s, lost_after_s : watchdog thresholds (see `lsl_health`).
    give_up_after_s : after this long lost, ``read`` returns None (default: never give up).
    stop : a `threading.Event`; once set, ``read`` returns None within `POLL_S`.
    clock : seconds on our clock (default `pylsl.local_clock`).

    Raises `StreamNotFound`/`AmbiguousStream` (LookupError) when the stream cannot be chosen,
    ValueError when it cannot be read as a signal (strings, no rate, unknown unit).
    """

    realtime = True

    def __init__(
        self,
        name: str | None = None,
        type: str | None = None,  # noqa: A002
        source_id: str | None = None,
        *,
        stream: StreamDescription | pylsl.StreamInfo | None = None,
        resolve_timeout_s: float = 5.0,
        unit: str | None = None,
        uv_per_count: float | None = None,
        max_buffer_s: int = DEFAULT_MAX_BUFFER_S,
        stall_after_s: float = DEFAULT_STALL_AFTER_S,
        reconnect_after_s: float = DEFAULT_RECONNECT_AFTER_S,
        lost_after_s: float = DEFAULT_LOST_AFTER_S,
        give_up_after_s: float | None = None,
        stop: threading.Event | None = None,
        clock: Callable[[], float] = pylsl.local_clock,
    ) -> None:
        for label, v in (("stall_after_s", stall_after_s), ("reconnect_after_s", reconnect_after_s),
                         ("lost_after_s", lost_after_s), ("resolve_timeout_s", resolve_timeout_s)):
            if not (math.isfinite(v) and v > 0):
                raise ValueError(f"{label} must be a finite number of seconds > 0, got {v!r}")
        if give_up_after_s is not None and not give_up_after_s > 0:
            raise ValueError(f"give_up_after_s must be > 0 seconds or None, got {give_up_after_s!r}")
        self.stall_after_s = float(stall_after_s)
        self.reconnect_after_s = float(reconnect_after_s)
        self.lost_after_s = float(lost_after_s)
        self.give_up_after_s = give_up_after_s
        self.max_buffer_s = int(max_buffer_s)
        self.stop_event = stop if stop is not None else threading.Event()
        self._clock = clock
        self._lock = threading.Lock()
        self._listeners: list[LslListener] = []
        self._closed = False

        if stream is None:
            stream = find_one(name=name, type=type, source_id=source_id, timeout_s=resolve_timeout_s)
        short = stream if isinstance(stream, StreamDescription) else describe(stream)
        if short.info is None:
            raise ValueError("the stream description carries no pylsl.StreamInfo to connect to")
        self._check_signal(short)
        inlet = self._open_inlet(short.info, resolve_timeout_s)
        try:
            full = describe(inlet.info(timeout=resolve_timeout_s))
            scales, self._warnings = channel_scales_to_uv(full, unit=unit, uv_per_count=uv_per_count)
        except (LslTimeout, LostError):
            inlet.close_stream()
            raise LookupError(f"LSL stream {short.name!r} did not send its description within "
                              f"{resolve_timeout_s:g} s") from None
        except ValueError:
            inlet.close_stream()
            raise
        self.description = full
        self._inlet: pylsl.StreamInlet | None = inlet
        self._uid = full.uid

        self.fs_hz = float(full.nominal_srate)
        self.n_channels = int(full.channel_count)
        self.channel_labels = list(full.labels) if full.labels else [f"ch{i + 1}" for i in range(self.n_channels)]
        self.name = f"lsl:{full.name}"
        self.scales_to_uv = np.asarray(scales, dtype=np.float64)
        self._identity = bool(np.all(self.scales_to_uv == 1.0))
        if not full.source_id:
            self._warnings.append(
                f"LSL stream {full.name!r} has no source_id: if it drops out, it is looked for by "
                "name, type, channel count and host, which another sensor could also match")
        for w in self._warnings:
            logger.warning("%s", w)

        self._dtype = np.dtype(NUMERIC_FORMATS[full.format])
        self._buf = np.zeros((MAX_PULL_SAMPLES, self.n_channels), self._dtype)
        self._stamp_ring = np.zeros(max(1, int(STAMP_HISTORY_S * self.fs_hz)), np.float64)
        self._anchor_idx: deque[int] = deque(maxlen=MAX_ANCHORS)
        self._anchor_t: deque[float] = deque(maxlen=MAX_ANCHORS)
        self._anchor_off: deque[float] = deque(maxlen=MAX_ANCHORS)
        self._anchor_every = max(1, int(ANCHOR_EVERY_S * self.fs_hz))
        self._shift_at: list[int] = []  # detector indices where gaps end ...
        self._shift_cum: list[int] = []  # ... and the missing samples counted up to there
        self._missing = 0

        self._samples_read = 0
        self._tracker = StampTracker(self.fs_hz)
        self._rates = RateMeter()
        self._first_stamp: float | None = None
        self._last_stamp: float | None = None
        self._last_arrival: float | None = None
        self._offset: float | None = None
        self._next_tc = self._clock()
        self._bridge_pending = False
        self._link_broken = False
        self._lost_uid = ""
        self._lost_at: float | None = None
        self._resolver: pylsl.ContinuousResolver | None = None
        self._search_reason = ""
        self._next_search = 0.0
        self._gaps: deque[Gap] = deque(maxlen=KEEP_GAPS)
        self._gap_count = 0
        self._reconnects = 0
        self._note = ""
        self._started = self._clock()
        self._silence_from = self._started  # silence counts from here until the first sample
        self._state = StreamState.CONNECTING
        self._state_since = self._started
        self._gave_up = False
        self._layout_error: StreamLayoutChanged | None = None
        self._kick_time_correction()
        logger.info("connected to LSL stream %s", full.short())

    # ---- setup --------------------------------------------------------------------------------
    @staticmethod
    def _check_signal(d: StreamDescription) -> None:
        if d.format not in NUMERIC_FORMATS:
            raise ValueError(f"LSL stream {d.name!r} carries {d.format} values (markers?), not a "
                             "signal; choose an EMG stream (`twitchwatch streams` lists them)")
        if not d.nominal_srate > 0:
            raise ValueError(f"LSL stream {d.name!r} has no nominal sampling rate (irregular); "
                             "the detector needs a regularly sampled signal")

    def _open_inlet(self, info, timeout_s: float) -> pylsl.StreamInlet:
        inlet = pylsl.StreamInlet(info, max_buflen=self.max_buffer_s, recover=False)
        try:
            inlet.open_stream(timeout=timeout_s)
        except (LslTimeout, LostError):
            inlet.close_stream()
            raise LookupError(f"LSL stream {info.name()!r} was found but did not open within "
                              f"{timeout_s:g} s") from None
        return inlet

    def add_listener(self, listener: LslListener) -> None:
        """Receive ``on_raw``/``on_gap``/``on_clock_offset``/``on_state`` calls from ``read``.
        An offset already known is announced at once."""
        self._listeners.append(listener)
        if self._offset is not None:
            listener.on_clock_offset(self._clock(), self._offset)

    def remove_listener(self, listener: LslListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    # ---- reading ------------------------------------------------------------------------------
    def read(self, max_samples: int, timeout_s: float = 0.0) -> np.ndarray | None:
        max_samples = check_max_samples(max_samples)
        if self._closed or self.stop_event.is_set():
            self._set_state(StreamState.STOPPED, self._clock())
            return None
        if self._gave_up:
            return None
        if self._layout_error is not None:
            raise self._layout_error
        end = self._clock() + max(0.0, float(timeout_s))
        n_max = min(max_samples, MAX_PULL_SAMPLES)
        while True:
            now = self._clock()
            wait = min(max(0.0, end - now), POLL_S)
            if self._inlet is not None:
                out = self._pull(n_max, wait)
                if out is not None:
                    return out
            elif wait > 0 and self.stop_event.wait(wait):
                pass
            now = self._clock()
            self._watch(now)
            if self._layout_error is not None:
                raise self._layout_error
            if self.stop_event.is_set() or self._closed:
                self._set_state(StreamState.STOPPED, now)
                return None
            if self._gave_up:
                return None
            if now >= end:
                return self.empty()

    def _pull(self, n_max: int, wait: float) -> np.ndarray | None:
        inlet = self._inlet
        kw = {"as_numpy": True} if _PULL_AS_NUMPY else {}
        try:
            _, ts = inlet.pull_chunk(timeout=wait, max_samples=1, dest_obj=self._buf, **kw)
            if len(ts) == 0:
                return None
            stamps = np.asarray(ts, dtype=np.float64)
            if n_max > 1:
                _, more = inlet.pull_chunk(timeout=0.0, max_samples=n_max - 1,
                                           dest_obj=self._buf[1:], **kw)
                if len(more):
                    stamps = np.concatenate((stamps, np.asarray(more, dtype=np.float64)))
        except LostError:
            self._connection_broke(self._clock())
            return None
        return self._accept(self._buf[: stamps.shape[0]], stamps, self._clock())

    def _accept(self, raw: np.ndarray, stamps: np.ndarray, now: float) -> np.ndarray:
        n = stamps.shape[0]
        start = self._samples_read
        if self._bridge_pending:
            gaps = self._bridge(stamps, now)
        else:
            gaps = [(i, m, "dropout") for i, m in self._tracker.update(stamps)]
        before_chunk = self._last_stamp
        self._keep_stamps(start, stamps)  # first: gap markers look up the stamps around them
        with self._lock:
            if self._first_stamp is None:
                self._first_stamp = float(stamps[0])
            self._last_stamp = float(stamps[-1])
            self._last_arrival = now
            self._samples_read = start + n
            self._rates.add(now, float(stamps[-1]), n)
        for i, missing, cause in gaps:
            before = before_chunk if i == 0 else float(stamps[i - 1])
            self._add_gap(Gap(at_sample=start + i, timeline_sample=start + i + self._missing,
                              missing=int(missing),
                              start_time=before if before is not None else float("nan"),
                              end_time=float(stamps[i]), cause=cause))
        self._stop_searching()
        self._set_state(StreamState.CONNECTED, now)
        for listener in self._listeners:
            listener.on_raw(raw, stamps)
        if self._identity:
            out = raw.astype(np.float32, copy=True)
        else:
            out = (raw.astype(np.float64) * self.scales_to_uv).astype(np.float32)
        if now >= self._next_tc:
            self._refresh_time_correction(now)
        return out

    def _bridge(self, stamps: np.ndarray, now: float) -> list[tuple[int, int, str]]:
        """First chunk after a reconnection: the gap from our clock's view of both stamps,
        checked against the wall time that passed."""
        self._bridge_pending = False
        with self._lock:
            self._rates.reset()  # the rate of the stream as it is now, not across the outage
        silence = now - (self._last_arrival if self._last_arrival is not None else now)
        by_wall = max(0, int(round(silence * self.fs_hz)) - stamps.shape[0])
        missing = by_wall
        if self._last_stamp is not None:
            # both stamps on our clock where the offsets are known (a sender may come back on
            # another machine); raw otherwise (the same sender, the same clock)
            new_offset = self._try_time_correction(0.0)
            old_offset = self._offset if self._offset is not None else 0.0
            new_offset = new_offset if new_offset is not None else old_offset
            step = (float(stamps[0]) + new_offset) - (self._last_stamp + old_offset)
            by_stamps = int(round(step * self.fs_hz)) - 1
            if 0 <= by_stamps <= (silence + 5.0) * self.fs_hz:
                missing = by_stamps
            else:
                with self._lock:
                    self._note = (f"stamps jumped by {step:+.3f} s across the reconnection; gap "
                                  "estimated from our clock")
                logger.warning("%s: %s", self.name, self._note)
        self._tracker.bridge(stamps, missing)
        self._tracker.update(stamps)  # re-anchor (its duplicates/backwards counts continue)
        return [(0, missing, "reconnect")] if missing > 0 and self._samples_read > 0 else []

    def _add_gap(self, gap: Gap) -> None:
        with self._lock:
            self._missing += gap.missing
            self._shift_at.append(gap.at_sample)
            self._shift_cum.append(self._missing)
            self._gaps.append(gap)
            self._gap_count += 1
        logger.warning("%s: %d samples (%.3f s) missing before sample %d (%s)", self.name,
                       gap.missing, gap.missing / self.fs_hz, gap.at_sample, gap.cause)
        for listener in self._listeners:
            listener.on_gap(gap)

    def _keep_stamps(self, start: int, stamps: np.ndarray) -> None:
        ring = self._stamp_ring
        size = ring.shape[0]
        n = stamps.shape[0]
        if n >= size:
            idx = np.arange(start + n - size, start + n)
            ring[idx % size] = stamps[n - size:]
        else:
            pos = start % size
            first = min(n, size - pos)
            ring[pos:pos + first] = stamps[:first]
            ring[: n - first] = stamps[first:]
        # anchors: at the first sample and then every ANCHOR_EVERY_S
        if not self._anchor_idx or start + n - 1 - self._anchor_idx[-1] >= self._anchor_every \
                or self._bridge_anchor:
            self._anchor_idx.append(start)
            self._anchor_t.append(float(stamps[0]))
            self._anchor_off.append(self._offset if self._offset is not None else 0.0)
            self._bridge_anchor = False

    _bridge_anchor = False

    # ---- the watchdog ---------------------------------------------------------------------------
    def _watch(self, now: float) -> None:
        silence = now - (self._last_arrival if self._last_arrival is not None else self._silence_from)
        if self._inlet is not None and not self._link_broken:
            if now >= self._next_tc:
                self._refresh_time_correction(now)
            if silence >= self.reconnect_after_s and self._resolver is None:
                self._start_searching(now, f"silent for {silence:.1f} s")
        if self._resolver is not None:
            self._search(now)
        self._set_state(self._derive_state(now), now)
        if self.give_up_after_s is not None and self._state == StreamState.LOST \
                and silence >= self.lost_after_s + self.give_up_after_s:
            logger.error("%s: no signal for %.0f s; giving up", self.name, silence)
            self._gave_up = True

    def _derive_state(self, now: float) -> str:
        last = self._last_arrival
        silence = now - (last if last is not None else self._silence_from)
        return stream_state(received_any=last is not None, silence_s=silence, stopped=self._closed,
                            stall_after_s=self.stall_after_s,
                            reconnect_after_s=self.reconnect_after_s,
                            lost_after_s=self.lost_after_s)

    def _set_state(self, new: str, now: float) -> None:
        old = self._state
        if new == old:
            return
        with self._lock:
            self._state = new
            self._state_since = now
        if new in (StreamState.STALLED, StreamState.RECONNECTING, StreamState.LOST):
            logger.warning("%s: stream %s (was %s)", self.name, new, old)
        else:
            logger.info("%s: stream %s (was %s)", self.name, new, old)
        if self._listeners:
            health = self.health()
            for listener in self._listeners:
                listener.on_state(old, new, health)

    def _connection_broke(self, now: float) -> None:
        logger.warning("%s: connection to the sender broke; looking for it again", self.name)
        self._link_broken = True
        self._lost_uid = self._uid
        self._lost_at = now
        inlet, self._inlet = self._inlet, None
        if inlet is not None:
            try:
                inlet.close_stream()
            except Exception:  # noqa: BLE001 - a broken inlet may refuse; it is dropped anyway
                logger.debug("closing a broken inlet failed", exc_info=True)
        with self._lock:
            self._note = "connection broke; looking for the stream by " + (
                "source_id" if self.description.source_id else "name, type and host")
        self._start_searching(now, "connection broke")

    def _start_searching(self, now: float, reason: str) -> None:
        d = self.description
        if d.source_id:
            # by source_id, or by name and type: a sensor may come back under a new source_id
            pred = (f"({predicate(source_id=d.source_id)}) or "
                    f"({predicate(name=d.name, type=d.type or None)})")
            self._resolver = pylsl.ContinuousResolver(pred=pred, forget_after=RESOLVER_FORGET_S)
        else:
            pred = predicate(name=d.name, type=d.type, channel_count=d.channel_count,
                             hostname=d.hostname or None)
            self._resolver = pylsl.ContinuousResolver(pred=pred, forget_after=RESOLVER_FORGET_S)
        self._search_reason = reason
        self._next_search = now
        logger.info("%s: looking for the stream (%s)", self.name, reason)

    def _stop_searching(self) -> None:
        if self._resolver is not None:
            self._resolver = None

    def _search(self, now: float) -> None:
        if now < self._next_search:
            return
        self._next_search = now + SEARCH_POLL_S
        d = self.description
        for info in self._resolver.results():
            uid = info.uid()
            if uid == self._uid and not self._link_broken:
                continue  # our own outlet, alive but silent: nothing new to connect to
            if uid == self._lost_uid and self._lost_at is not None \
                    and now - self._lost_at < RESOLVER_FORGET_S + 0.5:
                continue  # the resolver still remembers the outlet that went away
            same_sid = bool(d.source_id) and info.source_id() == d.source_id
            if (info.channel_count() != d.channel_count or info.nominal_srate() != d.nominal_srate
                    or describe(info).format != d.format):
                layout = (f"{info.channel_count()} ch {describe(info).format} at "
                          f"{info.nominal_srate():g} Hz instead of {d.channel_count} ch {d.format} at "
                          f"{d.nominal_srate:g} Hz")
                if same_sid:
                    # the sensor is back but its samples no longer mean what they meant: the
                    # detector cannot go on, and guessing a mapping would misalign channels
                    self._layout_error = StreamLayoutChanged(
                        f"LSL stream {d.name!r} (source_id {d.source_id!r}) came back with {layout}; "
                        "the monitor cannot continue with another layout. Everything up to the "
                        "dropout is saved; start `twitchwatch live` again to monitor it")
                    logger.error("%s: %s", self.name, self._layout_error)
                    return
                with self._lock:
                    self._note = (f"a stream named {info.name()!r} appeared with {layout}; ignored "
                                  "(another sensor?)")
                continue
            new_sid = ""
            if d.source_id and not same_sid:
                # same name, type and layout under a new source_id: most likely the same sensor
                # restarted (some senders make up a source_id per session); said loudly below
                new_sid = info.source_id()
            try:
                inlet = pylsl.StreamInlet(info, max_buflen=self.max_buffer_s, recover=False)
                inlet.open_stream(timeout=OPEN_TIMEOUT_S)
            except (LslTimeout, LostError, RuntimeError) as exc:
                logger.debug("%s: could not open the stream found again: %s", self.name, exc)
                continue
            old, self._inlet = self._inlet, inlet
            if old is not None:
                try:
                    old.close_stream()
                except Exception:  # noqa: BLE001
                    logger.debug("closing the old inlet failed", exc_info=True)
            self._uid = uid
            if new_sid:
                msg = (f"LSL stream {d.name!r} came back with source_id {new_sid!r} instead of "
                       f"{d.source_id!r} (same name, type and layout): reconnected; check that it "
                       "is the same sensor")
                self._warnings.append(msg)
                logger.warning("%s: %s", self.name, msg)
                self.description = dataclasses.replace(d, source_id=new_sid, uid=uid)
            self._link_broken = False
            self._kick_time_correction()
            self._bridge_pending = True
            self._bridge_anchor = True
            self._resolver = None
            with self._lock:
                self._reconnects += 1
                self._note = f"reconnected after {self._search_reason}"
            logger.warning("%s: reconnected to %s (%s)", self.name, info.name(), self._search_reason)
            return

    # ---- clock offsets ---------------------------------------------------------------------------
    def _kick_time_correction(self) -> None:
        """Start the estimate in the background (the first one takes ~0.6 s)."""
        self._try_time_correction(0.0)
        self._next_tc = self._clock() + TIME_CORRECTION_RETRY_S

    def _try_time_correction(self, timeout: float) -> float | None:
        if self._inlet is None:
            return None
        try:
            return float(self._inlet.time_correction(timeout=timeout))
        except LslTimeout:
            return None
        except LostError:
            return None  # the next pull notices

    def _refresh_time_correction(self, now: float) -> None:
        value = self._try_time_correction(0.0)
        if value is None:
            self._next_tc = now + TIME_CORRECTION_RETRY_S
            return
        self._next_tc = now + TIME_CORRECTION_INTERVAL_S
        with self._lock:
            self._offset = value
        t = self._clock()
        for listener in self._listeners:
            listener.on_clock_offset(t, value)

    # ---- timing: sample index -> timeline, stamps ------------------------------------------------
    def timeline_sample(self, sample: int) -> int:
        """The position of handed-out sample ``sample`` on the stream's own timeline: sample slots
        since the first sample received, samples missing in gaps counted."""
        with self._lock:
            k = bisect.bisect_right(self._shift_at, sample)
            return int(sample) + (self._shift_cum[k - 1] if k else 0)

    def source_time(self, sample: int) -> float:
        """Stamp of handed-out sample ``sample`` in the input stream's clock (exact for the last
        `STAMP_HISTORY_S`, extrapolated at the nominal rate from the nearest anchor before)."""
        sample = int(sample)
        size = self._stamp_ring.shape[0]
        n = self._samples_read
        if n == 0:
            raise ValueError("no samples yet")
        if 0 <= sample < n and sample >= n - size:
            return float(self._stamp_ring[sample % size])
        k = max(0, bisect.bisect_right(self._anchor_idx, sample) - 1)
        return self._anchor_t[k] + (sample - self._anchor_idx[k]) / self.fs_hz

    def local_time(self, sample: int) -> float:
        """The stamp of ``sample`` in our clock (source stamp + LSL time_correction)."""
        t = self.source_time(sample)
        k = max(0, bisect.bisect_right(self._anchor_idx, sample) - 1)
        offset = self._offset if self._offset is not None else (
            self._anchor_off[k] if self._anchor_off else 0.0)
        return t + offset

    # ---- what others read ------------------------------------------------------------------------
    @property
    def warnings(self) -> list[str]:
        return list(self._warnings)

    @property
    def wrap_periods_uv(self) -> list[float | None] | None:
        """int8/int16 streams can carry a sender's overflow wraps: their full range in µV."""
        if self._dtype not in (np.int8, np.int16):
            return None
        return [2.0 ** (8 * self._dtype.itemsize) * float(s) for s in self.scales_to_uv]

    @property
    def gaps(self) -> list[Gap]:
        """The most recent gaps (up to `KEEP_GAPS`); ``health().gaps`` counts them all."""
        with self._lock:
            return list(self._gaps)

    @property
    def clock_offset_s(self) -> float | None:
        return self._offset

    @property
    def first_stamp(self) -> float | None:
        return self._first_stamp

    @property
    def state(self) -> str:
        return self._state

    def health(self) -> StreamHealth:
        """A snapshot; safe from any thread."""
        now = self._clock()
        with self._lock:
            last = self._last_arrival
            eff, arrival = self._rates.rates()
            return StreamHealth(
                state=self._state, nominal_rate_hz=self.fs_hz, samples=self._samples_read,
                since_last_sample_s=None if last is None else max(0.0, now - last),
                effective_rate_hz=eff, arrival_rate_hz=arrival, gaps=self._gap_count,
                missing_samples=self._missing, duplicate_stamps=self._tracker.duplicates,
                backwards_stamps=self._tracker.backwards, reconnects=self._reconnects,
                link_up=not self._link_broken, clock_offset_s=self._offset, state_for_s=max(0.0, now - self._state_since),
                note=self._note,
            )

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._resolver = None
        inlet, self._inlet = self._inlet, None
        if inlet is not None:
            try:
                inlet.close_stream()
            except Exception:  # noqa: BLE001
                logger.debug("closing the inlet failed", exc_info=True)
        self._set_state(StreamState.STOPPED, self._clock())
