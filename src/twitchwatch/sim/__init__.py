"""Surface-EMG simulator with ground truth: fasciculations, cramps, contractions, artefacts.

Pure numpy/scipy. Typical use::

    from twitchwatch.sim import simulate, SCENARIOS, write_truth_csv
    sim = simulate("rest-benign", duration_s=120.0, fs_hz=2000.0, n_channels=4, seed=0)
    sim.data            # float32 (n_samples, n_channels), microvolts
    sim.truth           # list[TruthEvent], sorted by onset
    write_truth_csv("truth.csv", sim.truth)

Modules, one job each: ``waveform`` (Gaussian-derivative waveforms, measuring them), ``muap``
(random MUAP shapes), ``units`` (motor units on the array, placing waveforms), ``firing``
(discharge times), ``activity`` (twitches, cramps, contractions), ``artifacts`` (noise, mains,
ECG, motion, pops, clipping), ``scenarios`` (named scenarios, parameters), ``truth``
(TruthEvent and its CSV), ``simulation`` (``simulate``), ``constants`` (the numbers).
"""

from twitchwatch.sim.activity import Episode
from twitchwatch.sim.firing import SpikeTrain
from twitchwatch.sim.scenarios import SCENARIOS, Scenario, ScenarioParams, resolve_params
from twitchwatch.sim.simulation import Simulation, simulate
from twitchwatch.sim.truth import KINDS, TruthEvent, read_truth_csv, write_truth_csv

__all__ = [
    "KINDS",
    "Episode",
    "SCENARIOS",
    "Scenario",
    "ScenarioParams",
    "Simulation",
    "SpikeTrain",
    "TruthEvent",
    "read_truth_csv",
    "resolve_params",
    "simulate",
    "write_truth_csv",
]
