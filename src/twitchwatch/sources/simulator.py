"""`SimulatorSource`: a simulated scenario, delivered unpaced or in (scaled) real time.

Pacing follows absolute deadlines, as `twitchwatch.sinks.push_paced` does: the signal is cut into
blocks of ``block_s`` seconds, and block k (samples ``[k*B, (k+1)*B)``) becomes available when
the clock reaches ``t0 + (k+1)*B / (fs*speed)``, with ``t0`` the clock at the first ``read``. A
late reader gets everything that is due at once (up to ``max_samples``), so the stream never
drifts, whatever the reader's delays. The clock and the wait are injectable for tests.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import numpy as np

from twitchwatch.sim import SCENARIOS, Simulation, simulate
from twitchwatch.sources.pacing import BlockPacer
from twitchwatch.sources.base import Source, check_max_samples

DEFAULT_BLOCK_S = 0.02


class SimulatorSource(Source):
    """Stream a `twitchwatch.sim` scenario.

    Parameters
    ----------
    scenario, duration_s, fs_hz, n_channels, seed : as for `twitchwatch.sim.simulate` (None
        takes the scenario's default). Alternatively pass ``simulation``, an existing
        `Simulation`, and leave these.
    realtime : pace the samples by the clock (False: as fast as they are read).
    speed : with ``realtime``, this many seconds of signal per second of clock (> 0).
    block_s : with ``realtime``, the granularity of delivery in seconds of signal.
    stop : a `threading.Event`; once set, ``read`` returns None and any wait ends at once.
    clock : seconds, monotonic (default `time.monotonic`).
    wait : ``wait(seconds) -> bool``, returning True when stopped (default ``stop.wait``).

    ``truth`` is the simulator's ground truth (list of `TruthEvent`).
    """

    def __init__(
        self,
        scenario: str | None = None,
        duration_s: float | None = None,
        fs_hz: float | None = None,
        n_channels: int | None = None,
        seed: int = 0,
        *,
        simulation: Simulation | None = None,
        realtime: bool = False,
        speed: float = 1.0,
        block_s: float = DEFAULT_BLOCK_S,
        stop: threading.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        speed = float(speed)
        if not math.isfinite(speed) or speed <= 0:
            raise ValueError(f"speed must be a finite number > 0, got {speed!r}")
        block_s = float(block_s)
        if not math.isfinite(block_s) or block_s <= 0:
            raise ValueError(f"block_s must be > 0 seconds, got {block_s!r}")
        if simulation is None:
            if scenario is None:
                raise ValueError("give a scenario name or a simulation")
            if scenario not in SCENARIOS:
                raise ValueError(f"unknown scenario {scenario!r}; valid: {', '.join(SCENARIOS)}")
            simulation = simulate(scenario, duration_s, fs_hz, n_channels, seed)
        self.simulation = simulation
        self._data = np.ascontiguousarray(simulation.data, dtype=np.float32).view()
        self._data.flags.writeable = False  # read() hands out views of it
        self.fs_hz = float(simulation.fs_hz)
        self.n_channels = int(self._data.shape[1])
        self.channel_labels = list(simulation.channel_labels)
        self.name = f"simulator:{simulation.scenario}"
        self.realtime = bool(realtime)
        self.speed = speed
        self.block_samples = max(1, int(round(block_s * self.fs_hz)))
        self.stop_event = stop if stop is not None else threading.Event()
        self._pacer = BlockPacer(self.fs_hz, speed, self.block_samples, clock,
                                 wait if wait is not None else self.stop_event.wait)
        self._samples_read = 0
        self._closed = False

    @property
    def truth(self):
        return self.simulation.truth

    @property
    def n_samples(self) -> int:
        return int(self._data.shape[0])

    @property
    def started_at(self) -> float | None:
        """Clock time of the first ``read`` (when pacing began), or None before."""
        return self._pacer.t0

    def deadline(self, n_samples: int) -> float:
        """Clock time at which the first ``n_samples`` samples are (or were) all available."""
        return self._pacer.deadline(n_samples)

    def read(self, max_samples: int, timeout_s: float = 0.0) -> np.ndarray | None:
        max_samples = check_max_samples(max_samples)
        if self._closed or self.stop_event.is_set() or self._samples_read >= self.n_samples:
            return None
        pos = self._samples_read
        if self.realtime:
            due = self._pacer.available(pos, self.n_samples, timeout_s)
            if due is None or self.stop_event.is_set():
                return None
            if due <= pos:
                return self.empty()
            end = min(due, pos + max_samples)
        else:
            end = min(self.n_samples, pos + max_samples)
        self._samples_read = end
        return self._data[pos:end]

    def close(self) -> None:
        self._closed = True
