"""WFDB records (.hea + .dat, via the wfdb package) and the PhysioNet text variant.

Synthetic records are written with ``wfdb.wrsamp`` into tmp_path; the real PhysioNet emgdb
files (WFDB and text, with their corrupt lines and drifting time column) are checked at the end.
"""

from __future__ import annotations

import numpy as np
import pytest

wfdb = pytest.importorskip("wfdb")

from twitchwatch.formats import RecordingError, open_recording  # noqa: E402
from twitchwatch.formats.wfdb_io import (  # noqa: E402
    PhysioNetTextRecording,
    WfdbRecording,
    sniff_physionet_text,
    sniff_wfdb,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")

FS = 4000
GAIN = 10000.0  # adu/mV, as emgdb


def write_record(folder, name="rec", n=10_000, units=("mV", "mV"), names=("EMG1", "EMG2"), fs=FS):
    rng = np.random.default_rng(1)
    digital = rng.integers(-3000, 3000, size=(n, len(units))).astype(np.int32)
    wfdb.wrsamp(name, fs=fs, units=list(units), sig_name=list(names), d_signal=digital,
                fmt=["16"] * len(units), adc_gain=[GAIN] * len(units), baseline=[0] * len(units),
                write_dir=str(folder))
    return folder / f"{name}.hea", digital / GAIN  # physical values in the header's unit


def read_all(rec, chunk=4096):
    return np.concatenate(list(rec.iter_chunks(chunk)))


# --- WFDB -------------------------------------------------------------------------------------------
def test_sniff_wfdb_header():
    assert sniff_wfdb(b"# comment\nemg_healthy 1 4000 50860\nemg_healthy.dat 16 10000/mV\n")
    assert sniff_wfdb(b"rec/2 3 250\n")  # multi-segment record line
    assert not sniff_wfdb(b"time,EMG\n0,1\n") and not sniff_wfdb(b"\x00\x01")


@pytest.mark.parametrize("which", ["hea", "dat"])
def test_record_is_read_in_microvolts_by_header_or_data_file(tmp_path, which):
    hea, physical = write_record(tmp_path)
    with open_recording(hea.with_suffix("." + which)) as rec:
        assert isinstance(rec, WfdbRecording)
        assert (rec.fs_hz, rec.channel_labels, rec.units_in, rec.n_samples) == (FS, ["EMG1", "EMG2"],
                                                                                 ["mV", "mV"], 10_000)
        assert rec.stream_name == "rec" and rec.stream_type == "WFDB" and rec.warnings == []
        data = read_all(rec, 3000)
    np.testing.assert_allclose(data, physical * 1e3, rtol=1e-6)


def test_lower_case_mv_and_other_voltage_units(tmp_path):
    hea, physical = write_record(tmp_path, units=("mv", "uV"))
    with open_recording(hea) as rec:
        assert rec.units_in == ["mv", "uV"]
        data = read_all(rec)
    np.testing.assert_allclose(data[:, 0], physical[:, 0] * 1e3, rtol=1e-6)
    np.testing.assert_allclose(data[:, 1], physical[:, 1], rtol=1e-6)


@pytest.mark.parametrize("chunk", [1, 999, 10**6])
def test_chunks_concatenate_to_the_same_signal(tmp_path, chunk):
    hea, physical = write_record(tmp_path, n=2500)
    with open_recording(hea) as rec:
        parts = list(rec.iter_chunks(chunk)) if chunk > 1 else [c for _, c in zip(range(50), rec.iter_chunks(1))]
    data = np.concatenate(parts)
    assert all(len(p) <= chunk for p in parts)
    np.testing.assert_allclose(data, physical[: len(data)] * 1e3, rtol=1e-6)


def test_stream_picks_signals_by_name(tmp_path):
    hea, physical = write_record(tmp_path, units=("mV", "mV", "mV"), names=("ECG", "EMG1", "EMG2"))
    with open_recording(hea) as rec:
        assert rec.channel_labels == ["EMG1", "EMG2"]  # the EMG-like ones by default
    with open_recording(hea, stream="ECG") as rec:
        assert rec.channel_labels == ["ECG"]
        np.testing.assert_allclose(read_all(rec)[:, 0], physical[:, 0] * 1e3, rtol=1e-6)
    with pytest.raises(RecordingError, match="no signal labelled or typed 'resp'; signals found: 'ECG'"):
        open_recording(hea, stream="resp")


def test_data_file_without_header_is_refused(tmp_path):
    hea, _ = write_record(tmp_path)
    hea.unlink()
    with pytest.raises(RecordingError, match=r"rec\.dat: no WFDB header rec\.hea beside it"):
        open_recording(tmp_path / "rec.dat")


def test_missing_or_truncated_signal_file_is_refused_at_open_or_while_reading(tmp_path):
    hea, _ = write_record(tmp_path)
    dat = tmp_path / "rec.dat"
    raw = dat.read_bytes()
    dat.unlink()
    with pytest.raises(RecordingError, match=r"rec\.hea: WFDB samples 0-1 cannot be read"):
        open_recording(hea)
    dat.write_bytes(raw[: len(raw) // 2])
    with open_recording(hea) as rec, pytest.raises(RecordingError, match="WFDB samples"):
        read_all(rec)


def test_unit_that_is_not_a_voltage_is_refused_when_chosen(tmp_path):
    hea, _ = write_record(tmp_path, units=("mV", "mmHg"), names=("EMG", "ABP"))
    with open_recording(hea) as rec:
        assert rec.channel_labels == ["EMG"]
    with pytest.raises(RecordingError, match="channel 'ABP': unknown unit 'mmHg'"):
        open_recording(hea, stream="ABP")


def test_garbage_header_is_refused(tmp_path, time_limit):
    path = tmp_path / "bad.hea"
    path.write_bytes(b"bad 2 notarate\n\x00\x01garbage\n")
    with time_limit(5.0), pytest.raises(RecordingError, match="WFDB header bad.hea cannot be read"):
        open_recording(path)


# --- PhysioNet text -----------------------------------------------------------------------------------
def write_text(path, values_mv, fs=FS, drift_per_row_s=0.0, corrupt=()):
    lines = []
    for i, v in enumerate(values_mv):
        t = (i + 1) / fs + i * drift_per_row_s
        line = f"{t:.6g} {v:.4f}"
        lines.append(line)
    for row, garbage in corrupt:
        lines[row] = lines[row] + garbage
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    return path


def test_sniff_physionet_text():
    assert sniff_physionet_text(b"0.00025 -0.0333\n0.0005 -0.0350\n0.00075 -0.0350\n")
    assert sniff_physionet_text(b"0.00025\t-0.0333\t1.0\n")
    assert not sniff_physionet_text(b"time_s,EMG\n0,1\n")
    assert not sniff_physionet_text(b"time EMG\n0 1\n")
    assert not sniff_physionet_text(b"0.1\n0.2\n")


def test_text_beside_its_header_takes_rate_labels_and_units_from_it(tmp_path):
    _, physical = write_record(tmp_path, units=("mv",), names=("EMG",), n=3000)
    txt = write_text(tmp_path / "rec.txt", physical[:, 0])
    with open_recording(txt) as rec:
        assert isinstance(rec, PhysioNetTextRecording)
        assert (rec.fs_hz, rec.channel_labels, rec.units_in, rec.n_samples) == (FS, ["EMG"], ["mv"], 3000)
        assert rec.warnings == []
        data = read_all(rec, 700)
    np.testing.assert_allclose(data[:, 0], physical[:, 0] * 1e3, rtol=1e-6, atol=1e-3)


def test_text_without_header_needs_fs_and_hints_at_the_time_column(tmp_path):
    txt = write_text(tmp_path / "x.txt", np.zeros(500))
    with pytest.raises(RecordingError, match=r"without its header x\.hea beside it, so no sampling "
                       r"rate: pass --fs HZ \(the time column suggests about 4000 Hz\)"):
        open_recording(txt)
    with open_recording(txt, fs_hz=4000) as rec:
        assert rec.channel_labels == ["ch1"] and rec.units_in == ["mV"]
        assert rec.warnings == ["no header x.hea beside the file: values taken as mV (PhysioNet "
                                "text export)"]


def test_rows_not_the_time_column_give_sample_times(tmp_path):
    values = np.arange(8000) % 7 / 100.0
    txt = write_text(tmp_path / "d.txt", values, drift_per_row_s=2e-8)  # 0.16 ms drift per 8000 rows
    txt2 = write_text(tmp_path / "e.txt", values, drift_per_row_s=2e-6)  # 16 ms: warned
    with open_recording(txt, fs_hz=FS) as rec:
        assert not any("drifts" in w for w in rec.warnings)
        np.testing.assert_allclose(read_all(rec)[:, 0], values * 1e3, atol=1e-3)
    with open_recording(txt2, fs_hz=FS) as rec:
        assert any("the time column drifts +16.0 ms from the row count by the last row" in w
                   for w in rec.warnings)
        assert rec.n_samples == 8000 and len(read_all(rec)) == 8000


def test_corrupt_lines_keep_their_leading_number_with_a_warning(tmp_path):
    values = np.linspace(-0.5, 0.5, 5000)
    txt = write_text(tmp_path / "c.txt", values,
                     corrupt=[(10, "+\\ED0.0350"), (2000, "\xdc0.0850"), (4999, "0.0250")])
    with open_recording(txt, fs_hz=FS) as rec:
        assert rec.warnings[-1] == ("3 damaged line(s) with stray bytes after a value (lines 11, "
                                    "2001, 5000): the leading number was kept")
        data = read_all(rec, 1000)
    assert data.shape == (5000, 1)
    np.testing.assert_allclose(data[:, 0], values * 1e3, atol=0.06)  # "…0.0250" appends digits


def test_line_without_a_number_is_refused_with_its_line_number(tmp_path):
    txt = write_text(tmp_path / "c.txt", np.zeros(100), corrupt=[(49, "")])
    raw = txt.read_bytes().splitlines()
    raw[49] = b"0.0125 \xff\xfe"
    txt.write_bytes(b"\n".join(raw) + b"\n")
    with pytest.raises(RecordingError, match=r"c\.txt line 50: .* is not a number"):
        open_recording(txt, fs_hz=FS)


def test_header_with_another_channel_count_is_refused(tmp_path):
    write_record(tmp_path)  # rec.hea: 2 signals
    txt = write_text(tmp_path / "rec.txt", np.zeros(10))
    with pytest.raises(RecordingError, match="1 value columns but the header rec.hea beside it describes 2"):
        open_recording(txt)


# --- the real files ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "n", "unit"), [("emg_healthy", 50860, "mV"), ("emg_myopathy", 110337, "mv")]
)
def test_real_emgdb_records_and_their_text_exports_agree(shared_data, time_limit, name, n, unit):
    folder = shared_data / "physionet-emgdb"
    with time_limit(10.0):
        results = {}
        for ext in ("hea", "dat", "txt"):
            with open_recording(folder / f"{name}.{ext}") as rec:
                assert (rec.fs_hz, rec.channel_labels, rec.units_in, rec.n_samples) == (4000.0, ["EMG"], [unit], n)
                results[ext] = (read_all(rec), rec.warnings)
    reference = wfdb.rdrecord(str(folder / name)).p_signal[:, 0] * 1e3
    for ext, (data, _) in results.items():
        # one repaired line of the myopathy text reads "0.006750.0250": 6.75 µV where the record has 6.8
        np.testing.assert_allclose(data[:, 0], reference, rtol=1e-6, atol=0.06 if ext == "txt" else 1e-3,
                                   err_msg=ext)
    assert results["hea"][1] == []
    bad_lines = {"emg_healthy": "lines 639, 41464", "emg_myopathy": "lines 64468, 93751"}[name]
    assert f"2 damaged line(s) with stray bytes after a value ({bad_lines})" in results["txt"][1][0]
    if name == "emg_myopathy":
        assert "the time column drifts +19.5 ms from the row count by the last row" in results["txt"][1][1]


def test_real_text_without_its_header_needs_fs(shared_data, tmp_path):
    lone = tmp_path / "emg_healthy_alone.txt"  # a link: the real file without its .hea beside it
    lone.symlink_to(shared_data / "physionet-emgdb" / "emg_healthy.txt")
    with pytest.raises(RecordingError, match=r"pass --fs HZ \(the time column suggests about 4000 Hz\)"):
        open_recording(lone)
    with open_recording(lone, fs_hz=4000) as rec:
        assert rec.n_samples == 50860 and rec.units_in == ["mV"]
