"""`twitchwatch analyze`: files in, events CSV + summary JSON + a human summary out."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from twitchwatch import NOT_A_DIAGNOSTIC_DEVICE
from twitchwatch.cli import EXIT_DATA_ERROR, EXIT_OK, EXIT_USAGE, main
from twitchwatch.cli import analyze as analyze_cli
from twitchwatch.formats import write_recording
from twitchwatch.scoring import score_events
from twitchwatch.sim import read_truth_csv, simulate

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"
COLUMNS = ["onset_s", "duration_s", "kind", "channel", "peak_uv", "end_s", "channels", "flags",
           "n_phases", "snr", "rms_uv", "mean_freq_hz", "label"]
FS = 2000.0


@pytest.fixture(scope="module")
def sim():
    return simulate("rest-benign", duration_s=30.0, fs_hz=FS, n_channels=4, seed=4)


@pytest.fixture(scope="module")
def files(sim, tmp_path_factory):
    folder = tmp_path_factory.mktemp("recordings")
    out = {}
    for ext in ("xdf", "csv"):
        out[ext] = folder / f"rest.{ext}"
        write_recording(out[ext], sim.data, sim.fs_hz, sim.channel_labels)
    garbage = folder / "broken.xdf"
    garbage.write_bytes(b"XDF:" + b"\x00\xff" * 200)
    out["broken"] = garbage
    return out


def run_cli(capsys, *argv):
    try:
        code = main(["analyze", *map(str, argv)])
    except SystemExit as exc:  # argparse: --help and usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def read_rows(path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames), list(reader)


def as_events(rows, fs_hz):
    """CSV rows back into what `score_events` needs (sample positions)."""
    return [SimpleNamespace(kind=r["kind"], onset_sample=round(float(r["onset_s"]) * fs_hz),
                            end_sample=round(float(r["end_s"]) * fs_hz)) for r in rows]


@pytest.mark.parametrize("ext", ["xdf", "csv"])
def test_events_csv_has_the_columns_and_finds_the_true_twitches(capsys, tmp_path, files, sim, ext):
    events = tmp_path / "events.csv"
    code, out, err = run_cli(capsys, files[ext], "--events-out", events)
    assert code == EXIT_OK, err
    header, rows = read_rows(events)
    assert header == COLUMNS
    assert all(r["kind"] in ("fasciculation", "cramp", "contraction", "artifact") for r in rows)
    twitches = [r for r in rows if r["kind"] == "fasciculation"]
    assert len(twitches) >= 5
    score = score_events(as_events(rows, FS), sim.truth, FS, sim.duration_s, ignore_before_s=3.0)
    assert score.f1 > 0.8, score.as_dict()
    for r in twitches:  # 1-based channels and their labels
        assert 1 <= int(r["channel"]) <= 4 and r["label"] == f"EMG{r['channel']}"
        assert r["channel"] in r["channels"].split()
        assert float(r["peak_uv"]) > 0 and float(r["end_s"]) >= float(r["onset_s"])


def test_summary_json_agrees_with_the_events_csv(capsys, tmp_path, files):
    events, summary = tmp_path / "events.csv", tmp_path / "summary.json"
    code, _, err = run_cli(capsys, files["xdf"], files["csv"], "--events-out", events,
                           "--summary-out", summary)
    assert code == EXIT_OK, err
    header, rows = read_rows(events)
    assert header == ["source", *COLUMNS]  # several files: which one each row is from
    doc = json.loads(summary.read_text())
    recs = doc["recordings"]
    assert [r["file"] for r in recs] == [str(files["xdf"]), str(files["csv"])]
    for rec in recs:
        mine = [r for r in rows if r["source"] == rec["file"]]
        assert rec["ok"] and rec["counts"] == {k: Counter(r["kind"] for r in mine).get(k, 0)
                                               for k in rec["counts"]}
        n_tw = rec["counts"]["fasciculation"]
        assert rec["twitches"]["count"] == n_tw
        assert rec["twitches"]["per_min"] == pytest.approx(n_tw / rec["observed_s"] * 60)
        per_ch = Counter(int(r["channel"]) for r in mine if r["kind"] == "fasciculation")
        assert [c["count"] for c in rec["twitches"]["per_channel"]] == [per_ch.get(c, 0)
                                                                        for c in (1, 2, 3, 4)]
        assert rec["duration_s"] == 30.0 and rec["fs_hz"] == FS and len(rec["quality"]) == 4
    t = doc["totals"]
    assert t["files"] == 2 and t["files_failed"] == 0 and t["duration_s"] == 60.0
    assert t["counts"]["fasciculation"] == sum(r["kind"] == "fasciculation" for r in rows)
    assert NOT_A_DIAGNOSTIC_DEVICE in doc["note"]


def test_chunk_size_does_not_change_the_events(capsys, tmp_path, files):
    outputs = []
    for n in (257, 8192):
        path = tmp_path / f"events_{n}.csv"
        code, _, err = run_cli(capsys, files["xdf"], "--events-out", path, "--chunk-samples", n)
        assert code == EXIT_OK, err
        outputs.append(path.read_text())
    assert outputs[0] == outputs[1] and outputs[0].count("\n") > 5


def test_human_summary_names_everything(capsys, files):
    code, out, _ = run_cli(capsys, files["xdf"])
    assert code == EXIT_OK
    assert str(files["xdf"]) in out
    assert "30.0 s (00:30)" in out and "2000 Hz" in out
    assert "EMG1, EMG2, EMG3, EMG4" in out
    assert "fasciculation" in out and "cramp 0" in out and "artifact" in out
    assert "/min overall" in out
    assert "noise uV RMS" in out and "50 Hz" in out and "%" in out
    assert out.rstrip().endswith(NOT_A_DIAGNOSTIC_DEVICE)


def test_a_bad_file_among_good_ones_fails_with_3_but_the_others_are_written(capsys, tmp_path, files):
    events, summary = tmp_path / "events.csv", tmp_path / "summary.json"
    code, out, err = run_cli(capsys, files["xdf"], files["broken"], files["csv"],
                             "--events-out", events, "--summary-out", summary)
    assert code == EXIT_DATA_ERROR
    assert str(files["broken"]) in err and "Traceback" not in err + out
    assert "1 of 3 files could not be analysed" in err
    _, rows = read_rows(events)
    assert {r["source"] for r in rows} == {str(files["xdf"]), str(files["csv"])}
    doc = json.loads(summary.read_text())
    assert [r["ok"] for r in doc["recordings"]] == [True, False, True]
    assert str(files["broken"]) in doc["recordings"][1]["error"]
    assert doc["totals"]["files_failed"] == 1
    assert out.count("file           ") == 2  # both good files summarised


@pytest.mark.parametrize("name, content, message", [
    ("missing.xdf", None, "missing.xdf: no such file; check the path"),
    ("notes.docx", b"PK\x03\x04", "unsupported file type .docx"),
    ("empty.csv", b"", "empty.csv"),
])
def test_unreadable_files_get_a_specific_message_and_exit_3(capsys, tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    code, out, err = run_cli(capsys, path)
    assert code == EXIT_DATA_ERROR
    assert message in err and "Traceback" not in err
    assert err.count("error:") == 1


def test_a_rate_the_detector_cannot_use_is_a_data_error_naming_the_file(capsys, tmp_path):
    path = tmp_path / "slow.csv"
    write_recording(path, simulate("rest-benign", duration_s=1.0, fs_hz=200.0).data[::4], 50.0,
                    ["EMG1", "EMG2", "EMG3", "EMG4"])
    code, _, err = run_cli(capsys, path)
    assert code == EXIT_DATA_ERROR
    assert f"{path}: sampling rate 50 Hz is outside what the detector handles (100-20000 Hz)" in err


def test_outputs_that_cannot_be_written_are_refused_before_any_work(capsys, tmp_path, files):
    code, _, err = run_cli(capsys, files["xdf"], "--events-out", tmp_path / "nope" / "e.csv")
    assert code == EXIT_DATA_ERROR and "does not exist" in err
    code, _, err = run_cli(capsys, files["csv"], "--events-out", files["csv"])
    assert code == EXIT_DATA_ERROR and "is also an input file" in err
    assert files["csv"].read_text().startswith("time_s,")  # the input is untouched


@pytest.mark.parametrize("argv, message", [
    (["--chunk-samples", "0"], "chunk size must be an integer from 1"),
    (["--fs", "-250"], "sampling rate must be a finite number > 0"),
    (["--events-out", "events.txt"], "--events-out must end in .csv"),
    (["--summary-out", "s.csv"], "--summary-out must end in .json"),
])
def test_bad_options_are_usage_errors(capsys, files, argv, message):
    code, _, err = run_cli(capsys, files["xdf"], *argv)
    assert code == EXIT_USAGE and message in err


def test_no_file_is_a_usage_error(capsys):
    code, _, err = run_cli(capsys)
    assert code == EXIT_USAGE and "FILE" in err


def test_help_explains_every_option_with_units_and_an_example(capsys):
    code, out, _ = run_cli(capsys, "--help")
    assert code == EXIT_OK
    for option in ("--events-out", "--summary-out", "--fs", "--stream", "--chunk-samples",
                   "--quiet"):
        assert option in out
    assert "Hz" in out and "microvolts" in out and "seconds" in out and "per minute" in out
    assert "twitchwatch analyze rest.xdf" in out
    assert "onset_s,duration_s,kind,channel,peak_uv" in out


def test_progress_for_long_files_shows_percentage_and_speed(capsys, monkeypatch, files):
    monkeypatch.setattr(analyze_cli, "LONG_FILE_S", 0.0)  # every file counts as long
    monkeypatch.setattr(analyze_cli, "PROGRESS_LOG_INTERVAL_S", 0.0)
    code, _, err = run_cli(capsys, files["xdf"])
    assert code == EXIT_OK
    lines = [x for x in err.splitlines() if x.startswith(str(files["xdf"]))]
    assert lines and "100 % (30.0 of 30.0 s, 00:30)" in lines[-1]
    assert "x real time" in lines[-1]
    code, _, err = run_cli(capsys, files["xdf"], "--quiet")
    assert code == EXIT_OK and err == ""


def test_quiet_prints_nothing_but_still_writes(capsys, tmp_path, files):
    events = tmp_path / "e.csv"
    code, out, err = run_cli(capsys, files["xdf"], "--quiet", "--events-out", events)
    assert code == EXIT_OK and out == "" and err == ""
    assert events.read_text().count("fasciculation") >= 5


def test_the_sample_recordings_match_their_truth(capsys, tmp_path):
    summary = tmp_path / "summary.json"
    events = tmp_path / "events.csv"
    names = ["rest-benign_2khz_4ch.xdf", "cramp_1khz_2ch.xdf", "noisy-consumer_250hz_8ch.csv"]
    code, _, err = run_cli(capsys, *(RECORDINGS / n for n in names), "--summary-out", summary,
                           "--events-out", events)
    assert code == EXIT_OK, err
    doc = json.loads(summary.read_text())
    rest, cramp, noisy = doc["recordings"]
    _, rows = read_rows(events)

    def score(name, fs):
        mine = [r for r in rows if Path(r["source"]).name == name]
        truth = read_truth_csv(RECORDINGS / name.replace(Path(name).suffix, ".truth.csv"))
        return score_events(as_events(mine, fs), truth, fs, 60.0, ignore_before_s=3.0)

    assert score(names[0], 2000.0).f1 > 0.8
    assert rest["counts"]["cramp"] == 0 and rest["counts"]["contraction"] == 0
    s = score(names[1], 1000.0)
    assert s.cramps_found == s.true_cramps == 2 and s.false_cramps == 0
    assert noisy["fs_hz"] == 250.0
    assert any("250 Hz" in w for w in noisy["warnings"])
    assert noisy["quality"][0]["mains_hz"] == 60.0
    assert cramp["sustained_s"]["cramp"] > 20.0
