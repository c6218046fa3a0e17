"""CSV/text recordings: streaming reader, OpenBCI GUI exports, the writer."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from oracles.memory import peak_bytes_of, samples_read
from twitchwatch.formats import RecordingError, open_recording, write_recording


def _read_all(path, **kw) -> tuple[np.ndarray, object]:
    with open_recording(path, **kw) as rec:
        chunks = list(rec.iter_chunks(64))
        for c in chunks:
            assert c.dtype == np.float32 and c.flags.c_contiguous and c.shape[1] == rec.n_channels
        return (np.concatenate(chunks) if chunks else np.zeros((0, rec.n_channels), np.float32)), rec


def _write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_write_then_read_is_bit_equal_for_float32(tmp_path):
    rng = np.random.default_rng(11)
    x = (rng.standard_normal((3000, 3)) * 300).astype(np.float32)
    x[:4, 0] = [np.float32(1e-40), np.float32(-0.0), np.float32(3.4028235e38), np.float32(1 / 3)]
    path = tmp_path / "r.csv"
    write_recording(
        path, x, 4000.0, ["EMG1", "EMG2", "EMG3"], markers=[(0.1, "twitch"), (0.5, 'say "hi", bye')]
    )
    got, rec = _read_all(path)
    assert got.tobytes() == x.tobytes()
    assert rec.fs_hz == 4000.0 and rec.n_samples is None
    assert rec.channel_labels == ["EMG1", "EMG2", "EMG3"] and rec.units_in == ["", "", ""]
    assert rec.warnings == ["no unit declared: assuming microvolts (all channels)"]
    assert rec.markers == [(0.1, "twitch"), (0.5, 'say "hi", bye')]


def test_written_header_and_time_column(tmp_path):
    path = tmp_path / "h.csv"
    write_recording(path, np.array([[1.0, 2.0], [3.0, 4.5]], np.float32), 250.0, ["a", "b"])
    assert path.read_text().splitlines() == ["time_s,a,b", "0,1,2", "0.004,3,4.5"]
    write_recording(path, np.array([[1.0], [2.0]], np.float32), 250.0, ["a"], unit="mV")
    assert path.read_text().splitlines()[0] == "time_s,a [mV]"
    assert _read_all(path)[0].tolist() == [[1000.0], [2000.0]]


def test_writing_without_markers_removes_a_stale_sidecar(tmp_path):
    path = tmp_path / "s.csv"
    write_recording(path, np.zeros((3, 1)), 100.0, ["a"], markers=[(0.0, "x")])
    assert (tmp_path / "s.markers.csv").is_file()
    write_recording(path, np.zeros((3, 1)), 100.0, ["a"])
    assert not (tmp_path / "s.markers.csv").exists()


@pytest.mark.parametrize(
    ("header", "unit", "label"),
    [
        ("EMG1 [mV]", "mV", "EMG1"),
        ("EMG1 (uV)", "uV", "EMG1"),
        ("EMG1[V]", "V", "EMG1"),
        ("flexor (µV)", "µV", "flexor"),
    ],
)
def test_units_in_column_names(tmp_path, header, unit, label):
    path = _write(tmp_path / "u.csv", f"time,{header}\n0,1.5\n0.001,-2\n")
    got, rec = _read_all(path)
    scale = {"mV": 1e3, "V": 1e6}.get(unit, 1.0)
    assert rec.channel_labels == [label] and rec.units_in == [unit] and rec.warnings == []
    assert got[:, 0].tolist() == [1.5 * scale, -2 * scale]


def test_unknown_unit_in_a_column_name(tmp_path):
    path = _write(tmp_path / "u.csv", "time,acc [g]\n0,1\n0.001,2\n")
    with pytest.raises(RecordingError, match=r"channel 'acc': unknown unit 'g'; accepted units: V/volts"):
        open_recording(path)


@pytest.mark.parametrize("name", ["time", "Time_s", "TIMESTAMP", "t", "seconds", "time [ms]"])
def test_time_column_gives_the_rate(tmp_path, name):
    step = 0.5 if name.endswith("[ms]") else 0.0005
    rows = "\n".join(f"{k * step!r},{k}" for k in range(50))
    path = _write(tmp_path / "t.csv", f"{name},x\n{rows}\n")
    got, rec = _read_all(path)
    assert rec.fs_hz == 2000.0 and rec.channel_labels == ["x"]
    assert got[:, 0].tolist() == list(range(50))


def test_rate_from_median_step_survives_jitter_and_a_gap(tmp_path):
    t = np.arange(200) / 500.0 + np.random.default_rng(1).normal(0, 1e-5, 200)
    t[100:] += 1.0  # a gap
    path = _write(tmp_path / "j.csv", "time_s,x\n" + "".join(f"{float(v)!r},0\n" for v in t))
    assert open_recording(path).fs_hz == pytest.approx(500.0, rel=1e-3)


def test_rate_checks(tmp_path):
    timed = _write(tmp_path / "t.csv", "time_s,x\n0,1\n0.001,2\n0.002,3\n")
    assert open_recording(timed, fs_hz=1000).fs_hz == 1000.0
    with pytest.raises(
        RecordingError, match=r"time column 'time_s' \(median step\) gives 1000 Hz but 250 Hz was passed"
    ):
        open_recording(timed, fs_hz=250)
    untimed = _write(tmp_path / "n.csv", "a,b\n1,2\n3,4\n")
    with pytest.raises(RecordingError, match=r"no time column .*: pass --fs HZ"):
        open_recording(untimed)
    assert open_recording(untimed, fs_hz=500).fs_hz == 500.0
    flat = _write(tmp_path / "f.csv", "time,x\n0,1\n0,2\n0,3\n")
    with pytest.raises(RecordingError, match=r"time column 'time' does not give a rate .* pass --fs HZ"):
        open_recording(flat)
    rec = open_recording(flat, fs_hz=100.0)
    assert rec.fs_hz == 100.0 and "gives no rate" in rec.warnings[0]
    single = _write(tmp_path / "s.csv", "time,x\n0,1\n")
    with pytest.raises(RecordingError, match="pass --fs HZ"):
        open_recording(single)
    with pytest.raises(RecordingError, match="fs_hz must be > 0"):
        open_recording(untimed, fs_hz=0)


def test_comments_blank_lines_delimiters_and_ignored_columns(tmp_path):
    text = (
        "# exported by something\n%another comment\n\n"
        '"index";"time";"EMG L";"note";"EMG R"\n'
        "0;0.0;1.5;ok;-1\n\n# a comment in the data\n1;0.01;2.5;ok;-2\n"
    )
    got, rec = _read_all(_write(tmp_path / "d.csv", text))
    assert rec.channel_labels == ["EMG L", "EMG R"] and rec.fs_hz == 100.0
    assert got.tolist() == [[1.5, -1.0], [2.5, -2.0]]
    assert rec.warnings[:2] == [
        "column 'index' looks like a sample counter: ignored",
        "column 'note' is not numeric (first value 'ok'): ignored",
    ]


@pytest.mark.parametrize("sep", ["\t", " ", "   "])
def test_tab_and_whitespace_separated(tmp_path, sep):
    got, rec = _read_all(_write(tmp_path / "w.txt", f"time{sep}a{sep}b\n0{sep}1{sep}2\n0.5{sep}3{sep}4\n"))
    assert rec.fs_hz == 2.0 and got.tolist() == [[1, 2], [3, 4]]


def test_a_second_time_column_is_not_a_channel(tmp_path):
    got, rec = _read_all(
        _write(tmp_path / "2t.csv", "time,a,timestamp\n0,1,1612780776.4\n0.5,2,1612780776.9\n")
    )
    assert rec.channel_labels == ["a"] and rec.fs_hz == 2.0 and got.tolist() == [[1], [2]]
    assert rec.warnings[0] == "column 'timestamp' looks like a second time column: ignored"


def test_pandas_index_column_is_ignored(tmp_path):
    got, rec = _read_all(_write(tmp_path / "p.csv", ",time_s,a\n0,0.0,1\n1,0.001,2\n"))
    assert rec.channel_labels == ["a"] and got.tolist() == [[1], [2]]


def test_ragged_row_names_the_line(tmp_path):
    path = _write(tmp_path / "r.csv", "time,a,b\n0,1,2\n0.001,3\n")
    with pytest.raises(RecordingError, match=r"r\.csv line 3: 2 fields where the header has 3 \('0.001,3'\)"):
        open_recording(path)


def test_bad_cell_in_a_later_block_fails_while_iterating(tmp_path):
    rows = [f"{k / 1000!r},{k}" for k in range(10000)]
    rows[7000] = "7.0,12abc"
    path = _write(tmp_path / "b.csv", "time,a\n" + "\n".join(rows) + "\n")
    rec = open_recording(path)  # the first 4096 rows are fine
    with pytest.raises(RecordingError, match=r"b\.csv line 7002: column 'a' holds '12abc', not a number"):
        for _ in rec.iter_chunks(1000):
            pass


def test_decimal_comma_gets_a_hint(tmp_path):
    path = _write(tmp_path / "c.csv", "time;a\n0;1,5\n0,001;2\n")
    with pytest.raises(
        RecordingError, match=r"c\.csv line 2: column 'a' holds '1,5': decimal commas are not supported"
    ):
        open_recording(path)
    later = _write(tmp_path / "l.csv", "time;a\n0;1.5\n0.001;2,5\n")
    with pytest.raises(
        RecordingError, match=r"l\.csv line 3: column 'a' holds '2,5', not a number \(decimal commas"
    ):
        open_recording(later)


def test_header_problems(tmp_path):
    with pytest.raises(
        RecordingError, match=r"line 1: expected a header line naming the columns .* found numbers '0.1 2'"
    ):
        open_recording(_write(tmp_path / "n.csv", "0.1 2\n0.2 3\n"))  # .txt: PhysioNet text
    with pytest.raises(RecordingError, match="no header or data lines"):
        open_recording(_write(tmp_path / "e.csv", "# only a comment\n\n"))
    with pytest.raises(RecordingError, match=r"no data rows after the header \(line 2\)"):
        open_recording(_write(tmp_path / "h.csv", "#c\ntime,a\n"))
    with pytest.raises(RecordingError, match="no channel columns found"):
        open_recording(_write(tmp_path / "t.csv", "time,index\n0,1\n"))
    with pytest.raises(RecordingError, match="time column 'time \\[h\\]' has unit 'h'"):
        open_recording(_write(tmp_path / "u.csv", "time [h],a\n0,1\n"))
    with pytest.raises(RecordingError, match="stream='x' selects a stream of an XDF file"):
        open_recording(_write(tmp_path / "ok.csv", "time,a\n0,1\n1,2\n"), stream="x")


def test_reading_is_streamed_with_bounded_memory(tmp_path):
    n = 100_000
    path = tmp_path / "big.csv"
    write_recording(path, np.ones((n, 4), np.float32), 2000.0, ["a", "b", "c", "d"])
    rec = open_recording(path)
    total, peak = peak_bytes_of(lambda: samples_read(rec, 1000))
    assert total == n
    whole = n * 4 * 8  # the table as float64, let alone its text (~4.5 MB)
    assert peak < whole / 10, f"peak {peak} bytes while iterating"


def _openbci_oracle(path, columns: str) -> np.ndarray:
    """Slow, independent parse: csv module, strings to float."""
    with open(path) as f:
        rows = [r for r in csv.reader(f, skipinitialspace=True) if r and not r[0].startswith("%")]
    header, body = rows[0], rows[1:]
    cols = [i for i, h in enumerate(header) if h.startswith(columns)]
    return np.array([[float(r[i]) for i in cols] for r in body], dtype=np.float32)


def test_openbci_gui_v5_export(data_dir):
    path = data_dir / "openbci_gui_v5_cyton_8ch_250hz.txt"
    got, rec = _read_all(path)
    assert rec.fs_hz == 250.0 and rec.n_channels == 8
    assert rec.channel_labels == [f"EXG Channel {i}" for i in range(8)]
    assert rec.units_in == ["uV"] * 8 and rec.warnings == [] and rec.stream_type == "OpenBCI"
    assert got.tobytes() == _openbci_oracle(path, "EXG Channel").tobytes()
    with pytest.raises(
        RecordingError, match=r"the '%Sample Rate' header line gives 250 Hz but 200 Hz was passed"
    ):
        open_recording(path, fs_hz=200)


def test_openbci_gui_v4_export_without_column_header(data_dir):
    path = data_dir / "openbci_gui_v4_4ch_200hz_no_column_header.txt"
    got, rec = _read_all(path)
    assert rec.fs_hz == 200.0 and rec.channel_labels == [f"EXG Channel {i}" for i in range(4)]
    with open(path) as f:
        rows = [r for r in csv.reader(f, skipinitialspace=True) if not r[0].startswith("%")]
    assert got.tolist() == np.array([[float(v) for v in r[1:5]] for r in rows], np.float32).tolist()
    assert len(got) == 10
