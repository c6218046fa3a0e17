"""`twitchwatch strength`: score a check (simulated or recorded), store it, judge the trend; and
the stored checks reach `analyze`'s status."""

from __future__ import annotations

import json
import re

import pytest

from twitchwatch.assess import HistoryStore
from twitchwatch.cli import EXIT_DATA_ERROR, EXIT_OK, EXIT_USAGE, main
from twitchwatch.cli import strength as strength_cli
from twitchwatch.formats import write_recording
from twitchwatch.sim import simulate


def run_cli(capsys, *argv):
    try:
        code = main([*map(str, argv)])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def check(capsys, db, effort, day, seed=1):
    return run_cli(capsys, "strength", "--scenario", "voluntary", "--effort", effort, "--seed", seed,
                   "--taken-at", f"2024-01-{day:02d}T09:00", "--label", "left biceps", "--db", db)


def score_of(out: str) -> float:
    return float(re.search(r"score (\d+) µV", out).group(1))


def test_a_falling_series_of_checks_is_called_a_decline_and_makes_analyze_concerning(capsys, tmp_path):
    db = tmp_path / "h.sqlite3"
    outs = []
    for effort, day in ((0.8, 1), (0.8, 8), (0.8, 15), (0.3, 22), (0.3, 29)):
        code, out, err = check(capsys, db, effort, day)
        assert code == EXIT_OK, err
        outs.append(out)
    assert score_of(outs[0]) > 2 * score_of(outs[3])
    assert "trend: 1 check(s); at least 4 are needed" in outs[0]
    assert "trend: strength checks of left biceps" in outs[3] and "DECLINE" not in outs[3]
    assert "trend: DECLINE: strength checks of left biceps: the last 2 scored" in outs[4]
    assert "stored as check 5" in outs[4] and "(5 check(s) of 'left biceps')" in outs[4]
    with HistoryStore(db) as store:
        stored = store.strength_checks("left biceps")
        assert len(stored) == 5 and all(len(c.trial_peaks_uv) == 3 for c in stored)
        assert stored[0].source == "simulator:voluntary"
    # a rest recording analysed afterwards is concerning because of the decline
    rec = tmp_path / "rest.xdf"
    sim = simulate("rest-benign", duration_s=30.0, seed=1)
    write_recording(rec, sim.data, sim.fs_hz, sim.channel_labels)
    summary = tmp_path / "s.json"
    code, out, err = run_cli(capsys, "analyze", rec, "--history-db", db, "--summary-out", summary)
    assert code == EXIT_OK, err
    (r,) = json.loads(summary.read_text())["recordings"]
    assert r["status"] == "concerning" and "S1-strength-decline" in r["rules_fired"]
    assert r["recording_judged"] is False  # 30 s: the recording itself is still warming up


def test_a_recorded_check_from_a_file_and_no_history(capsys, tmp_path):
    sim = simulate("voluntary", duration_s=24.0, fs_hz=1000.0, n_channels=2, seed=2, n_contractions=3,
                   contraction_duration_s=(3.0, 4.0), contraction_effort=(0.6, 0.6))
    path = tmp_path / "check.xdf"
    write_recording(path, sim.data, sim.fs_hz, sim.channel_labels)
    code, out, err = run_cli(capsys, "strength", "--scenario", path, "--label", "right calf",
                             "--channel", 2, "--no-history")
    assert code == EXIT_OK, err
    assert f"strength check 'right calf' from {path}, channel 2 (EMG2):" in out
    assert out.count(" µV") >= 4 and "not stored (--no-history)" in out
    assert not (tmp_path / "h.sqlite3").exists()


def test_guide_counts_down_the_protocol(capsys, tmp_path, monkeypatch):
    waits = []
    monkeypatch.setattr(strength_cli.time, "sleep", waits.append)
    code, out, _ = run_cli(capsys, "strength", "--scenario", "voluntary", "--label", "biceps",
                           "--guide", "--speed", 4, "--no-history")
    assert code == EXIT_OK
    assert out.count("SQUEEZE as hard as you can: 3 2 1") == 3
    assert out.count("Relax. Rest: 20 19") == 2 and "Contraction 3 of 3: get ready: 3 2 1" in out
    assert waits == [0.25] * (3 * (3 + 3) + 2 * 20)
    assert out.index("Done: relax.") < out.index("score ")


def test_a_recording_without_three_contractions_asks_for_a_repeat(capsys, tmp_path):
    sim = simulate("rest-benign", duration_s=20.0, fs_hz=1000.0, n_channels=1, seed=1)
    path = tmp_path / "rest.csv"
    write_recording(path, sim.data, sim.fs_hz, sim.channel_labels)
    code, _, err = run_cli(capsys, "strength", "--scenario", path, "--label", "calf", "--no-history")
    assert code == EXIT_DATA_ERROR and "no channel holds a usable check" in err
    assert "repeat it" in err


@pytest.mark.parametrize("argv, code, message", [
    (["--scenario", "nope.xdf", "--label", "calf", "--no-history"], EXIT_DATA_ERROR, "nope.xdf"),
    (["--scenario", "voluntary", "--label", "calf", "--effort", "2"], EXIT_USAGE, "effort must be between"),
    (["--scenario", "voluntary", "--label", "calf", "--taken-at", "monday"], EXIT_USAGE, "2024-03-01T09:30"),
    (["--scenario", "voluntary", "--label", "calf", "--channel", "9", "--no-history"], EXIT_DATA_ERROR,
     "channel 9 does not exist"),
    (["--scenario", "voluntary", "--label", " "], EXIT_USAGE, "muscle label is empty"),
])
def test_bad_options(capsys, argv, code, message):
    got, _, err = run_cli(capsys, "strength", *argv)
    assert got == code and message in err
