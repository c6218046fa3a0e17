"""`EventCsvWriter`: exact columns and formats, and rows on disk as soon as they are written."""

from __future__ import annotations

import csv

import pytest

from twitchwatch.engine import Event
from twitchwatch.sinks import EVENT_CSV_COLUMNS, EventCsvWriter

HEADER = ("onset_s,duration_s,kind,channel,peak_uv,end_s,channels,flags,n_phases,snr,rms_uv,"
          "mean_freq_hz,label")
LABELS = ["EMG1", "EMG2", "EMG3"]


def make_event(**kw) -> Event:
    base = dict(kind="fasciculation", channel=1, onset_sample=10_000, end_sample=10_029,
                peak_to_peak_uv=123.456, channels=(0, 1), flags=("doublet", "complex"),
                n_phases=5, energy_uv2_s=1.0, snr=12.345, rms_uv=0.0, mean_freq_hz=0.0,
                breadth=0.5, decided_at_sample=10_600)
    base.update(kw)
    return Event(**base)


def lines(path) -> list[str]:
    with open(path, encoding="utf-8") as f:  # a separate handle: what another process would see
        return f.read().splitlines()


def test_columns_are_exactly_the_documented_ones(tmp_path):
    assert ",".join(EVENT_CSV_COLUMNS) == HEADER
    with EventCsvWriter(tmp_path / "e.csv", 2000.0, LABELS):
        pass
    assert lines(tmp_path / "e.csv") == [HEADER]


def test_a_row_in_seconds_microvolts_and_one_based_channels(tmp_path):
    path = tmp_path / "e.csv"
    with EventCsvWriter(path, 2000.0, LABELS) as w:
        w.write(make_event())
        w.write(make_event(kind="cramp", channel=2, onset_sample=1, end_sample=20_000,
                           channels=(2,), flags=(), n_phases=0, rms_uv=88.123,
                           mean_freq_hz=101.27))
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    assert rows[0] == {
        "onset_s": "5.000000", "duration_s": "0.015000", "kind": "fasciculation", "channel": "2",
        "peak_uv": "123.46", "end_s": "5.014500", "channels": "1 2", "flags": "doublet;complex",
        "n_phases": "5", "snr": "12.35", "rms_uv": "0.00", "mean_freq_hz": "0.0", "label": "EMG2",
    }
    assert rows[1]["onset_s"] == "0.000500" and rows[1]["channel"] == "3"
    assert rows[1]["label"] == "EMG3" and rows[1]["flags"] == "" and rows[1]["channels"] == "3"
    assert rows[1]["rms_uv"] == "88.12" and rows[1]["mean_freq_hz"] == "101.3"


def test_each_row_is_on_disk_while_the_writer_is_still_open(tmp_path):
    path = tmp_path / "e.csv"
    w = EventCsvWriter(path, 1000.0, LABELS)
    assert lines(path) == [HEADER]
    for k in range(3):
        w.write(make_event(onset_sample=5000 + k * 1000, end_sample=5010 + k * 1000))
        seen = lines(path)
        assert len(seen) == 2 + k and seen[-1].startswith(f"{5 + k}.000000,")
    assert w.rows_written == 3
    w.close()
    with pytest.raises(ValueError, match="closed"):
        w.write(make_event())


def test_several_recordings_in_one_file_get_a_source_column_first(tmp_path):
    path = tmp_path / "e.csv"
    with EventCsvWriter(path, None, None, source_column=True) as w:
        with pytest.raises(ValueError, match="set_source"):
            w.write(make_event())
        w.set_source("day1.xdf", 1000.0, ["A", "B"])
        w.write(make_event(channel=0, channels=(0,)))
        w.set_source("day2.csv", 250.0, ["X", "Y"])
        w.write(make_event(channel=1, onset_sample=500, end_sample=504))
    rows = list(csv.reader(open(path, encoding="utf-8")))
    assert rows[0] == ["source", *EVENT_CSV_COLUMNS]
    assert rows[1][0] == "day1.xdf" and rows[1][1] == "10.000000" and rows[1][-1] == "A"
    assert rows[2][0] == "day2.csv" and rows[2][1] == "2.000000" and rows[2][-1] == "Y"


def test_labels_with_commas_are_quoted_not_split(tmp_path):
    path = tmp_path / "e.csv"
    with EventCsvWriter(path, 1000.0, ["left, biceps", "right"]) as w:
        w.write(make_event(channel=0))
    row = list(csv.DictReader(open(path, encoding="utf-8")))[0]
    assert row["label"] == "left, biceps"


def test_an_unwritable_path_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        EventCsvWriter(tmp_path / "missing" / "e.csv", 1000.0, LABELS)
