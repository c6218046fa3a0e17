#!/usr/bin/env bash
# Regenerate the sample recordings in this folder with the project's own simulator.
# Run from the project root:  recordings/make_recordings.sh   (uses .venv/bin/twitchwatch)
# The same seed and options always give the same signal and truth.
set -euo pipefail
cd "$(dirname "$0")/.."
TW=${TW:-.venv/bin/twitchwatch}

"$TW" simulate --scenario rest-benign --duration 60 --fs 2000 --channels 4 --seed 1 \
    --out recordings/rest-benign_2khz_4ch.xdf --truth recordings/rest-benign_2khz_4ch.truth.csv

"$TW" simulate --scenario cramp --duration 60 --fs 1000 --channels 2 --seed 2 \
    --out recordings/cramp_1khz_2ch.xdf --truth recordings/cramp_1khz_2ch.truth.csv

"$TW" simulate --scenario noisy-consumer-250hz --duration 60 --fs 250 --channels 8 --seed 3 \
    --out recordings/noisy-consumer_250hz_8ch.csv \
    --truth recordings/noisy-consumer_250hz_8ch.truth.csv
