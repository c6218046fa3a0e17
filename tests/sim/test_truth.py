"""Truth events and their CSV form."""

from __future__ import annotations

import pytest

from twitchwatch.sim import TruthEvent, read_truth_csv, simulate, write_truth_csv
from twitchwatch.sim.truth import CSV_COLUMNS, make_event


def test_csv_round_trip_is_exact(tmp_path):
    sim = simulate("mixed", duration_s=40.0, n_channels=4, seed=3, clip_uv=400.0)
    assert {e.kind for e in sim.truth} == {"fasciculation", "cramp", "contraction", "artifact"}
    path = tmp_path / "truth.csv"
    write_truth_csv(path, sim.truth)
    assert read_truth_csv(path) == sim.truth


def test_multi_tag_detail_and_empty_channels_round_trip(tmp_path):
    events = [
        make_event(1.25, 0.05, "fasciculation", 2, 123.4567, "doublet,complex", (1, 2, 3)),
        make_event(0.0, 10.0, "artifact", 0, 6.0, "mains", ()),
    ]
    path = tmp_path / "t.csv"
    write_truth_csv(path, events)
    back = read_truth_csv(path)
    assert back == events
    assert back[0].tags == ("doublet", "complex")
    assert back[0].end_s == pytest.approx(1.3)
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(CSV_COLUMNS)


def test_make_event_rounds_to_stored_precision():
    e = make_event(1.23456789, 0.0123456789, "cramp", 1, 98.7654321)
    assert (e.onset_s, e.duration_s, e.amplitude_uv) == (1.234568, 0.012346, 98.765)


@pytest.mark.parametrize(
    "text, message",
    [
        ("a,b,c\n", "header must be"),
        (",".join(CSV_COLUMNS) + "\n1.0,0.1,fasciculation,1\n", ":2: expected 7 columns"),
        (",".join(CSV_COLUMNS) + "\n1.0,0.1,twitch,1,50,,1\n", ":2: unknown kind 'twitch'"),
        (",".join(CSV_COLUMNS) + "\n\n1.0,x,cramp,1,50,,1\n", ":3:"),
        (",".join(CSV_COLUMNS) + "\nnan,0.1,cramp,1,50,,1\n", "must be finite"),
    ],
)
def test_bad_csv_raises_value_error_naming_the_line(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_truth_csv(path)


def test_truth_event_is_frozen():
    e = TruthEvent(0.0, 1.0, "cramp", 1, 10.0)
    with pytest.raises(AttributeError):
        e.onset_s = 2.0  # type: ignore[misc]
    assert e.detail == "" and e.channels == ()
