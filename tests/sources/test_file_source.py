"""`FileSource`: a recording on disk through the `Source` interface, as fast as it is read."""

from __future__ import annotations

import numpy as np
import pytest

from twitchwatch.formats import RecordingError, write_recording
from twitchwatch.sim import simulate
from twitchwatch.sources import FileSource, Source


@pytest.fixture(scope="module")
def sim():
    return simulate("rest-benign", duration_s=3.0, fs_hz=1000.0, n_channels=3, seed=7)


@pytest.fixture(scope="module", params=["xdf", "csv"])
def recording(request, sim, tmp_path_factory):
    path = tmp_path_factory.mktemp("rec") / f"small.{request.param}"
    write_recording(path, sim.data, sim.fs_hz, sim.channel_labels)
    return path


def read_all(src: Source, max_samples: int) -> tuple[np.ndarray, list[int], list[float | None]]:
    chunks, sizes, progress = [], [], []
    while (chunk := src.read(max_samples)) is not None:
        assert chunk.dtype == np.float32 and chunk.flags.c_contiguous
        assert chunk.shape[1] == src.n_channels and 1 <= chunk.shape[0] <= max_samples
        chunks.append(chunk.copy())
        sizes.append(chunk.shape[0])
        progress.append(src.progress)
    return np.concatenate(chunks), sizes, progress


@pytest.mark.parametrize("max_samples, block_samples", [(1000, 4096), (777, 300), (10**6, 64)])
def test_delivers_every_sample_in_order_whatever_the_read_and_block_sizes(
        recording, sim, max_samples, block_samples):
    with FileSource(recording, block_samples=block_samples) as src:
        assert isinstance(src, Source) and not src.realtime
        assert (src.fs_hz, src.n_channels, src.channel_labels) == (1000.0, 3, sim.channel_labels)
        data, sizes, _ = read_all(src, max_samples)
        assert src.read(max_samples) is None  # stays ended
    np.testing.assert_array_equal(data, sim.data)  # float32 exact in XDF and in CSV ('%.9g')
    assert max(sizes) <= min(max_samples, block_samples)
    assert src.samples_read == sim.n_samples


def test_progress_rises_to_one_when_the_length_is_known(tmp_path, sim):
    path = tmp_path / "p.xdf"
    write_recording(path, sim.data, sim.fs_hz, sim.channel_labels)
    with FileSource(path, block_samples=500) as src:
        assert src.n_samples == sim.n_samples
        assert src.progress == 0.0
        _, _, progress = read_all(src, 500)
    assert progress == pytest.approx([k * 500 / sim.n_samples for k in range(1, 7)])


def test_csv_length_becomes_known_at_the_end(tmp_path, sim):
    path = tmp_path / "p.csv"
    write_recording(path, sim.data, sim.fs_hz, sim.channel_labels)
    with FileSource(path) as src:
        if src.n_samples is None:
            assert src.progress is None
        read_all(src, 1000)
        assert src.n_samples == sim.n_samples and src.progress == 1.0
        assert any("no unit declared" in w for w in src.warnings)


def test_name_defaults_to_the_path_and_can_be_given(recording):
    with FileSource(recording) as src:
        assert src.name == str(recording)
    with FileSource(recording, name="day 1") as src:
        assert src.name == "day 1"


def test_missing_and_unsupported_files_raise_recording_errors_that_say_what_to_do(tmp_path):
    with pytest.raises(RecordingError, match="no such file; check the path"):
        FileSource(tmp_path / "nope.xdf")
    odd = tmp_path / "rec.wav"
    odd.write_bytes(b"RIFF....WAVE")
    with pytest.raises(RecordingError, match="unsupported file type .wav"):
        FileSource(odd)


def test_reading_after_close_is_an_error_not_silence(recording):
    src = FileSource(recording)
    src.close()
    with pytest.raises(RecordingError, match="closed"):
        src.read(100)
    src.close()  # twice is fine


@pytest.mark.parametrize("bad", [0, -5, 2.5, True])
def test_max_samples_is_checked(recording, bad):
    with FileSource(recording) as src, pytest.raises((ValueError, TypeError)):
        src.read(bad)
