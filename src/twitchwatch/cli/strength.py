"""`twitchwatch strength`: score a strength check and add it to the history.

A strength check is three maximal contractions of a few seconds with rest between. The signal
(a recording, or the simulator) is band-passed by the detector (its ``filtered_out``), the three
contractions are found, each scored as the peak of a 250 ms sliding RMS (µV), and the check's
score (their mean) is stored under the muscle label. Then the label's checks so far are judged
for a decline (see `twitchwatch.assess.strength`).

``--guide`` prints the protocol with a countdown (paced by the clock, ``--speed`` times faster);
with a live sensor the same prompts pace the recording.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from datetime import datetime

import numpy as np

from twitchwatch import NOT_A_DIAGNOSTIC_DEVICE
from twitchwatch.assess import strength_trend
from twitchwatch.assess.strength import TRIALS_PER_CHECK
from twitchwatch.assess.strength_protocol import CONTRACT_S, REST_S, protocol_steps, score_best_channel
from twitchwatch.cli.arguments import sampling_rate as fs_arg
from twitchwatch.cli import UserError
from twitchwatch.cli.assessment import HISTORY_HELP, database_errors, muscle, open_store
from twitchwatch.engine import Detector
from twitchwatch.sim import SCENARIOS, simulate
from twitchwatch.sources import FileSource

#: a strength check is a minute or two; longer inputs are refused (it would not fit the protocol)
MAX_CHECK_S = 600.0
#: the simulated check: 3 contractions of 3-4 s in this much signal
SIM_CHECK_S = 24.0
CHUNK = 8192

EPILOG = f"""\
protocol: sit still, relax; then {TRIALS_PER_CHECK} times: contract the muscle as hard as you
can for {CONTRACT_S:g} s, then rest {REST_S:g} s. Record it (e.g. with LabRecorder), then score
the file; or try it on the simulator (--scenario voluntary, --effort 0.1-1).

score: per contraction the peak of a 250 ms sliding RMS of the band-passed
signal (uV); the check's score is the mean of the three. It measures EMG
amplitude, not force. A decline is called only when the last 2 checks of a
label are each lower than the baseline (median of the first 2-3) by more than
the check varies by itself: at least 39 % (Buckthorpe 2012 found test-retest
limits of agreement of 39-67 %), more if your own checks vary more.

examples:
  twitchwatch strength --scenario biceps-check.xdf --label "left biceps"
  twitchwatch strength --scenario voluntary --effort 0.8 --label "left biceps" --guide --speed 10
"""


def add_parser(subparsers):
    p = subparsers.add_parser(
        "strength", help="score a strength check (3 maximal contractions) and keep it",
        description="Score a strength check (three maximal contractions with rest between)\n"
        "from a recording or the simulator, store it in the history and judge the trend.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", required=True, metavar="NAME|FILE",
                   help="a simulator scenario (e.g. voluntary) or a recording of the check")
    p.add_argument("--label", required=True, type=muscle, metavar="LABEL",
                   help="the muscle, e.g. 'left biceps' (checks are compared per label)")
    p.add_argument("--channel", type=_channel, metavar="N",
                   help="1-based channel to score (default: the one with the highest score)")
    p.add_argument("--effort", type=_effort, default=0.8, metavar="F",
                   help="simulator only: effort of the contractions, 0.05-1 of maximum (default 0.8)")
    p.add_argument("--seed", type=int, default=0, metavar="K", help="simulator only: seed")
    p.add_argument("--fs", type=fs_arg, metavar="HZ", help="sampling rate in Hz, for CSV files without a time column")
    p.add_argument("--stream", metavar="NAME", help="XDF stream, when a file has several")
    p.add_argument("--taken-at", type=_when, metavar="ISO-TIME",
                   help="when the check was done, e.g. 2024-03-01T09:30 (default: now)")
    p.add_argument("--guide", action="store_true", help="print the protocol with a countdown")
    p.add_argument("--speed", type=_speed, default=1.0, metavar="X",
                   help="with --guide: run the countdown X times faster")
    p.add_argument("--no-history", action="store_true", help="score only; do not store")
    p.add_argument("--db", metavar="PATH", help=HISTORY_HELP)
    p.set_defaults(func=run, sleep=time.sleep)


def _channel(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"channel must be a whole number >= 1, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"channel must be a whole number >= 1, got {value}")
    return n


def _effort(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"effort must be a number, got {value!r}") from None
    if not 0.05 <= x <= 1.0:
        raise argparse.ArgumentTypeError(f"effort must be between 0.05 and 1, got {value}")
    return x


def _speed(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"speed must be a number > 0, got {value!r}") from None
    if not (math.isfinite(x) and x > 0):
        raise argparse.ArgumentTypeError(f"speed must be a number > 0, got {value}")
    return x


def _when(value: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"give a time like 2024-03-01T09:30, got {value!r}") from None
    return dt if dt.tzinfo else dt.astimezone()  # naive: local time


# ---- the protocol ---------------------------------------------------------------------------
def guide(out, sleep, speed: float) -> None:
    """Count the protocol's steps down (the window's wizard follows the same steps)."""
    steps = protocol_steps()
    out.write(f"Strength check: {TRIALS_PER_CHECK} maximal contractions of {CONTRACT_S:g} s, "
              f"{REST_S:g} s rest between. {steps[0].text}\n")
    for step in steps[1:]:
        if step.duration_s <= 0:
            out.write(step.text + "\n")
            continue
        out.write(step.text.rstrip("…!.") + ":")
        for k in range(int(round(step.duration_s)), 0, -1):
            out.write(f" {k}")
            out.flush()
            sleep(1.0 / speed)
        out.write("\n")
    out.flush()


# ---- signal ---------------------------------------------------------------------------------
def load_signal(args) -> tuple[np.ndarray, float, list[str], str]:
    """(data (n, ch) float32 µV, fs, labels, source name)."""
    if args.scenario in SCENARIOS:
        sim = simulate(args.scenario, duration_s=SIM_CHECK_S, seed=args.seed, n_contractions=3,
                       contraction_duration_s=(3.0, 4.0), contraction_effort=(args.effort, args.effort),
                       n_cramps=0)
        return sim.data, sim.fs_hz, list(sim.channel_labels), f"simulator:{args.scenario}"
    try:
        with FileSource(args.scenario, fs_hz=args.fs, stream=args.stream) as src:
            if src.n_samples and src.n_samples / src.fs_hz > MAX_CHECK_S:
                raise UserError(f"{args.scenario}: {src.n_samples / src.fs_hz:.0f} s is too long for a "
                                f"strength check (at most {MAX_CHECK_S:.0f} s); cut out the check")
            blocks = []
            while (chunk := src.read(CHUNK)) is not None:
                blocks.append(np.array(chunk, copy=True))
                if sum(len(b) for b in blocks) / src.fs_hz > MAX_CHECK_S:
                    raise UserError(f"{args.scenario}: longer than {MAX_CHECK_S:.0f} s; cut out the check")
            data = np.concatenate(blocks) if blocks else np.zeros((0, src.n_channels), np.float32)
            return data, src.fs_hz, list(src.channel_labels), str(args.scenario)
    except OSError as exc:
        raise UserError(f"{args.scenario}: not a scenario ({', '.join(SCENARIOS)}) and cannot be "
                        f"read as a file ({exc.strerror or exc})") from None
    except ValueError as exc:  # RecordingError: names the file and what to do
        raise UserError(str(exc)) from None


def band_passed(data: np.ndarray, fs_hz: float) -> np.ndarray:
    """The detector's band-passed, notch-filtered signal (float64 µV), same shape."""
    try:
        det = Detector(fs_hz, data.shape[1])
    except ValueError as exc:
        raise UserError(str(exc)) from None
    y = np.zeros(data.shape, np.float64)
    for a in range(0, data.shape[0], CHUNK):
        det.process(data[a:a + CHUNK], filtered_out=y[a:a + CHUNK])
    return y


def run(args) -> int:
    if args.no_history and args.db:
        raise UserError("--db and --no-history contradict each other; give one")
    store = None if args.no_history else open_store(args.db)
    try:
        if args.guide:
            guide(sys.stdout, args.sleep, args.speed)
        data, fs, labels, source = load_signal(args)
        if args.channel is not None and args.channel > data.shape[1]:
            raise UserError(f"channel {args.channel} does not exist: the input has {data.shape[1]}")
        y = band_passed(data, fs)
        taken_at = args.taken_at or datetime.now().astimezone()
        try:
            best = score_best_channel(y, fs, args.label, taken_at, source=source, channel_labels=labels,
                                      channel=args.channel - 1 if args.channel else None)
        except ValueError as exc:
            raise UserError(f"{source}: {exc}") from None
        c, check = best.channel, best.check
        print(f"strength check {args.label!r} from {source}, channel {c + 1} ({labels[c]}):")
        print("  contractions (peak 250 ms RMS): "
              + ", ".join(f"{p:.0f} µV" for p in check.trial_peaks_uv))
        print(f"  score {check.score_uv:.0f} µV")
        if store is None:
            print("not stored (--no-history)")
        else:
            with database_errors(store.path):
                check_id = store.add_strength_check(check)
                series = store.strength_checks(args.label)
            print(f"stored as check {check_id} in {store.path} ({len(series)} check(s) of {args.label!r})")
            trend = strength_trend(series)
            if trend is None:
                print(f"trend: {len(series)} check(s); at least 4 are needed to judge a decline")
            else:
                print(("trend: DECLINE: " if trend.declined else "trend: ") + trend.text())
                if trend.declined:
                    print("A decline like this is worth showing a clinician.")
        print(NOT_A_DIAGNOSTIC_DEVICE)
    finally:
        if store is not None:
            store.close()
    return 0

