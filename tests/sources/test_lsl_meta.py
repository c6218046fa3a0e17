"""Stream descriptions, EMG-likeness, units and query quoting (no network: StreamInfo objects
are built locally and never published)."""

from __future__ import annotations

import pylsl
import pytest

from twitchwatch.sources.lsl_discovery import predicate, xpath_literal
from twitchwatch.sources.lsl_meta import (
    StreamDescription,
    channel_scales_to_uv,
    describe,
    emg_likeness,
    type_matches,
)


def make_info(name="s", type_="EMG", n=2, fs=1000.0, fmt=pylsl.cf_float32, source_id="sid",
              units=None, labels=None, scales=None):
    info = pylsl.StreamInfo(name, type_, n, fs, fmt, source_id)
    if units is not None or labels is not None:
        chans = info.desc().append_child("channels")
        for i in range(n):
            ch = chans.append_child("channel")
            ch.append_child_value("label", (labels or [f"c{k}" for k in range(n)])[i])
            if units is not None:
                ch.append_child_value("unit", units[i])
            ch.append_child_value("type", type_)
            if scales is not None:
                ch.append_child_value("scaling_factor", scales[i])
    return info


def desc(**kw) -> StreamDescription:
    base = dict(name="s", type="EMG", channel_count=2, nominal_srate=1000.0, format="float32",
                source_id="sid", hostname="h")
    base.update(kw)
    return StreamDescription(**base)


def test_describe_reads_the_channel_metadata():
    info = make_info(n=3, units=["microvolts", "mV", "V"], labels=["a", "b", "c"])
    d = describe(info)
    assert (d.name, d.type, d.channel_count, d.nominal_srate, d.format, d.source_id) == \
        ("s", "EMG", 3, 1000.0, "float32", "sid")
    assert d.labels == ("a", "b", "c") and d.units == ("microvolts", "mV", "V")
    assert d.types == ("EMG",) * 3 and d.info is info


def test_describe_ignores_partial_channel_lists():
    info = make_info(n=3)
    info.desc().append_child("channels").append_child("channel").append_child_value("label", "x")
    d = describe(info)
    assert d.labels == () and d.units == ()


@pytest.mark.parametrize("type_, name, likely, why", [
    ("EMG", "x", True, "type EMG"),
    ("ExG", "x", True, "ExG"),
    ("EXG", "x", True, "EXG"),
    ("EEG", "obci_eeg1", True, "OpenBCI GUI"),
    ("EEG", "cap", True, "EEG"),
    ("00:07:80:4d:2e:76", "OpenSignals", True, "MAC address"),
    ("Raw", "myemg-board", True, "name suggests"),
    ("Gaze", "eyetracker", False, "type 'Gaze'"),
])
def test_emg_likeness_covers_consumer_sensor_types(type_, name, likely, why):
    got, reason = emg_likeness(desc(type=type_, name=name))
    assert got is likely and why in reason


@pytest.mark.parametrize("kw, why", [
    (dict(format="string"), "not a signal"),
    (dict(nominal_srate=0.0), "irregular"),
    (dict(nominal_srate=50.0), "too slow"),
])
def test_markers_irregular_and_slow_streams_are_not_emg(kw, why):
    got, reason = emg_likeness(desc(**kw))
    assert not got and why in reason


def test_type_matching_is_case_insensitive_and_emg_like_matches_all():
    assert type_matches(desc(type="ExG"), "exg") and type_matches(desc(type="emg"), "EMG")
    assert not type_matches(desc(type="EEG"), "EMG")
    assert type_matches(desc(type="EEG"), "emg-like")
    assert not type_matches(desc(type="Markers", format="string"), "emg-like")


# ---- units ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("unit, scale", [("V", 1e6), ("volts", 1e6), ("mV", 1e3),
                                         ("millivolts", 1e3), ("uV", 1.0), ("µV", 1.0),
                                         ("microvolts", 1.0)])
def test_declared_units_convert_to_microvolts(unit, scale):
    scales, warnings = channel_scales_to_uv(desc(units=(unit, unit), labels=("a", "b")))
    assert scales == [scale, scale]
    assert all("declares no unit" not in w for w in warnings)
    if scale != 1.0:
        assert any("converted to microvolts" in w for w in warnings)


def test_no_declared_unit_assumes_microvolts_and_says_so():
    scales, warnings = channel_scales_to_uv(desc())
    assert scales == [1.0, 1.0]
    assert len(warnings) == 1 and "declares no unit" in warnings[0] and "--unit" in warnings[0]


def test_unit_override_wins_over_the_declaration():
    scales, _ = channel_scales_to_uv(desc(units=("uV", "uV")), unit="mV")
    assert scales == [1e3, 1e3]


def test_counts_need_a_scale():
    d = desc(units=("counts", "counts"), labels=("a", "b"))
    with pytest.raises(ValueError, match="raw counts.*--uv-per-count"):
        channel_scales_to_uv(d)
    assert channel_scales_to_uv(d, uv_per_count=0.05)[0] == [0.05, 0.05]


def test_counts_use_the_declared_scaling_factor():
    info = make_info(units=["counts", "counts"], scales=["0.5", "0.25"])
    assert channel_scales_to_uv(describe(info))[0] == [0.5, 0.25]


def test_unknown_units_are_refused_with_the_accepted_ones():
    with pytest.raises(ValueError, match="unknown unit 'furlongs'.*accepted"):
        channel_scales_to_uv(desc(units=("furlongs", "uV"), labels=("a", "b")))


# ---- queries ----------------------------------------------------------------------------------------


def test_xpath_literals_quote_any_text():
    assert xpath_literal("abc") == "'abc'"
    assert xpath_literal("it's") == '"it\'s"'
    assert xpath_literal("a'b\"c") == "concat('a', \"'\", 'b\"c')"


def test_predicate_matches_types_case_insensitively():
    p = predicate(name="n", type="EMG", source_id="s")
    assert "name='n'" in p and "source_id='s'" in p and "translate(type" in p and "'emg'" in p
    assert predicate() == "name"
    assert "translate" not in predicate(type="emg-like")
