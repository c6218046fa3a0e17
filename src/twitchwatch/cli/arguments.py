"""Argument checks shared by the subcommands: argparse `type=` callables with clear messages."""

from __future__ import annotations

import argparse
import math
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
