"""`twitchwatch history`: sessions, trends by context tag, strength checks, CSV export."""

from __future__ import annotations

import csv
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from twitchwatch import NOT_A_DIAGNOSTIC_DEVICE
from twitchwatch.assess import Assessment, HistoryStore, SessionRecord, StrengthCheck
from twitchwatch.cli import EXIT_DATA_ERROR, EXIT_OK, EXIT_USAGE, main
from twitchwatch.cli.history import EXPORT_COLUMNS

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)


def summary(twitches: int, observed_s: float = 300.0, cramps: int = 0) -> dict:
    """A minimal session summary (two channels) as `SessionSummary.as_dict` shapes it."""
    per_ch = [twitches // 2, twitches - twitches // 2]
    return {
        "source": "rec.xdf", "fs_hz": 2000.0, "channel_labels": ["EMG1", "EMG2"],
        "duration_s": observed_s + 3.0, "observed_s": observed_s,
        "counts": {"fasciculation": twitches, "cramp": cramps, "contraction": 0, "artifact": 0},
        "flag_counts": {}, "sustained_s": {"cramp": 10.0 * cramps, "contraction": 0.0},
        "twitches": {"count": twitches, "per_min": 60.0 * twitches / observed_s,
                     "per_channel": [{"channel": c + 1, "label": f"EMG{c + 1}", "count": n,
                                      "per_min": 60.0 * n / observed_s} for c, n in enumerate(per_ch)]},
        "quality": [{"channel": c + 1, "noise_floor_uv_rms": 2.5, "clipping_percent": 0.0,
                     "warming_up": False, "envelope_only_warning": False, "problems": []}
                    for c in range(2)],
    }


def add(store, day, twitches, *, context=(), symptoms=(), muscle="left calf", status="benign",
        judged=True, observed_s=300.0):
    record = SessionRecord.from_summary(summary(twitches, observed_s), started_at=T0 + timedelta(days=day),
                                        muscle=muscle, context=context, symptoms=symptoms)
    return store.add_session(record, Assessment(status, (f"reason {day}",), ("advice",), (),
                                                recording_judged=judged))


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "h.sqlite3"
    with HistoryStore(path) as store:
        add(store, 0, 6, context={"caffeine"})
        add(store, 1, 10, context={"caffeine", "stress"})
        add(store, 2, 14)
        add(store, 3, 18, symptoms={"weakness"}, status="concerning")
        add(store, 4, 90, context={"caffeine"}, status="warming up", judged=False, observed_s=60.0)
        for i, score in enumerate([500, 520, 480, 240, 230]):
            store.add_strength_check(StrengthCheck("left biceps", T0 + timedelta(days=7 * i),
                                                   (0.97 * score, score, 1.03 * score)))
        store.add_strength_check(StrengthCheck("calf", T0, (100.0, 110.0, 120.0)))
    return path


def run_cli(capsys, *argv):
    try:
        code = main(["history", *map(str, argv)])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_lists_every_session_with_its_numbers_and_status(capsys, db):
    code, out, err = run_cli(capsys, "--db", db)
    assert code == EXIT_OK, err
    assert f"{db}: 5 session(s), 6 strength check(s)" in out
    rows = [x for x in out.splitlines() if x.strip().startswith(("1 ", "2 ", "3 ", "4 ", "5 "))
            and "left calf" in x]
    assert len(rows) == 5
    day0 = (T0).astimezone().strftime("%Y-%m-%d %H:%M")
    assert rows[0].split()[:2] == ["1", day0.split()[0]]
    assert "05:03" in rows[0] and "  6 " in rows[0] and "1.2" in rows[0] and "benign" in rows[0]
    assert rows[1].rstrip().endswith("caffeine, stress")
    assert rows[3].rstrip().endswith("-; weakness") and "concerning" in rows[3]
    assert "warming up" in rows[4]
    assert out.rstrip().endswith(NOT_A_DIAGNOSTIC_DEVICE)


def test_trends_by_context_tag_count_only_judged_sessions(capsys, db):
    _, out, _ = run_cli(capsys, "--db", db)
    # caffeine: sessions 1-2 (16 twitches in 10 min); otherwise sessions 3-4 (32 in 10 min);
    # session 5 (caffeine, 90 twitches in 1 min) could not be judged and is left out
    assert "twitching after caffeine: 1.6/min vs 3.2/min otherwise (2 vs 2 sessions)" in out
    assert "twitching after stress or anxiety" not in out  # tags are named as given
    assert "twitching after stress: 2.0/min vs 2.5/min otherwise (1 vs 3 sessions)" in out
    bars = out.split("twitch rate per judged session:")[1].split("by context tag")[0]
    assert len([x for x in bars.splitlines() if "/min" in x]) == 4
    assert "  3.6 /min  " + "#" * 30 in bars  # the highest rate gets the full bar


def test_strength_checks_per_label_with_the_decline_verdict(capsys, db):
    _, out, _ = run_cli(capsys, "--db", db)
    strength = out.split("strength checks (score: mean peak RMS of 3 maximal contractions):")[1]
    assert "left biceps:" in strength and "calf:" in strength
    assert "    DECLINE: strength checks of left biceps: the last 2 scored 240, 230 µV" in strength
    assert "1 check(s): at least 4 are needed to judge a decline" in strength
    assert " 110 µV  (trials 100, 110, 120)" in strength


def test_export_writes_one_row_per_session(capsys, db, tmp_path):
    path = tmp_path / "sessions.csv"
    code, out, _ = run_cli(capsys, "--db", db, "--export", path)
    assert code == EXIT_OK and f"wrote {path}" in out
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == EXPORT_COLUMNS
        rows = list(reader)
    assert [r["session_id"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert rows[1]["context"] == "caffeine;stress" and rows[3]["symptoms"] == "weakness"
    assert rows[0]["twitches"] == "6" and float(rows[0]["twitches_per_min"]) == pytest.approx(1.2)
    assert rows[4]["status"] == "warming up" and rows[0]["reasons"] == "reason 0"
    assert datetime.fromisoformat(rows[2]["started_at"]) == T0 + timedelta(days=2)


def test_last_n_sessions(capsys, db):
    _, out, _ = run_cli(capsys, "--db", db, "--last", 2)
    assert "2 session(s)" in out
    assert run_cli(capsys, "--db", db, "--last", 0)[0] == EXIT_USAGE


def test_a_missing_history_is_an_error_and_is_not_created(capsys, tmp_path):
    path = tmp_path / "none.sqlite3"
    code, _, err = run_cli(capsys, "--db", path)
    assert code == EXIT_DATA_ERROR and f"no history at {path} yet" in err
    assert not path.exists()


def test_an_empty_history_says_so(capsys, tmp_path):
    path = tmp_path / "empty.sqlite3"
    HistoryStore(path).close()
    code, out, _ = run_cli(capsys, "--db", path)
    assert code == EXIT_OK
    assert "none yet (twitchwatch analyze adds them)" in out
    assert "no strength checks yet" in out


def test_a_damaged_history_is_a_data_error_not_a_traceback(capsys, db):
    with sqlite3.connect(db) as c:
        c.execute("DROP TABLE statuses")
    code, _, err = run_cli(capsys, "--db", db)
    assert code == EXIT_DATA_ERROR and "Traceback" not in err
    assert f"history database {db} cannot be used (no such table: statuses)" in err
