"""Detector accuracy on the simulator's ground truth: the table quoted in the README.

    python benchmarks/accuracy.py [--quick] [--json OUT.json] [--markdown OUT.md]

The measuring is `twitchwatch.benchmarking.accuracy` (also behind `twitchwatch bench`); this
script only prints and writes its tables.
"""

from __future__ import annotations

import argparse
import json
import sys

from twitchwatch.benchmarking import accuracy


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer seeds and shorter sweeps (about 4x faster)")
    parser.add_argument("--json", help="write the result as JSON here")
    parser.add_argument("--markdown", help="write the tables as Markdown here")
    args = parser.parse_args(argv)
    result = accuracy.run(args.quick, progress=lambda m: print(m, file=sys.stderr, flush=True))
    table = accuracy.markdown(result)
    print(table)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
