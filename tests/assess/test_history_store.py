"""The SQLite history: round trips, schema migrations, where it lives, and crash safety."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from assess_helpers import T0, checks, fake_summary
from twitchwatch.assess import (
    SCHEMA_VERSION, Assessment, Evidence, HistoryError, HistoryStore, SessionRecord, assess,
    default_history_path,
)
from twitchwatch.assess.history import MIGRATIONS

HERE = Path(__file__).resolve().parent


def record(i=0, days=0.0, **kw):
    return SessionRecord.from_summary(fake_summary(i), started_at=T0 + timedelta(days=days), **kw)


def an_assessment(i=0):
    return assess(Evidence.from_summary(fake_summary(i), started_at=T0))


@pytest.fixture
def store(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite3") as s:
        yield s


def test_a_session_comes_back_as_it_was_stored(store):
    a = an_assessment(3)
    sid = store.add_session(record(3, muscle="left calf", context={"caffeine", "stress"},
                                   symptoms={"weakness"}), a)
    s = store.session(sid)
    assert (s.id, s.started_at, s.source, s.muscle) == (sid, T0, "rec3.xdf", "left calf")
    assert s.context == ("caffeine", "stress") and s.symptoms == ("weakness",)
    assert s.channel_labels == ("EMG1", "EMG2", "EMG3", "EMG4")
    assert (s.twitches, s.cramps, s.cramp_s, s.complex_twitches) == (3 + 4 + 5 + 6, 1, 12.5, 1)
    assert s.twitches_per_min == pytest.approx(18 / 5)
    assert s.observed_s == 300.0 and s.duration_s == 303.0 and s.fs_hz == 2000.0
    assert (s.status, s.reasons, s.advice) == (a.status, a.reasons, a.advice)
    assert s.rules_version == a.rules_version
    assert [c["twitches"] for c in s.channels] == [3, 4, 5, 6]
    assert s.channels[1]["noise_floor_uv_rms"] == pytest.approx(2.6)
    assert s.summary == fake_summary(3)
    assert store.session(sid + 1) is None


def test_sessions_are_listed_in_time_order_with_their_latest_status(store):
    ids = [store.add_session(record(i, days=d), an_assessment(i)) for i, d in ((0, 5), (1, 1), (2, 3))]
    assert [s.id for s in store.sessions()] == [ids[1], ids[2], ids[0]]
    assert [s.id for s in store.sessions(limit=2)] == [ids[2], ids[0]]
    assert store.last_session_id() == ids[0]
    store.add_status(ids[1], Assessment("concerning", ("later",), ("see a clinician",), ()))
    assert store.session(ids[1]).status == "concerning" and store.session(ids[1]).reasons == ("later",)


def test_strength_checks_and_the_view_for_the_rules(store):
    for c in checks([500, 480, 250], label="biceps") + checks([300], label="calf"):
        store.add_strength_check(c)
    got = store.strength_checks("biceps")
    assert [c.score_uv for c in got] == pytest.approx([500, 480, 250])
    assert all(c.id is not None for c in got) and got[0].taken_at == T0
    sid = store.add_session(record(1, muscle="calf", context={"exercise"}), an_assessment(1))
    v = store.view()
    assert set(v.strength) == {"biceps", "calf"} and len(v.strength["biceps"]) == 3
    (p,) = v.sessions
    assert (p.id, p.muscle, p.context, p.twitches, p.cramps) == (sid, "calf", frozenset({"exercise"}), 10, 1)
    assert store.view(exclude_session=sid).sessions == ()


def test_a_write_that_fails_halfway_leaves_nothing_behind(store, monkeypatch):
    store.add_session(record(0), an_assessment(0))

    def broken(*args):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(store, "_insert_status", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.add_session(record(1), an_assessment(1))
    assert len(store.sessions()) == 1
    with sqlite3.connect(store.path) as c:
        assert c.execute("SELECT COUNT(*) FROM session_channels").fetchone()[0] == 4


def test_the_file_uses_a_write_ahead_log_and_the_latest_schema(store):
    assert store.schema_version == SCHEMA_VERSION == len(MIGRATIONS)
    with sqlite3.connect(store.path) as c:
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert c.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_an_old_database_is_migrated_and_keeps_its_sessions(tmp_path):
    path = tmp_path / "v1.sqlite3"
    c = sqlite3.connect(path)  # a database as version 1 of the schema made it, with a session
    for statement in MIGRATIONS[0]:
        c.execute(statement)
    c.execute("INSERT INTO sessions (started_at, duration_s, observed_s, source, fs_hz, muscle, "
              "channel_labels, context, symptoms, twitches, twitches_per_min, cramps, cramp_s, "
              "contractions, artifacts, complex_twitches, artifact_s, summary_json) VALUES "
              "('2024-01-01T00:00:00.000000+00:00', 63, 60, 'old.xdf', 2000, NULL, '[\"EMG1\"]', "
              "'[]', '[]', 7, 7.0, 0, 0, 0, 0, 0, 0, '{}')")
    c.execute("PRAGMA user_version = 1")
    c.commit()
    c.close()
    with HistoryStore(path) as s:
        assert s.schema_version == SCHEMA_VERSION == 2
        (old,) = s.sessions()
        assert (old.source, old.twitches, old.status) == ("old.xdf", 7, None)
        s.add_strength_check(checks([400])[0])  # the version-2 table exists now
        assert len(s.strength_checks()) == 1
    with HistoryStore(path) as s:  # opening again changes nothing
        assert s.schema_version == 2 and len(s.sessions()) == 1


def test_a_database_from_a_newer_twitchwatch_is_refused(tmp_path):
    path = tmp_path / "new.sqlite3"
    HistoryStore(path).close()
    c = sqlite3.connect(path)
    c.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    c.commit()
    c.close()
    with pytest.raises(HistoryError, match=f"schema version {SCHEMA_VERSION + 1}, newer than"):
        HistoryStore(path)


def test_a_file_that_is_not_a_history_is_refused_with_its_name(tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(HistoryError, match=f"{path}.*cannot be used.*move it away"):
        HistoryStore(path)
    with pytest.raises(HistoryError, match="is a folder"):
        HistoryStore(tmp_path)


def test_a_missing_folder_is_made_only_for_the_default_location(tmp_path):
    path = tmp_path / "a" / "b" / "h.sqlite3"
    with pytest.raises(HistoryError, match="does not exist"):
        HistoryStore(path)
    HistoryStore(path, create_parent=True).close()
    assert path.exists()


def test_default_location_follows_env_then_xdg_then_home(tmp_path):
    home = tmp_path / "home"
    assert default_history_path({"TWITCHWATCH_HISTORY_DB": "/x/h.db", "XDG_DATA_HOME": "/d"}, home) \
        == Path("/x/h.db")
    assert default_history_path({"XDG_DATA_HOME": "/d"}, home) == Path("/d/twitchwatch/history.sqlite3")
    assert default_history_path({"XDG_DATA_HOME": "relative"}, home) == \
        home / ".local/share/twitchwatch/history.sqlite3"
    assert default_history_path({}, home) == home / ".local/share/twitchwatch/history.sqlite3"
    # in tests the real one is never used (tests/conftest.py)
    assert str(default_history_path()).startswith(str(Path(os.environ["TWITCHWATCH_HISTORY_DB"]).parent))


# ---- crash safety: SIGKILL in the middle of writing ---------------------------------------------
CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, {here!r})
    from datetime import timedelta
    from assess_helpers import T0, fake_summary
    from twitchwatch.assess import Assessment, HistoryStore, SessionRecord

    path, mode = sys.argv[1], sys.argv[2]
    a = Assessment("benign", ("fine",), ("rest",), ())

    class PausedInsideTheTransaction(HistoryStore):
        def _insert_status(self, c, sid, assessment):
            print(f"inside {{sid}}", flush=True)
            sys.stdin.readline()          # blocks until the parent kills us
            super()._insert_status(c, sid, assessment)

    def rec(i):
        return SessionRecord.from_summary(fake_summary(i), started_at=T0 + timedelta(minutes=i))

    with HistoryStore(path) as store:
        for i in range(3):
            print(f"committed {{store.add_session(rec(i), a)}}", flush=True)
    if mode == "pause":
        PausedInsideTheTransaction(path).add_session(rec(3), a)
    else:
        with HistoryStore(path) as store:
            i = 3
            while True:
                print(f"committed {{store.add_session(rec(i), a)}}", flush=True)
                i += 1
""")


def run_and_kill(path: Path, mode: str, until: str) -> list[str]:
    child = subprocess.Popen([sys.executable, "-c", CHILD.format(here=str(HERE)), str(path), mode],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    lines = []
    try:
        for line in child.stdout:  # blocking reads: the child tells us where it is
            lines.append(line.strip())
            if line.strip() == until:
                break
        else:
            pytest.fail(f"child ended early: {child.stderr.read()}")
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
        for f in (child.stdin, child.stdout, child.stderr):
            f.close()
    assert child.returncode == -signal.SIGKILL
    return lines


def check_consistent(path: Path, n_at_least: int) -> list[int]:
    with HistoryStore(path) as s:
        assert s.integrity_check() == "ok"
        sessions = s.sessions()
        ids = [x.id for x in sessions]
        assert len(ids) >= n_at_least
        for x in sessions:  # every session complete: its numbers, 4 channels, a status
            i = x.id - 1
            assert x.source == f"rec{i}.xdf" and x.twitches == 4 * i + 6 and x.status == "benign"
            assert [c["twitches"] for c in s.session(x.id).channels] == [i, i + 1, i + 2, i + 3]
    with sqlite3.connect(path) as c:
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
        assert c.execute("SELECT COUNT(*) FROM statuses").fetchone()[0] == len(ids)
        assert c.execute("SELECT COUNT(*) FROM session_channels").fetchone()[0] == 4 * len(ids)
    return ids


def test_killed_inside_a_transaction_loses_only_the_unfinished_session(tmp_path):
    path = tmp_path / "h.sqlite3"
    lines = run_and_kill(path, "pause", until="inside 4")
    assert lines == ["committed 1", "committed 2", "committed 3", "inside 4"]
    assert check_consistent(path, 3) == [1, 2, 3]
    with HistoryStore(path) as s:  # and the database goes on working
        assert s.add_session(record(3), an_assessment(3)) == 4


def test_killed_while_writing_in_a_loop_keeps_every_committed_session(tmp_path):
    path = tmp_path / "h.sqlite3"
    lines = run_and_kill(path, "loop", until="committed 25")
    ids = check_consistent(path, 25)
    assert ids[:25] == list(range(1, 26)) and ids == list(range(1, len(ids) + 1))
    assert lines[-1] == "committed 25"
