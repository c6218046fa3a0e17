"""Acceptance: the one-code-path promise.

The same recording gives the same events (same sample positions, kinds, channels and sizes)
whether it is analysed offline (`twitchwatch analyze`) or replayed in real time onto LSL
(`twitchwatch replay --realtime --lsl`) and picked up there by `twitchwatch live`.

LSL stays on this machine (tests/lsl_api.cfg, set by tests/conftest.py); the stream name is
unique; every wait is on a process or a condition, with a timeout.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import uuid

import pytest

from twitchwatch.formats import write_recording
from twitchwatch.sim import simulate

#: a subprocess may first compile the detector (numba cache cold after an engine edit)
PROCESS_TIMEOUT_S = 240.0
COMPARED = ("onset_s", "duration_s", "kind", "channel", "peak_uv", "flags")


def _events(path) -> list[tuple]:
    with open(path, newline="", encoding="utf-8") as f:
        return [tuple(row[c] for c in COMPARED) for row in csv.DictReader(f) if row["kind"] != "gap"]


def _twitchwatch(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "twitchwatch", *args], env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


def test_replay_over_lsl_into_live_gives_the_events_of_analyze(tmp_path):
    sim = simulate("rest-benign", duration_s=30.0, fs_hz=2000.0, n_channels=4, seed=5,
                   twitch_rate_per_min=60.0)
    recording = tmp_path / "session.xdf"
    write_recording(recording, sim.data, sim.fs_hz, sim.channel_labels)

    offline_csv = tmp_path / "analyze.csv"
    analyzed = subprocess.run(
        [sys.executable, "-m", "twitchwatch", "analyze", str(recording), "--events-out", str(offline_csv),
         "--no-history", "--quiet"], capture_output=True, text=True, timeout=PROCESS_TIMEOUT_S)
    assert analyzed.returncode == 0, analyzed.stdout + analyzed.stderr
    offline = _events(offline_csv)
    assert sum(e[2] == "fasciculation" for e in offline) >= 10

    name = f"replay-{uuid.uuid4().hex[:10]}"
    live_csv = tmp_path / "live.csv"
    # The replay waits for its consumer before the first sample, so `live` receives them all.
    replay = _twitchwatch("replay", str(recording), "--realtime", "--speed", "10", "--lsl",
                          "--lsl-name", name, "--lsl-wait", "60", "--quiet")
    try:
        live = _twitchwatch("live", "--stream", name, "--resolve-timeout", "60", "--events-out", str(live_csv),
                            "--duration", "10")
        live_out, _ = live.communicate(timeout=PROCESS_TIMEOUT_S)
        replay_out, _ = replay.communicate(timeout=PROCESS_TIMEOUT_S)
    finally:
        for proc in (replay, locals().get("live")):
            if proc is not None and proc.poll() is None:
                proc.kill()
    assert replay.returncode == 0, replay_out
    assert live.returncode in (0, 130), live_out
    streamed = _events(live_csv)
    assert streamed == offline, (
        f"{len(streamed)} events over LSL vs {len(offline)} offline\n"
        f"only offline: {sorted(set(offline) - set(streamed))[:5]}\nonly live: {sorted(set(streamed) - set(offline))[:5]}")
