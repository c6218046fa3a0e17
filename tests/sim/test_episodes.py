"""Cramps and voluntary contractions: firing statistics, recruitment, spread, truth vs signal."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from scipy.signal import welch

from twitchwatch.sim import simulate

CLEAN = dict(noise_uv_rms=0.0, mains_hz=None, twitch_rate_per_min=0.0)


@pytest.fixture(scope="module")
def cramps():
    return simulate("cramp", duration_s=120.0, fs_hz=2000.0, n_channels=8, seed=21,
                    n_cramps=2, cramp_duration_s=(15.0, 25.0), return_components=True, **CLEAN)


@pytest.fixture(scope="module")
def contractions():
    return simulate("voluntary", duration_s=60.0, fs_hz=2000.0, n_channels=8, seed=22,
                    n_contractions=3, contraction_duration_s=(8.0, 14.0),
                    return_components=True, **CLEAN)


def _cv(intervals):
    return float(np.std(intervals) / np.mean(intervals))


def _plateau_stats(sim, kind):
    """Per unit: (episode, unit, CV, mean rate) over the plateau, for units with >= 15 ISIs."""
    out = []
    for ep in sim.episodes:
        if ep.kind != kind:
            continue
        for tr in sim.trains:
            if tr.kind == kind and tr.episode == ep.index:
                isi = tr.regular_intervals_s(*ep.plateau_s)
                if len(isi) >= 15:
                    out.append((ep.index, tr.unit, _cv(isi), 1.0 / np.mean(isi)))
    return out


def test_cramp_firing_is_irregular_at_cramp_rates(cramps):
    stats = _plateau_stats(cramps, "cramp")
    assert len(stats) >= 30
    cvs = np.array([s[2] for s in stats])
    rates = np.array([s[3] for s in stats])
    assert 0.40 <= np.median(cvs) <= 0.50
    assert 5.0 <= rates.min() and rates.max() <= 27.0
    assert 12.0 <= rates.mean() <= 17.0


def test_cramp_units_and_doublets(cramps):
    for ep in cramps.episodes:
        assert 20 <= ep.n_units <= 40
        assert 1.0 <= ep.ramp_up_s <= 3.0 and 1.0 <= ep.ramp_down_s <= 3.0
    trains = [tr for tr in cramps.trains if tr.kind == "cramp"]
    extra = sum(int(tr.doublet.sum()) for tr in trains)
    regular = sum(int((~tr.doublet).sum()) for tr in trains)
    assert abs(extra / regular - 0.04) < 0.01
    for tr in trains:
        gaps = np.diff(tr.times_s)
        doublet_gaps = gaps[tr.doublet[1:]]
        assert np.all((doublet_gaps >= 0.005 - 1e-9) & (doublet_gaps <= 0.020 + 1e-9))
        assert np.all(gaps[tr.doublet[:-1]] >= 0.005)  # no third discharge right after a doublet


def test_cramp_recruitment_ramps_up_and_down(cramps):
    for ep in cramps.episodes:
        trains = [tr for tr in cramps.trains if tr.episode == ep.index and tr.kind == "cramp"]
        starts = np.array([tr.times_s[0] for tr in trains])
        ends = np.array([tr.times_s[~tr.doublet][-1] for tr in trains])
        assert starts.min() == pytest.approx(ep.start_s)
        assert starts.max() <= ep.start_s + ep.ramp_up_s + 1e-9
        assert ends.min() >= ep.start_s + ep.duration_s - ep.ramp_down_s - 0.2
        assert ends.max() <= ep.start_s + ep.duration_s + 1e-9


def test_voluntary_firing_is_steady_and_rises_with_effort(contractions):
    stats = _plateau_stats(contractions, "contraction")
    cvs = np.array([s[2] for s in stats])
    assert 0.15 <= np.median(cvs) <= 0.20
    rates = np.array([s[3] for s in stats])
    assert rates.min() >= 7.0 and rates.max() <= 36.0
    by_effort = sorted(
        (ep.peak_effort, np.mean([s[3] for s in stats if s[0] == ep.index]))
        for ep in contractions.episodes
    )
    efforts, mean_rates = zip(*by_effort)
    assert efforts[-1] - efforts[0] > 0.05
    assert mean_rates[-1] > mean_rates[0]


def test_voluntary_recruitment_is_orderly(contractions):
    """Henneman: units are numbered by size; smaller ones start firing first."""
    for ep in contractions.episodes:
        trains = sorted((tr for tr in contractions.trains if tr.episode == ep.index),
                        key=lambda tr: tr.unit)
        first = np.array([tr.times_s[0] for tr in trains])
        ranks = np.argsort(np.argsort(first))
        rho = np.corrcoef(ranks, np.arange(len(first)))[0, 1]
        assert rho > 0.9
        assert ep.n_units >= 20


def _rms_profile(sim, kind, component):
    out = []
    for e in sim.events(kind):
        ep = next(p for p in sim.episodes if p.kind == kind and p.start_s <= e.onset_s + 1e-6
                  and e.onset_s < p.start_s + p.duration_s)
        a, b = (int(round(t * sim.fs_hz)) for t in ep.plateau_s)
        rms = np.sqrt(np.mean(sim.components[component][a:b] ** 2, axis=0))
        out.append((e, rms))
    return out


def test_truth_amplitude_is_plateau_rms_on_strongest_channel(cramps, contractions):
    for sim, kind, comp in ((cramps, "cramp", "cramps"),
                            (contractions, "contraction", "contractions")):
        profiles = _rms_profile(sim, kind, comp)
        assert len(profiles) == (2 if kind == "cramp" else 3)
        for e, rms in profiles:
            assert int(np.argmax(rms)) + 1 == e.channel
            assert rms.max() == pytest.approx(e.amplitude_uv, rel=1e-3)
            assert e.channels == tuple(int(c) + 1 for c in np.flatnonzero(rms >= 0.2 * rms.max()))


def test_cramp_is_localised_and_contraction_is_broad(cramps, contractions):
    for e, rms in _rms_profile(cramps, "cramp", "cramps"):
        assert 1 <= len(e.channels) <= 5
        assert rms.min() < 0.2 * rms.max()
        assert 50.0 <= e.amplitude_uv <= 200.0
    for e, rms in _rms_profile(contractions, "contraction", "contractions"):
        assert e.channels == tuple(range(1, 9))
        assert rms.min() > 0.3 * rms.max()
        assert 50.0 <= e.amplitude_uv <= 500.0


def test_cramp_is_higher_in_spectral_frequency_than_voluntary(cramps, contractions):
    def mean_frequency(sim, comp, e):
        a, b = int(e.onset_s * sim.fs_hz), int(e.end_s * sim.fs_hz)
        f, p = welch(sim.components[comp][a:b, e.channel - 1], sim.fs_hz, nperseg=1024)
        return (f * p).sum() / p.sum()

    cramp = np.mean([mean_frequency(cramps, "cramps", e) for e in cramps.events("cramp")])
    vol = np.mean([mean_frequency(contractions, "contractions", e)
                   for e in contractions.events("contraction")])
    assert 85 <= cramp <= 120 and 60 <= vol <= 90
    assert cramp - vol > 10


def test_episode_truth_spans_the_activity(cramps, contractions):
    for sim, kind, comp in ((cramps, "cramp", "cramps"),
                            (contractions, "contraction", "contractions")):
        x = sim.components[comp]
        active = np.zeros(sim.n_samples, bool)
        for e in sim.events(kind):
            a, b = int((e.onset_s - 0.03) * sim.fs_hz), int((e.end_s + 0.03) * sim.fs_hz)
            active[a:b] = True
            first_second = x[int(e.onset_s * sim.fs_hz) : int((e.onset_s + 1) * sim.fs_hz)]
            assert np.max(np.abs(first_second)) > 0
        assert np.max(np.abs(x[~active])) < 1e-9


def test_episodes_do_not_overlap_and_fit(caplog):
    sim = simulate("mixed", duration_s=60.0, n_channels=2, seed=9, n_cramps=2,
                   n_contractions=2, **CLEAN)
    spans = sorted((e.onset_s, e.end_s) for e in sim.truth if e.kind in ("cramp", "contraction"))
    assert len(spans) == 4
    assert spans[0][0] >= 0.9 and spans[-1][1] <= 60.0 - 0.9
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert start > end + 1.5
    with caplog.at_level(logging.WARNING, logger="twitchwatch"):
        short = simulate("cramp", duration_s=5.0, seed=1, **CLEAN)
    assert len(short.events("cramp")) == 1
    assert "too short" in caplog.text


def test_no_cramp_or_contraction_unless_asked():
    sim = simulate("rest-benign", duration_s=60.0, seed=2, return_components=True, **CLEAN)
    assert sim.episodes == [] and not sim.events("cramp") and not sim.events("contraction")
    assert "cramps" not in sim.components and "contractions" not in sim.components
