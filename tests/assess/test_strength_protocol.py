"""The guided strength check's steps and scoring a check on its best channel."""

from __future__ import annotations

import numpy as np
import pytest

from assess_helpers import T0
from twitchwatch.assess.strength_protocol import (
    DONE, READY, REST, SETTLE, SQUEEZE, protocol_steps, score_best_channel, step_at,
)

FS = 1000.0


def test_the_protocol_is_settle_then_three_contractions_with_rest_between():
    steps = protocol_steps(3, contract_s=3, rest_s=20, ready_s=3, settle_s=3)
    assert [s.kind for s in steps] == [SETTLE, READY, SQUEEZE, REST, READY, SQUEEZE, REST, READY,
                                       SQUEEZE, DONE]
    assert [s.trial for s in steps if s.kind == SQUEEZE] == [1, 2, 3]
    for a, b in zip(steps, steps[1:]):
        assert b.start_s == pytest.approx(a.end_s)  # no gaps, no overlaps
    assert steps[-1].start_s == pytest.approx(3 + 3 * (3 + 3) + 2 * 20)
    assert step_at(steps, 0.0).kind == SETTLE and step_at(steps, 6.5).kind == SQUEEZE
    assert step_at(steps, 1e9).kind == DONE
    with pytest.raises(ValueError):
        protocol_steps(0)


def _bursts(n, at_s, amplitude_uv, rng):
    """Noise with 2 s bursts of ``amplitude_uv`` (RMS) at ``at_s``: three 'contractions'."""
    x = rng.normal(0, 5, n)
    for t in at_s:
        a = int(t * FS)
        x[a:a + int(2 * FS)] += rng.normal(0, amplitude_uv, int(2 * FS))
    return x


def test_the_best_channel_is_the_one_with_the_highest_score():
    rng = np.random.default_rng(1)
    n = int(30 * FS)
    y = np.column_stack([_bursts(n, (3, 12, 21), 100, rng), _bursts(n, (3, 12, 21), 400, rng),
                         np.zeros(n)])  # c: disconnected
    best = score_best_channel(y, FS, "left biceps", T0, source="test", channel_labels=["a", "b", "c"])
    assert best.channel == 1 and best.check.label == "left biceps" and len(best.check.trial_peaks_uv) == 3
    assert 300 < best.check.score_uv < 600
    only = score_best_channel(y, FS, "left biceps", T0, channel=0)
    assert only.channel == 0 and only.check.score_uv < best.check.score_uv
    with pytest.raises(ValueError, match="c: no contraction found"):
        score_best_channel(y, FS, "left biceps", T0, channel=2, channel_labels=["a", "b", "c"])
    with pytest.raises(ValueError, match="channel 4 does not exist"):
        score_best_channel(y, FS, "left biceps", T0, channel=3)
