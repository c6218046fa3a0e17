#!/usr/bin/env python3
"""Screenshots of the window's main states, made offscreen, for docs/ (PNG, 8-bit palette).

    .venv/bin/python scripts/screenshots.py                 # all of them, into docs/
    .venv/bin/python scripts/screenshots.py --only live --out /tmp/shots

Each shot drives the real window on the simulator (or a scripted live source for the
lost/error states) to a known moment, pauses it there and saves the whole window (or the
dialog: strength check, history). The history shown is made here from simulations (sessions
analysed by the engine, strength checks scored from simulated contractions) in a temporary
database; recordings go to a temporary folder (removed at the end): nothing touches the user's
own history or recordings.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# the demo history and the recordings live in a folder of their own, removed at the end; under
# ~/.cache when there is one, so that the paths in the pictures look like a user's (~/...)
_CACHE = Path.home() / ".cache"
_TMP = Path(tempfile.mkdtemp(prefix="twitchwatch-shots-", dir=_CACHE if _CACHE.is_dir() else None))
os.environ["TWITCHWATCH_HISTORY_DB"] = str(_TMP / "history.sqlite3")
os.environ["TWITCHWATCH_RECORDINGS_DIR"] = str(_TMP / "recordings")

import numpy as np  # noqa: E402

from twitchwatch.gui import model  # noqa: E402
from twitchwatch.gui.app import make_app  # noqa: E402
from twitchwatch.gui.qt import QtCore, QtGui  # noqa: E402
from twitchwatch.gui.source_spec import SourceSpec  # noqa: E402
from twitchwatch.gui.window import MainWindow  # noqa: E402
from twitchwatch.sources.base import Source  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SIZE = (1400, 900)
TIMEOUT_S = 120.0


class _GoesSilent(Source):
    """A live-like stream from a simulation that stops delivering after ``stop_after_s``."""

    realtime = True

    def __init__(self, stop: threading.Event, *, stop_after_s: float, fail: bool = False):
        from twitchwatch.sources.simulator import SimulatorSource

        self._inner = SimulatorSource("rest-benign", duration_s=120.0, realtime=True, speed=4.0, stop=stop)
        self.fs_hz, self.n_channels = self._inner.fs_hz, self._inner.n_channels
        self.channel_labels, self.name = self._inner.channel_labels, "lsl:OpenBCI-EMG"
        self.stop, self.limit, self.fail = stop, int(stop_after_s * self.fs_hz), fail
        self._samples_read = 0

    def read(self, max_samples, timeout_s=0.0):
        if self._samples_read >= self.limit:
            if self.fail:
                raise ConnectionError("the amplifier stopped answering (USB unplugged?)")
            self.stop.wait(timeout_s)
            return None if self.stop.is_set() else self.empty()
        chunk = self._inner.read(min(max_samples, self.limit - self._samples_read), timeout_s)
        if chunk is not None:
            self._samples_read += len(chunk)
        return chunk


def save_small_png(image: QtGui.QImage, path: Path) -> None:
    """An 8-bit palette PNG (a median-cut palette of the image's own colours) when Pillow is
    installed, else Qt's full-colour PNG at its highest compression."""
    try:
        from PIL import Image
    except ImportError:
        Image = None
    if Image is None:
        if not image.save(str(path), "PNG", 0):
            raise OSError(f"could not write {path}")
        return
    buf = QtCore.QBuffer()
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    import io
    rgb = Image.open(io.BytesIO(bytes(buf.data()))).convert("RGB")
    rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, optimize=True)


class Shooter:
    def __init__(self, out: Path):
        self.app = make_app()
        self.out = out
        self.win: MainWindow | None = None
        self.made: list[Path] = []

    def new_window(self, **kw) -> MainWindow:
        if self.win is not None:
            self.win.close()
        self.win = MainWindow(lsl=False, **kw)
        self.win.resize(*SIZE)
        self.win.show()
        self.pump(0.2)
        return self.win

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.005)

    def wait(self, cond, what: str) -> None:
        end = time.monotonic() + TIMEOUT_S
        while not cond():
            if time.monotonic() > end:
                raise TimeoutError(f"timed out waiting for {what}")
            self.app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.005)

    def play_to(self, position_s: float) -> None:
        """Play fast up to ``position_s`` of the signal, then pause there."""
        win = self.win
        w = win.worker
        self.wait(lambda: win.snapshot is not None and win.snapshot.position_s is not None
                  and win.snapshot.position_s >= position_s - 25, f"{position_s - 25:.0f} s")
        w.set_speed(5.0)
        self.wait(lambda: win.snapshot.position_s >= position_s, f"{position_s:.0f} s")
        w.set_paused(True)
        self.wait(lambda: win.state == model.PAUSED, "pause")
        self.pump(0.6)  # the status, quality and rate plot catch up

    def select(self, kind: str, newest: bool = True) -> None:
        items = [it for it in self.win.events.model.items() if it.kind == kind]
        if not items:
            raise RuntimeError(f"no {kind} to select")
        self.win.show_event(items[-1] if newest else items[0])
        self.pump(0.2)

    def save(self, name: str, widget=None) -> Path:
        self.win.render_frame()
        self.pump(0.2)
        path = self.out / f"gui-{name}.png"
        save_small_png((widget or self.win).grab().toImage(), path)
        self.made.append(path)
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
              f"{path.stat().st_size // 1024} KiB", flush=True)
        return path

    # ---- the shots -----------------------------------------------------------------------------
    def picker(self):
        self.new_window()
        self.save("picker")

    def live(self):
        """Busy signal: twitches, heart-beat artefacts and a cramp span; a twitch close up."""
        win = self.new_window(sim_duration_s=300.0)
        win.start_source(SourceSpec.parse("sim:mixed"), 100.0)
        self.play_to(136.0)
        win.trace.set_window(30)
        self.select("fasciculation")
        self.save("live")

    def cramp(self):
        """Two cramps with twitching: 'concerning', the second cramp shaded and close up."""
        win = self.new_window(sim_duration_s=300.0)
        win.start_source(SourceSpec.parse("sim:cramp"), 100.0)
        self.play_to(258.0)
        win.trace.set_window(40)
        win.trace.set_scale(-1, 500)
        self.select("cramp")
        self.save("cramp")

    def benign(self):
        """Four minutes at rest with twitches: 'benign', the rate per minute."""
        win = self.new_window(sim_duration_s=300.0)
        win.start_source(SourceSpec.parse("sim:rest-benign"), 100.0)
        self.play_to(245.0)
        self.save("benign")
        win.status_panel.symptom_boxes["weakness"].setChecked(True)
        win.status_panel.context_boxes["caffeine"].setChecked(True)
        self.wait(lambda: win.status_panel.status == "concerning", "concerning")
        self.pump(0.3)
        self.save("concerning")

    def ended(self):
        win = self.new_window(sim_duration_s=150.0)
        win.start_source(SourceSpec.parse("sim:post-exercise"), 100.0)
        self.wait(lambda: win.state == model.ENDED, "the end")
        self.pump(0.5)
        self.save("ended")

    def lost(self):
        win = self.new_window()
        win.start_source(lambda stop: _GoesSilent(stop, stop_after_s=20.0))
        self.wait(lambda: win.state == model.LOST and win.snapshot.since_data_s > 6, "lost")
        self.save("lost")

    def error(self):
        win = self.new_window()
        win.start_source(lambda stop: _GoesSilent(stop, stop_after_s=20.0, fail=True))
        self.wait(lambda: win.banner.isVisible() and win.state == model.FAILED, "the error")
        self.pump(0.3)
        self.save("error")


    def recording(self):
        """Recording to XDF while watching: the red REC line with the file, time and size."""
        win = self.new_window(sim_duration_s=300.0)
        win.start_source(SourceSpec.parse("sim:mixed"), 1.0)
        self.wait(lambda: win.state == model.RUNNING, "running")
        win.start_recording()
        self.wait(lambda: win.record.recording and win.record.last.elapsed_s >= 12, "12 s recorded")
        self.pump(0.3)
        self.save("recording")
        win.stop_recording()
        self.wait(lambda: not win.record.recording, "the recording closed")

    def strength(self):
        """The strength-check wizard on the simulator: a prompt, then the result with its trend."""
        fill_history(with_sessions=False)
        win = self.new_window()
        dlg = win.open_strength_check()
        dlg.sim_speed = 2.0
        dlg.label_edit.setText("left biceps")
        dlg.try_sim.click()
        self.wait(lambda: "SQUEEZE" in dlg.step_label.text() and dlg.trial_label.text().startswith(
            "Contraction 2"), "the second contraction")
        self.pump(0.3)
        self.save("strength-prompt", dlg)
        dlg.worker.set_speed(50.0)
        self.wait(lambda: dlg.state in ("done", "failed"), "the score")
        self.pump(0.3)
        self.save("strength-result", dlg)
        dlg.close()

    def history(self):
        """The history: sessions with the twitch rate over the weeks; strength checks per muscle."""
        fill_history(with_sessions=True)
        win = self.new_window()
        dlg = win.open_history()
        dlg.refresh()
        self.pump(0.3)
        self.save("history", dlg)
        dlg.tabs.setCurrentIndex(1)
        self.pump(0.3)
        self.save("history-strength", dlg)
        dlg.close()


def fill_history(with_sessions: bool) -> None:
    """A demo history (once): six simulated rest sessions over five weeks, analysed by the
    engine (the twitch rate falls after the caffeine weeks), and five weekly strength checks of
    the left biceps from simulated contractions at falling effort, two of the right."""
    from twitchwatch.assess import (
        Evidence, HistoryStore, SessionRecord, assess, default_history_path, score_check,
    )
    from twitchwatch.engine import Detector
    from twitchwatch.session import Session
    from twitchwatch.sim import simulate
    from twitchwatch.sources.simulator import SimulatorSource

    path = default_history_path()
    start = datetime(2026, 10, 5, 8, 30).astimezone()
    with HistoryStore(path, create_parent=True) as store:
        if with_sessions and not store.sessions():
            plan = ((0, 40.0, ("caffeine",)), (6, 35.0, ("caffeine", "poor-sleep")), (13, 25.0, ()),
                    (20, 18.0, ("exercise",)), (27, 12.0, ()), (34, 10.0, ()))
            for k, (day, rate, context) in enumerate(plan):
                sim = simulate("rest-benign", duration_s=180.0, seed=10 + k, twitch_rate_per_min=rate)
                summary = Session(SimulatorSource(simulation=sim)).run().as_dict(include_events=False)
                when = start + timedelta(days=day)
                a = assess(Evidence.from_summary(summary, started_at=when, context=set(context),
                                                 muscle="left calf", history=store.view()))
                store.add_session(SessionRecord.from_summary(
                    summary, started_at=when, muscle="left calf", context=context,
                    source=f"simulator:rest-benign ({rate:g}/min)"), a)
        if not store.strength_checks():
            for label, efforts in (("left biceps", (0.8, 0.82, 0.78, 0.7, 0.72)), ("right biceps", (0.6, 0.62))):
                for k, effort in enumerate(efforts):
                    sim = simulate("voluntary", duration_s=24.0, seed=20 + k, n_contractions=3,
                                   contraction_duration_s=(3.0, 4.0), contraction_effort=(effort, effort),
                                   n_cramps=0, n_channels=1)
                    y = np.zeros(sim.data.shape, np.float64)
                    Detector(sim.fs_hz, 1).process(sim.data, filtered_out=y)
                    store.add_strength_check(score_check(
                        y[:, 0], sim.fs_hz, label, start + timedelta(days=7 * k, hours=1),
                        source=f"simulator (effort {effort:g})"))


SHOTS = ("picker", "live", "cramp", "benign", "ended", "lost", "error", "recording", "strength", "history")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNGs (default docs/)")
    p.add_argument("--only", choices=SHOTS, action="append", help="make only these (repeatable)")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    np.seterr(all="ignore")
    shooter = Shooter(args.out)
    try:
        for name in args.only or SHOTS:
            getattr(shooter, name)()
    finally:
        if shooter.win is not None:
            shooter.win.close()
        shutil.rmtree(_TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
