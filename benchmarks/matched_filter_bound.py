"""How many twitches could any detector find? An upper bound from an oracle matched filter.

    python benchmarks/matched_filter_bound.py [--fs 1000] [--noise 8] [--seeds 3] [--z 4.5]

For each true twitch of the `rest-benign` sweep cell, the oracle knows its exact noise-free
waveform on its strongest channel (the simulator's components), band-passes it like the engine
(20 Hz to min(450 Hz, 0.45 fs)) and correlates it with the same channel's band-passed noise: the
matched filter's signal-to-noise ratio d = |w| / std(<noise, w/|w|>). With a detection threshold
of z noise standard deviations (z = 4.5 gives the order of false crossings per minute the engine
runs at), the twitch is found with probability Phi(d - z). The mean over twitches bounds what a
detector that does not know the waveforms can reach; the engine's own recall is printed beside
it. Not a test: it explains the accuracy table's hardest cell (README, "Accuracy").
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from scipy import signal
from scipy.stats import norm

from twitchwatch.engine import Detector, DetectorConfig
from twitchwatch.engine.filters import design_filters
from twitchwatch.scoring import score_events
from twitchwatch.sim import simulate


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fs", type=float, default=1000.0, help="sampling rate, Hz (default 1000)")
    parser.add_argument("--noise", type=float, default=8.0, help="noise, µV RMS (default 8)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 of 300 s each (default 3)")
    parser.add_argument("--z", type=float, default=4.5, help="threshold, noise SDs of the matched filter")
    args = parser.parse_args(argv)
    fs = args.fs
    config = DetectorConfig()
    band = design_filters(fs, config).bandpass_sos  # the engine's own band-pass
    snr, tp, fn = [], 0, 0
    for seed in range(args.seeds):
        print(f"seed {seed} ...", file=sys.stderr, flush=True)
        sim = simulate("rest-benign", seed=seed, duration_s=300.0, fs_hz=fs, noise_uv_rms=args.noise,
                       return_components=True)
        twitches = signal.sosfilt(band, sim.components["twitches"], axis=0)
        noise = signal.sosfilt(band, sim.components["noise"], axis=0)
        quiet = noise[int(5 * fs):int(65 * fs)]
        for t in sim.truth:
            if t.kind != "fasciculation" or t.onset_s < config.warmup_s:
                continue
            c = t.channel - 1
            a = int((t.onset_s - 0.005) * fs)
            b = int((t.onset_s + t.duration_s + 0.01) * fs)
            w = twitches[a:b, c]
            if not np.any(w):
                continue
            unit = w / np.linalg.norm(w)
            snr.append(np.linalg.norm(w) / np.correlate(quiet[:, c], unit, mode="valid").std())
        det = Detector(fs, sim.n_channels, config)
        score = score_events(det.process(sim.data) + det.finish(), sim.truth, fs, sim.duration_s,
                             ignore_before_s=config.warmup_s)
        tp += score.true_positives
        fn += score.false_negatives
    snr = np.array(snr)
    print(f"rest-benign, {fs:g} Hz, {args.noise:g} µV RMS, {args.seeds} x 300 s: {len(snr)} twitches")
    print(f"  matched-filter SNR, median {np.median(snr):.1f}; 10th percentile {np.percentile(snr, 10):.1f}")
    print(f"  oracle recall at z = {args.z:g}: {norm.cdf(snr - args.z).mean():.3f}")
    print(f"  engine recall: {tp / max(tp + fn, 1):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
