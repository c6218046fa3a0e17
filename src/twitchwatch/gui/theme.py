"""Colours, sizes and the words the window uses for states and event kinds (one place)."""

from __future__ import annotations

from pathlib import Path

# ---- channels: a palette that stays apart on white (Okabe-Ito, darkened for thin lines) ------
CHANNEL_COLOURS = ("#0b5fa5", "#b3590b", "#1b7f5a", "#a3357a", "#5b4a9e", "#7a6a10", "#2a7f9e",
                   "#8a2c2c")


def channel_colour(c: int) -> str:
    return CHANNEL_COLOURS[c % len(CHANNEL_COLOURS)]


# ---- event kinds ---------------------------------------------------------------------------------
KIND_WORDS = {"fasciculation": "twitch", "cramp": "cramp", "contraction": "contraction",
              "artifact": "artefact"}
KIND_COLOURS = {"fasciculation": "#d62728", "cramp": "#ff7f0e", "contraction": "#1f77b4",
                "artifact": "#7f7f7f"}
#: span shading (RGBA) for sustained kinds and artefacts on the trace
SPAN_FILL = {"cramp": (255, 127, 14, 60), "contraction": (31, 119, 180, 45),
             "artifact": (127, 127, 127, 40)}


def kind_word(kind: str) -> str:
    return KIND_WORDS.get(kind, kind)


# ---- statuses ------------------------------------------------------------------------------------
#: (background, text) per status
STATUS_COLOURS = {
    "benign": ("#2e7d32", "#ffffff"),
    "concerning": ("#c62828", "#ffffff"),
    "warming up": ("#1565c0", "#ffffff"),
    "poor signal": ("#ef8f00", "#000000"),
    "listening": ("#546e7a", "#ffffff"),
}
STATUS_HEADLINES = {
    "benign": "Benign",
    "concerning": "Concerning",
    "warming up": "Warming up",
    "poor signal": "Poor signal",
    "listening": "Listening",
}

# ---- stream states -------------------------------------------------------------------------------
STATE_WORDS = {
    "starting": ("Starting…", "#546e7a"),
    "running": ("Receiving signal", "#2e7d32"),
    "paused": ("Paused", "#6d4c41"),
    "stalled": ("No data arriving", "#ef8f00"),
    "lost": ("Signal lost", "#c62828"),
    "ended": ("Stream ended", "#37474f"),
    "stopped": ("Stopped", "#37474f"),
    "failed": ("Stopped by an error", "#c62828"),
}

QUALITY_OK, QUALITY_WARN, QUALITY_BAD, QUALITY_UNKNOWN = "#2e7d32", "#ef8f00", "#c62828", "#9e9e9e"
BANNER_BG = "#fdecea"
BANNER_FG = "#8e1b1b"
MUTED = "#555555"


def short_path(path) -> str:
    """How a file is named to people: ``~/...`` inside the home folder (shorter to read)."""
    p = Path(path)
    try:
        return "~/" + str(p.relative_to(Path.home()))
    except ValueError:
        return str(p)
