"""Why Q1's limit is 4 µV RMS: above it the detector misses 40 % or more of 30 µV twitches
(half at 4.3 µV), below it few."""

from __future__ import annotations

import pytest

from twitchwatch.assess import RULES_BY_ID, Evidence, HistoryView
from twitchwatch.scoring import score_events
from twitchwatch.session import Session
from twitchwatch.sim import simulate
from twitchwatch.sources import SimulatorSource

RULE = RULES_BY_ID["Q1-noise-floor"]


@pytest.mark.parametrize("noise_uv_rms, recall_ok", [(6.0, True), (10.0, False)])
def test_the_noise_limit_separates_seeing_30_uv_twitches_from_missing_them(noise_uv_rms, recall_ok):
    sim = simulate("rest-benign", duration_s=60.0, seed=2, twitch_amplitude_uv=(30.0, 30.0),
                   twitch_rate_per_min=40.0, noise_uv_rms=noise_uv_rms, mains_uv=0.0)
    session = Session(SimulatorSource(simulation=sim), keep_events=None)
    summary = session.run()
    score = score_events(list(summary.events), sim.truth, sim.fs_hz, sim.duration_s, ignore_before_s=3.0)
    ev = Evidence.from_summary(summary.as_dict(include_events=False), history=HistoryView())
    floor = max(c.noise_floor_uv_rms for c in ev.channels)
    finding = RULE.check(ev, RULE)
    if recall_ok:
        assert score.recall >= 0.85 and floor < RULE.limits["max_noise_floor_uv_rms"] and finding is None
    else:
        assert score.recall < 0.5 and floor > RULE.limits["max_noise_floor_uv_rms"] and finding is not None
