"""Argument checks shared by the subcommands: argparse `type=` callables with clear messages."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path


def seed(value: str) -> int:
    """A random seed: a whole number >= 0."""
    try:
        x = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be an integer >= 0, got {value!r}") from None
    if x < 0:
        raise argparse.ArgumentTypeError(f"seed must be an integer >= 0, got {value}")
    return x


def suffix(ext: str, what: str):
    """A path that must end in `ext` (e.g. '.csv'), named `what` in the message."""
    def check(value: str) -> str:
        if Path(value).suffix.lower() != ext:
            raise argparse.ArgumentTypeError(f"{what} must end in {ext}, got {value!r}")
        return value
    return check


def sampling_rate(value: str) -> float:
    """A sampling rate in Hz: a finite number > 0 (the detector checks its own range)."""
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"sampling rate must be a number in Hz, got {value!r}") from None
    if not math.isfinite(x) or x <= 0:
        raise argparse.ArgumentTypeError(f"sampling rate must be a finite number > 0 Hz, got {value}")
    return x


#: what --unit accepts for files (the live command also takes "counts", with --uv-per-count)
FILE_UNITS = ("V", "mV", "uV")


def file_unit(value: str) -> str:
    """A voltage unit for --unit on files: V, mV or uV (µV also accepted), any case."""
    key = value.strip().lower().replace("µ", "u").replace("μ", "u")
    for unit in FILE_UNITS:
        if key == unit.lower():
            return unit
    raise argparse.ArgumentTypeError(
        f"unit must be one of {', '.join(FILE_UNITS)} (the unit the file's values are really "
        f"in), got {value!r}")


#: what live --unit accepts
LIVE_UNITS = (*FILE_UNITS, "counts")


def live_unit(value: str) -> str:
    """A unit for live --unit: V, mV, uV or counts (then --uv-per-count gives the scale)."""
    if value.strip().lower() == "counts":
        return "counts"
    try:
        return file_unit(value)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"unit must be one of {', '.join(LIVE_UNITS)} (counts needs --uv-per-count), "
            f"got {value!r}") from None


def check_output_path(path: str | None, inputs: Sequence[str] = ()) -> None:
    """Refuse, before any work, an output file that cannot be written or would overwrite an input."""
    from twitchwatch.cli import UserError  # the package imports this module

    if path is None:
        return
    p = Path(path)
    parent = p.resolve().parent
    if not parent.is_dir():
        raise UserError(f"cannot write {path}: folder {parent} does not exist")
    if p.is_dir():
        raise UserError(f"cannot write {path}: it is a folder; give a file name")
    for f in inputs:
        if Path(f).exists() and Path(f).resolve() == p.resolve():
            raise UserError(f"{path} is also an input file; choose another output name")
