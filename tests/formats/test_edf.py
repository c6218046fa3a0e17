"""EDF/EDF+/BDF reader: channel choice, physical units to µV, annotations, chunking, refusals.

Synthetic files are written with edfio (the library the reader uses) into tmp_path; the real
EDF+ files in shared/data are checked at the end.
"""

from __future__ import annotations

import numpy as np
import pytest

edfio = pytest.importorskip("edfio")

from twitchwatch.formats import RecordingError, open_recording  # noqa: E402
from twitchwatch.formats.edf import EdfRecording  # noqa: E402

FS = 2000.0
SECONDS = 3


def _signal(cls, data, fs, label, unit, transducer="", prange=None):
    prange = prange or (float(np.min(data)) - 1.0, float(np.max(data)) + 1.0)
    return cls(data, fs, label=label, physical_dimension=unit, transducer_type=transducer,
               physical_range=prange)


def _emg(seed: int, n: int, amplitude: float) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, amplitude, n)


def write_edf(path, signals, annotations=(), bdf=False, record_s=1.0):
    cls = edfio.Bdf if bdf else edfio.Edf
    rec = cls(signals, annotations=[edfio.EdfAnnotation(*a) for a in annotations],
              data_record_duration=record_s)
    rec.write(path)
    return path


@pytest.fixture
def psg(tmp_path):
    """A PSG-like file: two EMG channels in mV at 2 kHz, EEG in µV at 2 kHz, temperature at 1 Hz,
    plus annotations."""
    n = int(FS * SECONDS)
    emg1, emg2, eeg = _emg(1, n, 0.05), _emg(2, n, 0.02), _emg(3, n, 20.0)
    temp = np.full(SECONDS, 36.5)
    signals = [
        _signal(edfio.EdfSignal, eeg, FS, "EEG Fz", "uV"),
        _signal(edfio.EdfSignal, emg1, FS, "EMG chin", "mV", "AgAgCl"),
        _signal(edfio.EdfSignal, temp, 1.0, "Temp", "degC", prange=(30.0, 40.0)),
        _signal(edfio.EdfSignal, emg2, FS, "Leg L", "mV", "EMG electrode"),
    ]
    path = write_edf(tmp_path / "psg.edf", signals, [(0.5, 0.0, "lights off"), (2.25, 1.0, "arousal")])
    return path, {"emg1": emg1, "emg2": emg2, "eeg": eeg}


def _quantum_uv(rec_path, label):
    sig = next(s for s in edfio.read_edf(rec_path).signals if s.label == label)
    lo, hi = sig.physical_range
    dlo, dhi = sig.digital_range
    scale = {"mV": 1e3, "uV": 1.0, "V": 1e6}[sig.physical_dimension]
    return (hi - lo) / (dhi - dlo) * scale


def read_all(rec, chunk=4096):
    return np.concatenate(list(rec.iter_chunks(chunk)))


def test_default_takes_the_emg_signals_in_microvolts_with_annotations(psg):
    path, truth = psg
    with open_recording(path) as rec:
        assert isinstance(rec, EdfRecording)
        assert rec.channel_labels == ["EMG chin", "Leg L"]  # label or transducer says EMG
        assert rec.units_in == ["mV", "mV"] and rec.fs_hz == FS
        assert rec.n_samples == FS * SECONDS and rec.stream_type == "EDF"
        assert rec.markers == [(0.5, "lights off"), (2.25, "arousal")]
        data = read_all(rec)
    assert data.dtype == np.float32 and data.flags.c_contiguous
    q = _quantum_uv(path, "EMG chin")
    np.testing.assert_allclose(data[:, 0], truth["emg1"] * 1e3, atol=q)
    np.testing.assert_allclose(data[:, 1], truth["emg2"] * 1e3, atol=_quantum_uv(path, "Leg L"))


@pytest.mark.parametrize("chunk", [1, 333, 2000, 4096, 10**6])
def test_chunks_concatenate_to_the_same_signal(psg, chunk):
    path, _ = psg
    with open_recording(path) as rec:
        whole = read_all(rec, 10**6)
        if chunk == 1:
            parts = [c for _, c in zip(range(2500), rec.iter_chunks(1))]  # across a record boundary
            np.testing.assert_array_equal(np.concatenate(parts), whole[:2500])
            return
        parts = list(rec.iter_chunks(chunk))
    assert all(len(p) <= chunk for p in parts)
    np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_stream_selects_by_label_or_type(psg):
    path, truth = psg
    with open_recording(path, stream="eeg fz") as rec:  # label, case-insensitive
        assert rec.channel_labels == ["EEG Fz"] and rec.units_in == ["uV"] and rec.warnings == []
        np.testing.assert_allclose(read_all(rec)[:, 0], truth["eeg"], atol=_quantum_uv(path, "EEG Fz"))
    with open_recording(path, stream="Leg L, EEG Fz") as rec:  # file order kept
        assert rec.channel_labels == ["EEG Fz", "Leg L"]
    with open_recording(path, stream="EMG") as rec:  # a type
        assert rec.channel_labels == ["EMG chin", "Leg L"]


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        ("EOG", "no signal labelled or typed 'EOG'; signals found: 'EEG Fz' (uV, 2000 Hz), 'EMG chin'"),
        ("EMG chin,Temp", "picks signals at different rates (1, 2000 Hz)"),
        ("Temp", "channel 'Temp': unknown unit 'degC'; accepted units: V/volts, mV/millivolts"),
    ],
)
def test_bad_selections_are_refused_with_the_signals_listed(psg, stream, message):
    path, _ = psg
    with pytest.raises(RecordingError) as info:
        open_recording(path, stream=stream)
    assert str(info.value).startswith(str(path)) and message in str(info.value)


def test_without_emg_the_voltage_signals_at_the_highest_rate_are_used(tmp_path):
    n = 1000
    signals = [
        _signal(edfio.EdfSignal, _emg(4, n, 1e-4), 1000.0, "ECG", "V"),
        _signal(edfio.EdfSignal, _emg(5, n // 2, 10.0), 500.0, "EEG C3", "uV"),
        _signal(edfio.EdfSignal, np.full(1, 98.0), 1.0, "SpO2", "%", prange=(0.0, 100.0)),
    ]
    path = write_edf(tmp_path / "ecg.edf", signals)
    with open_recording(path) as rec:
        assert rec.channel_labels == ["ECG"] and rec.fs_hz == 1000.0 and rec.units_in == ["V"]
        assert rec.warnings == [
            "no signal labelled EMG: using ECG, EEG C3; pass --stream LABEL to choose",
            "signals at other rates left out: EEG C3 (a recording has one rate; using the 1000 Hz "
            "ones); pass --stream LABEL to choose",
        ]
        data = read_all(rec)
    np.testing.assert_allclose(data[:, 0], signals[0].data * 1e6, atol=_quantum_uv(path, "ECG"))


def test_no_voltage_signal_is_refused(tmp_path):
    path = write_edf(tmp_path / "t.edf", [_signal(edfio.EdfSignal, np.full(4, 36.0), 1.0, "Temp",
                                                  "degC", prange=(30.0, 40.0))])
    with pytest.raises(RecordingError, match="no EMG signal and no signal in a voltage unit; "
                       r"signals found: 'Temp' \(degC, 1 Hz\)"):
        open_recording(path)


def test_bdf_is_read_with_24_bit_resolution(tmp_path):
    n = int(FS)
    emg = _emg(6, n, 300.0)
    sig = edfio.BdfSignal(emg, FS, label="EMG1", physical_dimension="uV",
                          physical_range=(-5000.0, 5000.0), digital_range=(-8388608, 8388607))
    path = write_edf(tmp_path / "a.bdf", [sig], [(0.25, 0.0, "go")], bdf=True)
    with open_recording(path) as rec:
        assert rec.stream_type == "BDF" and rec.markers == [(0.25, "go")]
        data = read_all(rec, 300)
    np.testing.assert_allclose(data[:, 0], emg, atol=1e-3 + 1e-6 * np.abs(emg).max())


def test_fs_argument_is_checked_against_the_header(psg):
    path, _ = psg
    with open_recording(path, fs_hz=FS):
        pass
    with pytest.raises(RecordingError, match="the header .* gives 2000 Hz but 1000 Hz was passed"):
        open_recording(path, fs_hz=1000.0)


def _edf_plus_d_with_gap(tmp_path):
    n = int(FS * SECONDS)
    path = write_edf(tmp_path / "d.edf", [_signal(edfio.EdfSignal, _emg(7, n, 0.05), FS, "EMG", "mV")],
                     [(0.1, 0.0, "x")])
    raw = bytearray(path.read_bytes())
    reserved = 192
    raw[reserved : reserved + 5] = b"EDF+D"
    pos = raw.find(b"+1\x14\x14")  # the time-keeping TAL of data record 1 ...
    assert pos > 0
    raw[pos : pos + 2] = b"+5"  # ... now says it starts at 5 s: a gap of 4 s
    path.write_bytes(bytes(raw))
    return path


def test_edf_plus_d_with_gaps_is_refused(tmp_path):
    with pytest.raises(RecordingError, match="EDF\\+D file with gaps between data records: .* export "
                       "the continuous parts as EDF\\+C files"):
        open_recording(_edf_plus_d_with_gap(tmp_path))


def test_truncated_file_keeps_its_complete_records_with_a_warning(psg, tmp_path):
    path, truth = psg
    raw = path.read_bytes()
    cut = tmp_path / "cut.edf"
    cut.write_bytes(raw[: len(raw) - 1000])  # the last data record is incomplete
    with open_recording(cut) as rec:
        assert rec.n_samples == FS * (SECONDS - 1)
        assert any("Incomplete data record" in w for w in rec.warnings)
        assert len(read_all(rec)) == rec.n_samples


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"0       " + b"x" * 300, "not a readable EDF file"),
        (b"0       ", "not a readable EDF file"),
        (b"\xffBIOSEMI" + b"\x00" * 10, "not a readable BDF file"),
    ],
)
def test_damaged_headers_are_refused_not_crashed(tmp_path, time_limit, content, message):
    path = tmp_path / "bad.edf"
    path.write_bytes(content)
    with time_limit(5.0), pytest.raises(RecordingError, match=message):
        open_recording(path)


def test_header_without_data_records_is_refused(psg, tmp_path):
    path, _ = psg
    header_bytes = int(path.read_bytes()[184:192])
    empty = tmp_path / "empty.edf"
    empty.write_bytes(path.read_bytes()[:header_bytes])
    with pytest.raises(RecordingError, match="no data records"):
        open_recording(empty)


# --- the real files ---------------------------------------------------------------------------------
def test_real_biosignalsplux_ecg_export(shared_data):
    path = shared_data / "edf" / "supine_1min.edf"
    with open_recording(path) as rec:
        assert (rec.fs_hz, rec.channel_labels, rec.units_in, rec.n_samples) == (1000.0, ["ECG"], ["mV"], 60000)
        assert rec.warnings == ["no signal labelled EMG: using ECG; pass --stream LABEL to choose"]
        data = read_all(rec)
    reference = edfio.read_edf(path).signals[0].data * 1e3  # mV -> µV
    np.testing.assert_allclose(data[:, 0], reference, rtol=1e-6, atol=1e-3)


def test_real_physionet_eeg_with_annotation(shared_data):
    path = shared_data / "edf" / "S001R02.edf"
    with open_recording(path) as rec:
        assert (rec.fs_hz, rec.n_channels, rec.n_samples) == (160.0, 64, 9760)
        assert rec.channel_labels[:3] == ["Fc5.", "Fc3.", "Fc1."] and set(rec.units_in) == {"uV"}
        assert rec.markers == [(0.0, "T0")]
        data = read_all(rec, 1000)
    np.testing.assert_array_equal(data[:, 0], edfio.read_edf(path).signals[0].data.astype(np.float32))
    with open_recording(path, stream="Cz..,Oz..") as rec:
        assert rec.channel_labels == ["Cz..", "Oz.."]
