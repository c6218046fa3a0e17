"""`twitchwatch gui`: the desktop window (PySide6 + pyqtgraph).

Qt is imported only when the command runs, so the rest of the CLI starts fast without it.
"""

from __future__ import annotations

import argparse
import math

from twitchwatch.cli.arguments import seed as seed_arg
from twitchwatch.cli import EXIT_USAGE, UserError

MAX_SPEED = 100.0
MAX_QUIT_AFTER_S = 24 * 3600.0

EPILOG = """\
sources:
  sim:SCENARIO   the built-in simulator (no sensor needed); scenarios as for
                 `twitchwatch demo --help` (rest-benign, cramp, mixed...)
  file:PATH      replay a recording (XDF, CSV, OpenBCI text, EDF/BDF, WFDB...)
  lsl:NAME       a live Lab Streaming Layer stream, by name

Without --source, the window opens on a picker: simulator scenarios to try it
without a sensor, a file to replay, or the LSL streams on the network.
Simulations and recordings can be paused, sped up and moved through; moving
restarts the detection from the new position.

examples:
  twitchwatch gui
  twitchwatch gui --source sim:cramp --speed 5
  twitchwatch gui --source file:rest.xdf
  twitchwatch gui --source sim:rest-benign --quit-after 3 --screenshot shot.png

--quit-after and --screenshot are for scripts and smoke tests: the window runs
S seconds, saves a PNG of the whole window and exits 0 (3 if the signal could not
be processed). Without a display, set QT_QPA_PLATFORM=offscreen.
"""


def _number(what: str, lo: float, hi: float, strict_lo: bool = True):
    def check(value: str) -> float:
        try:
            x = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number, got {value!r}") from None
        if not math.isfinite(x) or (x <= lo if strict_lo else x < lo) or x > hi:
            raise argparse.ArgumentTypeError(f"{what} must be > {lo:g} and <= {hi:g}, got {value}")
        return x
    return check


def _source(value: str) -> str:
    from twitchwatch.gui.source_spec import SourceSpec

    try:
        SourceSpec.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _png(value: str) -> str:
    if not value.lower().endswith(".png"):
        raise argparse.ArgumentTypeError(f"--screenshot must name a .png file, got {value!r}")
    return value


def add_parser(subparsers):
    p = subparsers.add_parser(
        "gui",
        help="open the window: live traces, events, status (simulator, file or LSL)",
        description="Open the twitchwatch window on a source, or on a source picker.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--source", type=_source, metavar="SPEC",
                   help="sim:SCENARIO, file:PATH or lsl:NAME (default: open the picker)")
    p.add_argument("--speed", type=_number("speed", 0.0, MAX_SPEED), default=1.0, metavar="X",
                   help=f"replay speed for sim/file: 1 = real time (default), up to {MAX_SPEED:g}")
    p.add_argument("--duration", type=_number("duration", 0.0, 24 * 3600.0), metavar="S",
                   help="seconds of simulated signal (default: 300)")
    p.add_argument("--seed", type=seed_arg, default=0, metavar="K",
                   help="simulator random seed (default: 0)")
    p.add_argument("--quit-after", type=_number("--quit-after", 0.0, MAX_QUIT_AFTER_S), metavar="S",
                   help="close the window after S seconds (for scripts)")
    p.add_argument("--screenshot", type=_png, metavar="FILE.png",
                   help="save a PNG of the whole window just before it closes")
    p.add_argument("--size", type=_size, metavar="WxH", help="window size in pixels (default 1400x900)")
    p.set_defaults(func=run)


def _size(value: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in value.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--size must be WIDTHxHEIGHT, e.g. 1400x900, got {value!r}") from None
    if not (400 <= w <= 8000 and 300 <= h <= 8000):
        raise argparse.ArgumentTypeError(f"--size must be between 400x300 and 8000x8000, got {value}")
    return w, h


def run(args) -> int:
    import os

    from twitchwatch.gui.app import has_display

    if not has_display():
        if args.quit_after is None:
            raise UserError("no display found: run it on a desktop, or set QT_QPA_PLATFORM=offscreen "
                            "(with --quit-after) for scripted use")
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if args.screenshot and args.quit_after is None and not args.source:
        print("twitchwatch gui: note: the screenshot is saved when the window is closed")
    from twitchwatch.gui.app import run_gui

    try:
        return run_gui(args.source, speed=args.speed, quit_after_s=args.quit_after,
                       screenshot=args.screenshot, sim_duration_s=args.duration, seed=args.seed,
                       size=args.size)
    except OSError as exc:
        raise UserError(str(exc)) from None
    except ValueError as exc:
        print(f"twitchwatch gui: error: {exc}")
        return EXIT_USAGE
