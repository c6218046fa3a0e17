"""`twitchwatch demo`: the simulator streamed in real time through the live path, no sensor needed.

A `SimulatorSource` paced by the clock feeds the same `Session` the live monitor uses; the
terminal shows a view refreshed about once a second (redrawn in place on a terminal, one status
line every few seconds otherwise), then the final summary and how the detector did against the
simulator's ground truth. Ctrl+C stops cleanly, with the summary.
"""

from __future__ import annotations

import argparse
import math
import shutil
import signal
import sys
import textwrap
import threading
import time

from twitchwatch.cli.arguments import seed as seed_arg
from twitchwatch import NOT_A_DIAGNOSTIC_DEVICE
from twitchwatch.cli import EXIT_INTERRUPTED, EXIT_OK, UserError
from twitchwatch.cli.report import counts_text, format_summary, quality_cells, rate_text
from twitchwatch.scoring import score_events
from twitchwatch.session import Session
from twitchwatch.sim import SCENARIOS
from twitchwatch.sources import SimulatorSource

DEFAULT_SCENARIO = "mixed"
DEFAULT_DURATION_S = 60.0
MAX_SPEED = 1_000_000.0
LATEST_SHOWN = 5
#: refresh of the in-place view on a terminal, and of status lines elsewhere (wall seconds)
TTY_REFRESH_S = 1.0
LOG_REFRESH_S = 5.0
DEFAULT_WIDTH = 100
DEFAULT_HEIGHT = 40


# ---- argument types ---------------------------------------------------------------------------
def _scenario(value: str) -> str:
    if value not in SCENARIOS:
        raise argparse.ArgumentTypeError(f"unknown scenario {value!r}; valid: {', '.join(SCENARIOS)}")
    return value


def _positive(what: str, upper: float | None = None):
    def check(value: str) -> float:
        try:
            x = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number, got {value!r}") from None
        if not math.isfinite(x) or x <= 0 or (upper is not None and x > upper):
            limit = f" and at most {upper:g}" if upper is not None else ""
            raise argparse.ArgumentTypeError(f"{what} must be a finite number > 0{limit}, got {value}")
        return x
    return check


def _scenario_list() -> str:
    width = max(len(n) for n in SCENARIOS)
    return "\n".join(f"  {n:<{width}}  {s.description}" for n, s in SCENARIOS.items())


EPILOG = f"""\
scenarios (sampling rate and channels are the scenario's own):
{_scenario_list()}

The view refreshes about once a second: time elapsed, events so far by kind,
twitch rate per minute, whether sustained activity (cramp or contraction) is
under way, the latest {LATEST_SHOWN} events (time in s, kind, channel, peak-to-peak
uV, flags) and signal quality per channel. On a terminal it is redrawn in place;
otherwise (a pipe, CI) one status line is printed every {LOG_REFRESH_S:g} s. At the end:
the summary and, from the simulator's ground truth, how well the detector did.
Twitches are confirmed ~250 ms after they happen, cramps when they end; nothing is
reported in the first 3 s (the detector learns the noise). Ctrl+C stops early.

examples:
  twitchwatch demo
  twitchwatch demo --scenario cramp --duration 90
  twitchwatch demo --scenario rest-benign --duration 120 --speed 10
"""


def add_parser(subparsers):
    p = subparsers.add_parser(
        "demo",
        help="run the built-in demo (simulated signal in real time, no sensor needed)",
        description="Stream a simulated surface-EMG scenario in real time through the live\n"
        "detector and watch what it finds. No sensor needed.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--scenario", type=_scenario, default=DEFAULT_SCENARIO, metavar="NAME",
                   help=f"what to simulate (default: {DEFAULT_SCENARIO}; list below)")
    p.add_argument("--duration", type=_positive("duration"), default=DEFAULT_DURATION_S,
                   metavar="S", help=f"seconds of signal, > 0 (default: {DEFAULT_DURATION_S:g})")
    p.add_argument("--speed", type=_positive("speed", MAX_SPEED), default=1.0, metavar="X",
                   help="seconds of signal per second of clock: 1 = real time (default), "
                   "10 = ten times faster")
    p.add_argument("--seed", type=seed_arg, default=0, metavar="K",
                   help="random seed, an integer >= 0 (default: 0); same seed, same signal")
    p.set_defaults(func=run)


# ---- the view -------------------------------------------------------------------------------------
def _fit(line: str, width: int) -> str:
    return line if len(line) <= width else line[: max(0, width - 1)] + "…"


def activity_text(session: Session) -> str:
    if session.warming_up:
        return f"warming up (first {session.summary.warmup_s:g} s: learning the noise)"
    if session.in_sustained_activity:
        return "SUSTAINED ACTIVITY under way (cramp or contraction?)"
    return "listening"


def event_line(event, fs_hz: float, labels) -> str:
    label = labels[event.channel] if 0 <= event.channel < len(labels) else f"ch{event.channel + 1}"
    return (f"{event.onset_s(fs_hz):9.2f}  {event.kind:<13}  {label:<7}  "
            f"{event.peak_to_peak_uv:7.1f}  {','.join(event.flags)}").rstrip()


def render_screen(session: Session, *, scenario: str, speed: float, total_s: float,
                  width: int = DEFAULT_WIDTH, height: int | None = None) -> list[str]:
    """The live view as lines, each at most ``width`` characters; at most ``height`` lines
    (channels' quality lines are left out to fit, saying how many)."""
    s = session.summary
    labels = s.channel_labels
    lines = [
        f"twitchwatch demo  scenario {scenario}  {speed:g}x real time  (Ctrl+C stops)",
        f"elapsed      {s.duration_s:.1f} / {total_s:.1f} s   {activity_text(session)}",
        f"events       {counts_text(s.counts)}",
        f"twitch rate  {rate_text(s.twitch_rate_per_min)} /min ({s.twitch_count} twitches in "
        f"{s.observed_s:.1f} s observed)",
        "latest events (newest first):",
        f"  {'time s':>9}  {'kind':<13}  {'channel':<7}  {'uV p-p':>7}  flags",
    ]
    return screen_tail(lines, list(s.events)[-LATEST_SHOWN:], s.fs_hz, labels,
                       session.quality(), width, height)


def screen_tail(lines: list[str], recent_events, fs_hz: float, labels, qualities, width: int,
                height: int | None, *, empty_quality: str | None = None) -> list[str]:
    """Below a view's own header lines: the latest events (newest first), each channel's quality
    and the not-a-diagnostic-device footer, fitted to ``width`` x ``height`` (channels' quality
    lines are left out to fit, saying how many). Shared by the demo, replay and live views."""
    lines = list(lines)
    lines.extend("  " + event_line(e, fs_hz, labels) for e in reversed(recent_events))
    if not recent_events:
        lines.append("  (none yet)")
    lines.append("signal quality:")
    w = max(len(x) for x in labels)
    quality = []
    for q in qualities:
        noise, mains, clip, ecg = quality_cells(q)
        if mains:
            quality.append(f"  {labels[q.channel]:<{w}}  noise {noise:>5} uV RMS  mains {mains}  "
                           f"clipping {clip}  ECG {ecg}")
        else:
            quality.append(f"  {labels[q.channel]:<{w}}  {noise}")
    if not quality and empty_quality:
        quality.append(empty_quality)
    footer = textwrap.wrap(NOT_A_DIAGNOSTIC_DEVICE, width)
    if height is not None:
        room = height - len(lines) - len(footer)
        if len(quality) > room:
            keep = max(0, room - 1)
            quality = quality[:keep] + [f"  (+{len(quality) - keep} more channels: enlarge the window)"]
    return [_fit(line, width) for line in lines + quality] + footer


def status_line(session: Session, total_s: float) -> str:
    """One line for logs: time, counts, rate, activity, the latest event."""
    s = session.summary
    line = (f"[{s.duration_s:6.1f}/{total_s:.1f} s] {counts_text(s.counts)} | twitches "
            f"{rate_text(s.twitch_rate_per_min)}/min | {activity_text(session)}")
    if s.events:
        e = s.events[-1]
        label = s.channel_labels[e.channel]
        line += f" | latest: {e.onset_s(s.fs_hz):.2f} s {e.kind} {label} {e.peak_to_peak_uv:.0f} uV"
    return line


class LiveView:
    """Throttled display: redraws in place on a terminal, prints status lines otherwise."""

    def __init__(self, stream, *, tty: bool, scenario: str, speed: float, total_s: float,
                 clock=time.monotonic, width: int | None = None, height: int | None = None):
        self.stream = stream
        self.tty = tty
        self.scenario = scenario
        self.speed = speed
        self.total_s = total_s
        self.clock = clock
        size = shutil.get_terminal_size((DEFAULT_WIDTH, DEFAULT_HEIGHT))
        self.width = width or size.columns
        self.height = height or size.lines
        self.interval_s = TTY_REFRESH_S if tty else LOG_REFRESH_S
        self._next: float | None = None
        self._drawn_lines = 0
        self.refreshes = 0

    def __call__(self, session: Session) -> None:
        now = self.clock()
        if self._next is not None and now < self._next:
            return
        self._next = now + self.interval_s
        self.draw(session)

    def draw(self, session: Session) -> None:
        self.refreshes += 1
        if self.tty:
            lines = render_screen(session, scenario=self.scenario, speed=self.speed,
                                  total_s=self.total_s, width=max(20, self.width - 1),
                                  height=max(12, self.height - 1))
            up = f"\x1b[{self._drawn_lines}F" if self._drawn_lines else ""
            self.stream.write(up + "\x1b[J" + "\n".join(lines) + "\n")
            self._drawn_lines = len(lines)
        else:
            self.stream.write(status_line(session, self.total_s) + "\n")
        self.stream.flush()


# ---- ground truth -------------------------------------------------------------------------------
def truth_text(events, source: SimulatorSource, duration_s: float, warmup_s: float) -> str | None:
    """ "detector vs truth: ..." for the signal streamed so far; None without ground truth."""
    truth = [t for t in source.truth if t.onset_s < duration_s]
    if not source.truth or duration_s <= 0:
        return None
    sc = score_events(events, truth, source.fs_hz, duration_s, ignore_before_s=warmup_s)
    text = (f"detector vs truth: twitches {sc.true_positives} of {sc.true_twitches} found, "
            f"{sc.false_positives} false (precision {sc.precision:.2f}, recall {sc.recall:.2f}, "
            f"F1 {sc.f1:.2f})")
    if sc.true_cramps or sc.detected_cramps:
        text += f"; cramps found {sc.cramps_found} of {sc.true_cramps}, {sc.false_cramps} false"
    if sc.true_contractions:
        text += f"; contractions found {sc.contractions_found} of {sc.true_contractions}"
    return text + f" (after the {warmup_s:g} s warm-up)"


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# ---- the command ---------------------------------------------------------------------------------
def run(args) -> int:
    scenario = SCENARIOS[args.scenario]
    out = sys.stdout
    print(f"twitchwatch demo: scenario {args.scenario} ({scenario.description})", file=out)
    print(f"  {args.duration:g} s of simulated signal at {args.speed:g}x real time, seed {args.seed}; "
          "no sensor needed. Ctrl+C stops.", file=out, flush=True)
    stop = threading.Event()
    try:
        source = SimulatorSource(args.scenario, duration_s=args.duration, seed=args.seed,
                                 realtime=True, speed=args.speed, stop=stop)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    detected = []
    session = Session(source, on_event=detected.append, keep_events=LATEST_SHOWN)
    print(f"  {source.fs_hz:g} Hz, {source.n_channels} channels ({', '.join(source.channel_labels)}); "
          "preparing the detector (the first run after installing compiles it: up to a minute)...",
          file=out, flush=True)
    view = LiveView(out, tty=_isatty(out), scenario=args.scenario, speed=args.speed,
                    total_s=source.n_samples / source.fs_hz)

    interrupted = False
    previous = None

    def on_sigint(signum, frame):
        nonlocal interrupted
        interrupted = True
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl+C stops hard

    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        session.run(stop_event=stop, progress=view)
    except KeyboardInterrupt:
        interrupted = True
        session.finish(stopped_early=True)
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
        source.close()
    view.draw(session)
    summary = session.summary
    print(file=out)
    if interrupted:
        print("stopped (Ctrl+C): summary of what was streamed", file=out)
    print(format_summary(summary, what="source"), file=out)
    text = truth_text(detected, source, summary.duration_s, summary.warmup_s)
    if text:
        print(text, file=out)
    print(NOT_A_DIAGNOSTIC_DEVICE, file=out, flush=True)
    return EXIT_INTERRUPTED if interrupted else EXIT_OK
