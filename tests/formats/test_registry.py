"""open_recording's dispatch: extension first, then the file's first bytes; clear refusals."""

from __future__ import annotations

import numpy as np
import pytest

from twitchwatch.formats import (
    READERS,
    RecordingError,
    open_recording,
    supported_text,
    write_recording,
)
from twitchwatch.formats.csv_io import CsvRecording
from twitchwatch.formats.xdf_reader import XdfRecording


def test_supported_text_lists_readable_formats():
    assert supported_text() == (
        "XDF (.xdf, .xdfz, .xdf.gz), OpenSignals text (.txt), PhysioNet text (.txt), "
        "CSV/text (.csv, .tsv, .txt), EDF/BDF (.edf, .bdf), WFDB (.hea, .dat)"
    )
    assert {r.name for r in READERS if r.open is None} == set()


def test_dispatch_by_extension(tmp_path):
    x = np.zeros((4, 1), np.float32)
    write_recording(tmp_path / "a.xdf", x, 100.0, ["a"])
    write_recording(tmp_path / "a.csv", x, 100.0, ["a"])
    assert isinstance(open_recording(tmp_path / "a.xdf"), XdfRecording)
    assert isinstance(open_recording(tmp_path / "a.csv"), CsvRecording)
    (tmp_path / "A.TXT").write_bytes((tmp_path / "a.csv").read_bytes())
    assert isinstance(open_recording(tmp_path / "A.TXT"), CsvRecording)


def test_unknown_extension_is_sniffed_for_xdf(tmp_path):
    write_recording(tmp_path / "a.xdf", np.zeros((4, 1), np.float32), 100.0, ["a"])
    (tmp_path / "recording.bin").write_bytes((tmp_path / "a.xdf").read_bytes())
    assert isinstance(open_recording(tmp_path / "recording.bin"), XdfRecording)


def test_unknown_extension_lists_supported_ones(tmp_path):
    (tmp_path / "r.mat").write_bytes(b"MATLAB 5.0 MAT-file")
    with pytest.raises(RecordingError, match=r"r\.mat: unsupported file type \.mat; supported: XDF \(\.xdf"):
        open_recording(tmp_path / "r.mat")
    (tmp_path / "noext").write_text("time,a\n0,1\n")
    with pytest.raises(RecordingError, match=r"unsupported file type \(none\)"):
        open_recording(tmp_path / "noext")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("r.edf", b"0       patient", "not a readable EDF file"),
        ("r.bdf", b"\xffBIOSEMI", "not a readable BDF file"),
        ("r.hea", b"rec 1 4000 100\n", "WFDB samples 0-1 cannot be read"),  # no rec.dat
        ("r.txt", b'# OpenSignals Text File Format\n# {"x": 1}\n', "OpenSignals header without its"),
    ],
)
def test_recognised_formats_go_to_their_reader(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(RecordingError, match=message):
        open_recording(tmp_path / name)


def test_xdf_extension_with_other_content(tmp_path):
    (tmp_path / "fake.xdf").write_text("time,a\n0,1\n")
    with pytest.raises(RecordingError, match=r"fake\.xdf: not an XDF file \(it starts with b'time'"):
        open_recording(tmp_path / "fake.xdf")


def test_path_problems(tmp_path):
    with pytest.raises(RecordingError, match="no such file"):
        open_recording(tmp_path / "missing.xdf")
    with pytest.raises(RecordingError, match="is a directory"):
        open_recording(tmp_path)
    (tmp_path / "a.csv").write_text("time,a\n0,1\n1,2\n")
    with pytest.raises(RecordingError, match="fs_hz must be a number"):
        open_recording(tmp_path / "a.csv", fs_hz="fast")
    with pytest.raises(RecordingError, match="stream must be a stream name or type"):
        open_recording(tmp_path / "a.csv", stream=3)


def test_recording_error_is_a_value_error():
    assert issubclass(RecordingError, ValueError)


def test_write_recording_refuses_bad_arguments(tmp_path):
    x = np.zeros((3, 2), np.float32)
    with pytest.raises(ValueError, match="cannot write .edf"):
        write_recording(tmp_path / "a.edf", x, 100.0, ["a", "b"])
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        write_recording(tmp_path / "a.xdf", x, 100.0, ["a", "b", "c"])
    with pytest.raises(ValueError, match="fs_hz must be > 0"):
        write_recording(tmp_path / "a.xdf", x, 0.0, ["a", "b"])
    with pytest.raises(ValueError, match="unknown unit 'furlongs'"):
        write_recording(tmp_path / "a.xdf", x, 100.0, ["a", "b"], unit="furlongs")
    with pytest.raises(ValueError, match="markers must be"):
        write_recording(tmp_path / "a.xdf", x, 100.0, ["a", "b"], markers=[(0.0, 5)])
    with pytest.raises(ValueError, match="contains a comma"):
        write_recording(tmp_path / "a.csv", x, 100.0, ["a,1", "b"])
