"""`twitchwatch report`: one session of the history as a self-contained HTML page.

The page holds the session summary, its status with reasons and advice, signal quality per
channel, reported symptoms and context tags, the twitch rate of the sessions up to it and the
strength checks per label, with plots drawn as inline SVG (no network, no plotting library).
Every text from the user or a file is HTML-escaped.
"""

from __future__ import annotations

import argparse
import html
from datetime import datetime, timezone
from pathlib import Path

from twitchwatch import NOT_A_DIAGNOSTIC_DEVICE, __version__
from twitchwatch.assess import RED_FLAG_SYMPTOMS, CONTEXT_TAGS
from twitchwatch.assess.strength import StrengthTrend
from twitchwatch.assess.trends import judged, strength_trends
from twitchwatch.cli import UsageError, UserError
from twitchwatch.cli.assessment import HISTORY_HELP, database_errors, open_store
from twitchwatch.cli.history import local_time, mmss

STATUS_COLOURS = {"benign": "#2e7d32", "concerning": "#c62828", "poor signal": "#616161",
                  "warming up": "#1565c0"}
CHART_W, CHART_H = 640, 220
PAD_L, PAD_R, PAD_T, PAD_B = 56, 16, 16, 36

EPILOG = """\
examples:
  twitchwatch report --last
  twitchwatch report 12 --out calf-2024-03-01.html
  twitchwatch report --last --db ~/twitch.sqlite3
The default output is twitchwatch-session-ID.html in the current folder.
"""


def add_parser(subparsers):
    p = subparsers.add_parser(
        "report", help="write one session of the history as an HTML report",
        description="Write a self-contained HTML report of one session from the history:\n"
        "summary, status with reasons and advice, signal quality, symptoms, context\n"
        "tags, twitch-rate and strength trends (plots inline, no network needed).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("session", nargs="?", type=_session_id, metavar="SESSION_ID",
                   help="the session's id (see `twitchwatch history`)")
    p.add_argument("--last", action="store_true", help="the most recent session")
    p.add_argument("--db", metavar="PATH", help=HISTORY_HELP)
    p.add_argument("--out", metavar="FILE.html", type=_html_name,
                   help="where to write (default: twitchwatch-session-ID.html)")
    p.set_defaults(func=run)


def _session_id(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a session id is a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"a session id is a whole number >= 1, got {value}")
    return n


def _html_name(value: str) -> str:
    if Path(value).suffix.lower() not in (".html", ".htm"):
        raise argparse.ArgumentTypeError(f"--out must end in .html, got {value!r}")
    return value


# ---- SVG -----------------------------------------------------------------------------------------
def _e(x) -> str:
    return html.escape(str(x), quote=True)


def _ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    if hi <= lo:
        hi = lo + 1.0
    step = (hi - lo) / n
    return [lo + i * step for i in range(n + 1)]


def bar_chart(values: list[tuple[str, float]], highlight: int | None, y_label: str) -> str:
    """Bars with labels under them; ``highlight``: index drawn in the accent colour."""
    if not values:
        return "<p class='muted'>no judged sessions to plot yet</p>"
    top = max(v for _, v in values) or 1.0
    iw, ih = CHART_W - PAD_L - PAD_R, CHART_H - PAD_T - PAD_B
    bw = iw / len(values)
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{CHART_W}' height='{CHART_H}' "
             f"role='img' aria-label='{_e(y_label)}'>"]
    for t in _ticks(0.0, top):
        y = PAD_T + ih - ih * t / top
        parts.append(f"<line x1='{PAD_L}' x2='{CHART_W - PAD_R}' y1='{y:.1f}' y2='{y:.1f}' class='grid'/>"
                     f"<text x='{PAD_L - 6}' y='{y + 4:.1f}' text-anchor='end'>{t:.1f}</text>")
    for i, (label, v) in enumerate(values):
        h = ih * v / top
        x = PAD_L + i * bw + bw * 0.15
        cls = "bar hl" if i == highlight else "bar"
        parts.append(f"<rect x='{x:.1f}' y='{PAD_T + ih - h:.1f}' width='{bw * 0.7:.1f}' "
                     f"height='{h:.1f}' class='{cls}'><title>{_e(label)}: {v:.1f}</title></rect>")
        if len(values) <= 16:
            parts.append(f"<text x='{x + bw * 0.35:.1f}' y='{CHART_H - PAD_B + 14}' "
                         f"text-anchor='middle'>{_e(label)}</text>")
    parts.append(f"<text x='12' y='{PAD_T + ih / 2:.0f}' transform='rotate(-90 12 {PAD_T + ih / 2:.0f})' "
                 f"text-anchor='middle'>{_e(y_label)}</text></svg>")
    return "".join(parts)


def line_chart(points: list[tuple[str, float]], y_label: str,
               hlines: list[tuple[float, str]] = ()) -> str:
    """One series (label, value) in order, with horizontal reference lines (value, name)."""
    if not points:
        return ""
    vals = [v for _, v in points] + [v for v, _ in hlines]
    top = max(vals) * 1.1 or 1.0
    iw, ih = CHART_W - PAD_L - PAD_R, CHART_H - PAD_T - PAD_B
    n = len(points)

    def xy(i, v):
        x = PAD_L + (iw * (i + 0.5) / n)
        return x, PAD_T + ih - ih * v / top
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{CHART_W}' height='{CHART_H}' "
             f"role='img' aria-label='{_e(y_label)}'>"]
    for t in _ticks(0.0, top):
        y = PAD_T + ih - ih * t / top
        parts.append(f"<line x1='{PAD_L}' x2='{CHART_W - PAD_R}' y1='{y:.1f}' y2='{y:.1f}' class='grid'/>"
                     f"<text x='{PAD_L - 6}' y='{y + 4:.1f}' text-anchor='end'>{t:.0f}</text>")
    for v, name in hlines:
        y = PAD_T + ih - ih * v / top
        parts.append(f"<line x1='{PAD_L}' x2='{CHART_W - PAD_R}' y1='{y:.1f}' y2='{y:.1f}' class='ref'/>"
                     f"<text x='{CHART_W - PAD_R}' y='{y - 4:.1f}' text-anchor='end' class='reflabel'>{_e(name)}</text>")
    coords = [xy(i, v) for i, (_, v) in enumerate(points)]
    parts.append("<polyline class='series' points='" + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + "'/>")
    for (label, v), (x, y) in zip(points, coords):
        parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='4' class='dot'><title>{_e(label)}: {v:.0f}</title></circle>")
        if n <= 12:
            parts.append(f"<text x='{x:.1f}' y='{CHART_H - PAD_B + 14}' text-anchor='middle'>{_e(label)}</text>")
    parts.append(f"<text x='12' y='{PAD_T + ih / 2:.0f}' transform='rotate(-90 12 {PAD_T + ih / 2:.0f})' "
                 f"text-anchor='middle'>{_e(y_label)}</text></svg>")
    return "".join(parts)


# ---- the page ------------------------------------------------------------------------------------
CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:760px;margin:2em auto;
     padding:0 1em;color:#212121;line-height:1.45}
h1{font-size:1.5em;margin-bottom:.2em} h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
.note{background:#fff8e1;border-left:4px solid #f9a825;padding:.6em .9em}
.status{border-left:8px solid;padding:.6em 1em;background:#fafafa}
.status .name{font-size:1.3em;font-weight:600;text-transform:uppercase;letter-spacing:.03em}
table{border-collapse:collapse;margin:.5em 0} td,th{padding:.2em .8em .2em 0;text-align:left;vertical-align:top}
th{font-weight:600;color:#555} td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#777} svg text{font-size:11px;fill:#555} .grid{stroke:#e0e0e0}
.bar{fill:#90a4ae} .bar.hl{fill:#ef6c00} .series{fill:none;stroke:#1565c0;stroke-width:2}
.dot{fill:#1565c0} .ref{stroke:#c62828;stroke-dasharray:4 3} svg text.reflabel{fill:#c62828}
footer{margin-top:2em;font-size:.85em;color:#777}
"""


def _list(items) -> str:
    return "<ul>" + "".join(f"<li>{_e(x)}</li>" for x in items) + "</ul>" if items else \
        "<p class='muted'>none</p>"


def _rows(rows) -> str:
    return "<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"


def _strength_section(checks, trends: dict[str, StrengthTrend | None]) -> str:
    if not checks:
        return "<p class='muted'>no strength checks in the history (twitchwatch strength)</p>"
    by_label: dict[str, list] = {}
    for c in checks:
        by_label.setdefault(c.label, []).append(c)
    out = []
    for label, cs in sorted(by_label.items()):
        t = trends.get(label)
        hlines = []
        if t is not None:
            hlines = [(t.baseline_uv, "baseline"),
                      (t.baseline_uv * (1 - t.limit), f"decline limit (-{100 * t.limit:.0f} %)")]
        out.append(f"<h3>{_e(label)}</h3>")
        out.append(line_chart([(c.taken_at.astimezone().strftime("%m-%d"), c.score_uv) for c in cs],
                              "score (µV RMS)", hlines))
        verdict = (("<strong>Decline:</strong> " if t.declined else "") + _e(t.text())) if t else \
            _e(f"{len(cs)} check(s): at least 4 are needed to judge a decline")
        out.append(f"<p>{verdict}</p>")
    return "".join(out)


def render(session, all_sessions, checks) -> str:
    """The HTML page for one `StoredSession` (with channels and summary)."""
    s = session
    colour = STATUS_COLOURS.get(s.status or "", "#616161")
    summary = s.summary or {}
    quality = {q["channel"]: q for q in summary.get("quality", [])}
    rate = "-" if s.twitches_per_min is None else f"{s.twitches_per_min:.1f} /min"
    facts = [
        ("started", _e(local_time(s.started_at))),
        ("source", _e(s.source)),
        ("length", _e(f"{s.duration_s:.1f} s ({mmss(s.duration_s)}), {s.observed_s:.1f} s observed")),
        ("sampling rate", _e("-" if s.fs_hz is None else f"{s.fs_hz:g} Hz")),
        ("muscle", _e(s.muscle or "not given")),
        ("channels", _e(", ".join(s.channel_labels))),
        ("twitches", _e(f"{s.twitches} ({rate}), {s.complex_twitches} with complex shapes")),
        ("cramps", _e(f"{s.cramps} ({s.cramp_s:.0f} s)")),
        ("contractions", _e(s.contractions)), ("artefacts", _e(s.artifacts)),
    ]
    symptoms = [RED_FLAG_SYMPTOMS.get(x, x) for x in s.symptoms]
    context = [CONTEXT_TAGS.get(x, x) for x in s.context]
    qrows = ["<table><tr><th>channel</th><th>twitches</th><th>/min</th><th>noise µV RMS</th>"
             "<th>clipping %</th><th>notes</th></tr>"]
    for c in s.channels:
        q = quality.get(c["channel"], {})

        def num(x, fmt):
            return "-" if x is None else format(x, fmt)
        qrows.append(f"<tr><td>{_e(c['label'])}</td><td class='num'>{c['twitches']}</td>"
                     f"<td class='num'>{num(c['twitches_per_min'], '.1f')}</td>"
                     f"<td class='num'>{num(c['noise_floor_uv_rms'], '.1f')}</td>"
                     f"<td class='num'>{num(c['clipping_percent'], '.2f')}</td>"
                     f"<td>{_e('; '.join(q.get('problems', [])) or '-')}</td></tr>")
    qrows.append("</table>")
    upto = [x for x in all_sessions if x.started_at <= s.started_at]
    shown = judged(upto)
    bars = [(str(x.id), x.twitches_per_min or 0.0) for x in shown]
    highlight = next((i for i, x in enumerate(shown) if x.id == s.id), None)
    warnings = summary.get("warnings", [])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>twitchwatch session {s.id}</title><style>{CSS}</style></head>
<body>
<h1>twitchwatch session {s.id}</h1>
<p class="muted">{_e(local_time(s.started_at))} · {_e(s.muscle or "muscle not given")} · {_e(s.source)}</p>
<p class="note">{_e(NOT_A_DIAGNOSTIC_DEVICE)}</p>
<div class="status" style="border-color:{colour}">
<div class="name" style="color:{colour}">{_e(s.status or "not assessed")}</div>
<h3>Why</h3>{_list(s.reasons)}
<h3>What to do</h3>{_list(s.advice)}
</div>
<h2>Session</h2>{_rows(facts)}
<h2>Reported symptoms</h2>{_list(symptoms) if symptoms else "<p>none reported</p>"}
<h2>Context</h2>{_list(context) if context else "<p>no context tags</p>"}
<h2>Signal quality</h2>{"".join(qrows)}
{"<h3>Warnings</h3>" + _list(warnings) if warnings else ""}
<h2>Twitch rate per session</h2>
<p class="muted">Sessions up to this one whose recording could be judged (at least 2 min, usable signal); this session in orange.</p>
{bar_chart(bars, highlight, "twitches / min")}
<h2>Strength checks</h2>
<p class="muted">Score: mean of the peak 250 ms RMS of three maximal contractions. A decline is
called only when the last two checks are each lower than the baseline by more than the check
varies by itself (at least 39 %, Buckthorpe 2012).</p>
{_strength_section(checks, strength_trends(checks))}
<footer>twitchwatch {_e(__version__)} · status rules version {_e(s.rules_version)} ·
written {_e(datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M"))}</footer>
</body></html>
"""


def run(args) -> int:
    if (args.session is None) == (not args.last):
        raise UsageError("give a SESSION_ID or --last (one of them)")
    with open_store(args.db, must_exist=True) as store, database_errors(store.path):
        sid = store.last_session_id() if args.last else args.session
        if sid is None:
            raise UserError(f"the history {store.path} has no sessions yet")
        session = store.session(sid)
        if session is None:
            last = store.last_session_id()
            raise UserError(f"no session {sid} in {store.path}"
                            + (f" (sessions go up to {last}; see twitchwatch history)" if last else ""))
        page = render(session, store.sessions(), store.strength_checks())
    out = Path(args.out or f"twitchwatch-session-{sid}.html")
    if not out.resolve().parent.is_dir():
        raise UserError(f"cannot write {out}: folder {out.resolve().parent} does not exist")
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out} (session {sid}, {session.status or 'not assessed'})")
    return 0
