"""Helpers for the assessment tests: evidence with sensible defaults, strength checks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


from twitchwatch.assess import ChannelEvidence, Evidence, HistoryView, PastSession, StrengthCheck

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)


def channels(n=4, **kw):
    return tuple(ChannelEvidence(label=f"EMG{i + 1}", **kw) for i in range(n))


def evidence(**kw) -> Evidence:
    """A clean, judgeable 5-minute rest recording unless told otherwise."""
    base = dict(observed_s=300.0, duration_s=303.0, fs_hz=2000.0, twitches=20,
                channels=channels(noise_floor_uv_rms=2.5), started_at=T0 + timedelta(days=60),
                history=HistoryView())
    base.update(kw)
    return Evidence(**base)


def past(days: float, muscle="left calf", twitches=20, judged=True, cramps=0, context=()):
    return PastSession(T0 + timedelta(days=days), muscle, 300.0, twitches, cramps, judged,
                       frozenset(context))


def checks(scores, label="left biceps", spread=0.03, start=T0, every_days=7.0):
    """Strength checks with these mean scores (µV); trials spread +-``spread`` around them."""
    return tuple(StrengthCheck(label, start + timedelta(days=every_days * i),
                               (s * (1 - spread), s, s * (1 + spread)))
                 for i, s in enumerate(scores))


def fake_summary(i: int = 0, n_channels: int = 4, observed_s: float = 300.0) -> dict:
    """A session summary shaped like ``SessionSummary.as_dict(include_events=False)``; the
    numbers derive from ``i`` so a test can check each stored session is intact."""
    labels = [f"EMG{c + 1}" for c in range(n_channels)]
    per_ch = [i + c for c in range(n_channels)]
    return {
        "source": f"rec{i}.xdf", "fs_hz": 2000.0, "n_channels": n_channels, "channel_labels": labels,
        "samples": int((observed_s + 3) * 2000), "duration_s": observed_s + 3.0, "warmup_s": 3.0,
        "observed_s": observed_s,
        "counts": {"fasciculation": sum(per_ch), "cramp": i % 2, "contraction": 0, "artifact": 1},
        "flag_counts": {"complex": 1, "doublet": 2},
        "twitches": {"count": sum(per_ch), "per_min": 60.0 * sum(per_ch) / observed_s,
                     "per_channel": [{"channel": c + 1, "label": labels[c], "count": n,
                                      "per_min": 60.0 * n / observed_s} for c, n in enumerate(per_ch)]},
        "sustained_s": {"cramp": 12.5 * (i % 2), "contraction": 0.0},
        "artifact_s": {"all": 0.4, "heartbeat": 0.0},
        "quality": [{"channel": c + 1, "label": labels[c], "warming_up": False,
                     "noise_floor_uv_rms": 2.5 + c / 10, "band_rms_uv": 3.0, "mains_hz": 50.0,
                     "mains_uv": 3.0, "clipped_samples": 0, "clipping_percent": 0.0,
                     "ecg_present": False, "ecg_bpm": None, "low_rate_warning": False,
                     "envelope_only_warning": False, "problems": []} for c in range(n_channels)],
        "warnings": [], "finished": True, "stopped_early": False, "wall_s": 0.1,
    }
