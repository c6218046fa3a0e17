"""``simulate``: put the scenario's parts together into one recording with its ground truth.

Every part draws from its own random stream (spawned from the seed in a fixed order), so the
same seed and arguments give bit-identical output, and switching one part off (e.g.
``noise_uv_rms=0``) leaves the others exactly as they were.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from twitchwatch.sim import activity, artifacts
from twitchwatch.sim.activity import Episode
from twitchwatch.sim.constants import CHANNEL_LABEL_PREFIX
from twitchwatch.sim.firing import SpikeTrain
from twitchwatch.sim.scenarios import ScenarioParams, resolve_params
from twitchwatch.sim.truth import TruthEvent, sort_events

log = logging.getLogger(__name__)

#: Order of the random streams spawned from the seed. Append only: reordering changes outputs.
STREAMS = ("twitches", "episodes", "cramps", "contractions", "noise", "mains", "ecg", "motion",
           "pops")
#: Names of the parts kept in ``Simulation.components`` when asked for.
COMPONENTS = ("twitches", "cramps", "contractions", "noise", "mains", "ecg", "motion", "pops")


@dataclass(eq=False)
class Simulation:
    """A simulated recording and what is in it.

    data: float32 (n_samples, n_channels), microvolts, C-contiguous. fs_hz: sampling rate.
    channel_labels: "EMG1", "EMG2", ... truth: TruthEvent list sorted by onset.
    scenario, seed: what made it; params: the resolved ScenarioParams actually used.
    trains: the spike trains behind the twitches, cramps and contractions (for checks).
    episodes: how each cramp and contraction was built (ramps, plateau, units; for checks).
    components: with ``simulate(..., return_components=True)``, each part's noise-free
        float64 signal before clipping, keyed by COMPONENTS (absent parts are missing);
        otherwise None.
    """

    data: np.ndarray
    fs_hz: float
    channel_labels: list[str]
    truth: list[TruthEvent]
    scenario: str
    seed: int
    params: ScenarioParams
    trains: list[SpikeTrain] = field(default_factory=list, repr=False)
    episodes: list[Episode] = field(default_factory=list, repr=False)
    components: dict[str, np.ndarray] | None = field(default=None, repr=False)

    @property
    def n_samples(self) -> int:
        return int(self.data.shape[0])

    @property
    def n_channels(self) -> int:
        return int(self.data.shape[1])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.fs_hz

    def events(self, kind: str, tag: str | None = None) -> list[TruthEvent]:
        """Truth events of ``kind`` (and with ``tag`` in their detail, if given)."""
        return [e for e in self.truth if e.kind == kind and (tag is None or tag in e.tags)]


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def simulate(
    scenario: str,
    duration_s: float | None = None,
    fs_hz: float | None = None,
    n_channels: int | None = None,
    seed: int = 0,
    *,
    return_components: bool = False,
    **overrides,
) -> Simulation:
    """Simulate surface EMG for a named scenario (see ``SCENARIOS``), with ground truth.

    ``duration_s``, ``fs_hz`` (200-10000 Hz) and ``n_channels`` (1-64) default to the
    scenario's own; ``overrides`` set ScenarioParams fields (e.g. ``twitch_rate_per_min=30``,
    ``noise_uv_rms=0``, ``mains_hz=None``, ``clip_uv=500``). ``seed`` (integer >= 0) fixes
    everything: same seed and arguments, bit-identical data and truth. With
    ``return_components=True`` each part's signal is kept in ``Simulation.components``.
    Raises ValueError for an unknown scenario or parameter, or a value out of range.
    """
    seed = _check_seed(seed)
    p = resolve_params(scenario, duration_s, fs_hz, n_channels, **overrides)
    n = int(round(p.duration_s * p.fs_hz))
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    rngs = {name: np.random.default_rng(child) for name, child in zip(STREAMS, children)}
    total = np.zeros((n, p.n_channels))
    truth: list[TruthEvent] = []
    trains: list[SpikeTrain] = []
    episodes: list[Episode] = []
    parts: dict[str, np.ndarray] = {}

    def add(name: str, signal, events, k_from: int = 0):
        truth.extend(e for e in events if e is not None)
        if signal is None:
            return
        total[k_from : k_from + signal.shape[0]] += signal
        if return_components:
            if name not in parts:
                parts[name] = np.zeros_like(total)
            parts[name][k_from : k_from + signal.shape[0]] += signal

    signal, events, tr = activity.fasciculations(p, rngs["twitches"], n)
    add("twitches", signal, events)
    trains += tr
    counters = {"cramp": 0, "contraction": 0}
    for kind, start, dur in activity.place_episodes(p, rngs["episodes"]):
        make = activity.cramp if kind == "cramp" else activity.contraction
        k_from, seg, event, tr, info = make(p, rngs[kind + "s"], n, start, dur, counters[kind])
        counters[kind] += 1
        add(kind + "s", seg, [event], k_from)
        trains += tr
        if info is not None:
            episodes.append(info)
    for name, make in (
        ("noise", artifacts.noise),
        ("mains", artifacts.mains),
        ("ecg", artifacts.ecg),
        ("motion", artifacts.motion),
        ("pops", artifacts.pops),
    ):
        signal, events = make(p, rngs[name], n)
        add(name, signal, events)
    truth.extend(artifacts.clip(total, p.clip_uv, p.fs_hz))
    data = np.ascontiguousarray(total, dtype=np.float32)
    sim = Simulation(
        data=data,
        fs_hz=float(p.fs_hz),
        channel_labels=[f"{CHANNEL_LABEL_PREFIX}{i + 1}" for i in range(p.n_channels)],
        truth=sort_events(truth),
        scenario=scenario,
        seed=seed,
        params=p,
        trains=trains,
        episodes=episodes,
        components=parts if return_components else None,
    )
    log.debug(
        "simulated %s: %.3g s, %g Hz, %d ch, seed %d, %d truth events",
        scenario, p.duration_s, p.fs_hz, p.n_channels, seed, len(sim.truth),
    )
    return sim
