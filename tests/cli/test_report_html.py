"""`twitchwatch report`: one session of the history as a self-contained HTML page."""

from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest

from twitchwatch import NOT_A_DIAGNOSTIC_DEVICE
from twitchwatch.assess import (
    CONTEXT_TAGS, RED_FLAG_SYMPTOMS, Evidence, HistoryStore, SessionRecord, StrengthCheck, assess,
)
from twitchwatch.cli import EXIT_DATA_ERROR, EXIT_OK, EXIT_USAGE, main
from twitchwatch.session import Session
from twitchwatch.sim import simulate
from twitchwatch.sources import SimulatorSource

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)
VOID = {"meta", "br", "img", "hr", "input", "link"}
SVG_LEAVES = {"line", "rect", "circle", "polyline", "path"}


class Page(HTMLParser):
    """Collects tags, attributes and text; checks every opened element is closed in order."""

    def __init__(self):
        super().__init__()
        self.stack, self.tags, self.attrs, self.text = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(text: str) -> Page:
    p = Page()
    p.feed(text)
    p.close()
    assert p.stack == [], f"unclosed: {p.stack}"
    return p


@pytest.fixture(scope="module")
def rest_summary():
    sim = simulate("rest-benign", duration_s=150.0, seed=1)
    return Session(SimulatorSource(simulation=sim)).run().as_dict(include_events=False)


@pytest.fixture
def db(tmp_path, rest_summary):
    path = tmp_path / "h.sqlite3"
    with HistoryStore(path) as store:
        for i, score in enumerate([500, 520, 480, 240, 230]):
            store.add_strength_check(StrengthCheck("left biceps", T0 + timedelta(days=7 * i),
                                                   (0.97 * score, score, 1.03 * score)))
        for day, context, symptoms in ((0, {"caffeine"}, ()), (40, {"exercise", "poor-sleep"}, ("weakness",))):
            ev = Evidence.from_summary(rest_summary, symptoms=symptoms, context=context,
                                       muscle="<b>calf</b> & co", started_at=T0 + timedelta(days=day),
                                       history=store.view())
            store.add_session(SessionRecord.from_summary(
                rest_summary, started_at=ev.started_at, muscle=ev.muscle, context=context,
                symptoms=symptoms), assess(ev))
    return path


def run_cli(capsys, *argv):
    try:
        code = main(["report", *map(str, argv)])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_the_last_session_as_a_self_contained_page(capsys, db, tmp_path):
    out_file = tmp_path / "r.html"
    code, out, err = run_cli(capsys, "--last", "--db", db, "--out", out_file)
    assert code == EXIT_OK, err
    assert out.strip() == f"wrote {out_file} (session 2, concerning)"
    text = out_file.read_text(encoding="utf-8")
    page = parse(text)
    words = " ".join(page.text)
    # no network: nothing fetched, nothing run
    assert not any(name in ("src", "href") for name, _ in page.attrs)
    assert "script" not in page.tags and "link" not in page.tags
    # the status, its reasons and advice, the disclaimer
    assert "concerning" in words and "reported progressive weakness" in words
    assert "strength declined, repeatedly and beyond measurement noise" in words
    assert "Consult a clinician" in words and NOT_A_DIAGNOSTIC_DEVICE in words
    # symptoms and context in words, the summary and quality per channel
    assert RED_FLAG_SYMPTOMS["weakness"] in words
    assert CONTEXT_TAGS["exercise"] in words and CONTEXT_TAGS["poor-sleep"] in words
    assert "150.0 s (02:30), 147.0 s observed" in words
    assert all(f"EMG{c}" in words for c in (1, 2, 3, 4)) and "noise µV RMS" in words
    # user text is escaped, never markup
    assert "<b>calf</b>" not in text and html.escape("<b>calf</b> & co") in text
    assert "b" not in page.tags
    # plots: the rate bars (both sessions, this one highlighted) and the strength line
    assert page.tags.count("svg") == 2
    assert text.count("class='bar hl'") == 1 and text.count("class='bar'") == 1
    assert "polyline" in page.tags and page.tags.count("circle") == 5
    assert "decline limit (-39 %)" in words and "Decline:" in words


def test_a_session_by_id_and_the_default_file_name(capsys, db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsys, "1", "--db", db)
    assert code == EXIT_OK
    page = parse((tmp_path / "twitchwatch-session-1.html").read_text(encoding="utf-8"))
    words = " ".join(page.text)
    assert "twitchwatch session 1" in words and "caffeine or other stimulants" in words
    assert "none reported" in words  # no symptoms


@pytest.mark.parametrize("argv, code, message", [
    (["99"], EXIT_DATA_ERROR, "no session 99 in"),
    ([], EXIT_USAGE, "give a SESSION_ID or --last"),
    (["1", "--last"], EXIT_USAGE, "give a SESSION_ID or --last"),
    (["x"], EXIT_USAGE, "a session id is a whole number"),
    (["1", "--out", "r.pdf"], EXIT_USAGE, "--out must end in .html"),
])
def test_bad_requests_say_what_is_wrong(capsys, db, argv, code, message):
    got, _, err = run_cli(capsys, *argv, "--db", db)
    assert got == code and message in err


def test_no_history_no_report(capsys, tmp_path):
    code, _, err = run_cli(capsys, "--last", "--db", tmp_path / "none.sqlite3")
    assert code == EXIT_DATA_ERROR and "no history at" in err
    empty = tmp_path / "empty.sqlite3"
    HistoryStore(empty).close()
    code, _, err = run_cli(capsys, "--last", "--db", empty)
    assert code == EXIT_DATA_ERROR and "has no sessions yet" in err
