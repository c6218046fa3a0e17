"""`twitchwatch live`: monitor a live LSL stream, headless, with a terminal view.

The stream goes through the same `Session` as `analyze` and `demo`, wired by
`twitchwatch.live.LiveMonitor` to the optional outputs (events CSV, LSL event and status
outlets, XDF recording). The view (redrawn in place on a terminal, a status line every few
seconds otherwise) shows the stream's health, rates, quality and the latest events. Ctrl+C (or
SIGTERM) stops cleanly: pending events are decided and every output is flushed and closed.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import shutil
import signal
import sys
import threading
import time

from twitchwatch.cli.arguments import suffix as suffix_arg
from twitchwatch import NOT_A_DIAGNOSTIC_DEVICE
from twitchwatch.cli import EXIT_INTERRUPTED, EXIT_OK, UserError
from twitchwatch.checks import InputLayoutError
from twitchwatch.cli.arguments import check_output_path, live_unit
from twitchwatch.cli.demo import DEFAULT_HEIGHT, DEFAULT_WIDTH, LOG_REFRESH_S, TTY_REFRESH_S, \
    _isatty, activity_text, screen_tail
from twitchwatch.cli.assessment import add_status_arguments, assess_summary, open_store
from twitchwatch.cli.report import counts_text, format_summary, rate_text

LATEST_SHOWN = 5
DEFAULT_RESOLVE_TIMEOUT_S = 5.0
MAX_DURATION_S = 30 * 24 * 3600.0
#: an effective rate this far (fraction) from the nominal one is flagged on the screen
RATE_MISMATCH = 0.05

EPILOG = """\
choosing the stream (all given must match):
  --source-id ID   the most precise; also how a stream is found again after a dropout
  --stream NAME    the stream's name (e.g. obci_eeg1 from OpenBCI GUI)
  --type TYPE      its type, case-insensitive (EMG, ExG, EEG, or a MAC address for
                   OpenSignals); "emg-like" means any of them
With none, the one EMG-like stream on the network is used; when there are several,
you are asked to choose (on a terminal) or shown them (elsewhere).
`twitchwatch streams` lists what is there.

units: values are converted to microvolts from the unit each channel declares
(V, mV, uV); a stream declaring none is taken as microvolts (with a warning:
give --unit if that is wrong); raw counts need --uv-per-count.

outputs:
  --events-out  the events CSV of `twitchwatch analyze` (same columns), onset_s in
                seconds from the first sample received (missing samples counted),
                plus a row of kind "gap" (channel 0, flags dropout/reconnect) for
                every stretch of samples missing from the stream. Flushed per row.
  --lsl-events  events as an LSL marker stream "<lsl-name>-events" (type Markers, one
                JSON object per event: kind, channel, amplitude_uv, duration_s, flags,
                source_time in the input stream's clock...) and a status stream
                "<lsl-name>-status" (type Status, JSON once a second: state, twitch
                rate, in_sustained_activity, stream health), for LabRecorder.
  --record      an XDF file as LabRecorder writes it: the raw input stream with its
                channel metadata and clock offsets, the event and status streams.
                Written as data arrive and synced every second: a crash loses at most
                the last second.

stream health: connected, stalled (silent > 0.5 s), reconnecting (silent > 2 s;
looking for the stream again by its source_id), lost (silent > 5 s; still
looking). Gaps are found from the time stamps and logged, never bridged.

exit codes: 0 ok (--duration reached), 2 usage error, 3 no such stream or an
unreadable one, 130 stopped with Ctrl+C or SIGTERM (outputs complete).

examples:
  twitchwatch live
  twitchwatch live --stream obci_eeg1 --events-out events.csv --record session.xdf
  twitchwatch live --source-id myemg-01 --lsl-events --duration 600
"""


# ---- argument types ---------------------------------------------------------------------------
def _seconds(what: str, upper: float):
    def check(value: str) -> float:
        try:
            x = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number of seconds, got {value!r}") from None
        if not math.isfinite(x) or not 0 < x <= upper:
            raise argparse.ArgumentTypeError(f"{what} must be > 0 and at most {upper:g} s, got {value}")
        return x
    return check


def _scale(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"scale must be a number (uV per count), got {value!r}") from None
    if not math.isfinite(x) or x == 0:
        raise argparse.ArgumentTypeError(f"scale must be a finite, non-zero number, got {value}")
    return x


def add_parser(subparsers):
    p = subparsers.add_parser(
        "live",
        help="monitor a live LSL stream (terminal view, event log, LSL outputs, XDF recording)",
        description="Monitor a live surface-EMG stream from Lab Streaming Layer: twitches,\n"
        "cramps, contraction and artefacts as they happen, and the stream's health.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sel = p.add_argument_group("which stream")
    sel.add_argument("--stream", metavar="NAME", help="the stream's name")
    sel.add_argument("--type", metavar="TYPE", help="its type (case-insensitive; 'emg-like': any)")
    sel.add_argument("--source-id", metavar="ID", help="its source_id")
    sel.add_argument("--resolve-timeout", type=_seconds("resolve timeout", 600.0),
                     default=DEFAULT_RESOLVE_TIMEOUT_S, metavar="S",
                     help=f"how long to look for it at start (default: {DEFAULT_RESOLVE_TIMEOUT_S:g} s)")
    sel.add_argument("--unit", metavar="UNIT", type=live_unit,
                     help="the unit of the values, overriding what the stream declares (V, mV, uV, counts)")
    sel.add_argument("--uv-per-count", type=_scale, metavar="X",
                     help="microvolts per count, for streams of raw converter counts")
    p.add_argument("--duration", type=_seconds("duration", MAX_DURATION_S), metavar="S",
                   help="stop after this many seconds of monitoring (default: until Ctrl+C; a "
                   "stream that drops out is waited for)")
    p.add_argument("--events-out", type=suffix_arg(".csv", "--events-out"), metavar="EVENTS.csv",
                   help="write every event (and gap) to this CSV as it is decided")
    p.add_argument("--record", type=suffix_arg(".xdf", "--record"), metavar="FILE.xdf",
                   help="record the raw stream, the events and the status to this XDF file")
    p.add_argument("--lsl-events", action="store_true",
                   help="publish events and status as LSL streams (for LabRecorder and others)")
    p.add_argument("--lsl-name", default="twitchwatch", metavar="NAME",
                   help="base name of the LSL outputs: NAME-events, NAME-status (default: twitchwatch)")
    add_status_arguments(p, what="monitoring")
    p.set_defaults(func=run)


# ---- choosing the stream -------------------------------------------------------------------------
def choose_stream(args, out, inp=None):
    """The `StreamDescription` to monitor: from the options, else the EMG-like one, asking on a
    terminal when there are several."""
    from twitchwatch.cli.streams import format_table
    from twitchwatch.sources.lsl_discovery import find_streams, selection_text

    inp = sys.stdin if inp is None else inp
    what = selection_text(args.stream, args.type, args.source_id)
    print(f"looking for an LSL stream with {what} (up to {args.resolve_timeout:g} s)...",
          file=out, flush=True)
    deadline = time.monotonic() + args.resolve_timeout
    while True:
        matches = find_streams(name=args.stream, type=args.type, source_id=args.source_id,
                               timeout_s=max(0.1, deadline - time.monotonic()))
        if matches or time.monotonic() >= deadline:
            break
    if not matches:
        raise UserError(f"no LSL stream with {what} answered within {args.resolve_timeout:g} s. "
                        "Is the sensor software streaming? `twitchwatch streams` lists what is "
                        "on the network")
    if len(matches) == 1:
        return matches[0]
    table = format_table(matches)
    if not _isatty(inp):
        raise UserError(f"{len(matches)} LSL streams have {what}:\n" + "\n".join(table)
                        + "\nchoose one with --source-id ID (or --stream NAME)")
    print(f"{len(matches)} streams have {what}:", file=out)
    for line in table:
        print(line, file=out)
    while True:
        print(f"monitor which one? [1-{len(matches)}] ", end="", file=out, flush=True)
        answer = inp.readline()
        if not answer:
            raise UserError("no stream chosen")
        answer = answer.strip()
        if answer.isdigit() and 1 <= int(answer) <= len(matches):
            return matches[int(answer) - 1]
        print(f"type a number from 1 to {len(matches)}", file=out)


# ---- the view --------------------------------------------------------------------------------------
def health_lines(health, fs_hz: float) -> list[str]:
    if health is None:
        return []
    eff = "-" if health.effective_rate_hz is None else f"{health.effective_rate_hz:.1f}"
    if health.effective_rate_hz is not None and \
            abs(health.effective_rate_hz / fs_hz - 1.0) > RATE_MISMATCH:
        eff += " (!)"
    last = "-" if health.since_last_sample_s is None else f"{health.since_last_sample_s:.2f} s ago"
    off = "-" if health.clock_offset_s is None else f"{health.clock_offset_s * 1000:+.2f} ms"
    state = health.state.upper() if health.state != "connected" else health.state
    link = "" if health.link_up else "  (connection broke)"
    lines = [
        f"stream       {state} for {health.state_for_s:.1f} s{link}   {eff} of {fs_hz:g} Hz   "
        f"last sample {last}",
        f"health       gaps {health.gaps} ({health.missing_samples} samples, "
        f"{health.missing_samples / fs_hz:.2f} s)   dup stamps {health.duplicate_stamps}   "
        f"backwards {health.backwards_stamps}   reconnects {health.reconnects}   offset {off}",
    ]
    if health.note and health.state != "connected":
        lines.append(f"             {health.note}")
    return lines


def live_activity(monitor) -> str:
    health = monitor.health()
    if health is not None and health.state not in ("connected",):
        if health.state == "connecting":
            return "waiting for the first samples"
        return f"no signal ({health.state})"
    return activity_text(monitor.session)


def _timeline_event(monitor, event):
    t = monitor.timing.timeline_sample
    return dataclasses.replace(event, onset_sample=t(event.onset_sample), end_sample=t(event.end_sample))


def outputs_text(monitor, args) -> str:
    parts = []
    if monitor.events_csv is not None:
        parts.append(f"{args.events_out} ({monitor.events_csv.rows_written} rows)")
    if monitor.event_outlet is not None:
        consumers = "listened to" if monitor.event_outlet.have_consumers() else "no listener"
        parts.append(f"LSL {monitor.event_outlet.name}, -status ({consumers})")
    if monitor.recorder is not None:
        parts.append(f"{args.record} ({monitor.recorder.bytes_written / 1e6:.1f} MB)")
    return " | ".join(parts) if parts else "none (see --events-out, --lsl-events, --record)"


def render_screen(monitor, args, elapsed_s: float, width: int = DEFAULT_WIDTH,
                  height: int | None = None) -> list[str]:
    """The live view as lines of at most ``width`` characters (at most ``height`` lines)."""
    session = monitor.session
    s = session.summary
    labels = s.channel_labels
    d = getattr(monitor.source, "description", None)
    where = d.short() if d is not None else monitor.source.name
    total = f" / {args.duration:g}" if getattr(args, "duration", None) else ""
    lines = [f"twitchwatch live  {where}  (Ctrl+C stops)"]
    lines += health_lines(monitor.health(), s.fs_hz)
    lines += [
        f"elapsed      {elapsed_s:.1f}{total} s (signal {s.duration_s:.1f} s)   {live_activity(monitor)}",
        f"events       {counts_text(s.counts)}",
        f"twitch rate  {rate_text(s.twitch_rate_per_min)} /min ({s.twitch_count} twitches in "
        f"{s.observed_s:.1f} s observed)",
        f"outputs      {outputs_text(monitor, args)}",
        "latest events (newest first; time on the stream's timeline):",
        f"  {'time s':>9}  {'kind':<13}  {'channel':<7}  {'uV p-p':>7}  flags",
    ]
    recent = [_timeline_event(monitor, e) for e in list(s.events)[-LATEST_SHOWN:]]
    return screen_tail(lines, recent, s.fs_hz, labels, session.quality() if s.samples else [], width,
                       height, empty_quality="  (no signal yet)")


def status_line(monitor, elapsed_s: float) -> str:
    s = monitor.session.summary
    h = monitor.health()
    stream = ""
    if h is not None:
        eff = "-" if h.effective_rate_hz is None else f"{h.effective_rate_hz:.0f}"
        stream = f" {h.state} {eff}/{s.fs_hz:g} Hz gaps {h.gaps} |"
    line = (f"[{elapsed_s:7.1f} s]{stream} {counts_text(s.counts)} | twitches "
            f"{rate_text(s.twitch_rate_per_min)}/min | {live_activity(monitor)}")
    if s.events:
        e = _timeline_event(monitor, s.events[-1])
        line += (f" | latest: {e.onset_s(s.fs_hz):.2f} s {e.kind} {s.channel_labels[e.channel]} "
                 f"{e.peak_to_peak_uv:.0f} uV")
    return line


class LiveScreen:
    """Throttled display: redrawn in place on a terminal, status lines otherwise."""

    def __init__(self, stream, monitor, args, *, tty: bool, clock=time.monotonic,
                 width: int | None = None, height: int | None = None):
        self.stream, self.monitor, self.args, self.tty, self.clock = stream, monitor, args, tty, clock
        size = shutil.get_terminal_size((DEFAULT_WIDTH, DEFAULT_HEIGHT))
        self.width = width or size.columns
        self.height = height or size.lines
        self.interval_s = TTY_REFRESH_S if tty else LOG_REFRESH_S
        self.started = clock()
        self._next: float | None = None
        self._drawn = 0
        self.refreshes = 0

    def __call__(self, session) -> None:
        now = self.clock()
        if self._next is not None and now < self._next:
            return
        self._next = now + self.interval_s
        self.draw()

    def draw(self) -> None:
        self.refreshes += 1
        elapsed = self.clock() - self.started
        if self.tty:
            lines = render_screen(self.monitor, self.args, elapsed, width=max(20, self.width - 1),
                                  height=max(12, self.height - 1))
            up = f"\x1b[{self._drawn}F" if self._drawn else ""
            self.stream.write(up + "\x1b[J" + "\n".join(lines) + "\n")
            self._drawn = len(lines)
        else:
            self.stream.write(status_line(self.monitor, elapsed) + "\n")
        self.stream.flush()


# ---- the command -----------------------------------------------------------------------------------
def run(args) -> int:
    import numpy as np

    from twitchwatch.engine.detector import MAX_FS_HZ, MIN_FS_HZ, Detector
    from twitchwatch.live import LiveMonitor
    from twitchwatch.sources.lsl import LslSource

    from twitchwatch.assess import format_assessment
    from twitchwatch.assess.evidence import utc_now

    out = sys.stdout
    check_output_path(args.events_out)
    check_output_path(args.record)
    store = None if args.no_history else open_store(args.history_db)
    started_at = utc_now()
    stop = threading.Event()
    interrupted = False
    handlers = {}

    def on_signal(signum, frame):
        nonlocal interrupted
        interrupted = True
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl+C stops hard

    desc = choose_stream(args, out)  # Ctrl+C here: KeyboardInterrupt, nothing to flush yet
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            handlers[sig] = signal.signal(sig, on_signal)
    source = monitor = None
    layout_error = None
    try:
        if MIN_FS_HZ <= desc.nominal_srate <= MAX_FS_HZ and desc.channel_count > 0:
            # compile before connecting, so that no backlog piles up in the inlet meanwhile
            print("  preparing the detector (the first run after installing compiles it)...",
                  file=out, flush=True)
            Detector(desc.nominal_srate, desc.channel_count).process(
                np.zeros((0, desc.channel_count), np.float32))
        try:
            source = LslSource(stream=desc, resolve_timeout_s=args.resolve_timeout, unit=args.unit,
                               uv_per_count=args.uv_per_count, stop=stop)
        except (ValueError, LookupError) as exc:
            raise UserError(str(exc)) from None
        if not MIN_FS_HZ <= source.fs_hz <= MAX_FS_HZ:
            raise UserError(f"stream {desc.name!r} runs at {source.fs_hz:g} Hz; the detector handles "
                            f"{MIN_FS_HZ:g}-{MAX_FS_HZ:g} Hz")
        print(f"monitoring {source.description.short()}", file=out)
        print(f"  {source.n_channels} channels ({', '.join(source.channel_labels)}), values in "
              f"{', '.join(sorted(set(source.description.units))) or 'no declared unit'}", file=out)
        for w in source.warnings:
            print(f"  note: {w}", file=out)
        try:
            monitor = LiveMonitor(source, events_out=args.events_out, record=args.record,
                                  lsl_events=args.lsl_events, lsl_name=args.lsl_name,
                                  keep_events=LATEST_SHOWN)
        except OSError as exc:
            raise UserError(f"cannot create an output: {exc.strerror or exc} "
                            f"({getattr(exc, 'filename', '')})") from None
        monitor.session.warm_up()
        screen = LiveScreen(out, monitor, args, tty=_isatty(out))
        deadline = None if args.duration is None else time.monotonic() + args.duration

        def progress(session):
            if deadline is not None and time.monotonic() >= deadline:
                stop.set()
            screen(session)

        try:
            monitor.run(stop_event=stop, progress=progress)
        except KeyboardInterrupt:
            interrupted = True
        except InputLayoutError as exc:  # the sensor came back with another layout
            layout_error = exc
        screen.draw()
        summary = monitor.summary
        health = monitor.health()
    finally:
        for sig, previous in handlers.items():
            signal.signal(sig, previous)
        if monitor is not None:
            monitor.close()
        if source is not None:
            source.close()
    print(file=out)
    if interrupted:
        print("stopped: summary of what was received (outputs are complete)", file=out)
    print(format_summary(summary, what="stream"), file=out)
    # The status of what was monitored, and one more session in the history.
    try:
        assessment, session_id = assess_summary(summary.as_dict(include_events=False), args, store, started_at)
    finally:
        if store is not None:
            store.close()
    saved = f"session {session_id} in {store.path}" if store is not None else "not saved (--no-history)"
    print(format_assessment(assessment), f"{'history':<14} {saved}", sep="\n", file=out)
    if health is not None:
        print(f"stream health  {health.gaps} gaps ({health.missing_samples} samples missing), "
              f"{health.reconnects} reconnects, {health.duplicate_stamps} duplicate and "
              f"{health.backwards_stamps} backwards stamps", file=out)
    written = [x for x in (args.events_out, args.record) if x]
    if written:
        print("wrote " + " and ".join(written), file=out)
    print(NOT_A_DIAGNOSTIC_DEVICE, file=out, flush=True)
    if layout_error is not None:
        raise UserError(f"{layout_error} (the summary above covers what came before)")
    return EXIT_INTERRUPTED if interrupted else EXIT_OK
