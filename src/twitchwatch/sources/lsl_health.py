"""Stream health for a live source: states, gaps found from time stamps, rates.

States (`StreamState`) follow how long the stream has been silent, so that an outage always
reads the same way, whatever its cause:

    connecting    nothing received yet (and not for long)
    connected     samples arrived within the last ``stall_after_s``
    stalled       silent for ``stall_after_s`` or more
    reconnecting  silent for ``reconnect_after_s`` or more: we are looking for the stream again
    lost          silent for ``lost_after_s`` or more; still looking
    stopped       the source was closed or stopped

Whether the connection itself broke (the sender went away) is a separate fact, ``link_up``;
the search for the stream by its source_id starts at once when it breaks, and after
``reconnect_after_s`` of silence when it does not (a sender restarted behind a connection that
lingers). A stream that comes back before ``reconnect_after_s`` goes stalled -> connected, and
its reconnection is still counted and its gap logged.

Gaps (`StampTracker`): every sample's time stamp is compared with where a regular stream
would put it. The offset ``o = t - k / fs`` (k counts sample slots, missing ones included)
follows a lower envelope allowed to rise by ``max_drift`` (a sensor clock a little slower than
nominal); a sample whose offset jumps above that envelope by more than the tolerance means
samples are missing: ``round(jump * fs)`` of them. The tolerance learns the stamps' own jitter
(bursty senders stamp whole chunks alike, e.g. OpenBCI GUI), so regular chunking is not taken
for gaps; gaps shorter than about twice that jitter cannot be told from it and go unnoticed. Duplicate (equal) and backwards stamps are counted, never "repaired".
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np


class StreamState:
    CONNECTING = "connecting"
    CONNECTED = "connected"
    STALLED = "stalled"
    RECONNECTING = "reconnecting"
    LOST = "lost"
    STOPPED = "stopped"
    ALL = (CONNECTING, CONNECTED, STALLED, RECONNECTING, LOST, STOPPED)


#: silence after which a stream counts as stalled
DEFAULT_STALL_AFTER_S = 0.5
#: silence after which we look for a new outlet with the same source_id even though the
#: connection has not (yet) broken (a sender restarted behind a connection that lingers)
DEFAULT_RECONNECT_AFTER_S = 2.0
#: silence after which a stream counts as lost (we keep looking for it)
DEFAULT_LOST_AFTER_S = 5.0
#: how fast a sensor clock may run slow relative to its nominal rate before its stamps are
#: read as gaps (1 %: consumer boards are within ~0.1 %)
DEFAULT_MAX_DRIFT = 0.01
#: before this much signal, the jitter of the stamps is not known: gaps must exceed LEARN_TOL_S
JITTER_LEARN_S = 2.0
LEARN_TOL_S = 0.1
#: the tolerance is this many times the stamps' recent jitter, plus half a sample
JITTER_FACTOR = 2.0
#: the jitter is measured per block of this much signal, over the last JITTER_WINDOW_S
BLOCK_S = 0.25
JITTER_WINDOW_S = 30.0
#: a step in the stamps too small to be a gap is absorbed after this long
ABSORB_S = 1.0
#: window of the effective-rate estimate
RATE_WINDOW_S = 5.0


def stream_state(*, received_any: bool, silence_s: float, stopped: bool = False,
                 stall_after_s: float = DEFAULT_STALL_AFTER_S,
                 reconnect_after_s: float = DEFAULT_RECONNECT_AFTER_S,
                 lost_after_s: float = DEFAULT_LOST_AFTER_S) -> str:
    """The state from the facts (see the module docstring). Before the first sample,
    ``silence_s`` counts from the start."""
    if stopped:
        return StreamState.STOPPED
    if silence_s >= lost_after_s:
        return StreamState.LOST
    if silence_s >= reconnect_after_s:
        return StreamState.RECONNECTING
    if not received_any:
        return StreamState.CONNECTING
    if silence_s >= stall_after_s:
        return StreamState.STALLED
    return StreamState.CONNECTED


@dataclass(frozen=True)
class Gap:
    """Samples missing from a stream, found from its time stamps.

    ``at_sample``: index (in samples handed out, i.e. the detector's index) of the first sample
    after the gap. ``timeline_sample``: the same position on the stream's own timeline (sample
    slots since the first sample, missing ones counted), where the missing samples begin.
    ``missing``: how many samples are missing. ``start_time``/``end_time``: source stamps of
    the last sample before and the first after (in the input stream's clock). ``cause``:
    "dropout" (stamps jumped within one connection) or "reconnect" (across a reconnection).
    """

    at_sample: int
    timeline_sample: int
    missing: int
    start_time: float
    end_time: float
    cause: str

    def duration_s(self, fs_hz: float) -> float:
        return self.missing / fs_hz

    def as_dict(self, fs_hz: float) -> dict:
        return {
            "kind": "gap", "onset_s": round(self.timeline_sample / fs_hz, 6),
            "duration_s": round(self.missing / fs_hz, 6), "missing_samples": self.missing,
            "at_sample": self.at_sample, "source_time_before": self.start_time,
            "source_time_after": self.end_time, "cause": self.cause,
        }


@dataclass(frozen=True)
class StreamHealth:
    """A snapshot of a live stream's health (safe to hand to another thread).

    ``since_last_sample_s``: wall seconds since the last sample arrived (None before any).
    ``effective_rate_hz``: samples per second of the stream's own stamps over the last few
    seconds (None until known); ``arrival_rate_hz`` the same per second of our clock.
    ``gaps``/``missing_samples``: gaps found so far and the samples they lack.
    ``duplicate_stamps``/``backwards_stamps``: stamps equal to / earlier than the one before.
    ``reconnects``: times we connected to the stream again (after its connection broke, or a
    new sender with the same source_id). ``link_up``: our connection to the sender stands.
    ``clock_offset_s``: LSL time_correction (add to a source stamp to get our clock), if known.
    ``state_for_s``: how long the current state has lasted. ``note``: the latest problem.
    """

    state: str
    nominal_rate_hz: float
    samples: int = 0
    since_last_sample_s: float | None = None
    effective_rate_hz: float | None = None
    arrival_rate_hz: float | None = None
    gaps: int = 0
    missing_samples: int = 0
    duplicate_stamps: int = 0
    backwards_stamps: int = 0
    reconnects: int = 0
    link_up: bool = True
    clock_offset_s: float | None = None
    state_for_s: float = 0.0
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.state == StreamState.CONNECTED

    def as_dict(self) -> dict:
        def r(x, nd):
            return None if x is None else round(float(x), nd)
        return {
            "state": self.state, "nominal_rate_hz": self.nominal_rate_hz,
            "effective_rate_hz": r(self.effective_rate_hz, 3),
            "arrival_rate_hz": r(self.arrival_rate_hz, 3), "samples": self.samples,
            "since_last_sample_s": r(self.since_last_sample_s, 3), "gaps": self.gaps,
            "missing_samples": self.missing_samples, "duplicate_stamps": self.duplicate_stamps,
            "backwards_stamps": self.backwards_stamps, "reconnects": self.reconnects,
            "link_up": self.link_up,
            "clock_offset_s": r(self.clock_offset_s, 6), "state_for_s": r(self.state_for_s, 3),
            "note": self.note,
        }


class StampTracker:
    """Finds gaps, duplicates and backwards steps in the stamps of a regular stream.

    ``update(stamps)`` takes each chunk's stamps (seconds, one clock) and returns
    ``[(i, missing)]``: ``missing`` samples are absent before the chunk's sample ``i``.
    ``timeline`` counts sample slots so far (received + missing). ``bridge(stamps, missing)``
    starts afresh after a reconnection, with a gap of ``missing`` samples decided by the caller.

    The envelope is the lower of two: one that rises at most ``max_drift`` (so a slow sensor
    clock is followed), and the lowest offset of the last `ABSORB_S` (so a step too small to be
    called a gap is absorbed within a second instead of counting as jitter). The jitter is the
    median, over blocks of `BLOCK_S` in the last `JITTER_WINDOW_S`, of each block's largest
    lead: robust to the odd step, and the same whatever the chunking of the reads.
    """

    def __init__(self, fs_hz: float, *, max_drift: float = DEFAULT_MAX_DRIFT,
                 jitter_factor: float = JITTER_FACTOR, learn_s: float = JITTER_LEARN_S,
                 learn_tol_s: float = LEARN_TOL_S):
        if not (math.isfinite(fs_hz) and fs_hz > 0):
            raise ValueError(f"a regular stream needs a sampling rate > 0, got {fs_hz!r}")
        self.fs = float(fs_hz)
        self.rise = max_drift / self.fs  # the envelope may rise this much per sample slot
        self.jitter_factor = jitter_factor
        self.learn_samples = learn_s * self.fs
        self.learn_tol_s = learn_tol_s
        self.block = max(1, int(round(BLOCK_S * self.fs)))
        self.absorb_blocks = max(1, int(round(ABSORB_S / BLOCK_S)))
        # per block of the timeline: [block id, largest lead, lowest offset]
        self._blocks: deque[list] = deque(maxlen=max(4, int(round(JITTER_WINDOW_S / BLOCK_S))))
        self.timeline = 0
        self.received = 0
        self.floor: float | None = None
        self.jitter_s = 0.0
        self.last_stamp: float | None = None
        self.duplicates = 0
        self.backwards = 0

    @property
    def tolerance_s(self) -> float:
        tol = 0.5 / self.fs + self.jitter_factor * self.jitter_s
        if self.received < self.learn_samples:
            tol = max(tol, self.learn_tol_s)
        return tol

    def _count_order(self, t: np.ndarray) -> None:
        if self.last_stamp is not None:
            steps = np.diff(t, prepend=self.last_stamp)
        else:
            steps = np.diff(t)
        self.duplicates += int(np.count_nonzero(steps == 0))
        self.backwards += int(np.count_nonzero(steps < 0))
        self.last_stamp = float(t[-1])

    def bridge(self, stamps: np.ndarray, missing: int) -> None:
        """A reconnection: ``missing`` samples before ``stamps[0]`` (decided by the caller from
        the clocks), and a fresh envelope from here on (the sender's clock may have changed)."""
        self.timeline += max(0, int(missing))
        self.floor = None
        self.last_stamp = None
        self._blocks.clear()

    def _note_blocks(self, first_slot: int, lead: np.ndarray, o: np.ndarray) -> None:
        ids = (first_slot + np.arange(lead.shape[0])) // self.block
        starts = np.concatenate(([0], np.flatnonzero(np.diff(ids)) + 1))
        peaks = np.maximum.reduceat(lead, starts)
        lows = np.minimum.reduceat(o, starts)
        blocks = self._blocks
        completed = False
        for bid, peak, low in zip(ids[starts].tolist(), peaks.tolist(), lows.tolist()):
            if blocks and blocks[-1][0] == bid:
                blocks[-1][1] = max(blocks[-1][1], peak)
                blocks[-1][2] = min(blocks[-1][2], low)
            else:
                completed = completed or bool(blocks)
                blocks.append([bid, peak, low])
        if not completed and len(blocks) > 1:
            return  # estimates change when a block completes
        self.jitter_s = max(0.0, float(np.median([b[1] for b in blocks])))
        # a step that was not called a gap is absorbed once it has lasted ABSORB_S
        recent = [b for b in blocks if b[0] > ids[-1] - self.absorb_blocks]
        if len(recent) >= self.absorb_blocks:
            self.floor = max(self.floor, min(b[2] for b in recent))

    def update(self, stamps: np.ndarray) -> list[tuple[int, int]]:
        t = np.asarray(stamps, dtype=np.float64)
        n = t.shape[0]
        if n == 0:
            return []
        self._count_order(t)
        gaps: list[tuple[int, int]] = []
        start = 0
        while start < n:
            tt = t[start:]
            m = tt.shape[0]
            j = np.arange(m, dtype=np.float64)
            o = tt - (self.timeline + j) / self.fs
            if self.floor is None:
                self.floor = float(o[0])
            # floor_k = min(floor_{k-1} + rise, o_k); the envelope before sample k is floor_{k-1} + rise
            g = o - j * self.rise
            env = np.minimum.accumulate(np.minimum(g, self.floor + self.rise))  # floor_k - k*rise
            prev = np.empty(m)
            prev[0] = self.floor + self.rise
            prev[1:] = env[:-1] + j[1:] * self.rise
            lead = o - prev
            tol = 0.5 / self.fs + self.jitter_factor * self.jitter_s
            learning = self.learn_samples - self.received  # samples still in the learning period
            if learning > 0:
                tol = np.where(j < learning, max(tol, self.learn_tol_s), tol)
            over = np.flatnonzero(lead > tol)
            stop = int(over[0]) if over.size else m
            if stop > 0:
                self.floor = float(env[stop - 1] + (stop - 1) * self.rise)
                self._note_blocks(self.timeline, lead[:stop], o[:stop])
                self.timeline += stop
                self.received += stop
            if stop == m:
                break
            # the envelope carries over: after the missing slots, this sample's lead is the rest
            missing = max(1, int(round(lead[stop] * self.fs)))
            gaps.append((start + stop, missing))
            self.timeline += missing
            start += stop
        return gaps


class RateMeter:
    """Effective rate over a sliding window: samples per second of stamps, and of our clock."""

    def __init__(self, window_s: float = RATE_WINDOW_S):
        self.window_s = window_s
        self._marks: deque[tuple[float, float, int]] = deque()  # (wall, stamp, cumulative samples)
        self.total = 0

    def reset(self) -> None:
        self._marks.clear()

    def add(self, wall: float, last_stamp: float, n: int) -> None:
        self.total += n
        self._marks.append((wall, last_stamp, self.total))
        while len(self._marks) > 2 and wall - self._marks[1][0] >= self.window_s:
            self._marks.popleft()

    def rates(self) -> tuple[float | None, float | None]:
        if len(self._marks) < 2:
            return None, None
        w0, s0, n0 = self._marks[0]
        w1, s1, n1 = self._marks[-1]
        dn = n1 - n0
        by_stamp = dn / (s1 - s0) if s1 - s0 > 0 else None
        by_wall = dn / (w1 - w0) if w1 - w0 > 0 else None
        return by_stamp, by_wall
