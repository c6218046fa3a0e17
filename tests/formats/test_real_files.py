"""The recordings in shared/data: each loads with the rate and channels its README gives, or is
refused with a specific message; none takes longer than 5 s (a hard limit, not a sleep)."""

from __future__ import annotations

import numpy as np
import pytest

from twitchwatch.formats import RecordingError, open_recording

LIMIT_S = 5.0

# file -> (stream, fs_hz, n_channels, n_samples, n_markers)
LOADS = {
    "xdf/example-files/minimal.xdf": ("SendDataC", 10.0, 3, 9, 9),
    "xdf/example-files/clock_resets.xdf": ("BioSemi", 100.0, 8, 27815, 175),
    "xdf/example-files/empty_streams.xdf": ("Data stream: test stream 0 counter", 1.0, 1, 10, 1),
    "xdf/xdfjl/twochannel_string_marker.xdf": ("SendDataC", 1000.0, 64, 1, 1),
    "xdf/openbci-magicblink/handTwo.xdf": ("obci_eeg1", 250.0, 8, 11890, 0),
    "xdf/openbci-magicblink/handThree.xdf": ("obci_eeg1", 250.0, 8, 10790, 0),
    "xdf/openbci-magicblink/handFour.xdf": ("obci_eeg1", 250.0, 8, 60, 8),
    "xdf/openbci-magicblink/three_motion_two.xdf": ("obci_eeg1", 250.0, 8, 53680, 160),
    "edf/S001R02.edf": ("S001R02", 160.0, 64, 9760, 1),
    "edf/supine_1min.edf": ("supine_1min", 1000.0, 1, 60000, 0),
    "physionet-emgdb/emg_healthy.hea": ("emg_healthy", 4000.0, 1, 50860, 0),
    "physionet-emgdb/emg_healthy.dat": ("emg_healthy", 4000.0, 1, 50860, 0),
    "physionet-emgdb/emg_healthy.txt": ("emg_healthy", 4000.0, 1, 50860, 0),
    "physionet-emgdb/emg_myopathy.hea": ("emg_myopathy", 4000.0, 1, 110337, 0),
    "physionet-emgdb/emg_myopathy.txt": ("emg_myopathy", 4000.0, 1, 110337, 0),
    "opensignals/0_1.txt": ("00:07:80:4D:2E:AD", 1000.0, 2, 6000, 0),
}

# file -> pieces the RecordingError message must contain
REFUSALS = {
    "xdf/openbci-magicblink/handFive.xdf": [
        "no EMG/ExG/EEG signal stream with samples",
        "streams found: 'MyMarkerStream' (type 'Markers', 1 ch string, 38 samples)",
    ],
    "xdf/malformed/chunk_length_lie.xdf": [
        "no EMG/ExG/EEG signal stream",
        "streams found: none",
        "The file is damaged: byte 64: StreamHeader chunk dropped: too short for a stream id",
    ],
    "xdf/malformed/out_of_order_clock_offsets.xdf": [
        "streams found: '000000000' (type '', 3 ch irregular rate, 0 samples)",
        "channel_count 0 is outside 1..65536",
    ],
    "xdf/malformed/out_of_order_sample_chunk.xdf": [
        "streams found: '000000000' (type '', 3 ch irregular rate, 9 samples)",
        "channel_count 0 is outside 1..65536",
    ],
}


@pytest.mark.parametrize("name", sorted(LOADS))
def test_real_file_loads(shared_data, time_limit, name):
    stream, fs, n_ch, n, n_markers = LOADS[name]
    with time_limit(LIMIT_S) as elapsed:
        with open_recording(shared_data / name) as rec:
            data = np.concatenate(list(rec.iter_chunks()))
    assert (rec.stream_name, rec.fs_hz, rec.n_channels, rec.n_samples, len(rec.markers)) == (
        stream,
        fs,
        n_ch,
        n,
        n_markers,
    )
    assert data.shape == (n, n_ch) and data.dtype == np.float32 and np.all(np.isfinite(data))
    assert elapsed() < LIMIT_S


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_real_file_is_refused_with_a_specific_message(shared_data, time_limit, name):
    with time_limit(LIMIT_S):
        with pytest.raises(RecordingError) as info:
            open_recording(shared_data / name)
    message = str(info.value)
    assert message.startswith(str(shared_data / name))
    for piece in REFUSALS[name]:
        assert piece in message


def test_openbci_files_are_eeg_typed_microvolts_without_metadata(shared_data):
    with open_recording(shared_data / "xdf/openbci-magicblink/three_motion_two.xdf") as rec:
        assert rec.stream_type == "EEG" and rec.channel_labels == [f"ch{i}" for i in range(1, 9)]
        assert rec.units_in == [""] * 8
        assert rec.warnings == [
            "no EMG stream: using the EEG stream 'obci_eeg1' "
            "(OpenBCI GUI and many amplifiers label ExG streams EEG)",
            "no unit declared: assuming microvolts (all channels)",
        ]
        assert {t for _, t in rec.markers} == {"0", "1", "2", "3"}
        onsets = [o for o, _ in rec.markers]
        assert onsets == sorted(onsets) and onsets[0] > 0 and onsets[-1] < rec.n_samples / rec.fs_hz


def test_minimal_xdf_values_and_markers(shared_data):
    with open_recording(shared_data / "xdf/example-files/minimal.xdf") as rec:
        data = next(rec.iter_chunks())
    assert data[:2].tolist() == [[192, 255, 238], [12, 22, 32]]  # int16 samples, as the file's README
    assert rec.markers[0][1].startswith('<?xml version="1.0"?><info><writer>LabRecorder')
    assert [t for _, t in rec.markers[1:5]] == ["Hello", "World", "from", "LSL"]
    assert rec.markers[0][0] == pytest.approx(0.1, abs=1e-9)  # markers from 5.1 s, signal from 5.0 s


def test_empty_streams_channel_metadata(shared_data):
    with open_recording(shared_data / "xdf/example-files/empty_streams.xdf") as rec:
        assert rec.channel_labels == ["ch:00"]
        assert any("the numeric stream with the most samples" in w for w in rec.warnings)


def test_two_channel_string_markers_are_joined(shared_data):
    with open_recording(shared_data / "xdf/xdfjl/twochannel_string_marker.xdf") as rec:
        assert rec.markers == [(0.0, "Marker 0A | Marker 0B")]


def test_fuzzed_file_stream_loads_when_asked_for_explicitly(shared_data):
    path = shared_data / "xdf/malformed/out_of_order_sample_chunk.xdf"
    with pytest.raises(RecordingError, match="declares no nominal rate .* pass --fs HZ"):
        open_recording(path, stream="000000000")
    with open_recording(path, stream="000000000", fs_hz=100.0) as rec:
        assert rec.n_samples == 9 and rec.n_channels == 3
        assert any(w.startswith("damaged XDF file: byte 327") for w in rec.warnings)
