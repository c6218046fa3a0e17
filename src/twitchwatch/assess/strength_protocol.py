"""The guided strength check: its steps in time, and scoring a recorded check on its best channel.

Shared by every guide (the window's wizard; the command line's ``--guide`` has the same protocol):
settle, then ``trials`` times: get ready, contract as hard as possible for ``contract_s``, rest
``rest_s`` (not after the last). `protocol_steps` gives the steps with their start times in
seconds of signal, so that a guide can follow the signal's own clock (a replay or the simulator
may run faster than real time).

`score_best_channel` scores every channel of the band-passed signal (`score_check`: the three
strongest contractions found in it, each the peak of a 250 ms sliding RMS, µV) and keeps the
channel with the highest score, as ``twitchwatch strength`` does; with ``channel`` it scores only
that one. Like the rest of `twitchwatch.assess` it takes plain arrays: the caller band-passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from twitchwatch.assess.strength import TRIALS_PER_CHECK, StrengthCheck, score_check

CONTRACT_S = 3.0
REST_S = 20.0
GET_READY_S = 3.0
SETTLE_S = 3.0

SETTLE, READY, SQUEEZE, REST, DONE = "settle", "ready", "squeeze", "rest", "done"


@dataclass(frozen=True)
class Step:
    """One step of the protocol: ``kind``, when it starts (s of signal), how long, which trial
    (1-based; 0 outside the trials) and what to tell the person."""

    kind: str
    start_s: float
    duration_s: float
    trial: int
    text: str

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


def protocol_steps(trials: int = TRIALS_PER_CHECK, *, contract_s: float = CONTRACT_S,
                   rest_s: float = REST_S, ready_s: float = GET_READY_S,
                   settle_s: float = SETTLE_S) -> tuple[Step, ...]:
    """The steps in order, the last one ``DONE`` (duration 0)."""
    if trials < 1 or min(contract_s, ready_s) <= 0 or min(rest_s, settle_s) < 0:
        raise ValueError("a strength check needs >= 1 trial and positive durations")
    steps = [Step(SETTLE, 0.0, settle_s, 0, "Sit still and relax the muscle.")]
    t = settle_s
    for i in range(1, trials + 1):
        steps.append(Step(READY, t, ready_s, i, f"Contraction {i} of {trials}: get ready…"))
        t += ready_s
        steps.append(Step(SQUEEZE, t, contract_s, i, "SQUEEZE as hard as you can!"))
        t += contract_s
        if i < trials:
            steps.append(Step(REST, t, rest_s, i, "Relax. Rest."))
            t += rest_s
    steps.append(Step(DONE, t, 0.0, 0, "Done: relax."))
    return tuple(steps)


def step_at(steps: Sequence[Step], t_s: float) -> Step:
    """The step going on at ``t_s`` seconds of signal (``DONE`` from its start on)."""
    for step in steps:
        if t_s < step.end_s or step.kind == DONE:
            return step
    return steps[-1]


@dataclass(frozen=True)
class ChannelScore:
    """The scored check and the 0-based channel it came from."""

    channel: int
    check: StrengthCheck


def score_best_channel(filtered_uv: np.ndarray, fs_hz: float, label: str, taken_at: datetime, *,
                       channel: int | None = None, source: str = "",
                       channel_labels: Sequence[str] | None = None) -> ChannelScore:
    """Score each channel (or only ``channel``, 0-based) and keep the best.

    ``filtered_uv``: (samples, channels) band-passed signal in µV. Raises ValueError naming
    each channel's problem when none holds a usable check (e.g. fewer than three contractions).
    """
    y = np.asarray(filtered_uv)
    if y.ndim != 2 or y.shape[1] < 1:
        raise ValueError(f"expected (samples, channels) signal, got shape {y.shape}")
    if channel is not None and not 0 <= channel < y.shape[1]:
        raise ValueError(f"channel {channel + 1} does not exist: the signal has {y.shape[1]}")
    names = list(channel_labels) if channel_labels is not None else [f"ch{c + 1}" for c in range(y.shape[1])]
    scored, errors = [], []
    for c in ([channel] if channel is not None else range(y.shape[1])):
        try:
            scored.append(ChannelScore(c, score_check(y[:, c], fs_hz, label, taken_at, source=source)))
        except ValueError as exc:
            errors.append(f"{names[c]}: {exc}")
    if not scored:
        raise ValueError("no channel holds a usable check (" + "; ".join(errors) + ")")
    return max(scored, key=lambda s: s.check.score_uv)
