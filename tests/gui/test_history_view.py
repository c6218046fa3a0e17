"""The history dialog: the stored sessions and strength checks as tables, trend plots with dates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from twitchwatch.assess import (
    Evidence, HistoryStore, SessionRecord, StrengthCheck, assess, default_history_path,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def summary(twitches: int, observed_s: float = 300.0) -> dict:
    """A session summary as ``SessionSummary.as_dict(include_events=False)`` gives it."""
    labels = ["EMG1", "EMG2"]
    return {
        "source": "rec.xdf", "fs_hz": 2000.0, "n_channels": 2, "channel_labels": labels,
        "samples": int(observed_s * 2000), "duration_s": observed_s + 3, "warmup_s": 3.0,
        "observed_s": observed_s,
        "counts": {"fasciculation": twitches, "cramp": 0, "contraction": 0, "artifact": 0},
        "flag_counts": {}, "sustained_s": {"cramp": 0.0}, "artifact_s": {"all": 0.0},
        "twitches": {"count": twitches, "per_min": 60.0 * twitches / observed_s,
                     "per_channel": [{"channel": 1, "label": "EMG1", "count": twitches,
                                      "per_min": 60.0 * twitches / observed_s}]},
        "quality": [{"channel": c + 1, "label": lab, "warming_up": False, "noise_floor_uv_rms": 2.5,
                     "band_rms_uv": 3.0, "mains_hz": 50.0, "mains_uv": 3.0, "clipped_samples": 0,
                     "clipping_percent": 0.0, "ecg_present": False, "ecg_bpm": None,
                     "low_rate_warning": False, "envelope_only_warning": False, "problems": []}
                    for c, lab in enumerate(labels)],
        "warnings": [], "finished": True, "stopped_early": False,
    }


@pytest.fixture
def history():
    """Three sessions (one too short to judge) and five strength checks of two muscles."""
    path = default_history_path()  # the test's own (conftest)
    path.parent.mkdir(parents=True, exist_ok=True)
    with HistoryStore(path) as store:
        for day, twitches, observed, context in ((0, 10, 300.0, ()), (7, 30, 300.0, ("caffeine",)),
                                                 (14, 2, 30.0, ())):
            d = summary(twitches, observed)
            a = assess(Evidence.from_summary(d, started_at=T0 + timedelta(days=day), context=set(context)))
            store.add_session(SessionRecord.from_summary(d, started_at=T0 + timedelta(days=day),
                                                         muscle="left calf", context=context), a)
        for day, score in enumerate((800.0, 820.0, 790.0, 400.0)):
            store.add_strength_check(StrengthCheck("left biceps", T0 + timedelta(days=7 * day),
                                                   (score * 0.97, score, score * 1.03), "wizard"))
        store.add_strength_check(StrengthCheck("right biceps", T0, (500.0, 510.0, 490.0), "wizard"))
    return path


def _xy(item):
    x, y = item.getData()
    return list(np.asarray(x)), list(np.asarray(y))


def test_the_history_shows_what_is_stored(app, qtbot, history):
    from twitchwatch.gui.history_view import HistoryDialog

    dlg = HistoryDialog()
    qtbot.addWidget(dlg)
    assert "3</b> session(s) and <b>5</b> strength check(s)" in dlg.header.text()
    t = dlg.session_table
    assert t.rowCount() == 3
    rows = [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(3)]
    newest, middle = rows[0], rows[1]  # newest first
    assert newest[3] == "2" and middle[3] == "30" and middle[4] == "6.0" and "caffeine" in middle[7]
    assert middle[2] == "left calf" and middle[1] == "5 min 03 s"
    assert {r[6] for r in rows} <= {"benign", "concerning", "warming up", "poor signal"}

    # the rate plot: judged sessions joined by a line over the dates, in twitches per minute
    curves = [i for i in dlg.rate_plot.getPlotItem().items if hasattr(i, "getData") and
              type(i).__name__ == "PlotDataItem"]
    assert len(curves) == 1
    x, y = _xy(curves[0])
    assert x == [T0.timestamp(), (T0 + timedelta(days=7)).timestamp()] and y == [2.0, 6.0]
    ax = dlg.rate_plot.getPlotItem()
    assert ax.getAxis("left").labelText == "twitches / min"
    dates = ax.getAxis("bottom")
    assert dates.tickStrings([T0.timestamp()], 1, 7 * 86400) == [T0.astimezone().strftime("%d %b").lstrip("0")]
    ticks = dates.tickValues(T0.timestamp(), (T0 + timedelta(days=40)).timestamp(), 800)
    assert len(ticks) == 1 and len(ticks[0][1]) >= 3  # one level of evenly spaced dates
    assert set(np.diff(ticks[0][1])) <= {ticks[0][0], ticks[0][0] + 3600, ticks[0][0] - 3600}  # (DST)
    assert "caffeine" in dlg.context_text.text()

    s = dlg.strength_table
    assert s.rowCount() == 5
    assert sorted(s.item(r, 2).text() for r in range(5)) == ["400", "500", "790", "800", "820"]
    sp = dlg.strength_plot.getPlotItem()
    lines = {i.name(): _xy(i) for i in sp.items if type(i).__name__ == "PlotDataItem"}
    assert set(lines) == {"left biceps", "right biceps"}
    assert lines["left biceps"][1] == pytest.approx([800.0, 820.0, 790.0, 400.0])
    assert "µV" in sp.getAxis("left").labelText
    # the left biceps' last two checks: 790 (within) and 400 -> not both beyond the limit
    assert "strength checks of left biceps" in dlg.trend_text.text().lower()
    assert "right biceps: 1 check(s); at least 4" in dlg.trend_text.text()


def test_a_missing_or_broken_history_is_said_not_raised(app, qtbot, tmp_path):
    from twitchwatch.gui.history_view import HistoryDialog

    dlg = HistoryDialog(path=tmp_path / "none.sqlite3")
    qtbot.addWidget(dlg)
    assert "No history yet" in dlg.header.text() and dlg.session_table.rowCount() == 0
    assert not (tmp_path / "none.sqlite3").exists()  # looking does not create it
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    dlg2 = HistoryDialog(path=bad)
    qtbot.addWidget(dlg2)
    assert dlg2.error.isVisibleTo(dlg2) and "Cannot read the history" in dlg2.error.text()


def test_the_window_opens_the_history_and_a_new_check_appears_on_refresh(window, qtbot, history):
    dlg = window.open_history()
    qtbot.addWidget(dlg)
    assert dlg.strength_table.rowCount() == 5
    with HistoryStore(history) as store:
        store.add_strength_check(StrengthCheck("left biceps", T0 + timedelta(days=40), (380.0, 390.0, 400.0)))
    dlg.refresh()
    assert dlg.strength_table.rowCount() == 6
    assert "DECLINE" in dlg.trend_text.text()  # 400 then 390: both far below ~800
