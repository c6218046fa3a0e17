"""Wrong units: volts or millivolts where microvolts are expected are recognised and explained."""

from __future__ import annotations

import numpy as np
import pytest

from twitchwatch.checks.scale import ScaleCheck, guess_unit
from twitchwatch.cli import EXIT_OK, EXIT_USAGE, main
from twitchwatch.formats import write_recording
from twitchwatch.session import Session
from twitchwatch.sim import simulate
from twitchwatch.sources import FileSource

FS = 1000.0


@pytest.fixture(scope="module")
def sim():
    return simulate("rest-benign", duration_s=12.0, fs_hz=FS, n_channels=2, seed=2)


def csv_in(folder, sim, factor, name):
    """The simulated µV written as bare numbers (no unit in the header) times ``factor``."""
    path = folder / name
    write_recording(path, (sim.data.astype(np.float64) * factor).astype(np.float32), FS,
                    ["EMG1", "EMG2"])
    return path


def unit_warnings(path, unit=None):
    with FileSource(path, unit=unit) as src:
        summary = Session(src).run()
    return [w for w in summary.warnings if "typical amplitude" in w], summary


@pytest.mark.parametrize(("factor", "unit", "word"), [(1e-6, "V", "volts"), (1e-3, "mV", "millivolts")])
def test_values_in_volts_or_millivolts_are_recognised_with_what_to_do(tmp_path, sim, factor, unit, word):
    path = csv_in(tmp_path, sim, factor, f"in_{unit}.csv")
    (note,), _ = unit_warnings(path)
    assert note.startswith("channels EMG1, EMG2: typical amplitude")
    assert f"look like {word}, not microvolts" in note
    assert f"--unit {unit}" in note and f"'EMG1 [{unit}]'" in note


def test_microvolts_give_no_unit_warning(tmp_path, sim):
    notes, _ = unit_warnings(csv_in(tmp_path, sim, 1.0, "uv.csv"))
    assert notes == []


@pytest.mark.parametrize(("factor", "unit"), [(1e-6, "V"), (1e-3, "mV")])
def test_the_unit_option_gives_the_events_of_microvolts(tmp_path, sim, factor, unit):
    notes, fixed = unit_warnings(csv_in(tmp_path, sim, factor, f"in_{unit}.csv"), unit=unit)
    _, right = unit_warnings(csv_in(tmp_path, sim, 1.0, "uv.csv"))
    assert notes == []
    assert fixed.counts == right.counts and right.counts["fasciculation"] > 0


def test_analyze_unit_option(tmp_path, sim, capsys):
    path = csv_in(tmp_path, sim, 1e-6, "volts.csv")
    assert main(["analyze", str(path), "--no-history", "--unit", "V"]) == EXIT_OK
    assert "look like volts" not in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["analyze", str(path), "--unit", "parsec"])
    assert exc.value.code == EXIT_USAGE
    assert "unit must be one of V, mV, uV" in capsys.readouterr().err


def test_raw_counts_are_called_too_large():
    check = ScaleCheck(FS, ["A"], "advice {unit}")
    rng = np.random.default_rng(0)
    check.process(rng.normal(0, 2e5, size=(int(FS * 3), 1)))
    (note,) = check.warnings()
    assert "raw ADC counts" in note and "--uv-per-count" in note


def test_dead_channels_and_envelopes_are_not_misjudged():
    check = ScaleCheck(FS, ["dead", "envelope"], "{unit}")
    t = np.arange(int(FS * 3)) / FS
    envelope = 20 + 10 * np.sin(2 * np.pi * 0.5 * t)  # smooth, yet clearly µV-sized
    check.process(np.column_stack([np.zeros_like(t), envelope]))
    assert check.done and check.findings == []


def test_guess_unit_boundaries():
    assert guess_unit(5.0) is None and guess_unit(0.0) is None and guess_unit(float("nan")) is None
    assert guess_unit(5e-6) == "V" and guess_unit(5e-3) == "mV" and guess_unit(1e7) == "counts"
