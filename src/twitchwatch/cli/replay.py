"""`twitchwatch replay`: a recording replayed through the live path, fast, paced, or onto LSL.

By default as fast as it can be read, with the same events, summary and files as `analyze` on
that file. ``--realtime`` (or ``--speed``) paces it by the clock with the demo's live view;
``--lsl`` republishes it as an LSL stream (type EMG, µV, the recording's labels and nominal rate)
for any LSL client (``twitchwatch live``, the GUI), paced, while detecting as well.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np

from twitchwatch import NOT_A_DIAGNOSTIC_DEVICE
from twitchwatch.cli import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UserError
from twitchwatch.cli.arguments import check_output_path, file_unit
from twitchwatch.cli.arguments import sampling_rate as fs_arg
from twitchwatch.cli.arguments import suffix as suffix_arg
from twitchwatch.cli.analyze import (
    MAX_CHUNK_SAMPLES,
    Progress,
    _chunk_samples,
    _isatty,
    write_summary_json,
)
from twitchwatch.cli.demo import LiveView, activity_text, render_screen, status_line
from twitchwatch.cli.report import format_summary
from twitchwatch.engine.detector import MAX_FS_HZ, MIN_FS_HZ
from twitchwatch.formats import supported_text
from twitchwatch.session import DEFAULT_CHUNK_SAMPLES, Session
from twitchwatch.sinks import EventCsvWriter
from twitchwatch.sources.replay import ReplaySource

MAX_SPEED = 1000.0
#: a paced replay (and its LSL stream) delivers ~20 ms of signal at a time, as `push_paced` does
PACED_BLOCK_S = 0.02


def _seconds(what: str):
    def check(value: str) -> float:
        try:
            x = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number of seconds, got {value!r}") from None
        if not math.isfinite(x) or x < 0:
            raise argparse.ArgumentTypeError(f"{what} must be a finite number of seconds >= 0, got {value}")
        return x
    return check


def _speed(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"speed must be a number, got {value!r}") from None
    if not math.isfinite(x) or not 0 < x <= MAX_SPEED:
        raise argparse.ArgumentTypeError(f"speed must be > 0 and at most {MAX_SPEED:g}, got {value}")
    return x


EPILOG = f"""\
readable formats: {supported_text()}.

modes:
  (default)     as fast as the file can be read: the same events, summary and
                files as `twitchwatch analyze FILE`.
  --realtime    paced by the clock (--speed X: X seconds of signal per second),
                with a live view refreshed about once a second (redrawn in place
                on a terminal, status lines otherwise); Ctrl+C stops with the
                summary. Deadlines are absolute, so the replay does not drift.
  --lsl         publish the recording as an LSL stream while replaying it paced
                (implies --realtime): type EMG, float32 microvolts, the file's
                channel labels and nominal rate, so `twitchwatch live` or the GUI
                can connect to it. Time stamps: LSL clock at the start + i/(fs*speed).

--start/--end trim the replay (seconds from the file's first sample); event
times in --events-out and the summary are seconds from the start of the replay.
--loop starts again at --start after --end (or the end of the file) until
Ctrl+C; it needs --realtime or --lsl.
--stream chooses an XDF stream (name or type) or the signals of an EDF, WFDB or
OpenSignals file (comma-separated labels, or a type such as EMG).

exit codes: 0 ok, 2 usage error, 3 the file cannot be replayed, 130 interrupted.

examples:
  twitchwatch replay rest.xdf --events-out events.csv
  twitchwatch replay night.edf --stream "EMG chin" --realtime --speed 10
  twitchwatch replay emg_healthy.hea --lsl --loop --lsl-name replay-emg
"""


def add_parser(subparsers):
    p = subparsers.add_parser(
        "replay",
        help="replay a recording through the live path (fast, paced, or as an LSL stream)",
        description="Replay a recorded session through the same path a live stream takes:\n"
        "as fast as possible, paced in real time, or republished on LSL.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", help="the recording to replay")
    p.add_argument("--realtime", action="store_true",
                   help="pace the replay by the clock (default: as fast as possible)")
    p.add_argument("--speed", type=_speed, metavar="X",
                   help=f"seconds of signal per second of clock, > 0 and <= {MAX_SPEED:g} "
                   "(default 1; implies --realtime)")
    p.add_argument("--lsl", action="store_true",
                   help="republish the recording as an LSL stream (implies --realtime)")
    p.add_argument("--lsl-name", metavar="NAME",
                   help="name of the LSL stream (default: <file stem>-replay)")
    p.add_argument("--lsl-wait", type=_seconds("--lsl-wait"), default=0.0, metavar="S",
                   help="with --lsl, wait up to S seconds for a consumer before starting (default 0)")
    p.add_argument("--loop", action="store_true",
                   help="start again at --start at the end, until Ctrl+C (needs --realtime or --lsl)")
    p.add_argument("--start", type=_seconds("--start"), default=0.0, metavar="S",
                   help="begin at S seconds into the file (default 0)")
    p.add_argument("--end", type=_seconds("--end"), metavar="S",
                   help="stop at S seconds into the file (default: its end)")
    p.add_argument("--events-out", type=suffix_arg(".csv", "--events-out"), metavar="EVENTS.csv",
                   help="write every detected event to this CSV (the columns of `analyze`)")
    p.add_argument("--summary-out", type=suffix_arg(".json", "--summary-out"), metavar="SUMMARY.json",
                   help="write the summary to this JSON file (the format of `analyze`)")
    p.add_argument("--unit", type=file_unit, metavar="V|mV|uV",
                   help="the unit the values are really in, overriding what the file declares")
    p.add_argument("--fs", type=fs_arg, metavar="HZ",
                   help="sampling rate in Hz, for files that do not state one (CSV without a time "
                   "column, PhysioNet text without its .hea); checked against the file's otherwise")
    p.add_argument("--stream", metavar="NAME",
                   help="XDF stream (name or type), or signals of an EDF/WFDB/OpenSignals file "
                   "(comma-separated labels or a type such as EMG)")
    p.add_argument("--chunk-samples", type=_chunk_samples, default=DEFAULT_CHUNK_SAMPLES,
                   metavar="N",
                   help=f"samples per channel processed at a time, 1-{MAX_CHUNK_SAMPLES} "
                   f"(default: {DEFAULT_CHUNK_SAMPLES}); results do not depend on it")
    p.add_argument("--quiet", action="store_true",
                   help="print no summary, view or progress; only errors (files still written)")
    p.set_defaults(func=run)


# ---- the paced view -------------------------------------------------------------------------------
def header_lines(session: Session, source: ReplaySource, lsl_name: str | None) -> list[str]:
    s = session.summary
    mode = f"{source.speed:g}x real time" + (", looping" if source.loop else "")
    first = f"twitchwatch replay  {source.name}  {mode}" + (f"  LSL '{lsl_name}'" if lsl_name else "")
    where = f"at {source.position_s:.1f} s of the file"
    if source.pass_samples is not None:
        where += f" ({source.start_s:.1f}-{source.start_s + source.pass_samples / source.fs_hz:.1f} s)"
    if source.loop:
        where += f", pass {source.passes_done + 1}"
    return [first + "  (Ctrl+C stops)",
            f"elapsed      {s.duration_s:.1f} s, {where}   {activity_text(session)}"]


class ReplayView(LiveView):
    """The demo's live view with a replay header (file, speed, position, LSL name)."""

    def __init__(self, stream, source: ReplaySource, *, tty: bool, lsl_name: str | None,
                 clock=time.monotonic):
        total = source.pass_samples / source.fs_hz if source.pass_samples else 0.0
        super().__init__(stream, tty=tty, scenario="", speed=source.speed, total_s=total, clock=clock)
        self.source = source
        self.lsl_name = lsl_name

    def draw(self, session: Session) -> None:
        self.refreshes += 1
        if self.tty:
            lines = render_screen(session, scenario="", speed=self.speed, total_s=self.total_s,
                                  width=max(20, self.width - 1), height=max(12, self.height - 1))
            top = header_lines(session, self.source, self.lsl_name)
            width = max(20, self.width - 1)
            lines[:2] = [x if len(x) <= width else x[: width - 1] + "…" for x in top]
            up = f"\x1b[{self._drawn_lines}F" if self._drawn_lines else ""
            self.stream.write(up + "\x1b[J" + "\n".join(lines) + "\n")
            self._drawn_lines = len(lines)
        else:
            line = status_line(session, self.total_s)
            self.stream.write(f"{line} | file {self.source.position_s:.1f} s\n")
        self.stream.flush()


# ---- LSL ----------------------------------------------------------------------------------------
class LslRepublisher:
    """``on_chunk`` hook of a `ReplaySource`: pushes each chunk with its replay time stamps
    (``source.sample_time``: LSL clock at the first read + i / (fs * speed))."""

    def __init__(self, outlet, source: ReplaySource):
        self.outlet = outlet
        self.source = source
        self.samples_pushed = 0

    def __call__(self, chunk: np.ndarray, first_index: int) -> None:
        stamps = self.source.sample_time(first_index + np.arange(len(chunk)))
        self.outlet.push_chunk(chunk, stamps.tolist())
        self.samples_pushed += len(chunk)


def default_lsl_name(path: str) -> str:
    return f"{Path(path).stem}-replay"


# ---- the command ---------------------------------------------------------------------------------
def _open(args, paced: bool, stop: threading.Event, clock) -> ReplaySource:
    try:
        return ReplaySource(
            args.file, fs_hz=args.fs, stream=args.stream, realtime=paced,
            speed=args.speed or 1.0, start_s=args.start, end_s=args.end, loop=args.loop,
            block_s=PACED_BLOCK_S, read_block_samples=args.chunk_samples, stop=stop, clock=clock,
            unit=getattr(args, "unit", None),
        )
    except ValueError as exc:  # RecordingError included: the message names the file
        msg = str(exc)
        raise UserError(msg if args.file in msg else f"{args.file}: {msg}") from None
    except OSError as exc:
        raise UserError(f"{args.file}: cannot read ({exc.strerror or exc})") from None


def _session(source: ReplaySource, args) -> Session:
    try:
        return Session(source, chunk_samples=args.chunk_samples)
    except ValueError as exc:
        if not MIN_FS_HZ <= source.fs_hz <= MAX_FS_HZ:
            raise UserError(
                f"{args.file}: sampling rate {source.fs_hz:g} Hz is outside what the detector "
                f"handles ({MIN_FS_HZ:g}-{MAX_FS_HZ:g} Hz); if the file's rate is wrong, give the "
                "right one with --fs") from None
        raise UserError(f"{args.file}: {exc}") from None


def _replay_record(source: ReplaySource, paced: bool, args) -> dict | None:
    """What a summary JSON adds for a replay that is not a plain analysis (None for a plain one)."""
    if not (paced or args.start or args.end is not None or args.loop):
        return None
    return {"realtime": paced, "speed": source.speed if paced else None, "start_s": args.start,
            "end_s": args.end, "loop": args.loop, "passes_done": source.passes_done,
            "lsl_name": args.lsl_name if args.lsl else None}


def run(args) -> int:
    paced = bool(args.realtime or args.speed is not None or args.lsl)
    problem = None
    if args.loop and not paced:
        problem = ("--loop replays forever: use it with --realtime or --lsl (as fast as possible "
                   "it would never end)")
    elif args.lsl_name is not None and not args.lsl:
        problem = "--lsl-name names the LSL stream: add --lsl"
    elif args.lsl_wait and not args.lsl:
        problem = "--lsl-wait waits for an LSL consumer: add --lsl"
    elif args.end is not None and args.end <= args.start:
        problem = f"--end {args.end:g} s must be after --start {args.start:g} s"
    if problem:
        print(f"twitchwatch replay: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    check_output_path(args.events_out, [args.file])
    check_output_path(args.summary_out, [args.file])
    if args.events_out and args.summary_out and \
            Path(args.events_out).resolve() == Path(args.summary_out).resolve():
        raise UserError("--events-out and --summary-out are the same file; give two names")
    args.realtime = paced
    out = sys.stdout
    stop = threading.Event()
    outlet = None
    clock = time.monotonic
    if args.lsl:
        import pylsl  # only --lsl needs liblsl

        clock = pylsl.local_clock  # so that sample_time() gives LSL time stamps
        args.lsl_name = args.lsl_name or default_lsl_name(args.file)
    source = _open(args, paced, stop, clock)
    writer = None
    try:
        if args.lsl:
            from twitchwatch.sinks.lsl_signal import SignalOutlet

            outlet = SignalOutlet(args.lsl_name, source.channel_labels, source.fs_hz,
                                  source_id=f"twitchwatch-replay:{Path(args.file).resolve()}",
                                  manufacturer=f"twitchwatch replay of {Path(args.file).name} "
                                  f"({source.stream_type})")
            source.on_chunk = LslRepublisher(outlet, source)
        session = _session(source, args)
        if args.events_out:
            try:
                writer = EventCsvWriter(args.events_out, source.fs_hz, source.channel_labels,
                                        source=args.file)
            except OSError as exc:
                raise UserError(f"cannot write {args.events_out}: {exc.strerror or exc}") from None
            session.sinks.append(writer)
        if paced and not args.quiet:
            _announce(out, source, args)
        if outlet is not None and args.lsl_wait > 0:
            outlet.wait_for_consumers(args.lsl_wait)
        interrupted = _run_session(session, source, args, paced, stop, out)
    finally:
        if writer is not None:
            writer.close()
        source.close()
        if outlet is not None:
            outlet.close()
    summary = session.summary
    if args.summary_out:
        record = {"file": args.file, "ok": True, **summary.as_dict(include_events=False)}
        extra = _replay_record(source, paced, args)
        if extra is not None:
            record["replay"] = extra
        write_summary_json(args.summary_out, [record], [summary], 1, interrupted)
    if not args.quiet:
        if paced:
            print(file=out)
            if interrupted:
                print("stopped (Ctrl+C): summary of what was replayed", file=out)
        print(format_summary(summary), end="\n\n", flush=True, file=out)
        outputs = [x for x in (args.events_out, args.summary_out) if x]
        if outputs:
            print("wrote " + " and ".join(outputs), file=out)
        print(NOT_A_DIAGNOSTIC_DEVICE, file=out, flush=True)
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


def _announce(out, source: ReplaySource, args) -> None:
    part = ""
    if args.start or args.end is not None:
        end = f"{args.end:g} s" if args.end is not None else "the end"
        part = f", from {args.start:g} s to {end}"
    print(f"twitchwatch replay: {args.file} ({source.fs_hz:g} Hz, {source.n_channels} channels: "
          f"{', '.join(source.channel_labels)}) at {source.speed:g}x real time{part}"
          + (", looping" if args.loop else "") + ". Ctrl+C stops.", file=out)
    if args.lsl:
        print(f"  publishing LSL stream '{args.lsl_name}' (type EMG, {source.n_channels} ch float32 "
              f"microvolts, {source.fs_hz:g} Hz)"
              + (f"; waiting up to {args.lsl_wait:g} s for a consumer" if args.lsl_wait else ""),
              file=out)
    print("  preparing the detector (the first run after installing compiles it: up to a minute)...",
          file=out, flush=True)


def _run_session(session: Session, source: ReplaySource, args, paced: bool,
                 stop: threading.Event, out) -> bool:
    """Run to the end (or Ctrl+C); True when interrupted."""
    progress = None
    if paced and not args.quiet:
        progress = ReplayView(out, source, tty=_isatty(out), lsl_name=args.lsl_name if args.lsl else None)
    elif not args.quiet and _isatty(sys.stderr):
        progress = Progress(sys.stderr, args.file, True)
    interrupted = False
    previous = None

    def on_sigint(signum, frame):
        nonlocal interrupted
        interrupted = True
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl+C stops hard

    in_main = paced and threading.current_thread() is threading.main_thread()
    if in_main:
        previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        session.run(stop_event=stop, progress=progress)
    except KeyboardInterrupt:
        interrupted = True
        session.finish(stopped_early=True)
    except ValueError as exc:  # RecordingError while reading: damaged or truncated data
        msg = str(exc)
        raise UserError(msg if args.file in msg else f"{args.file}: {msg}") from None
    except OSError as exc:
        raise UserError(f"{args.file}: read error ({exc.strerror or exc})") from None
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
        if isinstance(progress, Progress):
            progress.done()
    if isinstance(progress, ReplayView):
        progress.draw(session)
    return interrupted
