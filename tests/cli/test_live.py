"""`twitchwatch live`: options, choosing the stream, the view, a short run with every output,
and Ctrl+C. LSL stays on this machine; every wait has a timeout.

The full pipeline (latency, kill -9 of a recording `live`, a sender that dies and comes
back) is in tests/integration.
"""

from __future__ import annotations

import argparse
import csv
import io
import signal
import threading
import uuid

import numpy as np
import pylsl
import pytest
import pyxdf

from twitchwatch.cli import EXIT_INTERRUPTED, UserError, main
from twitchwatch.cli.live import LiveScreen, choose_stream, render_screen, status_line
from twitchwatch.live import LiveMonitor
from twitchwatch.sim import simulate
from twitchwatch.sinks import EVENT_CSV_COLUMNS, SignalOutlet, push_paced
from twitchwatch.sources.lsl import LslSource

TIMEOUT_S = 10.0


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def args_for(**kw):
    base = dict(stream=None, type=None, source_id=None, resolve_timeout=TIMEOUT_S, duration=None,
                events_out=None, record=None)
    base.update(kw)
    return argparse.Namespace(**base)


class FakeTty(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("argv, message", [
    (["live", "--duration", "0"], "duration must be > 0"),
    (["live", "--events-out", "ev.txt"], "must end in .csv"),
    (["live", "--record", "rec.csv"], "must end in .xdf"),
    (["live", "--uv-per-count", "0"], "non-zero"),
])
def test_bad_options_are_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and message in capsys.readouterr().err


def test_help_explains_choosing_units_outputs_and_health(capsys):
    with pytest.raises(SystemExit):
        main(["live", "--help"])
    out = capsys.readouterr().out
    for text in ("--source-id", "emg-like", "microvolts", "--events-out", "gap", "--lsl-events",
                 "Markers", "--record", "stalled", "reconnecting", "lost"):
        assert text in out


def test_no_such_stream_is_a_data_error(capsys):
    code = main(["live", "--source-id", unique("nobody"), "--resolve-timeout", "0.3"])
    assert code == 3
    assert "twitchwatch streams" in capsys.readouterr().err


def test_several_matches_ask_on_a_terminal_and_list_elsewhere():
    name = unique("tw-pick")
    a = pylsl.StreamOutlet(pylsl.StreamInfo(name, "EMG", 2, 1000.0, pylsl.cf_float32, name + "-a"))
    b = pylsl.StreamOutlet(pylsl.StreamInfo(name, "EMG", 2, 1000.0, pylsl.cf_float32, name + "-b"))
    try:
        out = io.StringIO()
        with pytest.raises(UserError, match="choose one with --source-id") as exc:
            choose_stream(args_for(stream=name), out, inp=io.StringIO("1\n"))
        assert name + "-a" in str(exc.value) and name + "-b" in str(exc.value)
        picked = choose_stream(args_for(stream=name), out, inp=FakeTty("x\n9\n2\n"))
        assert picked.source_id in (name + "-a", name + "-b")
        assert "type a number from 1 to 2" in out.getvalue()
    finally:
        del a, b


# ---- a real stream ------------------------------------------------------------------------------------


@pytest.fixture
def sender():
    """A simulated 4-channel 1 kHz EMG stream pushed in real time from a thread."""
    name = unique("tw-live-cli")
    sim = simulate("rest-benign", 20.0, 1000.0, 4, 3, twitch_rate_per_min=60.0)
    stop = threading.Event()
    errors = []
    outlet = SignalOutlet(name, sim.channel_labels, sim.fs_hz, source_id=name)

    def push():
        try:
            if outlet.wait_for_consumers(TIMEOUT_S * 3):
                push_paced(outlet, sim.data, sim.fs_hz, stop=stop)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            errors.append(exc)

    thread = threading.Thread(target=push, daemon=True)
    thread.start()
    yield name
    stop.set()
    thread.join(TIMEOUT_S)
    outlet.close()
    assert not thread.is_alive()
    if errors:
        raise errors[0]


def test_a_short_run_writes_every_output(sender, tmp_path, capsys):
    csv_path, xdf_path = tmp_path / "ev.csv", tmp_path / "rec.xdf"
    code = main(["live", "--source-id", sender, "--duration", "2.5", "--events-out", str(csv_path),
                 "--record", str(xdf_path), "--lsl-events", "--lsl-name", unique("tw-cli-out")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"monitoring '{sender}'" in out and "declares no unit" not in out
    assert "connected" in out  # a status line (stdout is not a terminal here)
    assert "stream health  0 gaps" in out and "wrote" in out
    with open(csv_path, newline="") as f:
        assert tuple(next(csv.reader(f))) == EVENT_CSV_COLUMNS
    streams, _ = pyxdf.load_xdf(str(xdf_path))
    by_type = {s["info"]["type"][0]: s for s in streams}
    assert set(by_type) == {"EMG", "Markers", "Status"}
    assert 1.5 * 1000 <= len(by_type["EMG"]["time_stamps"]) <= 4 * 1000
    assert by_type["EMG"]["footer"]["info"]["sample_count"]  # closed properly: footers written


def test_ctrl_c_stops_cleanly_and_flushes(sender, tmp_path, capsys, monkeypatch):
    original = LslSource.read

    def read_then_interrupt(self, max_samples, timeout_s=0.0):
        chunk = original(self, max_samples, timeout_s)
        if self.samples_read >= 1500:
            signal.raise_signal(signal.SIGINT)
        return chunk

    monkeypatch.setattr(LslSource, "read", read_then_interrupt)
    before = signal.getsignal(signal.SIGINT)
    xdf_path = tmp_path / "rec.xdf"
    code = main(["live", "--source-id", sender, "--record", str(xdf_path), "--duration", "30"])
    assert code == EXIT_INTERRUPTED
    assert signal.getsignal(signal.SIGINT) is before
    assert "stopped: summary" in capsys.readouterr().out
    streams, _ = pyxdf.load_xdf(str(xdf_path))
    sig = next(s for s in streams if s["info"]["type"][0] == "EMG")
    assert len(sig["time_stamps"]) >= 1500 and sig["footer"]["info"]["sample_count"]


def test_the_screen_shows_health_rates_outputs_and_fits(sender, tmp_path):
    with LslSource(source_id=sender, resolve_timeout_s=TIMEOUT_S) as src, \
            LiveMonitor(src, events_out=tmp_path / "e.csv") as mon:
        mon.session.warm_up()
        deadline = pylsl.local_clock() + TIMEOUT_S
        while mon.summary.samples < 1000 and pylsl.local_clock() < deadline:
            chunk = src.read(4096, 0.05)
            if chunk is not None and len(chunk):
                mon.session.feed(chunk)
        args = args_for(source_id=sender, events_out=str(tmp_path / "e.csv"), duration=60.0)
        lines = render_screen(mon, args, elapsed_s=1.0, width=100, height=40)
        text = "\n".join(lines)
        for part in ("twitchwatch live", "stream       connected", "gaps 0", "dup stamps 0",
                     "elapsed", "/ 60 s", "events", "twitch rate", "e.csv (0 rows)",
                     "latest events", "signal quality", "not a diagnostic device"):
            assert part in text, part
        assert all(len(line) <= 100 for line in lines)
        small = render_screen(mon, args, elapsed_s=1.0, width=40, height=12)
        assert all(len(line) <= 40 for line in small)
        assert "connected" in status_line(mon, 1.0)
        stream = FakeTty()
        screen = LiveScreen(stream, mon, args, tty=True, width=100, height=40)
        screen(mon.session)
        screen(mon.session)  # throttled: once a second
        assert screen.refreshes == 1 and "\x1b[J" in stream.getvalue()


def test_monitor_reports_no_signal_when_the_stream_stalls(tmp_path):
    name = unique("tw-stall")
    with SignalOutlet(name, ["A"], 500.0, source_id=name) as outlet, \
            LslSource(source_id=name, resolve_timeout_s=TIMEOUT_S, stall_after_s=0.1) as src, \
            LiveMonitor(src) as mon:
        outlet.push_chunk(np.zeros((50, 1), np.float32), pylsl.local_clock() + np.arange(50) / 500.0)
        deadline = pylsl.local_clock() + TIMEOUT_S
        while src.state != "stalled" and pylsl.local_clock() < deadline:
            src.read(100, 0.05)
        assert "no signal (stalled)" in status_line(mon, 0.5)
        mon._tick(force=True)
        assert mon.status()["state"] == "no_signal"


def test_live_shows_the_status_and_adds_one_session_to_the_history(sender, tmp_path, capsys):
    from twitchwatch.assess.history import HistoryStore

    db = tmp_path / "history.sqlite3"
    code = main(["live", "--source-id", sender, "--duration", "2.5", "--symptom", "weakness",
                 "--context", "caffeine", "--history-db", str(db)])
    out = capsys.readouterr().out
    assert code == 0, out
    # A reported red-flag symptom makes it concerning, whatever the short recording shows.
    assert "status         concerning" in out and "weakness" in out
    assert f"session 1 in {db}" in out
    with HistoryStore(db) as store:
        sessions = store.sessions()
    assert len(sessions) == 1 and "caffeine" in sessions[0].context and "weakness" in sessions[0].symptoms


def test_live_without_history_leaves_no_database(sender, tmp_path, capsys):
    db = tmp_path / "history.sqlite3"
    code = main(["live", "--source-id", sender, "--duration", "2.0", "--no-history", "--history-db", str(db)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "not saved (--no-history)" in out and "status " in out
    assert not db.exists()
