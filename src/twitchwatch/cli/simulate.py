"""`twitchwatch simulate`: synthetic surface EMG with ground truth, to a file or live over LSL."""

from __future__ import annotations

import argparse
import math
from collections import Counter
from pathlib import Path

from twitchwatch.cli import UserError
from twitchwatch.cli.arguments import check_output_path
from twitchwatch.sim import SCENARIOS, Simulation, simulate, write_truth_csv
from twitchwatch.sim.constants import CHANNELS_MAX, CHANNELS_MIN, FS_MAX_HZ, FS_MIN_HZ

DEFAULT_LSL_NAME = "twitchwatch-sim"
RECORDING_SUFFIXES = (".xdf", ".csv")


def _scenario(value: str) -> str:
    if value not in SCENARIOS:
        raise argparse.ArgumentTypeError(
            f"unknown scenario {value!r}; valid: {', '.join(SCENARIOS)}"
        )
    return value


def _float(value: str, what: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"{what} must be finite, got {value!r}")
    return x


def _duration(value: str) -> float:
    x = _float(value, "duration")
    if x <= 0:
        raise argparse.ArgumentTypeError(f"duration must be > 0 seconds, got {value}")
    return x


def _fs(value: str) -> float:
    x = _float(value, "sampling rate")
    if not FS_MIN_HZ <= x <= FS_MAX_HZ:
        raise argparse.ArgumentTypeError(
            f"sampling rate must be between {FS_MIN_HZ:g} and {FS_MAX_HZ:g} Hz, got {value}"
        )
    return x


def _int(value: str, what: str, lo: int, hi: int | None = None) -> int:
    try:
        x = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} must be an integer, got {value!r}") from None
    if x < lo or (hi is not None and x > hi):
        accepted = f"from {lo} to {hi}" if hi is not None else f">= {lo}"
        raise argparse.ArgumentTypeError(f"{what} must be an integer {accepted}, got {value}")
    return x


def _channels(value: str) -> int:
    return _int(value, "channels", CHANNELS_MIN, CHANNELS_MAX)


def _seed(value: str) -> int:
    return _int(value, "seed", 0)


def _recording_path(value: str) -> str:
    if Path(value).suffix.lower() not in RECORDING_SUFFIXES:
        raise argparse.ArgumentTypeError(
            f"recording file must end in {' or '.join(RECORDING_SUFFIXES)}, got {value!r}"
        )
    return value


def _truth_path(value: str) -> str:
    if Path(value).suffix.lower() != ".csv":
        raise argparse.ArgumentTypeError(f"truth file must end in .csv, got {value!r}")
    return value


def _scenario_table() -> str:
    width = max(len(n) for n in SCENARIOS)
    lines = []
    for name, s in SCENARIOS.items():
        lines.append(
            f"  {name:<{width}}  defaults: {s.duration_s:g} s, {s.fs_hz:g} Hz, "
            f"{s.n_channels} channels"
        )
        lines.append(f"      {s.description}")
    return "\n".join(lines)


EPILOG = f"""\
scenarios:
{_scenario_table()}

units: the signal is in microvolts (uV); --duration in seconds, --fs in hertz.
The truth CSV has one row per event: onset_s and duration_s (seconds from the
first sample), kind (fasciculation, cramp, contraction, artifact), channel
(1-based; 0 = all), amplitude_uv (peak-to-peak; RMS for cramp and
contraction), detail (doublet, complex, ecg, motion, pop, clipping, mains) and
channels (the channels it reached).

Without --out, --truth or --lsl it only prints the summary. The same seed and
options always give the same signal.

examples:
  write 60 s of benign twitching and its truth:
    twitchwatch simulate --scenario rest-benign --duration 60 \\
        --out rest.xdf --truth rest_truth.csv
  stream a cramp scenario live over LSL:
    twitchwatch simulate --scenario cramp --lsl --lsl-name my-sim
"""


def add_parser(subparsers):
    p = subparsers.add_parser(
        "simulate",
        help="simulate surface EMG with ground truth (to a file, or live over LSL)",
        description="Simulate surface EMG (uV) with known fasciculations, cramps,\n"
        "contractions and artefacts, and write the ground truth.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--scenario", required=True, type=_scenario, metavar="NAME",
                   help="what to simulate (see the list below)")
    p.add_argument("--duration", type=_duration, metavar="S",
                   help="length in seconds, > 0 (default: the scenario's)")
    p.add_argument("--fs", type=_fs, metavar="HZ",
                   help=f"sampling rate, {FS_MIN_HZ:g}-{FS_MAX_HZ:g} Hz (default: the scenario's)")
    p.add_argument("--channels", type=_channels, metavar="N",
                   help=f"channels in the linear array, {CHANNELS_MIN}-{CHANNELS_MAX} "
                   "(default: the scenario's)")
    p.add_argument("--seed", type=_seed, default=0, metavar="K",
                   help="random seed, an integer >= 0 (default: 0)")
    p.add_argument("--lsl", action="store_true",
                   help="stream the signal live over LSL (type EMG, float32 uV, 20 ms chunks)")
    p.add_argument("--lsl-name", default=DEFAULT_LSL_NAME, metavar="NAME",
                   help=f"LSL stream name with --lsl (default: {DEFAULT_LSL_NAME})")
    p.add_argument("--out", type=_recording_path, metavar="FILE",
                   help="write the recording: .xdf or .csv, chosen by the extension")
    p.add_argument("--truth", type=_truth_path, metavar="FILE.csv",
                   help="write the ground-truth events as CSV")
    p.set_defaults(func=run)


def summary(sim: Simulation) -> str:
    """A short human-readable description of a simulation and its truth."""
    labels = sim.channel_labels
    chans = labels[0] if len(labels) == 1 else f"{labels[0]}..{labels[-1]}"
    lines = [
        f"scenario       {sim.scenario}: {SCENARIOS[sim.scenario].description}",
        f"duration       {sim.duration_s:g} s ({sim.n_samples} samples)",
        f"sampling rate  {sim.fs_hz:g} Hz",
        f"channels       {sim.n_channels} ({chans}), microvolts",
        f"seed           {sim.seed}",
        f"truth events   {len(sim.truth)}",
    ]
    kinds = Counter(e.kind for e in sim.truth)
    width = max((len(k) for k in kinds), default=0)
    for kind, count in sorted(kinds.items()):
        tags = Counter(t for e in sim.truth if e.kind == kind for t in e.tags)
        extra = ", ".join(f"{t} {c}" for t, c in sorted(tags.items()))
        lines.append(f"  {kind:<{width}}  {count:>5}" + (f"  ({extra})" if extra else ""))
    return "\n".join(lines)


def _write_recording(path: str, sim: Simulation) -> None:
    try:
        from twitchwatch.formats import write_recording
    except ImportError as exc:
        raise UserError(f"cannot write {path}: no recording writer available ({exc})") from None
    try:
        write_recording(path, sim.data, sim.fs_hz, sim.channel_labels, unit="microvolts",
                        markers=None)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UserError(f"cannot write {path}: {exc}") from None


def _stream(sim: Simulation, name: str) -> int:
    from twitchwatch.sinks import SignalOutlet, push_paced

    source_id = f"twitchwatch-sim:{sim.scenario}:{sim.seed}:{name}"
    with SignalOutlet(name, sim.channel_labels, sim.fs_hz, source_id=source_id) as outlet:
        print(
            f"streaming on LSL: name {name!r}, type EMG, {sim.n_channels} ch float32 uV at "
            f"{sim.fs_hz:g} Hz for {sim.duration_s:g} s (Ctrl+C to stop)",
            flush=True,
        )
        pushed = push_paced(outlet, sim.data, sim.fs_hz)
    print(f"streamed {pushed} samples ({pushed / sim.fs_hz:g} s)")
    return pushed


def run(args) -> int:
    check_output_path(args.out)
    check_output_path(args.truth)
    if args.out and args.truth and Path(args.out).resolve() == Path(args.truth).resolve():
        raise UserError(f"--out and --truth are the same file ({args.out}); give two names")
    try:
        sim = simulate(args.scenario, args.duration, args.fs, args.channels, args.seed)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    print(summary(sim), flush=True)
    if args.truth:
        try:
            write_truth_csv(args.truth, sim.truth)
        except OSError as exc:
            raise UserError(f"cannot write {args.truth}: {exc.strerror or exc}") from None
        print(f"wrote truth to {args.truth}")
    if args.out:
        _write_recording(args.out, sim)
        print(f"wrote recording to {args.out}")
    if args.lsl:
        _stream(sim, args.lsl_name)
    return 0
