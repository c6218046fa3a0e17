"""OpenSignals text (PLUX): JSON header, raw ADC counts to µV for EMG channels, others left out."""

from __future__ import annotations

import json

import numpy as np
import pytest

from twitchwatch.formats import RecordingError, open_recording
from twitchwatch.formats.opensignals import OpenSignalsRecording, emg_uv, sniff_opensignals

MAC = "00:07:80:4D:2E:AD"


def header(**over) -> dict:
    meta = {"sensor": ["EMG", "EMG", "XYZ"], "device name": MAC, "column": ["nSeq", "DI", "CH1", "CH2", "CH3"],
            "sampling rate": 1000, "label": ["CH1", "CH2", "CH3"], "resolution": [16, 16, 16],
            "device": "biosignalsplux", "channels": [1, 2, 3]}
    meta.update(over)
    return {MAC: meta}


def write_os(path, head: dict, rows: np.ndarray, bom=False):
    text = "# OpenSignals Text File Format\n# " + json.dumps(head) + "\n# EndOfHeader\n"
    text += "".join("\t".join(str(int(v)) for v in row) + "\t\n" for row in rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def rows(n=3000, n_analog=3, seed=0, wrap=None):
    rng = np.random.default_rng(seed)
    seq = np.arange(n) if wrap is None else np.arange(n) % wrap
    adc = rng.integers(30000, 35000, size=(n, n_analog))
    return np.column_stack([seq, np.zeros(n, int), adc])


def test_plux_transfer_function():
    # biosignalsplux: VCC 3 V, gain 1000; mid-scale is 0 µV; full scale is +-1.5 mV
    np.testing.assert_allclose(emg_uv(np.array([32768, 65536, 0]), 16, 3.0, 1000.0), [0.0, 1500.0, -1500.0])
    # BITalino, the formula: ((ADC / 2**n) - 0.5) * 3.3 / 1009 * 1000 mV
    adc = np.array([0, 300, 512, 1023])
    np.testing.assert_allclose(emg_uv(adc, 10, 3.3, 1009.0), ((adc / 2**10) - 0.5) * 3.3 / 1009 * 1000 * 1000)


def test_sniff():
    assert sniff_opensignals(b"# OpenSignals Text File Format\n")
    assert sniff_opensignals(b"\xef\xbb\xbf# OpenSignals Text File Format\n")
    assert not sniff_opensignals(b"time,EMG\n")


@pytest.mark.parametrize("bom", [False, True])
def test_emg_channels_in_microvolts_accelerometer_left_out(tmp_path, bom):
    table = rows()
    path = write_os(tmp_path / "a.txt", header(), table, bom=bom)
    with open_recording(path) as rec:
        assert isinstance(rec, OpenSignalsRecording)
        assert (rec.fs_hz, rec.channel_labels, rec.n_samples) == (1000.0, ["CH1", "CH2"], 3000)
        assert rec.units_in == ["ADC counts (16 bit)"] * 2 and rec.stream_type == "OpenSignals biosignalsplux"
        assert rec.stream_name == MAC
        assert rec.warnings == ["not EMG, left out: CH3 (XYZ (accelerometer))"]
        data = np.concatenate(list(rec.iter_chunks(700)))
    expected = ((table[:, 2:4] / 2**16) - 0.5) * 3.0 / 1000 * 1e6
    np.testing.assert_allclose(data, expected, rtol=1e-6)


def test_bitalino_uses_its_resolution_and_transfer_function(tmp_path):
    table = rows(n=500, n_analog=2)
    table[:, 2:] //= 64  # 10-bit values
    head = header(sensor=["EMGBITREV", "ECGBITREV"], column=["nSeq", "I1", "A1", "A2"], label=["A1", "A2"],
                  resolution=[10, 10], device="bitalino_rev")
    with open_recording(write_os(tmp_path / "b.txt", head, table)) as rec:
        assert rec.channel_labels == ["A1"] and rec.warnings == ["not EMG, left out: A2 (ECGBITREV (ECG))"]
        data = np.concatenate(list(rec.iter_chunks()))
    np.testing.assert_allclose(data[:, 0], ((table[:, 2] / 2**10) - 0.5) * 3.3 / 1009 * 1000 * 1000, rtol=1e-6)


def test_unknown_device_uses_the_bitalino_function_with_a_warning(tmp_path):
    path = write_os(tmp_path / "c.txt", header(device="newplux", sensor=["EMG", "EMG", "EMG"]), rows(100))
    with open_recording(path) as rec:
        assert rec.n_channels == 3
        assert rec.warnings == ["device 'newplux' is not one whose EMG transfer function we know: using "
                                "BITalino's (VCC 3.3 V, gain 1009)"]


def test_stream_picks_emg_channels_and_refuses_others(tmp_path):
    path = write_os(tmp_path / "a.txt", header(), rows(100))
    with open_recording(path, stream="ch2") as rec:
        assert rec.channel_labels == ["CH2"]
    with pytest.raises(RecordingError, match="channel 'CH3' is a XYZ \\(accelerometer\\) sensor, not EMG"):
        open_recording(path, stream="CH3")


def test_sample_counter_jumps_are_logged(tmp_path, caplog):
    table = rows(300, wrap=16)  # a BITalino-style 4-bit counter wraps: not a jump
    table = np.delete(table, [100, 101], axis=0)  # two lost samples: a jump
    path = write_os(tmp_path / "j.txt", header(), table)
    with caplog.at_level("WARNING", logger="twitchwatch"), open_recording(path) as rec:
        assert len(np.concatenate(list(rec.iter_chunks(64)))) == 298
    assert [r.getMessage() for r in caplog.records if "nSeq" in r.getMessage()] == [
        f"{path}: the nSeq counter jumps near line 104: samples were lost in transmission, so later "
        "times are early"
    ]


@pytest.mark.parametrize(
    ("head", "table", "message"),
    [
        ("# OpenSignals Text File Format\n# {not json\n# EndOfHeader\n", "", "line 2: the OpenSignals header is not valid JSON"),
        ("# OpenSignals Text File Format\n", "1\t2\n", "without its JSON line or '# EndOfHeader'"),
        (None, {"A": header()[MAC], "B": header()[MAC]}, "describes 2 devices (A, B); twitchwatch reads one device per file"),
        (None, header(sensor=["XYZ", "ECG", "EDA"]), "no EMG channel; the header's sensors are CH1 XYZ (accelerometer), CH2 ECG"),
        (None, header(label=["CH1", "CH2"]), "lists 2 labels, 3 sensors and 3 resolutions"),
        (None, header(resolution=[16, "x", 16]), "channel 'CH2' has resolution 'x' bits"),
        (None, header(**{"sampling rate": 0}), "no valid 'sampling rate' (0)"),
    ],
)
def test_bad_headers_are_refused(tmp_path, head, table, message):
    path = tmp_path / "bad.txt"
    if head is None:
        write_os(path, table, rows(10))
    else:
        path.write_text(head + table)
    with pytest.raises(RecordingError) as info:
        open_recording(path)
    assert message in str(info.value) and str(info.value).startswith(str(path))


def test_bad_rows_are_refused_with_the_line_number(tmp_path):
    table = rows(50)
    path = write_os(tmp_path / "r.txt", header(), table)
    lines = path.read_text().splitlines()
    lines[20] = "17\t0\t32768\t32768"  # one field short
    path.write_text("\n".join(lines) + "\n")
    with open_recording(path) as rec, pytest.raises(RecordingError, match=r"r\.txt line 21: 4 fields where the header names 5"):
        list(rec.iter_chunks())
    lines[20] = "17\t0\t32768\t32x68\t1"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RecordingError, match=r"r\.txt line 21: holds bytes that are not numbers"):
        open_recording(path)


def test_fs_argument_is_checked(tmp_path):
    path = write_os(tmp_path / "a.txt", header(), rows(10))
    with pytest.raises(RecordingError, match="the OpenSignals header gives 1000 Hz but 500 Hz was passed"):
        open_recording(path, fs_hz=500)


# --- the real files ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "n"), [("0_1", 6000), ("1_1", 6600), ("2_1", 5550), ("3_1", 6150)])
def test_real_opensignals_files(shared_data, time_limit, name, n):
    path = shared_data / "opensignals" / f"{name}.txt"
    with time_limit(5.0), open_recording(path) as rec:
        assert (rec.fs_hz, rec.channel_labels, rec.n_samples) == (1000.0, ["CH1", "CH2"], n)
        assert rec.warnings == ["not EMG, left out: CH3 (XYZ (accelerometer))"]
        data = np.concatenate(list(rec.iter_chunks()))
    raw = np.loadtxt(path, comments="#")
    assert raw.shape == (n, 5) and np.array_equal(raw[:, 0], np.arange(n))
    np.testing.assert_allclose(data, ((raw[:, 2:4] / 2**16) - 0.5) * 3.0 / 1000 * 1e6, rtol=1e-6)
    assert np.all(np.abs(data) < 1500.0)  # inside the sensor's +-1.5 mV range
