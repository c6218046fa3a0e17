"""Command-line glue for the assessment and the history, shared by `analyze`, `history`,
`report` and `strength`: option types, opening the history database, assessing a summary.

Not a subcommand (it has no ``add_parser``).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from twitchwatch.assess import (
    CONTEXT_TAGS, ENV_HISTORY_DB, RED_FLAG_SYMPTOMS, Assessment, Evidence, HistoryError,
    HistoryStore, SessionRecord, assess, check_muscle, default_history_path,
)
from twitchwatch.assess.vocab import unknown_name_message
from twitchwatch.cli import UserError

HISTORY_HELP = (f"history database (SQLite); default: ${ENV_HISTORY_DB} if set, else "
                "$XDG_DATA_HOME/twitchwatch/history.sqlite3 (~/.local/share/twitchwatch/"
                "history.sqlite3)")


# ---- option types ---------------------------------------------------------------------------------
def symptom(value: str) -> str:
    if value not in RED_FLAG_SYMPTOMS:
        raise argparse.ArgumentTypeError(unknown_name_message("symptom", value, RED_FLAG_SYMPTOMS))
    return value


def context_tag(value: str) -> str:
    if value not in CONTEXT_TAGS:
        raise argparse.ArgumentTypeError(unknown_name_message("context tag", value, CONTEXT_TAGS))
    return value


def muscle(value: str) -> str:
    try:
        return check_muscle(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def names_help(names: dict[str, str]) -> str:
    return "\n".join(f"  {k:<13} {v}" for k, v in names.items())


# ---- the database ---------------------------------------------------------------------------------
def history_path(explicit: str | None) -> tuple[Path, bool]:
    """(path, is_default): the explicit path, or the default location."""
    if explicit:
        return Path(explicit).expanduser(), False
    return default_history_path(), not os.environ.get(ENV_HISTORY_DB)


def open_store(explicit: str | None, *, must_exist: bool = False) -> HistoryStore:
    """Open the history (``--history-db``/``--db`` or the default); `UserError` if it cannot be.

    ``must_exist``: for commands that only read it (no history yet is an error, not an empty
    new file).
    """
    path, is_default = history_path(explicit)
    if must_exist and not path.exists():
        raise UserError(f"no history at {path} yet: `twitchwatch analyze` adds a session per "
                        "recording" + ("" if is_default else "; check the path"))
    try:
        return HistoryStore(path, create_parent=is_default)
    except HistoryError as exc:
        raise UserError(str(exc)) from None


@contextmanager
def database_errors(store_path):
    """SQLite errors while reading or writing become a `UserError` naming the file."""
    try:
        yield
    except sqlite3.Error as exc:
        raise UserError(f"history database {store_path} cannot be used ({exc}); it may be damaged "
                        "or from another twitchwatch version") from None


def add_status_arguments(parser, *, what: str = "recording") -> None:
    """The status-and-history options shared by analyze and live."""
    from twitchwatch.assess import CONTEXT_TAGS, RED_FLAG_SYMPTOMS

    g = parser.add_argument_group("status and history")
    g.add_argument("--symptom", action="append", type=symptom, metavar="NAME",
                   help="a red-flag symptom you have noticed (repeatable): "
                   + ", ".join(RED_FLAG_SYMPTOMS))
    g.add_argument("--context", action="append", type=context_tag, metavar="TAG",
                   help=f"what preceded the {what} (repeatable): " + ", ".join(CONTEXT_TAGS))
    g.add_argument("--muscle", type=muscle, metavar="LABEL",
                   help="where the sensor was, e.g. 'left calf' (sites are compared over sessions)")
    g.add_argument("--no-history", action="store_true",
                   help="do not read or add to the history database")
    g.add_argument("--history-db", metavar="PATH", help=HISTORY_HELP)


def assess_summary(summary: dict, args, store: HistoryStore | None,
                   started_at: datetime) -> tuple[Assessment, int | None]:
    """Assess one session summary (``as_dict``) with the user's symptoms, context and muscle;
    add it to the history when there is one. Returns (assessment, session id or None)."""
    symptoms = frozenset(args.symptom or ())
    context = frozenset(args.context or ())
    try:
        view = store.view() if store is not None else None
        ev = Evidence.from_summary(summary, symptoms=symptoms, context=context,
                                   muscle=args.muscle, started_at=started_at, history=view)
        a = assess(ev)
        sid = None
        if store is not None:
            record = SessionRecord.from_summary(summary, started_at=started_at, muscle=args.muscle,
                                                context=context, symptoms=symptoms)
            sid = store.add_session(record, a)
    except HistoryError as exc:
        raise UserError(str(exc)) from None
    except sqlite3.Error as exc:  # while reading or writing: disk full, locked for too long
        raise UserError(f"cannot use the history {store.path}: {exc}; use --no-history to "
                        "analyse without it") from None
    return a, sid
