"""`twitchwatch bench`: how fast and how accurate the engine is on this machine, beside the
tools people would otherwise pick, measured in one run (`twitchwatch.benchmarking.suite`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from twitchwatch.benchmarking import report, suite
from twitchwatch.cli import UserError

#: the sizes each mode runs; tests swap in smaller ones
PRESETS = {"quick": suite.QUICK, "full": suite.FULL}

EPILOG = """\
--quick (under 2 minutes on a 2-core machine): engine throughput on a 60 s array beside the numpy
memory pass, scipy's causal pipeline and, when installed (pip install 'twitchwatch[bench]'),
NeuroKit2 and BioSPPy; per-chunk latency for 1/25/250/2000-sample chunks; cold and warm start;
memory; accuracy on the simulator's scenarios. Without --quick: longer streams, more rounds, 1 and
64 channels too, and the accuracy sweep over rates and noise. The full suites are `make bench`.
"""


def add_parser(subparsers):
    p = subparsers.add_parser(
        "bench",
        help="measure throughput, latency, start-up, memory and accuracy beside baselines",
        description="Benchmark the engine on this machine against baselines run in the same "
        "process on the same array, and score it on the simulator's ground truth.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--quick", action="store_true", help="the representative subset (< 2 minutes)")
    p.add_argument("--json", metavar="OUT", type=Path,
                   help="also write every number, with the machine, versions and date, as JSON here")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.json is not None and not args.json.parent.is_dir():
        raise UserError(f"cannot write {args.json}: folder {args.json.parent} does not exist")
    sizes = PRESETS["quick" if args.quick else "full"]
    print(f"twitchwatch bench{' --quick' if args.quick else ''}: measuring; progress below "
          "(compare ratios: the machine's load moves absolute numbers)", file=sys.stderr, flush=True)
    result = suite.run(sizes, progress=lambda message: print(message, file=sys.stderr, flush=True))
    result["quick"] = bool(args.quick)
    print(report.render(result), flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
        print(f"wrote {args.json}", file=sys.stderr)
    return 0
