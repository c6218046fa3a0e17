"""Helpers for the formats tests: a hard time limit, and pyxdf as the oracle."""

from __future__ import annotations

import contextlib
import io
import logging
import signal
import threading
import time
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


class TimeLimitExceeded(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Interrupt the block with TimeLimitExceeded after `seconds` (SIGALRM, main thread, POSIX).

    Not a sleep: the timer fires while the code under test runs, so a hang fails the test at the
    limit instead of blocking the suite.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        pytest.skip("time limits need SIGALRM on the main thread")

    def on_alarm(signum, frame):
        raise TimeLimitExceeded(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.perf_counter()
    try:
        yield lambda: time.perf_counter() - start
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def time_limit():
    """``with time_limit(5.0) as elapsed: ...`` — fails the test if the block runs longer."""
    return _time_limit


@pytest.fixture
def data_dir() -> Path:
    return DATA_DIR


def _pyxdf_load(source, **kwargs):
    """pyxdf.load_xdf with raw time stamps (no sync, no de-jitter) unless asked otherwise.

    `source` may be a path or bytes. pyxdf's own log output is silenced.
    """
    import pyxdf

    kwargs.setdefault("synchronize_clocks", False)
    kwargs.setdefault("dejitter_timestamps", False)
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(bytes(source))
    pyxdf_logger = logging.getLogger("pyxdf")
    old = pyxdf_logger.level
    pyxdf_logger.setLevel(logging.CRITICAL + 1)
    try:
        return pyxdf.load_xdf(source, **kwargs)
    finally:
        pyxdf_logger.setLevel(old)


def _by_name(streams: list[dict]) -> dict[str, dict]:
    return {s["info"]["name"][0]: s for s in streams}


@pytest.fixture
def pyxdf_load():
    """The oracle: ``pyxdf_load(path_or_bytes, **load_xdf_kwargs) -> (streams, header)``."""
    return _pyxdf_load


@pytest.fixture
def by_name():
    """``by_name(streams)`` -> {stream name: pyxdf stream dict}."""
    return _by_name
