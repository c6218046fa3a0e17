"""`twitchwatch history`: the sessions in the history database, and their trends.

Prints every session (time, length, muscle, twitches, rate, cramps, status, context, symptoms),
the twitch rate per judged session, the rate with and without each context tag ("twitching after
caffeine: 2.3/min vs 0.8/min otherwise") and the strength checks per label with their decline
statistic. ``--export`` writes the sessions as CSV.
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

from twitchwatch import NOT_A_DIAGNOSTIC_DEVICE
from twitchwatch.assess.trends import context_rates, judged, strength_trends
from twitchwatch.cli import UserError
from twitchwatch.cli.assessment import HISTORY_HELP, database_errors, open_store

EXPORT_COLUMNS = ("session_id", "started_at", "duration_s", "observed_s", "source", "muscle",
                  "context", "symptoms", "twitches", "twitches_per_min", "cramps", "cramp_s",
                  "contractions", "artifacts", "complex_twitches", "status", "reasons",
                  "rules_version")
BAR_WIDTH = 30

EPILOG = f"""\
columns: id, start (local time), length (mm:ss of signal), muscle (--muscle of
analyze), twitches and twitches per minute observed, cramps, status, context
tags and reported symptoms.
trends: twitch rate per judged session (the recording had enough
observation and a usable signal), the rate with and without each context tag,
and per muscle/channel label the strength checks (score = mean peak RMS of
three maximal contractions, uV) with the decline statistic.
--export CSV columns: {",".join(EXPORT_COLUMNS)}
(context, symptoms and reasons ';'-joined; started_at ISO 8601 UTC).

examples:
  twitchwatch history
  twitchwatch history --db ~/twitch.sqlite3 --export sessions.csv
"""


def add_parser(subparsers):
    p = subparsers.add_parser(
        "history", help="list the sessions in the history, with trends",
        description="List the sessions in the history database and their trends: twitch\n"
        "rate per session, by context tag, and strength per check.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", metavar="PATH", help=HISTORY_HELP)
    p.add_argument("--export", metavar="CSV", help="also write the sessions to this CSV file")
    p.add_argument("--last", type=_positive_int, metavar="N", help="only the last N sessions")
    p.set_defaults(func=run)


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {value}")
    return n


def local_time(dt) -> str:
    return dt.astimezone().strftime("%Y-%m-%d %H:%M")


def mmss(seconds: float) -> str:
    s = int(seconds)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def rate(x) -> str:
    return "-" if x is None or not math.isfinite(x) else f"{x:.1f}"


def session_table(sessions) -> list[str]:
    w = max([6] + [len(s.muscle or "-") for s in sessions])
    lines = [f"  {'id':>4}  {'start':<16}  {'length':>7}  {'muscle':<{w}}  {'twitches':>8}  "
             f"{'/min':>6}  {'cramps':>6}  {'status':<11}  context; symptoms"]
    for s in sessions:
        extra = ", ".join(s.context) or "-"
        if s.symptoms:
            extra += "; " + ", ".join(s.symptoms)
        lines.append(f"  {s.id:>4}  {local_time(s.started_at):<16}  {mmss(s.duration_s):>7}  "
                     f"{s.muscle or '-':<{w}}  {s.twitches:>8}  {rate(s.twitches_per_min):>6}  "
                     f"{s.cramps:>6}  {s.status or '-':<11}  {extra}")
    return lines


def rate_bars(sessions) -> list[str]:
    good = [s for s in judged(sessions) if s.twitches_per_min is not None]
    if not good:
        return ["  no judged sessions yet (at least 2 min observed with a usable signal)"]
    top = max(s.twitches_per_min for s in good) or 1.0
    return [f"  {s.id:>4}  {local_time(s.started_at)}  {s.twitches_per_min:6.1f} /min  "
            + "#" * max(0, round(BAR_WIDTH * s.twitches_per_min / top)) for s in good]


def strength_lines(checks) -> list[str]:
    if not checks:
        return ["  no strength checks yet (twitchwatch strength)"]
    lines = []
    by_label: dict[str, list] = {}
    for c in checks:
        by_label.setdefault(c.label, []).append(c)
    trends = strength_trends(checks)
    for label, cs in sorted(by_label.items()):
        lines.append(f"  {label}:")
        for c in cs:
            lines.append(f"    {local_time(c.taken_at)}  {c.score_uv:7.0f} µV  (trials "
                         + ", ".join(f"{p:.0f}" for p in c.trial_peaks_uv) + ")")
        t = trends[label]
        lines.append("    " + (("DECLINE: " if t.declined else "") + t.text() if t is not None else
                              f"{len(cs)} check(s): at least 4 are needed to judge a decline"))
    return lines


def export_csv(path: str, sessions) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(EXPORT_COLUMNS)
            for s in sessions:
                w.writerow([s.id, s.started_at.isoformat(), f"{s.duration_s:.3f}", f"{s.observed_s:.3f}",
                            s.source, s.muscle or "", ";".join(s.context), ";".join(s.symptoms),
                            s.twitches, "" if s.twitches_per_min is None else f"{s.twitches_per_min:.3f}",
                            s.cramps, f"{s.cramp_s:.3f}", s.contractions, s.artifacts,
                            s.complex_twitches, s.status or "", ";".join(s.reasons),
                            "" if s.rules_version is None else s.rules_version])
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


def run(args) -> int:
    if args.export:
        parent = Path(args.export).resolve().parent
        if not parent.is_dir():
            raise UserError(f"cannot write {args.export}: folder {parent} does not exist")
    with open_store(args.db, must_exist=True) as store, database_errors(store.path):
        sessions = store.sessions(limit=args.last)
        checks = store.strength_checks()
        path = store.path
    print(f"history        {path}: {len(sessions)} session(s), {len(checks)} strength check(s)")
    print("sessions:")
    print("\n".join(session_table(sessions)) if sessions else "  none yet (twitchwatch analyze adds them)")
    print("twitch rate per judged session:")
    print("\n".join(rate_bars(sessions)))
    rates = context_rates(sessions)
    if rates:
        print("by context tag (judged sessions):")
        print("\n".join(f"  {r.text()}" for r in rates))
    print("strength checks (score: mean peak RMS of 3 maximal contractions):")
    print("\n".join(strength_lines(checks)))
    if args.export:
        export_csv(args.export, sessions)
        print(f"wrote {args.export}")
    print(NOT_A_DIAGNOSTIC_DEVICE)
    return 0
