"""`twitchwatch replay`: as fast as possible it gives what `analyze` gives; paced, trimmed and
republished on LSL. LSL stays on this machine (tests/conftest.py), stream names are unique, and
every resolve, pull and join has a timeout."""

from __future__ import annotations

import csv
import json
import threading
import uuid

import numpy as np
import pytest

from twitchwatch.cli import EXIT_DATA_ERROR, EXIT_OK, EXIT_USAGE, main
from twitchwatch.formats import open_recording, write_recording
from twitchwatch.sim import simulate

FS = 2000.0
TIMEOUT_S = 10.0


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    sim = simulate("rest-benign", duration_s=20.0, fs_hz=FS, n_channels=2, seed=8)
    path = tmp_path_factory.mktemp("replay") / "rest.xdf"
    write_recording(path, sim.data, sim.fs_hz, sim.channel_labels, markers=[(4.0, "m")])
    return path


def run_cli(capsys, *argv):
    try:
        code = main([*map(str, argv)])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _without_wall(doc: dict) -> dict:
    for rec in doc["recordings"]:
        rec.pop("wall_s", None)
    return doc


def outputs(tmp_path, capsys, command, path, *extra):
    events, summary = tmp_path / f"{command}.csv", tmp_path / f"{command}.json"
    code, out, err = run_cli(capsys, command, path, "--events-out", events, "--summary-out", summary, *extra)
    assert code == EXIT_OK, err
    out = out.replace(str(events), "EVENTS").replace(str(summary), "SUMMARY")
    return out, events.read_text(), _without_wall(json.loads(summary.read_text()))


def same_as_analyze(replayed: dict, analysed: dict) -> None:
    """Every value replay reports equals analyze's (analyze adds its status assessment and history
    session id on top: a replay is not a new session of the person)."""
    assert replayed["totals"] == analysed["totals"]
    rec, ref = replayed["recordings"][0], analysed["recordings"][0]
    assert {k: v for k, v in rec.items() if k != "replay"} == {k: ref[k] for k in rec if k != "replay"}


def test_fast_replay_gives_what_analyze_gives(recording, tmp_path, capsys):
    a = outputs(tmp_path, capsys, "analyze", recording)
    r = outputs(tmp_path, capsys, "replay", recording)
    assert r[1] == a[1]  # the events CSV, byte for byte
    assert len(list(csv.DictReader(a[1].splitlines()))) > 0
    same_as_analyze(r[2], a[2])
    assert "replay" not in r[2]["recordings"][0]  # a plain replay is a plain analysis
    summary_block = r[0].split("\n\n")[0]
    assert summary_block.startswith(f"file           {recording}") and summary_block in a[0]


def test_fast_replay_of_a_real_physionet_record_matches_analyze(shared_data, tmp_path, capsys):
    path = shared_data / "physionet-emgdb" / "emg_healthy.hea"
    a = outputs(tmp_path, capsys, "analyze", path)
    r = outputs(tmp_path, capsys, "replay", path, "--chunk-samples", "1000")
    assert r[1] == a[1]
    same_as_analyze(r[2], a[2])


def test_paced_replay_gives_the_same_events_and_says_so(recording, tmp_path, capsys):
    a = outputs(tmp_path, capsys, "analyze", recording)
    out, events, summary = outputs(tmp_path, capsys, "replay", recording, "--speed", "1000")
    assert events == a[1]
    same_as_analyze(summary, a[2])
    assert summary["recordings"][0]["replay"] == {
        "realtime": True, "speed": 1000.0, "start_s": 0.0, "end_s": None, "loop": False,
        "passes_done": 1, "lsl_name": None}
    assert out.startswith(f"twitchwatch replay: {recording} (2000 Hz, 2 channels: ")
    assert "| file 20.0 s" in out  # the final status line of the view (no terminal here)
    assert "file           " in out and "twitch rate" in out


def test_trimmed_replay_covers_only_the_chosen_part(recording, tmp_path, capsys):
    out, events, summary = outputs(tmp_path, capsys, "replay", recording, "--start", "5", "--end", "15")
    rec = summary["recordings"][0]
    assert rec["samples"] == 10 * FS and rec["duration_s"] == 10.0
    assert rec["replay"]["start_s"] == 5.0 and rec["replay"]["end_s"] == 15.0
    onsets = [float(r["onset_s"]) for r in csv.DictReader(events.splitlines())]
    assert all(0 <= t < 10.0 for t in onsets)


@pytest.mark.parametrize(("argv", "message"), [
    (["--loop"], "--loop replays forever: use it with --realtime or --lsl"),
    (["--lsl-name", "x"], "--lsl-name names the LSL stream: add --lsl"),
    (["--start", "3", "--end", "2"], "--end 2 s must be after --start 3 s"),
])
def test_usage_errors(recording, capsys, argv, message):
    code, out, err = run_cli(capsys, "replay", recording, *argv)
    assert code == EXIT_USAGE and f"twitchwatch replay: error: {message}" in err and out == ""


@pytest.mark.parametrize(("argv", "code"), [(["--speed", "0"], EXIT_USAGE), (["--start", "-1"], EXIT_USAGE)])
def test_bad_values_are_usage_errors(recording, capsys, argv, code):
    assert run_cli(capsys, "replay", recording, *argv)[0] == code


def test_unreadable_files_and_refusals_are_data_errors(recording, tmp_path, shared_data, capsys):
    code, _, err = run_cli(capsys, "replay", tmp_path / "nope.edf")
    assert code == EXIT_DATA_ERROR and "nope.edf: no such file; check the path" in err
    code, _, err = run_cli(capsys, "replay", recording, "--start", "30")
    assert code == EXIT_DATA_ERROR and "--start 30 s is at or past the end of the recording (20 s)" in err
    code, _, err = run_cli(capsys, "replay", shared_data / "opensignals" / "0_1.txt", "--stream", "CH3")
    assert code == EXIT_DATA_ERROR and "channel 'CH3' is a XYZ (accelerometer) sensor, not EMG" in err


def test_help_lists_the_new_formats(capsys):
    code, out, _ = run_cli(capsys, "replay", "--help")
    assert code == 0
    for text in ("EDF/BDF (.edf, .bdf)", "WFDB (.hea, .dat)", "OpenSignals text", "--lsl-name NAME"):
        assert text in out


# --- LSL ------------------------------------------------------------------------------------------
def _channels(info):
    out = []
    ch = info.desc().child("channels").child("channel")
    while not ch.empty():
        out.append((ch.child_value("label"), ch.child_value("unit")))
        ch = ch.next_sibling()
    return out


def test_lsl_republishes_the_recording_with_its_metadata(tmp_path):
    pylsl = pytest.importorskip("pylsl")
    n, fs, speed = 3000, 1000.0, 4.0
    data = np.random.default_rng(5).normal(0, 30, (n, 3)).astype(np.float32)
    path = tmp_path / "short.csv"
    write_recording(path, data, fs, ["EMG1", "EMG2", "EMG3"])
    name = f"replay-test-{uuid.uuid4().hex[:10]}"
    result: dict = {}

    def replay():
        try:
            result["code"] = main(["replay", str(path), "--lsl", "--lsl-name", name, "--speed", str(speed),
                                   "--lsl-wait", str(TIMEOUT_S), "--quiet"])
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            result["error"] = exc

    thread = threading.Thread(target=replay, daemon=True)
    thread.start()
    found = pylsl.resolve_byprop("name", name, 1, TIMEOUT_S)
    assert found, "the replay stream was not found"
    inlet = pylsl.StreamInlet(found[0], max_buflen=60)
    info = inlet.info(timeout=TIMEOUT_S)
    assert (info.type(), info.channel_count(), info.nominal_srate(), info.channel_format()) == (
        "EMG", 3, fs, pylsl.cf_float32)
    assert _channels(info) == [("EMG1", "microvolts"), ("EMG2", "microvolts"), ("EMG3", "microvolts")]
    assert info.source_id().startswith("twitchwatch-replay:")
    inlet.open_stream(timeout=TIMEOUT_S)  # the replay waits (--lsl-wait) for this consumer
    samples, stamps = [], []
    deadline = pylsl.local_clock() + TIMEOUT_S
    while sum(map(len, samples)) < n and pylsl.local_clock() < deadline:
        chunk, ts = inlet.pull_chunk(timeout=0.5, max_samples=4096)
        if ts:
            samples.append(np.asarray(chunk, dtype=np.float32))
            stamps.extend(ts)
    thread.join(TIMEOUT_S)
    assert not thread.is_alive() and "error" not in result and result["code"] == EXIT_OK
    got = np.concatenate(samples)
    np.testing.assert_array_equal(got, data)  # every sample, in order, unchanged
    steps = np.diff(stamps)
    assert steps == pytest.approx(np.full(len(steps), 1.0 / (fs * speed)), abs=1e-6)
    inlet.close_stream()


def test_replayed_file_matches_what_the_reader_gives(recording):
    """The LSL test compares against the array written; this pins that the reader gives it back."""
    with open_recording(recording) as rec:
        assert rec.n_samples == 20 * FS and rec.markers == [(4.0, "m")]
