"""`twitchwatch demo`: the simulator through the live path, a live view, a summary at the end."""

from __future__ import annotations

import io
import signal

import pytest

from twitchwatch import NOT_A_DIAGNOSTIC_DEVICE
from twitchwatch.cli import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, main
from twitchwatch.cli import demo as demo_cli
from twitchwatch.session import Session
from twitchwatch.sim import SCENARIOS, simulate
from twitchwatch.sources import SimulatorSource


def run_cli(capsys, *argv):
    try:
        code = main(["demo", *map(str, argv)])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


@pytest.fixture(scope="module")
def session_at_20s():
    """A session 20 s into busy twitching (~50/min) on 8 channels."""
    sim = simulate("post-exercise", duration_s=20.0, n_channels=8, seed=0)
    session = Session(SimulatorSource(simulation=sim), keep_events=demo_cli.LATEST_SHOWN)
    src = session.source
    while (chunk := src.read(4000)) is not None:
        session.feed(chunk)
    return session


def test_fast_demo_streams_and_ends_with_the_summary_and_the_truth(capsys):
    code, out, err = run_cli(capsys, "--speed", 1000, "--duration", 10)
    assert code == EXIT_OK, err
    lines = out.splitlines()
    assert lines[0].startswith("twitchwatch demo: scenario mixed")  # says what it does at once
    assert any(x.startswith("[") and "/10.0 s]" in x for x in lines)  # status lines (not a tty)
    assert "source         simulator:mixed" in out
    assert "10.0 s (00:10)" in out and "2000 Hz" in out and "/min overall" in out
    assert "detector vs truth: twitches" in out and "F1" in out
    assert out.rstrip().endswith(NOT_A_DIAGNOSTIC_DEVICE)
    assert "\x1b[" not in out  # no terminal control codes in a pipe


def test_other_scenarios_and_seeds(capsys):
    code, out, _ = run_cli(capsys, "--scenario", "cramp", "--duration", 5, "--speed", 1000,
                           "--seed", 3)
    assert code == EXIT_OK
    assert "scenario cramp" in out and "seed 3" in out and "1000 Hz" in out


def test_ctrl_c_stops_cleanly_with_the_summary(capsys, monkeypatch):
    real_read = SimulatorSource.read

    def read_then_interrupt(self, max_samples, timeout_s=0.0):
        if self.samples_read >= 5 * self.fs_hz:  # 5 s in, the user presses Ctrl+C
            signal.raise_signal(signal.SIGINT)
        return real_read(self, max_samples, timeout_s)

    monkeypatch.setattr(SimulatorSource, "read", read_then_interrupt)
    before = signal.getsignal(signal.SIGINT)
    code, out, err = run_cli(capsys, "--speed", 1000, "--duration", 20)
    assert code == EXIT_INTERRUPTED
    assert "stopped (Ctrl+C)" in out and "Traceback" not in out + err
    assert "stopped early" in out and "detector vs truth" in out
    duration = next(x for x in out.splitlines() if x.startswith("duration"))
    assert float(duration.split()[1]) < 20.0
    assert signal.getsignal(signal.SIGINT) is before  # the handler is put back


@pytest.mark.parametrize("argv, message", [
    (["--scenario", "nope"], "valid: rest-benign"),
    (["--duration", "0"], "duration must be a finite number > 0"),
    (["--speed", "-1"], "speed must be a finite number > 0"),
    (["--speed", "inf"], "speed must be a finite number > 0"),
    (["--seed", "-1"], "seed must be an integer >= 0"),
])
def test_bad_options_are_usage_errors(capsys, argv, message):
    code, _, err = run_cli(capsys, *argv)
    assert code == EXIT_USAGE and message in err


def test_a_too_long_simulation_is_a_data_error_not_a_traceback(capsys):
    code, _, err = run_cli(capsys, "--duration", 1e9)
    assert code == 3 and "too large" in err


def test_help_explains_the_options_and_lists_the_scenarios(capsys):
    code, out, _ = run_cli(capsys, "--help")
    assert code == EXIT_OK
    for option in ("--scenario", "--duration", "--speed", "--seed"):
        assert option in out
    for name in SCENARIOS:
        assert name in out
    assert "real time" in out and "twitchwatch demo --scenario" in out


def test_the_screen_shows_time_counts_rate_latest_events_and_quality(session_at_20s):
    lines = demo_cli.render_screen(session_at_20s, scenario="mixed", speed=1.0, total_s=60.0,
                                   width=100)
    text = "\n".join(lines)
    assert all(len(x) <= 100 for x in lines)
    assert "elapsed      20.0 / 60.0 s" in text
    assert "fasciculation" in text and "artifact 0" in text and "/min" in text
    recent = list(session_at_20s.summary.events)
    assert len(recent) == demo_cli.LATEST_SHOWN
    newest = demo_cli.event_line(recent[-1], 2000.0, session_at_20s.summary.channel_labels)
    assert newest in text  # newest first, right under the column titles
    assert lines.index("  " + newest) == lines.index(next(x for x in lines if "time s" in x)) + 1
    assert sum(1 for x in lines if "noise" in x and "uV RMS" in x) == 8  # one line per channel
    assert " ".join(x.strip() for x in lines[-2:]) in NOT_A_DIAGNOSTIC_DEVICE


def test_on_a_terminal_the_view_redraws_in_place_about_once_a_second(session_at_20s):
    out, clock = io.StringIO(), FakeClock()
    view = demo_cli.LiveView(out, tty=True, scenario="mixed", speed=1.0, total_s=60.0,
                             clock=clock, width=100)
    view(session_at_20s)            # first call draws at once
    clock.t = 0.5
    view(session_at_20s)            # too soon: nothing
    assert view.refreshes == 1
    first = out.getvalue()
    assert first.startswith("\x1b[J") and first.count("\n") == view._drawn_lines
    clock.t = 1.0
    view(session_at_20s)
    assert view.refreshes == 2
    assert out.getvalue()[len(first):].startswith(f"\x1b[{view._drawn_lines}F\x1b[J")


def test_in_a_pipe_the_view_prints_a_status_line_every_few_seconds(session_at_20s):
    out, clock = io.StringIO(), FakeClock()
    view = demo_cli.LiveView(out, tty=False, scenario="mixed", speed=1.0, total_s=60.0,
                             clock=clock)
    for t in range(0, 12):          # called every second for 12 s
        clock.t = float(t)
        view(session_at_20s)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3          # at 0, 5 and 10 s
    assert lines[0].startswith("[  20.0/60.0 s] fasciculation")
    assert "twitches" in lines[0] and "/min" in lines[0] and "latest:" in lines[0]
    assert " fasciculation EMG" in lines[0]


def test_the_screen_fits_a_small_terminal(session_at_20s):
    full = demo_cli.render_screen(session_at_20s, scenario="mixed", speed=1.0, total_s=60.0)
    small = demo_cli.render_screen(session_at_20s, scenario="mixed", speed=1.0, total_s=60.0,
                                   height=len(full) - 3)
    assert len(small) == len(full) - 3  # an in-place redraw taller than the window would scroll
    assert "(+4 more channels" in "\n".join(small)
