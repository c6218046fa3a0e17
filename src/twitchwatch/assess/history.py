"""The history: sessions, their rates and counts, statuses and strength checks, in SQLite.

One file (standard library ``sqlite3``), by default ``$XDG_DATA_HOME/twitchwatch/history.sqlite3``
(``~/.local/share/twitchwatch/history.sqlite3`` without XDG_DATA_HOME); the environment variable
``TWITCHWATCH_HISTORY_DB`` or an explicit path overrides it.

Crash safety: write-ahead log (``journal_mode=WAL``) with ``synchronous=FULL``, and every write
(a session with its channels and status, a strength check) is one ``BEGIN IMMEDIATE`` ...
``COMMIT`` transaction. A process killed at any moment leaves the database as it was after its
last commit: nothing already written is lost, nothing half-written appears.

Schema versions: ``PRAGMA user_version`` counts the `MIGRATIONS` applied. Opening a database
applies the missing ones, each in its own transaction that also sets the version; a database
from a newer twitchwatch (a higher version) is refused, never downgraded.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from twitchwatch.assess.evidence import HistoryView, PastSession, check_muscle
from twitchwatch.assess.status import Assessment
from twitchwatch.assess.strength import StrengthCheck
from twitchwatch.assess.vocab import CONTEXT_TAGS, RED_FLAG_SYMPTOMS, STATUSES, check_names

ENV_HISTORY_DB = "TWITCHWATCH_HISTORY_DB"
HISTORY_FILENAME = "history.sqlite3"
DEFAULT_BUSY_TIMEOUT_S = 5.0

_STATUS_CHECK = ", ".join(f"'{s}'" for s in STATUSES)

#: one tuple of statements per schema version; never edit a released one, append a new one
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: sessions, per-channel rates and quality, statuses
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,               -- ISO 8601, UTC
            duration_s REAL NOT NULL,
            observed_s REAL NOT NULL,
            source TEXT NOT NULL,
            fs_hz REAL,
            muscle TEXT,                            -- --muscle label, or NULL
            channel_labels TEXT NOT NULL,           -- JSON list
            context TEXT NOT NULL,                  -- JSON list of context tags
            symptoms TEXT NOT NULL,                 -- JSON list of red-flag symptoms
            twitches INTEGER NOT NULL,
            twitches_per_min REAL,
            cramps INTEGER NOT NULL,
            cramp_s REAL NOT NULL,
            contractions INTEGER NOT NULL,
            artifacts INTEGER NOT NULL,
            complex_twitches INTEGER NOT NULL,
            artifact_s REAL NOT NULL,               -- seconds covered by artefacts
            summary_json TEXT NOT NULL              -- the whole session summary
        )""",
        """CREATE TABLE session_channels (
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            channel INTEGER NOT NULL,               -- 1-based
            label TEXT NOT NULL,
            twitches INTEGER NOT NULL,
            twitches_per_min REAL,
            noise_floor_uv_rms REAL,
            clipping_percent REAL,
            PRIMARY KEY (session_id, channel)
        )""",
        f"""CREATE TABLE statuses (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            assessed_at TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ({_STATUS_CHECK})),
            reasons TEXT NOT NULL,                  -- JSON list
            advice TEXT NOT NULL,                   -- JSON list
            rules_version INTEGER NOT NULL,
            rules_fired TEXT NOT NULL,              -- JSON list of rule ids
            recording_judged INTEGER NOT NULL CHECK (recording_judged IN (0, 1))
                                                    -- enough observation and a usable signal
        )""",
        "CREATE INDEX sessions_by_time ON sessions(started_at)",
        "CREATE INDEX statuses_by_session ON statuses(session_id)",
    ),
    (  # 2: strength checks
        """CREATE TABLE strength_checks (
            id INTEGER PRIMARY KEY,
            taken_at TEXT NOT NULL,                 -- ISO 8601, UTC
            label TEXT NOT NULL,                    -- muscle or channel
            trial_peaks_uv TEXT NOT NULL,           -- JSON list, µV RMS
            score_uv REAL NOT NULL,                 -- mean of the trial peaks
            source TEXT NOT NULL,
            session_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL
        )""",
        "CREATE INDEX strength_by_label ON strength_checks(label, taken_at)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class HistoryError(Exception):
    """The history database cannot be used; the message says which file and why."""


def default_history_path(env: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """``$TWITCHWATCH_HISTORY_DB``, else ``$XDG_DATA_HOME/twitchwatch/history.sqlite3``, else
    ``~/.local/share/twitchwatch/history.sqlite3`` (a relative XDG_DATA_HOME is ignored, as the
    XDG spec says)."""
    env = os.environ if env is None else env
    if env.get(ENV_HISTORY_DB):
        return Path(env[ENV_HISTORY_DB]).expanduser()
    xdg = env.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else (home or Path.home()) / ".local" / "share"
    return base / "twitchwatch" / HISTORY_FILENAME


def _ts(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _finite(x) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


@dataclass(frozen=True)
class SessionRecord:
    """One session as it is stored. Build it with `from_summary`."""

    started_at: datetime
    source: str
    summary: Mapping
    muscle: str | None = None
    context: frozenset[str] = frozenset()
    symptoms: frozenset[str] = frozenset()

    def __post_init__(self):
        object.__setattr__(self, "muscle", check_muscle(self.muscle))
        object.__setattr__(self, "context", check_names("context tag", self.context, CONTEXT_TAGS))
        object.__setattr__(self, "symptoms", check_names("symptom", self.symptoms, RED_FLAG_SYMPTOMS))

    @classmethod
    def from_summary(cls, summary: Mapping, *, started_at: datetime, muscle: str | None = None,
                     context=(), symptoms=(), source: str | None = None) -> SessionRecord:
        """From ``SessionSummary.as_dict(include_events=False)``."""
        return cls(started_at, source or str(summary.get("source", "")), dict(summary), muscle,
                   frozenset(context), frozenset(symptoms))


@dataclass(frozen=True)
class StoredSession:
    """A session read back, with its latest status (None if it was never assessed)."""

    id: int
    started_at: datetime
    duration_s: float
    observed_s: float
    source: str
    fs_hz: float | None
    muscle: str | None
    channel_labels: tuple[str, ...]
    context: tuple[str, ...]
    symptoms: tuple[str, ...]
    twitches: int
    twitches_per_min: float | None
    cramps: int
    cramp_s: float
    contractions: int
    artifacts: int
    complex_twitches: int
    artifact_s: float
    status: str | None = None
    reasons: tuple[str, ...] = ()
    advice: tuple[str, ...] = ()
    rules_version: int | None = None
    recording_judged: bool = False
    channels: tuple[dict, ...] = field(default=(), compare=False)
    summary: Mapping | None = field(default=None, compare=False)

    def as_past(self) -> PastSession:
        return PastSession(self.started_at, self.muscle, self.observed_s, self.twitches,
                           self.cramps, self.recording_judged, frozenset(self.context), self.id)


_SESSION_COLUMNS = ("id, started_at, duration_s, observed_s, source, fs_hz, muscle, channel_labels, "
                    "context, symptoms, twitches, twitches_per_min, cramps, cramp_s, contractions, "
                    "artifacts, complex_twitches, artifact_s")
_LATEST_STATUS = ("LEFT JOIN statuses st ON st.id = (SELECT MAX(id) FROM statuses WHERE "
                  "session_id = s.id)")


class HistoryStore:
    """The history database. Open with a path (created with its schema if missing)::

        with HistoryStore(default_history_path()) as store:
            sid = store.add_session(SessionRecord.from_summary(d, started_at=now), assessment)
            view = store.view()               # for the status rules

    ``create_parent``: make the folder if missing (for the default location); otherwise a
    missing folder is an error. Errors are `HistoryError` with the file and the reason.
    """

    def __init__(self, path: str | os.PathLike, *, create_parent: bool = False,
                 busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise HistoryError(f"history database {self.path} is a folder; give a file name")
        parent = self.path.parent
        if not parent.is_dir():
            if not create_parent:
                raise HistoryError(f"cannot open history database {self.path}: folder {parent} does not exist")
            try:
                parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise HistoryError(f"cannot create folder {parent} for the history: "
                                   f"{exc.strerror or exc}") from None
        try:
            self._conn = sqlite3.connect(self.path, timeout=busy_timeout_s, isolation_level=None,
                                         check_same_thread=False)
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot open history database {self.path}: {exc}") from None
        try:
            self._conn.execute("PRAGMA foreign_keys = ON")
            mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise HistoryError(f"history database {self.path}: the file system does not allow "
                                   f"a write-ahead log (journal mode {mode})")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise HistoryError(f"history database {self.path} cannot be used ({exc}); it may be "
                               "damaged or not a twitchwatch history; move it away to start a new "
                               "one") from None
        except BaseException:
            self._conn.close()
            raise

    # ---- plumbing --------------------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        c = self._conn
        c.execute("BEGIN IMMEDIATE")
        try:
            yield c
        except BaseException:
            c.execute("ROLLBACK")
            raise
        c.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        if self.schema_version > SCHEMA_VERSION:
            raise HistoryError(f"history database {self.path} has schema version "
                               f"{self.schema_version}, newer than this twitchwatch knows "
                               f"({SCHEMA_VERSION}); update twitchwatch")
        while self.schema_version < SCHEMA_VERSION:
            with self._transaction() as c:
                v = self.schema_version  # re-read under the write lock: another process may have migrated
                if v >= SCHEMA_VERSION:
                    break
                for statement in MIGRATIONS[v]:
                    c.execute(statement)
                c.execute(f"PRAGMA user_version = {v + 1}")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def integrity_check(self) -> str:
        """SQLite's own check: "ok" when the file is consistent."""
        return str(self._conn.execute("PRAGMA integrity_check").fetchone()[0])

    # ---- writing ---------------------------------------------------------------------------
    def add_session(self, record: SessionRecord, assessment: Assessment | None = None) -> int:
        """Store one session, its channels and its status in one transaction; return its id."""
        with self._transaction() as c:
            sid = self._insert_session(c, record)
            self._insert_channels(c, sid, record)
            if assessment is not None:
                self._insert_status(c, sid, assessment)
        return sid

    def add_status(self, session_id: int, assessment: Assessment) -> None:
        """A new status for a stored session (e.g. re-assessed with newer rules)."""
        with self._transaction() as c:
            self._insert_status(c, session_id, assessment)

    def add_strength_check(self, check: StrengthCheck, session_id: int | None = None) -> int:
        with self._transaction() as c:
            cur = c.execute(
                "INSERT INTO strength_checks (taken_at, label, trial_peaks_uv, score_uv, source, "
                "session_id) VALUES (?, ?, ?, ?, ?, ?)",
                (_ts(check.taken_at), check.label, json.dumps(list(check.trial_peaks_uv)),
                 check.score_uv, check.source, session_id))
            return int(cur.lastrowid)

    def _insert_session(self, c: sqlite3.Connection, r: SessionRecord) -> int:
        d = r.summary
        counts = d.get("counts", {})
        flags = d.get("flag_counts", {})
        cur = c.execute(
            f"INSERT INTO sessions ({_SESSION_COLUMNS.replace('id, ', '', 1)}, summary_json) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (_ts(r.started_at), float(d.get("duration_s", 0.0)), float(d.get("observed_s", 0.0)),
             r.source, _finite(d.get("fs_hz")), r.muscle, json.dumps(list(d.get("channel_labels", []))),
             json.dumps(sorted(r.context)), json.dumps(sorted(r.symptoms)),
             int(counts.get("fasciculation", 0)), _finite(d.get("twitches", {}).get("per_min")),
             int(counts.get("cramp", 0)), float(d.get("sustained_s", {}).get("cramp", 0.0)),
             int(counts.get("contraction", 0)), int(counts.get("artifact", 0)),
             int(flags.get("complex", 0)), float(d.get("artifact_s", {}).get("all", 0.0)),
             json.dumps(_clean(d), allow_nan=False)))
        return int(cur.lastrowid)

    def _insert_channels(self, c: sqlite3.Connection, sid: int, r: SessionRecord) -> None:
        d = r.summary
        quality = {q["channel"]: q for q in d.get("quality", [])}
        for ch in d.get("twitches", {}).get("per_channel", []):
            q = quality.get(ch["channel"], {})
            c.execute(
                "INSERT INTO session_channels VALUES (?, ?, ?, ?, ?, ?, ?)",
                (sid, int(ch["channel"]), str(ch["label"]), int(ch["count"]), _finite(ch.get("per_min")),
                 _finite(q.get("noise_floor_uv_rms")), _finite(q.get("clipping_percent"))))

    def _insert_status(self, c: sqlite3.Connection, sid: int, a: Assessment) -> None:
        c.execute(
            "INSERT INTO statuses (session_id, assessed_at, status, reasons, advice, rules_version, "
            "rules_fired, recording_judged) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (sid, _ts(datetime.now(timezone.utc)), a.status, json.dumps(list(a.reasons)),
             json.dumps(list(a.advice)), int(a.rules_version), json.dumps(list(a.rule_ids)),
             int(bool(a.recording_judged))))

    # ---- reading ---------------------------------------------------------------------------
    def _session_from_row(self, row) -> StoredSession:
        (sid, started, dur, obs, source, fs, muscle, labels, context, symptoms, tw, rate, cr, cr_s,
         con, art, cx, art_s, status, reasons, advice, version, judged) = row
        return StoredSession(
            sid, _dt(started), dur, obs, source, fs, muscle, tuple(json.loads(labels)),
            tuple(json.loads(context)), tuple(json.loads(symptoms)), tw, rate, cr, cr_s, con, art,
            cx, art_s, status, tuple(json.loads(reasons)) if reasons else (),
            tuple(json.loads(advice)) if advice else (), version, bool(judged))

    def sessions(self, limit: int | None = None) -> list[StoredSession]:
        """All sessions (or the last ``limit``), oldest first, with their latest status."""
        cols = ", ".join(f"s.{c.strip()}" for c in _SESSION_COLUMNS.split(","))
        sql = (f"SELECT {cols}, st.status, st.reasons, st.advice, st.rules_version, st.recording_judged FROM sessions s "
               f"{_LATEST_STATUS} ORDER BY s.started_at DESC, s.id DESC")
        params: tuple = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (int(limit),)
        return [self._session_from_row(r) for r in self._conn.execute(sql, params)][::-1]

    def session(self, session_id: int) -> StoredSession | None:
        """One session with its channels and full summary; None if there is no such id."""
        cols = ", ".join(f"s.{c.strip()}" for c in _SESSION_COLUMNS.split(","))
        row = self._conn.execute(
            f"SELECT {cols}, st.status, st.reasons, st.advice, st.rules_version, st.recording_judged FROM sessions s "
            f"{_LATEST_STATUS} WHERE s.id = ?", (int(session_id),)).fetchone()
        if row is None:
            return None
        s = self._session_from_row(row)
        channels = tuple(
            {"channel": ch, "label": label, "twitches": tw, "twitches_per_min": rate,
             "noise_floor_uv_rms": noise, "clipping_percent": clip}
            for ch, label, tw, rate, noise, clip in self._conn.execute(
                "SELECT channel, label, twitches, twitches_per_min, noise_floor_uv_rms, "
                "clipping_percent FROM session_channels WHERE session_id = ? ORDER BY channel",
                (s.id,)))
        summary = json.loads(self._conn.execute("SELECT summary_json FROM sessions WHERE id = ?",
                                                (s.id,)).fetchone()[0])
        return StoredSession(**{**s.__dict__, "channels": channels, "summary": summary})

    def last_session_id(self) -> int | None:
        row = self._conn.execute("SELECT id FROM sessions ORDER BY started_at DESC, id DESC LIMIT 1").fetchone()
        return None if row is None else int(row[0])

    def strength_checks(self, label: str | None = None) -> list[StrengthCheck]:
        """Strength checks (of one label, or all), oldest first."""
        sql = "SELECT id, taken_at, label, trial_peaks_uv, source FROM strength_checks"
        params: tuple = ()
        if label is not None:
            sql += " WHERE label = ?"
            params = (label,)
        sql += " ORDER BY taken_at, id"
        return [StrengthCheck(lab, _dt(t), tuple(json.loads(p)), src, int(i))
                for i, t, lab, p, src in self._conn.execute(sql, params)]

    def view(self, *, exclude_session: int | None = None) -> HistoryView:
        """What the status rules read: earlier sessions and strength checks by label."""
        sessions = tuple(s.as_past() for s in self.sessions() if s.id != exclude_session)
        strength: dict[str, list[StrengthCheck]] = {}
        for c in self.strength_checks():
            strength.setdefault(c.label, []).append(c)
        return HistoryView(sessions, {k: tuple(v) for k, v in strength.items()})


def _clean(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)

