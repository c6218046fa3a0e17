"""`twitchwatch streams`: list the LSL streams on the network, EMG-like ones first."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence

from twitchwatch.cli import UserError

DEFAULT_WAIT_S = 1.0
MAX_WAIT_S = 60.0

EPILOG = """\
columns: name, type, channels, nominal rate (Hz; "-" for irregular streams), value
format, source_id, host, and whether the stream looks like EMG, with the reason.

Sensors label EMG in many ways: type "EMG", "ExG"/"EXG", "EEG" (OpenBCI GUI), or
the device's MAC address (PLUX OpenSignals). All of these count as EMG-like;
choose the one you mean with `twitchwatch live --source-id ID` (the most
precise), `--stream NAME` or `--type TYPE`.

examples:
  twitchwatch streams
  twitchwatch streams --wait 3 --json
"""


def _wait(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"wait must be a number of seconds, got {value!r}") from None
    if not math.isfinite(x) or not 0 < x <= MAX_WAIT_S:
        raise argparse.ArgumentTypeError(f"wait must be > 0 and at most {MAX_WAIT_S:g} s, got {value}")
    return x


def add_parser(subparsers):
    p = subparsers.add_parser(
        "streams",
        help="list the LSL streams on the network (which look like EMG)",
        description="List the Lab Streaming Layer streams that answer on this network:\n"
        "name, type, channels, rate, format, source_id, host, and whether they look like EMG.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--wait", type=_wait, default=DEFAULT_WAIT_S, metavar="S",
                   help=f"seconds to listen for streams (default: {DEFAULT_WAIT_S:g}; "
                   "LSL needs about 0.5 s at least)")
    p.add_argument("--emg-only", action="store_true", help="list only the EMG-like streams")
    p.add_argument("--json", action="store_true",
                   help="print the list as JSON (one object per stream) instead of a table")
    p.set_defaults(func=run)


def _cells(d, i: int) -> list[str]:
    from twitchwatch.sources.lsl_meta import emg_likeness

    likely, why = emg_likeness(d)
    rate = f"{d.nominal_srate:g}" if d.nominal_srate > 0 else "-"
    return [str(i), d.name, d.type, str(d.channel_count), rate, d.format, d.source_id or "-",
            d.hostname or "-", ("yes: " if likely else "no: ") + why]


HEADER = ["#", "name", "type", "ch", "rate Hz", "format", "source_id", "host", "EMG?"]
RIGHT = {0, 3, 4}


def format_table(streams: Sequence) -> list[str]:
    """The stream table as lines (numbered from 1, as the interactive pick numbers them)."""
    rows = [HEADER] + [_cells(d, i) for i, d in enumerate(streams, 1)]
    widths = [max(len(r[c]) for r in rows) for c in range(len(HEADER))]
    lines = []
    for r in rows:
        cells = [r[c].rjust(widths[c]) if c in RIGHT else r[c].ljust(widths[c])
                 for c in range(len(HEADER))]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def run(args) -> int:
    from twitchwatch.sources.lsl_discovery import list_streams
    from twitchwatch.sources.lsl_meta import emg_likeness

    try:
        streams = list_streams(args.wait)
    except (OSError, RuntimeError) as exc:
        raise UserError(f"cannot look for LSL streams: {exc}") from None
    if args.emg_only:
        streams = [d for d in streams if emg_likeness(d)[0]]
    if args.json:
        json.dump([d.as_dict() for d in streams], sys.stdout, indent=2)
        print()
        return 0
    what = "EMG-like LSL streams" if args.emg_only else "LSL streams"
    if not streams:
        print(f"no {what} answered within {args.wait:g} s. Is the sensor software streaming "
              "(OpenBCI GUI: Networking > LSL, started)? Across machines, both must be on the "
              "same network with multicast allowed; try a longer --wait.")
        return 0
    n_emg = sum(emg_likeness(d)[0] for d in streams)
    print(f"{len(streams)} {what} found in {args.wait:g} s ({n_emg} look like EMG):")
    for line in format_table(streams):
        print(line)
    if n_emg:
        print("monitor one with: twitchwatch live --source-id ID   (or --stream NAME, --type TYPE)")
    return 0
