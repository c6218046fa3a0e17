"""Stopping a worker that cannot stop yet (the engine compiling on its first run)."""

from __future__ import annotations

import threading

from twitchwatch.gui import worker as worker_module
from twitchwatch.gui.qt import QThread


class _BusyThread(QThread):
    """A thread stuck in one long call, as the worker is while numba compiles the engine."""

    def __init__(self, release: threading.Event):
        super().__init__()
        self.release = release

    def run(self):
        self.release.wait()


class _StopFlag:
    def __init__(self):
        self.asked = False

    def stop(self):
        self.asked = True


def test_a_worker_that_does_not_stop_in_time_is_kept_until_it_ends(qapp):
    release = threading.Event()
    thread = _BusyThread(release)
    flag = _StopFlag()
    thread.start()
    try:
        assert worker_module.stop_worker(flag, thread, timeout_ms=50) is False
        assert flag.asked
        # still referenced: destroying a running QThread would abort the process
        assert any(t is thread for _w, t in worker_module._still_stopping)
    finally:
        release.set()
    worker_module.wait_for_stopping_workers()
    assert thread.isFinished()
    assert worker_module._still_stopping == []


def test_a_worker_that_stops_in_time_is_not_kept(qapp):
    release = threading.Event()
    release.set()
    thread = _BusyThread(release)
    thread.start()
    assert worker_module.stop_worker(_StopFlag(), thread, timeout_ms=10000) is True
    assert worker_module._still_stopping == []
