"""`twitchwatch` command line: one argparse parser, one module per subcommand.

Each subcommand module in this package provides ``add_parser(subparsers)`` (which registers its
parser and sets ``func``) and a ``run(args) -> int``. Exit codes: 0 ok, 2 usage error,
3 data error (unreadable or invalid input), 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from twitchwatch import NOT_A_DIAGNOSTIC_DEVICE, __version__

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_DATA_ERROR = 3
EXIT_INTERRUPTED = 130

# Order is the order shown in --help. Entries are module names in this package; each module
# registers its own command name (report_html registers "report": cli/report.py is the shared
# text-summary helper, not a command).
SUBCOMMANDS = ["demo", "simulate", "analyze", "replay", "streams", "live", "strength", "history",
               "report_html", "gui", "bench"]


class UserError(Exception):
    """A problem the user can fix (bad file, bad value); printed without a traceback."""


class UsageError(Exception):
    """Arguments that do not go together (argparse cannot say it): exit code 2, like argparse."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="twitchwatch",
        description="Real-time surface-EMG monitor: fasciculations (twitches), cramps, "
        "contraction and artefacts. " + NOT_A_DIAGNOSTIC_DEVICE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit codes: 0 ok, 2 usage error, 3 data error, 130 interrupted (Ctrl+C).",
    )
    parser.add_argument("--version", action="version", version=f"twitchwatch {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-v info, -vv debug)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"twitchwatch.cli.{name}")
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)],
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or EXIT_OK)
    except UserError as exc:
        print(f"twitchwatch {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_DATA_ERROR
    except UsageError as exc:
        print(f"twitchwatch {args.command}: error: {exc}; see twitchwatch {args.command} --help",
              file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\ninterrupted; everything written so far is on disk.", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
