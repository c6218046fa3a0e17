"""`twitchwatch simulate`: help, argument errors, summary, truth and recording files, LSL."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import numpy as np
import pylsl
import pytest

from twitchwatch.cli import EXIT_DATA_ERROR, EXIT_OK, EXIT_USAGE, main
from twitchwatch.sim import SCENARIOS, read_truth_csv, simulate

TIMEOUT_S = 10.0


def run_cli(capsys, *argv):
    try:
        code = main(["simulate", *argv])
    except SystemExit as exc:  # argparse exits for --help and usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_scenarios_units_and_an_example(capsys):
    code, out, _ = run_cli(capsys, "--help")
    assert code == EXIT_OK
    for name, scenario in SCENARIOS.items():
        assert name in out
        assert scenario.description in out
    assert "microvolts" in out and "seconds" in out and "hertz" in out
    assert "twitchwatch simulate --scenario" in out  # an example
    for option in ("--duration", "--fs", "--channels", "--seed", "--lsl", "--lsl-name", "--out",
                   "--truth"):
        assert option in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--scenario", "nope"], "valid: rest-benign, post-exercise, cramp"),
        ([], "--scenario"),
        (["--scenario", "cramp", "--fs", "100"], "between 200 and 10000 Hz"),
        (["--scenario", "cramp", "--fs", "fast"], "sampling rate must be a number"),
        (["--scenario", "cramp", "--channels", "65"], "from 1 to 64"),
        (["--scenario", "cramp", "--channels", "0"], "from 1 to 64"),
        (["--scenario", "cramp", "--duration", "0"], "duration must be > 0"),
        (["--scenario", "cramp", "--duration", "inf"], "duration must be finite"),
        (["--scenario", "cramp", "--seed", "-2"], "seed must be an integer >= 0"),
        (["--scenario", "cramp", "--out", "rec.edf"], "must end in .xdf or .csv"),
        (["--scenario", "cramp", "--truth", "truth.txt"], "must end in .csv"),
    ],
)
def test_bad_arguments_are_usage_errors_saying_what_is_accepted(capsys, argv, message):
    code, _, err = run_cli(capsys, *argv)
    assert code == EXIT_USAGE
    assert message in err


def test_summary_counts_truth_events_per_kind(capsys):
    code, out, _ = run_cli(capsys, "--scenario", "mixed", "--duration", "40", "--seed", "3")
    assert code == EXIT_OK
    sim = simulate("mixed", duration_s=40.0, seed=3)
    assert "mixed" in out and "40 s" in out and "2000 Hz" in out and "8 (EMG1..EMG8)" in out
    for kind, count in Counter(e.kind for e in sim.truth).items():
        assert any(line.split()[:2] == [kind, str(count)] for line in out.splitlines())
    ecg = len(sim.events("artifact", "ecg"))
    assert f"ecg {ecg}" in out


def test_truth_csv_matches_the_simulation(capsys, tmp_path):
    path = tmp_path / "truth.csv"
    code, out, _ = run_cli(capsys, "--scenario", "post-exercise", "--duration", "30",
                           "--fs", "1000", "--channels", "3", "--seed", "5", "--truth", str(path))
    assert code == EXIT_OK and str(path) in out
    expected = simulate("post-exercise", duration_s=30.0, fs_hz=1000.0, n_channels=3, seed=5)
    assert read_truth_csv(path) == expected.truth


def test_unwritable_output_is_a_data_error(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--scenario", "cramp", "--duration", "2",
                             "--truth", str(tmp_path / "missing" / "t.csv"))
    assert code == EXIT_DATA_ERROR
    assert "does not exist" in err and out == ""  # checked before simulating
    same = str(tmp_path / "x.csv")
    code, _, err = run_cli(capsys, "--scenario", "cramp", "--duration", "2", "--out", same,
                           "--truth", same)
    assert code == EXIT_DATA_ERROR and "same file" in err


def _writer_available() -> bool:
    try:
        from twitchwatch.formats import write_recording  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _writer_available(), reason="twitchwatch.formats.write_recording absent")
def test_out_writes_an_xdf_recording(capsys, tmp_path):
    pyxdf = pytest.importorskip("pyxdf")
    path = tmp_path / "rec.xdf"
    code, out, _ = run_cli(capsys, "--scenario", "cramp", "--duration", "4", "--channels", "2",
                           "--seed", "2", "--out", str(path))
    assert code == EXIT_OK and str(path) in out
    expected = simulate("cramp", duration_s=4.0, n_channels=2, seed=2)
    streams, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
    (emg,) = [s for s in streams if s["info"]["type"][0] == "EMG"]
    assert float(emg["info"]["nominal_srate"][0]) == 1000.0
    np.testing.assert_array_equal(np.asarray(emg["time_series"], dtype=np.float32),
                                  expected.data)
    channels = emg["info"]["desc"][0]["channels"][0]["channel"]
    assert [c["label"][0] for c in channels] == ["EMG1", "EMG2"]
    assert {c["unit"][0] for c in channels} == {"microvolts"}


@pytest.mark.skipif(not _writer_available(), reason="twitchwatch.formats.write_recording absent")
def test_out_writes_a_csv_recording(capsys, tmp_path):
    path = tmp_path / "rec.csv"
    code, _, _ = run_cli(capsys, "--scenario", "noisy-consumer-250hz", "--duration", "3",
                         "--seed", "4", "--out", str(path))
    assert code == EXIT_OK
    expected = simulate("noisy-consumer-250hz", duration_s=3.0, seed=4)
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[1:] == expected.channel_labels
    table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    np.testing.assert_array_equal(table[:, 1:].astype(np.float32), expected.data)
    np.testing.assert_allclose(table[:, 0], np.arange(expected.n_samples) / 250.0, atol=1e-9)


def test_lsl_stream_reaches_a_plain_inlet(capsys):
    """`twitchwatch simulate --scenario cramp --lsl --duration 3` runs in a thread; a plain
    pylsl inlet resolves it by type and unique name, checks its metadata and gets samples."""
    name = f"tw-cli-{uuid.uuid4().hex[:10]}"
    result: dict = {}

    def cli():
        try:
            result["code"] = main(["simulate", "--scenario", "cramp", "--lsl", "--duration",
                                   "3", "--lsl-name", name])
        except BaseException as exc:  # noqa: BLE001 - reported in the test thread
            result["error"] = exc

    thread = threading.Thread(target=cli, daemon=True)
    thread.start()
    try:
        found = pylsl.resolve_bypred(f"type='EMG' and name='{name}'", 1, TIMEOUT_S)
        assert len(found) == 1, "the simulator's stream was not found"
        inlet = pylsl.StreamInlet(found[0])
        info = inlet.info(timeout=TIMEOUT_S)
        assert info.nominal_srate() == 1000.0
        assert info.channel_count() == 4
        labels, ch = [], info.desc().child("channels").child("channel")
        while not ch.empty():
            labels.append(ch.child_value("label"))
            ch = ch.next_sibling()
        assert labels == ["EMG1", "EMG2", "EMG3", "EMG4"]
        stamps: list[float] = []
        deadline = pylsl.local_clock() + TIMEOUT_S
        while len(stamps) < 200 and pylsl.local_clock() < deadline:
            chunk, ts = inlet.pull_chunk(timeout=0.5)
            stamps.extend(ts)
            assert len(chunk) == len(ts)
        assert len(stamps) >= 200, "no samples arrived"
        assert np.allclose(np.diff(stamps), 1e-3, atol=1e-6)
        inlet.close_stream()
    finally:
        thread.join(TIMEOUT_S)
    assert not thread.is_alive()
    assert "error" not in result, result.get("error")
    assert result["code"] == EXIT_OK
    out = capsys.readouterr().out
    assert f"streaming on LSL: name '{name}'" in out and "streamed 3000 samples" in out
