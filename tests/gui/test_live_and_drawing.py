"""A live LSL stream in the window (kept on this machine), and what the traces draw."""

from __future__ import annotations

import threading
import uuid

import numpy as np
import pytest

from gui_helpers import WAIT_MS
from twitchwatch.gui import model
from twitchwatch.gui.model import SegmentInfo
from twitchwatch.gui.qt import QtCore
from twitchwatch.gui.ring import DisplayRing


def test_peak_decimation_keeps_a_brief_twitch_visible_in_a_long_window(app, qtbot):
    from twitchwatch.gui.trace_plot import TracePanel

    fs = 2000.0
    ring = DisplayRing(int(65 * fs), 1)
    rng = np.random.default_rng(3)
    x = (5 * rng.standard_normal((int(60 * fs), 1))).astype(np.float32)
    spike_at = int(31.2345 * fs)
    x[spike_at:spike_at + 6, 0] = [80, -150, 220, -120, 60, -20]  # a 3 ms potential
    ring.write(x)
    panel = TracePanel()
    qtbot.addWidget(panel)
    panel.resize(900, 300)
    panel.show()
    panel.set_segment(SegmentInfo(1, "test", fs, ("EMG1",), 0.0, None, False, False, 1.0, 3.0, ring))
    panel.set_window(60)
    assert panel.render()
    qtbot.waitUntil(lambda: panel.curves[0].getData()[0] is not None, timeout=WAIT_MS)
    shown_x, shown_y = panel.curves[0].getData()
    assert len(shown_y) < len(x) / 10  # decimated for the screen...
    assert shown_y.max() == pytest.approx(220) and shown_y.min() == pytest.approx(-150)  # ...peaks kept
    assert shown_x[0] >= 0.0 and shown_x[-1] == pytest.approx((len(x) - 1) / fs, abs=0.01)


def test_peak_decimation_keeps_order_alignment_and_ends():
    from twitchwatch.gui.decimate import bin_size, peak_decimate

    assert bin_size(1000, 800) == 1 and bin_size(20000, 1000) == 20
    data = np.zeros((105, 2), np.float32)
    data[10, 0], data[12, 0] = 9.0, -4.0   # max before min in one bin: kept in that order
    data[50, 1] = -7.0
    at, y = peak_decimate(first=7, data=data, k=5)
    # samples 7, 8, 9 (before the first multiple of 5) and 110, 111 (after the last bin) are kept
    assert list(at[:3]) == [7, 8, 9] and list(at[-2:]) == [110, 111]
    i = np.flatnonzero((at >= 15) & (at < 20))  # the bin 15..19 holds data[8:13]
    assert list(y[i, 0]) == [9.0, -4.0]
    assert y[:, 1].min() == -7.0 and y[:, 0].max() == 9.0
    assert len(at) < len(data)


def test_a_live_lsl_stream_from_the_picker_then_stalled(app, qtbot):
    pylsl = pytest.importorskip("pylsl")
    from twitchwatch.gui.source_spec import lsl_available
    from twitchwatch.gui.window import MainWindow

    if not lsl_available():
        pytest.skip("twitchwatch.sources.lsl is not available")
    name = f"gui-test-{uuid.uuid4().hex[:8]}"
    fs, n_ch = 500.0, 2
    outlet = pylsl.StreamOutlet(pylsl.StreamInfo(name, "EMG", n_ch, fs, pylsl.cf_float32, name))
    stop_pushing = threading.Event()
    quit_all = threading.Event()

    def push():
        rng = np.random.default_rng(0)
        while not stop_pushing.is_set() and not quit_all.is_set():
            outlet.push_chunk((5 * rng.standard_normal((10, n_ch))).astype(np.float32).tolist())
            quit_all.wait(10 / fs)

    pusher = threading.Thread(target=push, daemon=True)
    pusher.start()
    win = MainWindow(lsl=True)
    qtbot.addWidget(win)
    try:
        win.show()  # the picker looks for streams when it first shows
        picker = win.picker

        def listed():
            items = [picker.streams.item(i) for i in range(picker.streams.count())]
            return [it for it in items if name in it.text()]

        def found_or_look_again():
            if listed():
                return True
            if not picker._searching:  # an outlet may take a moment to answer: look again
                picker.refresh_streams()
            return False

        qtbot.waitUntil(found_or_look_again, timeout=WAIT_MS)
        picker.streams.setCurrentItem(listed()[0])
        qtbot.mouseClick(picker.lsl_start, QtCore.Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: win.state == model.RUNNING and win.snapshot.samples > 500, timeout=WAIT_MS)
        assert not win.replay.isVisible()
        assert win.snapshot.health is not None and "Receiving" in win.quality.stream.text()
        stop_pushing.set()
        qtbot.waitUntil(lambda: win.state in (model.STALLED, model.LOST), timeout=WAIT_MS)
        assert "No data arriving" in win.trace.notice.text() or "lost" in win.trace.notice.text()
    finally:
        quit_all.set()
        win.stop_worker()
        pusher.join(5)
