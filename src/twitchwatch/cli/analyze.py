"""`twitchwatch analyze`: run recordings through the detector as fast as they can be read.

Each file goes through the same `Session` a live stream uses (a `FileSource` instead of an LSL
inlet). Per file: a human summary on stdout; optionally one events CSV and one summary JSON for
all files. A file that cannot be read is reported (stderr, exit 3) and the others still run.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

from twitchwatch.cli.arguments import sampling_rate as fs_arg
from twitchwatch.cli.arguments import check_output_path, file_unit
from twitchwatch.cli.arguments import suffix as suffix_arg
from twitchwatch import NOT_A_DIAGNOSTIC_DEVICE, __version__, logger
from twitchwatch.assess import CONTEXT_TAGS, RED_FLAG_SYMPTOMS, STATUSES, format_assessment
from twitchwatch.assess.evidence import utc_now
from twitchwatch.cli import UserError
from twitchwatch.cli.assessment import add_status_arguments, assess_summary, names_help, open_store
from twitchwatch.cli.report import format_summary, mmss, rate_text
from twitchwatch.engine import EVENT_KINDS
from twitchwatch.engine.detector import MAX_FS_HZ, MIN_FS_HZ
from twitchwatch.formats import supported_text
from twitchwatch.session import DEFAULT_CHUNK_SAMPLES, Session, SessionSummary
from twitchwatch.sinks import EVENT_CSV_COLUMNS, EventCsvWriter
from twitchwatch.sources import FileSource

MAX_CHUNK_SAMPLES = 1_000_000
#: without a terminal on stderr, progress is shown only for files longer than this (signal time)
LONG_FILE_S = 600.0
#: progress refresh interval (wall seconds): on a terminal, and as lines in a log
PROGRESS_TTY_INTERVAL_S = 0.5
PROGRESS_LOG_INTERVAL_S = 10.0


# ---- argument types ---------------------------------------------------------------------------
def _chunk_samples(value: str) -> int:
    try:
        x = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"chunk size must be an integer, got {value!r}") from None
    if not 1 <= x <= MAX_CHUNK_SAMPLES:
        raise argparse.ArgumentTypeError(
            f"chunk size must be an integer from 1 to {MAX_CHUNK_SAMPLES}, got {value}")
    return x


EPILOG = f"""\
readable formats: {supported_text()}.
The signal is taken in microvolts (files declaring volts or millivolts are
converted). Times are seconds from the first sample of each file.

outputs:
  stdout        per file: duration, sampling rate, channels, events per kind,
                twitch rate per minute (overall and per channel) and signal
                quality per channel (noise floor uV RMS, mains Hz and uV,
                clipping %, ECG bpm, warnings).
  --events-out  one row per event, columns
                {",".join(EVENT_CSV_COLUMNS[:8])},
                {",".join(EVENT_CSV_COLUMNS[8:])}
                (onset_s/end_s in s, channel 1-based, peak_uv = peak-to-peak uV,
                channels space-separated, flags ';'-joined); a first column
                'source' names the file when several files are given. Rows are
                written as events are decided, so the file survives a crash.
  --summary-out the summaries as JSON: one object per file under
                "recordings", and "totals".
Twitch rates are per minute of signal after the detector's 3 s warm-up.

status (printed per file, and in the JSON as "status", "reasons", "advice"):
  {" | ".join(STATUSES)}
  warming up:  less than 2 min observed; poor signal: noise floor, clipping,
  envelope-only input or artefacts too much to judge; concerning: twitching
  with company (red-flag symptoms, a strength decline, recurrent cramps,
  complex shapes, twitching widespread and sustained over sessions);
  benign: otherwise. Twitch counts alone never make it concerning.
red-flag symptoms (--symptom, repeatable):
{names_help(RED_FLAG_SYMPTOMS)}
context tags (--context, repeatable):
{names_help(CONTEXT_TAGS)}
history: each analysed file is added as a session to the history database
(--history-db, or $TWITCHWATCH_HISTORY_DB, or ~/.local/share/twitchwatch/
history.sqlite3); --no-history neither reads nor writes it. See
`twitchwatch history` and `twitchwatch report`.

exit codes: 0 ok, 2 usage error, 3 a file could not be analysed (the others
still are, and their results written), 130 interrupted.

examples:
  twitchwatch analyze rest.xdf
  twitchwatch analyze day1.xdf day2.csv --events-out events.csv \\
      --summary-out summary.json
  twitchwatch analyze board.csv --fs 250      (CSV without a time column)
  twitchwatch analyze calf.xdf --muscle "left calf" --context caffeine \\
      --symptom weakness
"""


def add_parser(subparsers):
    p = subparsers.add_parser(
        "analyze",
        help="analyse recordings (XDF, CSV) for twitches, cramps and artefacts",
        description="Analyse recorded surface EMG as fast as it can be read: the same\n"
        "detector as the live monitor, applied to files.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="recordings to analyse, one after the other")
    p.add_argument("--events-out", type=suffix_arg(".csv", "--events-out"), metavar="EVENTS.csv",
                   help="write every detected event of every file to this CSV")
    p.add_argument("--summary-out", type=suffix_arg(".json", "--summary-out"), metavar="SUMMARY.json",
                   help="write the summaries (counts, rates, quality) to this JSON file")
    p.add_argument("--fs", type=fs_arg, metavar="HZ",
                   help="sampling rate in Hz, for files that do not state one (CSV without a "
                   "time column); checked against the file's rate where it has one")
    p.add_argument("--unit", type=file_unit, metavar="V|mV|uV",
                   help="the unit the values are really in, overriding what the files declare "
                   "(the default: the declared unit, microvolts where none is declared); a "
                   "warning suggests it when the amplitudes do not look like microvolts")
    p.add_argument("--stream", metavar="NAME",
                   help="XDF stream to analyse, by name or type, when a file has several "
                   "(default: the file's one EMG/ExG/EEG signal stream)")
    p.add_argument("--chunk-samples", type=_chunk_samples, default=DEFAULT_CHUNK_SAMPLES,
                   metavar="N",
                   help=f"samples per channel read and processed at a time, 1-{MAX_CHUNK_SAMPLES} "
                   f"(default: {DEFAULT_CHUNK_SAMPLES}); results do not depend on it")
    p.add_argument("--quiet", action="store_true",
                   help="print no summaries and no progress; only errors (files still written)")
    add_status_arguments(p)
    p.set_defaults(func=run)


# ---- progress -----------------------------------------------------------------------------------
class Progress:
    """Throttled progress on stderr: percentage (when the length is known) and x real time.

    On a terminal one line is rewritten in place; elsewhere a line is printed now and then.
    """

    def __init__(self, stream, name: str, tty: bool, clock=time.monotonic):
        self.stream = stream
        self.name = name
        self.tty = tty
        self.clock = clock
        self.interval_s = PROGRESS_TTY_INTERVAL_S if tty else PROGRESS_LOG_INTERVAL_S
        self._next = clock() + self.interval_s
        self._shown = False

    def text(self, session: Session) -> str:
        s = session.summary
        fraction = session.source.progress
        done = f"{s.duration_s:.1f} s"
        n = session.source.n_samples
        if fraction is not None and n:
            done = f"{100 * fraction:3.0f} % ({s.duration_s:.1f} of {n / s.fs_hz:.1f} s, {mmss(n / s.fs_hz)})"
        speed = s.realtime_factor
        return f"{self.name}: {done}" + (f", {speed:.0f}x real time" if speed else "")

    def __call__(self, session: Session) -> None:
        now = self.clock()
        if now < self._next:
            return
        self._next = now + self.interval_s
        self._shown = True
        if self.tty:
            self.stream.write("\r\x1b[K" + self.text(session))
        else:
            self.stream.write(self.text(session) + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty and self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


# ---- one file -------------------------------------------------------------------------------------
class FileFailed(Exception):
    """A file could not be analysed; the message says which and why."""


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def analyze_file(path: str, args, writer: EventCsvWriter | None) -> SessionSummary:
    """Run one file through a Session; raise FileFailed with a message naming the file."""
    try:
        source = FileSource(path, fs_hz=args.fs, stream=args.stream, block_samples=args.chunk_samples,
                            unit=getattr(args, "unit", None))
    except ValueError as exc:  # RecordingError: the message names the file and what to do
        raise FileFailed(str(exc)) from None
    except OSError as exc:
        raise FileFailed(f"{path}: cannot read ({exc.strerror or exc})") from None
    with source:
        try:
            session = Session(source, sinks=[writer] if writer else [], chunk_samples=args.chunk_samples)
        except ValueError as exc:  # e.g. a sampling rate the detector cannot work with
            if not MIN_FS_HZ <= source.fs_hz <= MAX_FS_HZ:
                raise FileFailed(
                    f"{path}: sampling rate {source.fs_hz:g} Hz is outside what the detector "
                    f"handles ({MIN_FS_HZ:g}-{MAX_FS_HZ:g} Hz); if the file's rate is wrong, "
                    "give the right one with --fs") from None
            raise FileFailed(f"{path}: {exc}") from None
        if writer is not None:
            writer.set_source(path, source.fs_hz, source.channel_labels)
        progress = None
        length_s = (source.n_samples or 0) / source.fs_hz
        tty = _isatty(sys.stderr)
        if not args.quiet and (tty or length_s > LONG_FILE_S):
            progress = Progress(sys.stderr, path, tty)
        try:
            return session.run(progress=progress)
        except ValueError as exc:  # RecordingError while reading: damaged or truncated data
            msg = str(exc) if path in str(exc) else f"{path}: {exc}"
            raise FileFailed(msg) from None
        except OSError as exc:
            raise FileFailed(f"{path}: read error ({exc.strerror or exc}); check the disk or copy "
                             "the file again") from None
        except Exception as exc:  # a reader library tripped over bad bytes: no traceback for users
            logger.debug("analysing %s failed", path, exc_info=True)
            raise FileFailed(
                f"{path}: could not be read ({type(exc).__name__}: {exc}); the file may be damaged. "
                "If other tools read it, please report this with the output of -vv") from None
        finally:
            if progress is not None:
                progress.done()


# ---- outputs -------------------------------------------------------------------------------------
def _clean(value):
    """JSON-safe: non-finite floats become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def totals(summaries: list[SessionSummary], n_files: int) -> dict:
    counts = {k: sum(s.counts.get(k, 0) for s in summaries) for k in EVENT_KINDS}
    observed = sum(s.observed_s for s in summaries)
    twitches = sum(s.twitch_count for s in summaries)
    return {
        "files": n_files,
        "files_analysed": len(summaries),
        "files_failed": n_files - len(summaries),
        "duration_s": round(sum(s.duration_s for s in summaries), 6),
        "observed_s": round(observed, 6),
        "counts": counts,
        "twitches": {"count": twitches, "per_min": 60.0 * twitches / observed if observed > 0 else None},
        "sustained_s": {k: round(sum(s.sustained_s.get(k, 0.0) for s in summaries), 3)
                        for k in ("cramp", "contraction")},
    }


def write_summary_json(path: str, records: list[dict], summaries: list[SessionSummary],
                       n_files: int, interrupted: bool = False) -> None:
    doc = {
        "twitchwatch_version": __version__,
        "note": NOT_A_DIAGNOSTIC_DEVICE,
        "recordings": records,
        "totals": totals(summaries, n_files),
    }
    if interrupted:
        doc["interrupted"] = True
    try:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(_clean(doc), f, indent=2, allow_nan=False)
            f.write("\n")
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


# ---- the command ---------------------------------------------------------------------------------
def run(args) -> int:
    files = list(args.files)
    check_output_path(args.events_out, files)
    check_output_path(args.summary_out, files)
    if args.events_out and args.summary_out and \
            Path(args.events_out).resolve() == Path(args.summary_out).resolve():
        raise UserError("--events-out and --summary-out are the same file; give two names")
    writer = None
    if args.events_out:
        try:
            writer = EventCsvWriter(args.events_out, None, None, source_column=len(files) > 1)
        except OSError as exc:
            raise UserError(f"cannot write {args.events_out}: {exc.strerror or exc}") from None
    store = None
    if not args.no_history:
        try:
            store = open_store(args.history_db)
        except UserError:
            if writer is not None:
                writer.close()
            raise
    records: list[dict] = []
    summaries: list[SessionSummary] = []
    failures: list[tuple[str, str]] = []
    interrupted = False
    try:
        for path in files:
            started_at = utc_now()
            try:
                summary = analyze_file(path, args, writer)
            except FileFailed as exc:
                failures.append((path, str(exc)))
                records.append({"file": path, "ok": False, "error": str(exc)})
                if len(files) > 1:
                    print(f"twitchwatch analyze: error: {exc}", file=sys.stderr, flush=True)
                continue
            summaries.append(summary)
            d = summary.as_dict(include_events=False)
            assessment, session_id = assess_summary(d, args, store, started_at)
            records.append({"file": path, "ok": True, **d, **assessment.as_dict(),
                            "history_session_id": session_id})
            if not args.quiet:
                saved = (f"session {session_id} in {store.path}" if store is not None
                         else "not saved (--no-history)")
                print(format_summary(summary), format_assessment(assessment),
                      f"{'history':<14} {saved}", sep="\n", end="\n\n", flush=True)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        if writer is not None:
            writer.close()
        if store is not None:
            store.close()
        if args.summary_out:
            write_summary_json(args.summary_out, records, summaries, len(files), interrupted)
    if not args.quiet:
        if len(summaries) > 1:
            t = totals(summaries, len(files))
            print(f"all files      {t['duration_s']:.1f} s ({mmss(t['duration_s'])}), events "
                  + ", ".join(f"{k} {v}" for k, v in t["counts"].items())
                  + f"; twitch rate {rate_text(t['twitches']['per_min'])} /min")
        if summaries:
            outputs = [x for x in (args.events_out, args.summary_out) if x]
            if outputs:
                print("wrote " + " and ".join(outputs))
            print(NOT_A_DIAGNOSTIC_DEVICE)
    if failures:
        if len(files) == 1:
            raise UserError(failures[0][1])
        names = ", ".join(p for p, _ in failures)
        if len(failures) == len(files):
            raise UserError(f"none of the {len(files)} files could be analysed ({names}); see above")
        raise UserError(f"{len(failures)} of {len(files)} files could not be analysed ({names}); "
                        "the results of the others were written")
    return 0
