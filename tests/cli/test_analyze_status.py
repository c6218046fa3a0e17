"""`twitchwatch analyze` with the status assessment and the history."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from twitchwatch import NOT_A_DIAGNOSTIC_DEVICE
from twitchwatch.assess import (
    CONTEXT_TAGS, RED_FLAG_SYMPTOMS, STATUSES, HistoryStore, StrengthCheck,
)
from twitchwatch.cli import EXIT_DATA_ERROR, EXIT_OK, EXIT_USAGE, main
from twitchwatch.formats import write_recording
from twitchwatch.sim import simulate


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recordings")
    out = {}
    for name, scenario, duration in (("rest", "rest-benign", 150.0), ("short", "rest-benign", 30.0),
                                     ("cramp", "cramp", None)):
        sim = simulate(scenario, duration_s=duration, seed=1)
        out[name] = folder / f"{name}.xdf"
        write_recording(out[name], sim.data, sim.fs_hz, sim.channel_labels)
    return out


def run_cli(capsys, *argv):
    try:
        code = main(["analyze", *map(str, argv)])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def default_db() -> Path:
    return Path(os.environ["TWITCHWATCH_HISTORY_DB"])  # a tmp path (tests/conftest.py)


def test_status_reasons_and_advice_are_printed_and_in_the_json(capsys, tmp_path, files):
    summary = tmp_path / "s.json"
    code, out, err = run_cli(capsys, files["rest"], files["short"], "--summary-out", summary,
                             "--muscle", "left calf", "--context", "caffeine", "--context", "poor-sleep")
    assert code == EXIT_OK, err
    rest, short = json.loads(summary.read_text())["recordings"]
    assert rest["status"] == "benign" and short["status"] == "warming up"
    for rec in (rest, short):
        assert rec["status"] in STATUSES
        assert rec["reasons"] and all(isinstance(r, str) for r in rec["reasons"])
        assert rec["advice"] and all(isinstance(r, str) for r in rec["advice"])
        assert rec["counts"]["fasciculation"] > 0 and rec["twitches"]["per_min"] > 0  # still there
    n = rest["counts"]["fasciculation"]
    assert rest["reasons"][0].startswith(f"{n} isolated twitches in 2.5 min")
    assert any("caffeine" in r and "poor or short sleep" in r for r in rest["reasons"])
    assert "status         benign\nreasons        - " in out
    assert "status         warming up" in out and "what to do     - " in out
    assert out.rstrip().endswith(NOT_A_DIAGNOSTIC_DEVICE)
    # one session per file in the default history, with what the user told
    assert (rest["history_session_id"], short["history_session_id"]) == (1, 2)
    assert f"session 1 in {default_db()}" in out
    with HistoryStore(default_db()) as store:
        s1, s2 = store.sessions()
        assert (s1.source, s1.muscle, s1.context, s1.status) == (str(files["rest"]), "left calf",
                                                                 ("caffeine", "poor-sleep"), "benign")
        assert s1.twitches == n and s2.status == "warming up"
        assert s1.reasons == tuple(rest["reasons"])


def test_a_reported_symptom_makes_it_concerning(capsys, tmp_path, files):
    summary = tmp_path / "s.json"
    code, out, _ = run_cli(capsys, files["cramp"], "--symptom", "weakness", "--summary-out", summary)
    assert code == EXIT_OK
    (rec,) = json.loads(summary.read_text())["recordings"]
    assert rec["status"] == "concerning" and "reported progressive weakness" in rec["reasons"]
    assert "Consult a clinician" in rec["advice"][0]
    assert "status         concerning" in out
    with HistoryStore(default_db()) as store:
        assert store.sessions()[0].symptoms == ("weakness",)


def test_no_history_neither_reads_nor_writes_it(capsys, tmp_path, files):
    summary = tmp_path / "s.json"
    code, out, _ = run_cli(capsys, files["short"], "--no-history", "--summary-out", summary)
    assert code == EXIT_OK
    assert not default_db().exists()
    (rec,) = json.loads(summary.read_text())["recordings"]
    assert rec["history_session_id"] is None and rec["reasons"][-1].startswith("history not used")
    assert "not saved (--no-history)" in out


def test_history_db_option_and_environment_variable(capsys, tmp_path, files, monkeypatch):
    mine = tmp_path / "mine.sqlite3"
    assert run_cli(capsys, files["short"], "--history-db", mine)[0] == EXIT_OK
    assert not default_db().exists()
    with HistoryStore(mine) as store:
        assert len(store.sessions()) == 1
    env_db = tmp_path / "env.sqlite3"
    monkeypatch.setenv("TWITCHWATCH_HISTORY_DB", str(env_db))
    assert run_cli(capsys, files["short"])[0] == EXIT_OK
    assert env_db.exists()
    monkeypatch.delenv("TWITCHWATCH_HISTORY_DB")  # then XDG_DATA_HOME (a tmp folder here)
    assert run_cli(capsys, files["short"])[0] == EXIT_OK
    assert (Path(os.environ["XDG_DATA_HOME"]) / "twitchwatch" / "history.sqlite3").exists()


def test_an_unusable_history_fails_before_any_work(capsys, tmp_path, files):
    code, out, err = run_cli(capsys, files["short"], "--history-db", tmp_path / "nope" / "h.sqlite3")
    assert code == EXIT_DATA_ERROR and "folder" in err and "does not exist" in err and out == ""
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database at all" * 200)
    code, out, err = run_cli(capsys, files["short"], "--history-db", bad)
    assert code == EXIT_DATA_ERROR and f"history database {bad} cannot be used" in err and out == ""


@pytest.mark.parametrize("option, value, accepted", [
    ("--symptom", "tired", RED_FLAG_SYMPTOMS), ("--context", "beer", CONTEXT_TAGS)])
def test_unknown_symptoms_and_tags_are_usage_errors_listing_the_names(capsys, files, option, value, accepted):
    code, _, err = run_cli(capsys, files["short"], option, value)
    assert code == EXIT_USAGE
    assert f"{value!r}; accepted: {', '.join(accepted)}" in err
    assert not default_db().exists()


def test_help_lists_symptoms_tags_and_statuses(capsys):
    code, out, _ = run_cli(capsys, "--help")
    assert code == EXIT_OK
    for word in (*RED_FLAG_SYMPTOMS, *CONTEXT_TAGS, *STATUSES, "--no-history", "--history-db",
                 "--muscle", "--symptom", "--context"):
        assert word in out


def test_a_strength_decline_in_the_history_makes_a_benign_recording_concerning(capsys, tmp_path, files):
    t0 = datetime.now(timezone.utc) - timedelta(days=60)
    with HistoryStore(default_db(), create_parent=True) as store:
        for i, score in enumerate([520, 500, 540, 230, 210]):
            store.add_strength_check(StrengthCheck("left biceps", t0 + timedelta(days=10 * i),
                                                   (score * 0.97, score, score * 1.03)))
    summary = tmp_path / "s.json"
    assert run_cli(capsys, files["rest"], "--summary-out", summary)[0] == EXIT_OK
    (rec,) = json.loads(summary.read_text())["recordings"]
    assert rec["status"] == "concerning" and rec["rules_fired"] == ["S1-strength-decline"]
    assert rec["reasons"][0].startswith("strength declined, repeatedly and beyond measurement noise")


def test_killing_analyze_mid_run_leaves_the_history_consistent(tmp_path, files):
    db = tmp_path / "h.sqlite3"
    argv = [sys.executable, "-m", "twitchwatch", "analyze", files["short"], files["rest"], files["rest"],
            files["rest"], "--history-db", db]
    proc = subprocess.Popen([str(a) for a in argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        for line in proc.stdout:  # the first file's session is committed before its block is printed
            if line.startswith("history        session 1 in"):
                break
        else:
            pytest.fail(f"analyze ended early: {proc.stderr.read()}")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    with HistoryStore(db) as store:
        assert store.integrity_check() == "ok"
        sessions = store.sessions()
        assert 1 <= len(sessions) <= 4
        first = store.session(1)
        assert first.source == str(files["short"]) and first.status == "warming up"
        assert len(first.channels) == 4 and first.summary["observed_s"] == pytest.approx(27.0)
    with sqlite3.connect(db) as c:
        n = c.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
        assert c.execute("SELECT COUNT(DISTINCT session_id) FROM statuses").fetchone()[0] == n
