"""`ReplaySource`: a file through the Source interface, fast or paced against absolute deadlines,
trimmed, looped. Pacing is checked with a fake clock: ``wait(dt)`` advances it, nothing sleeps."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from twitchwatch.formats import RecordingError, write_recording
from twitchwatch.sources import Source
from twitchwatch.sources.replay import ReplaySource

FS = 1000.0
N = 4000  # 4 s


class FakeClock:
    def __init__(self, t: float = 100.0):
        self.t = t
        self.waits: list[float] = []
        self.stop_during_wait: threading.Event | None = None
        self.oversleep_s = 0.0  # a scheduler that wakes late

    def now(self) -> float:
        return self.t

    def wait(self, dt: float) -> bool:
        self.waits.append(dt)
        self.t += dt + self.oversleep_s
        if self.stop_during_wait is not None:
            self.stop_during_wait.set()
            return True
        return False


@pytest.fixture(scope="module")
def signal():
    rng = np.random.default_rng(3)
    return rng.normal(0, 20, (N, 2)).astype(np.float32)


@pytest.fixture(scope="module")
def files(signal, tmp_path_factory):
    folder = tmp_path_factory.mktemp("replay")
    markers = [(0.5, "a"), (1.5, "b"), (3.9, "c")]
    out = {}
    for ext in ("xdf", "csv"):  # XDF knows its length; CSV learns it at the end
        out[ext] = folder / f"rec.{ext}"
        write_recording(out[ext], signal, FS, ["EMG1", "EMG2"], markers=markers)
    return out


def drain(src: ReplaySource, n=777, timeout_s=0.0, limit=10**6):
    parts = []
    for _ in range(limit):
        chunk = src.read(n, timeout_s)
        if chunk is None:
            break
        parts.append(chunk)
    return np.concatenate(parts) if parts else np.zeros((0, src.n_channels), np.float32)


def paced(path, clock: FakeClock, **kw) -> ReplaySource:
    return ReplaySource(path, realtime=True, clock=clock.now, wait=clock.wait, **kw)


@pytest.mark.parametrize("ext", ["xdf", "csv"])
def test_fast_replay_delivers_the_file_exactly_then_none(files, signal, ext):
    with ReplaySource(files[ext], read_block_samples=1000) as src:
        assert isinstance(src, Source) and not src.realtime
        assert (src.fs_hz, src.n_channels, src.channel_labels) == (FS, 2, ["EMG1", "EMG2"])
        assert src.name == str(files[ext]) and src.markers == [(0.5, "a"), (1.5, "b"), (3.9, "c")]
        assert src.n_samples == (N if ext == "xdf" else None)
        data = drain(src, 333)
        assert src.read(10) is None and src.progress == 1.0 and src.passes_done == 1
    np.testing.assert_array_equal(data, signal)


@pytest.mark.parametrize("ext", ["xdf", "csv"])
@pytest.mark.parametrize(("start_s", "end_s"), [(1.25, None), (0.0, 2.5), (1.0011, 3.2), (3.999, None)])
def test_trimming_gives_exactly_the_samples_between_start_and_end(files, signal, ext, start_s, end_s):
    with ReplaySource(files[ext], start_s=start_s, end_s=end_s, read_block_samples=700) as src:
        data = drain(src, 512)
        first, stop = round(start_s * FS), (N if end_s is None else round(end_s * FS))
        np.testing.assert_array_equal(data, signal[first:stop])
        assert src.samples_read == stop - first
        inside = [(t - first / FS, x) for t, x in [(0.5, "a"), (1.5, "b"), (3.9, "c")] if first / FS <= t < stop / FS]
        assert [x for _, x in src.markers] == [x for _, x in inside]
        assert [t for t, _ in src.markers] == pytest.approx([t for t, _ in inside])


def test_start_past_the_end_is_refused(files):
    with pytest.raises(RecordingError, match=r"--start 5 s is at or past the end of the recording \(4 s\)"):
        ReplaySource(files["xdf"], start_s=5.0)
    src = ReplaySource(files["csv"], start_s=5.0)  # length unknown until read
    with pytest.raises(RecordingError, match="no samples to replay from 5 s"):
        drain(src)


@pytest.mark.parametrize(("kw", "message"), [
    ({"speed": 0}, "speed must be"), ({"speed": float("inf")}, "speed must be"),
    ({"block_s": -1}, "block_s must be"), ({"start_s": -1}, "start_s must be"),
    ({"start_s": 2.0, "end_s": 1.0}, r"end_s \(1 s\) must be after start_s \(2 s\)"),
    ({"end_s": float("nan")}, "end_s must be"),
])
def test_bad_arguments(files, kw, message):
    with pytest.raises(ValueError, match=message):
        ReplaySource(files["xdf"], **kw)


@pytest.mark.parametrize("ext", ["xdf", "csv"])
def test_loop_starts_again_at_start_with_indices_running_on(files, signal, ext):
    clock = FakeClock()
    src = paced(files[ext], clock, start_s=1.0, end_s=2.0, loop=True, speed=100.0)
    assert src.n_samples is None and src.progress is None
    got = []
    while sum(map(len, got)) < 3500:
        got.append(src.read(400, timeout_s=1.0))
    data = np.concatenate(got)
    expected = np.tile(signal[1000:2000], (4, 1))[: len(data)]
    np.testing.assert_array_equal(data, expected)
    assert src.passes_done == 3 and src.pass_samples == 1000
    assert src.position_s == pytest.approx(1.0 + (len(data) - 3000) / FS)


def test_paced_blocks_become_due_at_their_absolute_deadlines(files):
    clock = FakeClock()
    src = paced(files["xdf"], clock, block_s=0.02)
    assert len(src.read(10**6)) == 0  # the clock starts at the first read
    assert src.started_at == clock.t
    clock.t += 0.019
    assert len(src.read(10**6)) == 0
    clock.t += 0.001
    assert len(src.read(10**6)) == 20
    clock.t += 0.5  # a late reader gets everything that is due, in one go
    assert len(src.read(10**6)) == 500
    clock.t += 0.1
    assert len(src.read(30)) == 30  # ... or what it asks for
    assert len(src.read(10**6)) == 70


@pytest.mark.parametrize(("ext", "speed"), [("xdf", 1.0), ("xdf", 3.0), ("csv", 1.0), ("csv", 25.0)])
def test_paced_delivery_never_drifts_however_irregular_the_reads(files, signal, ext, speed):
    clock = FakeClock()
    src = paced(files[ext], clock, speed=speed, block_s=0.02)
    rng = np.random.default_rng(0)
    t0 = clock.t
    parts = [src.read(10**6)]
    while True:
        clock.t += float(rng.uniform(0.0, 0.07)) / speed
        chunk = src.read(10**6)
        if chunk is None:
            break
        parts.append(chunk)
        due = int(np.floor((clock.t - t0) * FS * speed / 20 + 1e-9)) * 20
        assert sum(map(len, parts)) == min(due, N)  # all that is due, nothing early
    np.testing.assert_array_equal(np.concatenate(parts), signal)
    assert clock.t - t0 == pytest.approx(N / FS / speed, abs=0.08 / speed)


def test_late_wakeups_do_not_accumulate(files):
    """Every wait wakes 25 ms late (2.5 blocks); deadlines stay absolute, so the replay still
    ends on time: it delivers more per read instead of falling behind."""
    clock = FakeClock()
    clock.oversleep_s = 0.025
    src = paced(files["xdf"], clock, block_s=0.01)
    t0 = clock.t
    total = 0
    reads = 0
    while (chunk := src.read(10**6, timeout_s=1.0)) is not None:
        total += len(chunk)
        reads += 1
        assert total <= (clock.t - t0) * FS + 1e-6  # never ahead of the clock
    assert total == N
    assert clock.t - t0 == pytest.approx(N / FS, abs=0.01 + 0.025)
    assert reads < N / 10 / 2  # late wake-ups were caught up by bigger reads


def test_waiting_read_sleeps_until_the_next_deadline_and_no_longer(files):
    clock = FakeClock()
    src = paced(files["xdf"], clock, block_s=0.05)
    t0 = clock.t
    assert len(src.read(10**6, timeout_s=1.0)) == 50
    assert clock.waits == [pytest.approx(0.05)] and clock.t == pytest.approx(t0 + 0.05)
    assert len(src.read(10**6, timeout_s=0.01)) == 0 and clock.waits[-1] == pytest.approx(0.01)


def test_whole_replay_takes_its_duration_divided_by_speed_trimmed(files):
    clock = FakeClock()
    src = paced(files["xdf"], clock, speed=4.0, block_s=0.03, start_s=0.5, end_s=3.0)
    t0 = clock.t
    assert len(drain(src, 10**6, timeout_s=10.0)) == 2500
    assert clock.t - t0 == pytest.approx(2.5 / 4.0)
    assert src.deadline(2500) == pytest.approx(t0 + 2.5 / 4.0)


def test_stop_ends_the_replay_and_wakes_a_waiting_read(files):
    clock = FakeClock()
    stop = threading.Event()
    src = paced(files["xdf"], clock, stop=stop)
    clock.stop_during_wait = stop
    assert src.read(100, timeout_s=1.0) is None
    assert src.read(100) is None


def test_default_wait_is_the_stop_event(files):
    stop = threading.Event()
    stop.set()
    src = ReplaySource(files["xdf"], realtime=True, stop=stop)
    assert src.read(100, timeout_s=5.0) is None  # at once: no real waiting


def test_on_chunk_sees_every_chunk_with_its_sample_times(files, signal):
    clock = FakeClock()
    seen = []
    src = paced(files["xdf"], clock, speed=2.0, loop=True, end_s=1.0,
                on_chunk=lambda chunk, first: seen.append((first, chunk.copy(), src.sample_time(first))))
    t0 = clock.t
    for _ in range(40):
        src.read(10**6, timeout_s=1.0)
    firsts = [f for f, _, _ in seen]
    sizes = [len(c) for _, c, _ in seen]
    assert firsts == list(np.cumsum([0] + sizes[:-1]))  # contiguous indices across loops
    assert [t for _, _, t in seen] == pytest.approx([t0 + f / (FS * 2.0) for f in firsts])
    data = np.concatenate([c for _, c, _ in seen])
    np.testing.assert_array_equal(data, np.tile(signal[:1000], (2, 1))[: len(data)] if len(data) <= 2000
                                  else np.tile(signal[:1000], (len(data) // 1000 + 1, 1))[: len(data)])
    times = src.sample_time(np.arange(3))
    assert times == pytest.approx(t0 + np.arange(3) / 2000.0)


def test_closed_source_reads_none_and_releases_the_file(files):
    src = ReplaySource(files["csv"])
    assert len(src.read(10)) == 10
    src.close()
    assert src.read(10) is None
    src.close()  # twice is fine


@pytest.mark.parametrize("name", ["physionet-emgdb/emg_healthy.hea", "opensignals/2_1.txt", "edf/supine_1min.edf"])
def test_real_files_replay_trimmed(shared_data, name):
    with ReplaySource(shared_data / name, start_s=1.0, end_s=2.5) as src:
        data = drain(src, 4096)
    assert len(data) == round(1.5 * src.fs_hz) and np.all(np.isfinite(data))
