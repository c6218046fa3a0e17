"""Files that are not what they should be: empty, unreadable, marker-only, cut off, wrong
extension. Each gets a `RecordingError` that names the file, says what is wrong and what to do
(or, for a cut-off text file, the complete rows with a warning), and `analyze` exits 3."""

from __future__ import annotations

import os

import numpy as np
import pytest

from twitchwatch.cli import EXIT_DATA_ERROR, main
from twitchwatch.formats import RecordingError, XdfWriter, open_recording, registry
from twitchwatch.formats import write_recording as write_csv
from twitchwatch.sources import FileSource


def analyze(capsys, *argv):
    code = main(["analyze", "--no-history", *map(str, argv)])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("ext", [".xdf", ".xdfz", ".csv", ".txt", ".edf", ".bdf", ".hea", ".dat"])
def test_an_empty_file_says_it_is_empty(tmp_path, ext, capsys):
    path = tmp_path / f"empty{ext}"
    path.write_bytes(b"")
    with pytest.raises(RecordingError, match=r"empty\.\w+: the file is empty \(0 bytes\)"):
        open_recording(path)
    code, err = analyze(capsys, path)
    assert code == EXIT_DATA_ERROR and "the file is empty (0 bytes)" in err


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root reads files whatever their mode: see the monkeypatched variant")
def test_a_file_without_read_permission(tmp_path, capsys):
    path = tmp_path / "locked.csv"
    path.write_text("time,EMG1\n0,1\n0.001,2\n")
    path.chmod(0)
    try:
        with pytest.raises(RecordingError, match=r"locked\.csv: cannot open \(Permission denied\)"):
            open_recording(path)
        code, err = analyze(capsys, path)
        assert code == EXIT_DATA_ERROR and "Permission denied" in err
    finally:
        path.chmod(0o600)


def test_a_permission_error_from_the_os_is_a_clear_refusal(tmp_path, monkeypatch, capsys):
    """The same path as chmod 000 for a non-root user: open() raising PermissionError (made to
    happen here, as tests may run as root)."""
    path = tmp_path / "locked.csv"
    path.write_text("time,EMG1\n0,1\n0.001,2\n")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(registry, "open", denied, raising=False)
    with pytest.raises(RecordingError, match=r"locked\.csv: cannot open \(Permission denied\)"):
        open_recording(path)
    code, err = analyze(capsys, path)
    assert code == EXIT_DATA_ERROR and "locked.csv: cannot open (Permission denied)" in err


def test_a_path_through_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "plain.csv").write_text("x")
    path = tmp_path / "plain.csv" / "inside.csv"
    with pytest.raises(RecordingError, match=r"inside\.csv: cannot open \(Not a directory\)"):
        open_recording(path)
    code, _ = analyze(capsys, path)
    assert code == EXIT_DATA_ERROR


def test_a_marker_only_xdf_lists_what_it_holds(tmp_path, capsys):
    path = tmp_path / "markers.xdf"
    with XdfWriter(path) as w:
        sid = w.add_stream("Cues", "Markers", 1, 0.0, "string")
        w.write_samples(sid, ["start", "stop"], np.array([1.0, 2.0]))
    with pytest.raises(RecordingError) as info:
        open_recording(path)
    msg = str(info.value)
    assert "no EMG/ExG/EEG signal stream" in msg and "'Cues' (type 'Markers', 1 ch string, 2 samples)" in msg
    code, err = analyze(capsys, path)
    assert code == EXIT_DATA_ERROR and "'Cues'" in err


def test_an_xdf_without_an_emg_stream_takes_no_accelerometer_for_emg(tmp_path):
    path = tmp_path / "acc.xdf"
    with XdfWriter(path) as w:
        sid = w.add_stream("Acc", "Accelerometer", 3, 0.0, "float32")  # irregular, not a signal
        w.write_samples(sid, np.zeros((10, 3), np.float32), np.arange(10) * 0.1)
    with pytest.raises(RecordingError, match="no EMG/ExG/EEG signal stream"):
        open_recording(path)


def test_a_csv_cut_off_mid_row_keeps_its_complete_rows(tmp_path):
    path = tmp_path / "cut.csv"
    x = np.arange(3000, dtype=np.float32).reshape(1500, 2)
    write_csv(path, x, 1000.0, ["EMG1", "EMG2"])
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b",")])  # the last row loses its last field
    with FileSource(path) as src:
        got = np.concatenate(list(iter_all(src)))
        assert any("cut off" in w and "rows before it are kept" in w for w in src.warnings)
    assert np.array_equal(got, x[:-1])


def test_text_with_stray_bytes_names_the_line(tmp_path, capsys):
    path = tmp_path / "stray.csv"
    path.write_bytes(b"time,EMG1\n0,1\n0.001,2\n0.002,\x00\xff\xfe3\n0.003,4\n")
    code, err = analyze(capsys, path)
    assert code == EXIT_DATA_ERROR and "stray.csv line 4: column 'EMG1' holds" in err
    assert "not a number; fix or delete the line" in err


def test_a_wrong_extension_is_sniffed_or_refused_with_the_supported_list(tmp_path, capsys):
    good = tmp_path / "rec.csv"
    write_csv(good, np.zeros((2000, 1), np.float32), 1000.0, ["EMG1"])
    renamed = tmp_path / "rec.edf"
    renamed.write_bytes(good.read_bytes())
    with pytest.raises(RecordingError, match=r"rec\.edf: not a readable EDF file"):
        open_recording(renamed)
    odd = tmp_path / "rec.wav"
    odd.write_bytes(good.read_bytes())
    code, err = analyze(capsys, odd)
    assert code == EXIT_DATA_ERROR and "unsupported file type .wav; supported: XDF" in err


def iter_all(src):
    while (c := src.read(4096)) is not None:
        yield c
