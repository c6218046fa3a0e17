"""Which signal to watch: ``sim:SCENARIO``, ``file:PATH`` or ``lsl:NAME``, and opening it.

    spec = SourceSpec.parse("sim:rest-benign")
    source = open_source(spec, speed=1.0, stop=stop_event)   # a `Source`, paced for sim/file

Simulator scenarios and files are replayed through `PacedPlayback` (pause, speed, seek), so the
window can control them; a live LSL stream is read as it comes. `twitchwatch.sources.lsl` and
`twitchwatch.sources.replay` are imported only when needed: without them, LSL is unavailable
and files are read with `FileSource`.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from twitchwatch._logging import logger
from twitchwatch.gui.playback import PacedPlayback, skip_samples
from twitchwatch.sources.base import Source

KINDS = ("sim", "file", "lsl")
#: the simulator plays this much signal unless told otherwise: long enough for the status to
#: leave "warming up" (2 min observed) and show a verdict
DEFAULT_SIM_DURATION_S = 300.0
#: how long opening an LSL stream may look for it
LSL_RESOLVE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class SourceSpec:
    """``kind`` is "sim", "file" or "lsl"; ``target`` the scenario, path or stream name.
    ``stream``: for LSL, a `StreamDescription` already found (by the picker), if any.
    Simulator only: ``options`` (name, value) pairs for `twitchwatch.sim.simulate` (e.g. the
    strength wizard's three contractions), ``duration_s`` instead of the window's default, and
    ``note`` added to the label."""

    kind: str
    target: str
    stream: object = field(default=None, compare=False, repr=False)
    options: tuple = ()
    duration_s: float | None = None
    note: str = ""

    @classmethod
    def parse(cls, text: str) -> SourceSpec:
        """"sim:rest-benign" -> SourceSpec("sim", "rest-benign"); ValueError saying what is wrong."""
        kind, sep, target = str(text).partition(":")
        kind = kind.strip().lower()
        if not sep or kind not in KINDS or not target.strip():
            raise ValueError(f"--source must be sim:SCENARIO, file:PATH or lsl:NAME, got {text!r}")
        target = target.strip()
        if kind == "sim":
            from twitchwatch.sim import SCENARIOS
            if target not in SCENARIOS:
                raise ValueError(f"unknown scenario {target!r}; valid: {', '.join(SCENARIOS)}")
        elif kind == "file":
            if not Path(target).is_file():
                raise ValueError(f"no such file: {target}")
        return cls(kind, target)

    @property
    def playable(self) -> bool:
        """Pause, speed and seek apply (simulator and files, not live streams)."""
        return self.kind in ("sim", "file")

    def label(self) -> str:
        """For people: "Simulator: rest-benign", "Recording: rest.xdf", "Live sensor: OpenBCI"."""
        if self.kind == "sim":
            return f"Simulator: {self.target}" + (f" ({self.note})" if self.note else "")
        if self.kind == "file":
            return f"Recording: {Path(self.target).name}"
        return f"Live sensor: {self.target}"

    def __str__(self) -> str:
        return f"{self.kind}:{self.target}"


def _optional(module: str):
    """The module, or None when it is absent or cannot load (e.g. liblsl missing)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None
    except Exception as exc:  # noqa: BLE001 - a broken optional part must not stop the window
        logger.warning("%s cannot be loaded: %s", module, exc)
        return None


def lsl_module():
    """`twitchwatch.sources.lsl`, or None when LSL support is absent."""
    return _optional("twitchwatch.sources.lsl")


def lsl_available() -> bool:
    return lsl_module() is not None


def list_lsl_streams(wait_s: float = 1.0) -> list:
    """Streams on the network (`StreamDescription`), EMG-like first; [] without LSL support."""
    if lsl_module() is None:
        return []
    discovery = _optional("twitchwatch.sources.lsl_discovery")
    if discovery is None:
        return []
    return list(discovery.list_streams(wait_s=wait_s))


def _sim_opener(scenario: str, duration_s: float | None, seed: int, options: dict | None = None):
    from twitchwatch.sim import simulate
    from twitchwatch.sources.simulator import SimulatorSource

    sim = simulate(scenario, duration_s=duration_s, seed=seed, **(options or {}))

    def open_at(start_s: float) -> Source:
        src = SimulatorSource(simulation=sim)
        skip_samples(src, int(round(start_s * src.fs_hz)))
        return src

    return open_at


def _file_opener(path: str):
    replay = _optional("twitchwatch.sources.replay")

    def open_at(start_s: float) -> Source:
        if replay is not None:
            return replay.ReplaySource(path, realtime=False, start_s=start_s)
        from twitchwatch.sources.file import FileSource
        src = FileSource(path)
        try:
            skip_samples(src, int(round(start_s * src.fs_hz)))
        except BaseException:
            src.close()
            raise
        return src

    return open_at


def open_source(spec: SourceSpec, *, speed: float = 1.0, stop: threading.Event | None = None,
                sim_duration_s: float | None = DEFAULT_SIM_DURATION_S, seed: int = 0) -> Source:
    """Open what ``spec`` names. Simulator and files come paced (`PacedPlayback`) at ``speed``;
    an LSL stream is looked for by name (or the picker's description). Raises what the source
    raises (RecordingError, LookupError, ValueError), with messages meant for people."""
    if spec.kind == "sim":
        opener = _sim_opener(spec.target, spec.duration_s or sim_duration_s, seed, dict(spec.options))
        return PacedPlayback(opener, speed=speed, stop=stop,
                             name=f"simulator:{spec.target}")
    if spec.kind == "file":
        return PacedPlayback(_file_opener(spec.target), speed=speed, stop=stop, name=spec.target)
    if spec.kind == "lsl":
        lsl = lsl_module()
        if lsl is None:
            raise RuntimeError("LSL support is not available in this installation "
                               "(twitchwatch.sources.lsl or pylsl is missing)")
        if spec.stream is not None:
            return lsl.LslSource(stream=spec.stream, stop=stop, resolve_timeout_s=LSL_RESOLVE_TIMEOUT_S)
        return lsl.LslSource(name=spec.target, stop=stop, resolve_timeout_s=LSL_RESOLVE_TIMEOUT_S)
    raise ValueError(f"unknown source kind {spec.kind!r}")
