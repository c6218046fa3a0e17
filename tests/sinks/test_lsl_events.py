"""Events and status as LSL marker streams: payloads, and a plain pylsl inlet receiving them."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from types import SimpleNamespace

import pylsl
import pytest

from twitchwatch.engine import Event
from twitchwatch.sinks.lsl_events import (
    EVENTS_TYPE,
    STATUS_TYPE,
    EventMarkerOutlet,
    NominalTiming,
    StatusOutlet,
    event_payload,
    gap_payload,
    status_payload,
)
from twitchwatch.sources.lsl_health import Gap, StreamHealth

TIMEOUT_S = 10.0


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_event(**kw) -> Event:
    base = dict(kind="fasciculation", channel=1, onset_sample=2000, end_sample=2019,
                peak_to_peak_uv=182.437, channels=(1, 2), flags=("doublet",), n_phases=3,
                energy_uv2_s=1.0, snr=14.25, rms_uv=0.0, mean_freq_hz=0.0, breadth=0.5,
                decided_at_sample=2540)
    base.update(kw)
    return Event(**base)


class ShiftedTiming(NominalTiming):
    """A timeline with 100 samples missing before sample 1000, source clock 5 s behind ours."""

    def timeline_sample(self, sample):
        return sample + (100 if sample >= 1000 else 0)

    def local_time(self, sample):
        return self.source_time(sample) + 5.0


def test_event_payload_carries_what_a_consumer_needs():
    timing = ShiftedTiming(2000.0, t0=100.0)
    text, stamp = event_payload(make_event(), timing, ["EMG1", "EMG2", "EMG3"], seq=7)
    d = json.loads(text)
    assert d["kind"] == "fasciculation" and d["channel"] == 2 and d["label"] == "EMG2"
    assert d["amplitude_uv"] == 182.44 and d["duration_s"] == 0.01
    assert d["flags"] == ["doublet"] and d["channels"] == [2, 3] and d["n_phases"] == 3
    assert d["onset_s"] == pytest.approx(2100 / 2000)  # timeline: missing samples counted
    assert d["source_time"] == pytest.approx(101.0)  # the input stream's clock
    assert d["end_source_time"] == pytest.approx(100.0 + 2019 / 2000)
    assert d["decided_source_time"] == pytest.approx(100.0 + 2540 / 2000)
    assert d["seq"] == 7
    assert stamp == pytest.approx(106.0)  # the marker's stamp: onset in our clock


def test_gap_payload():
    gap = Gap(at_sample=1000, timeline_sample=1000, missing=100, start_time=100.4995,
              end_time=100.55, cause="reconnect")
    text, stamp = gap_payload(gap, ShiftedTiming(2000.0, t0=100.0), seq=3)
    d = json.loads(text)
    assert d == {"kind": "gap", "onset_s": 0.5, "duration_s": 0.05, "missing_samples": 100,
                 "at_sample": 1000, "source_time_before": 100.4995, "source_time_after": 100.55,
                 "cause": "reconnect", "seq": 3}
    assert stamp == pytest.approx(100.0 + 1000 / 2000 + 5.0)  # where the missing samples begin


def fake_session(*, warming_up=False, sustained=False, twitches=3, observed=60.0):
    counts = Counter({"fasciculation": twitches, "cramp": 0, "contraction": 0, "artifact": 1})
    summary = SimpleNamespace(twitch_rate_per_min=twitches / observed * 60, twitch_count=twitches,
                              duration_s=observed + 3, observed_s=observed, counts=dict(counts))
    return SimpleNamespace(summary=summary, warming_up=warming_up, in_sustained_activity=sustained)


@pytest.mark.parametrize("kw, health_state, state", [
    (dict(warming_up=True), "connected", "warming_up"),
    (dict(), "connected", "listening"),
    (dict(sustained=True), "connected", "sustained_activity"),
    (dict(), "stalled", "no_signal"),
    (dict(), None, "listening"),
])
def test_status_payload_states(kw, health_state, state):
    health = None if health_state is None else StreamHealth(state=health_state, nominal_rate_hz=250.0)
    d = json.loads(status_payload(fake_session(**kw), health, seq=2))
    assert d["state"] == state and d["seq"] == 2
    assert d["twitch_rate_per_min"] == 3.0 and d["twitch_count"] == 3
    assert d["in_sustained_activity"] is kw.get("sustained", False)
    assert (d["stream"] is None) == (health is None)
    if health is not None:
        assert d["stream"]["state"] == health_state


# ---- over LSL -------------------------------------------------------------------------------------


def open_inlet(name: str, stream_type: str) -> pylsl.StreamInlet:
    found = pylsl.resolve_bypred(f"name='{name}' and type='{stream_type}'", 1, TIMEOUT_S)
    assert len(found) == 1, f"{name} not found"
    inlet = pylsl.StreamInlet(found[0])
    inlet.open_stream(timeout=TIMEOUT_S)
    return inlet


def test_event_markers_reach_a_plain_inlet():
    name = unique("tw-events")
    timing = NominalTiming(1000.0, t0=pylsl.local_clock())
    with EventMarkerOutlet(timing, ["A", "B"], name=name, input_name="emg",
                           input_source_id="dev-1") as outlet:
        assert outlet.info.type() == EVENTS_TYPE
        assert outlet.info.source_id() == "twitchwatch-events:dev-1"
        inlet = open_inlet(name, EVENTS_TYPE)
        info = inlet.info(timeout=TIMEOUT_S)
        assert info.channel_format() == pylsl.cf_string and info.nominal_srate() == 0
        assert info.desc().child("input").child_value("source_id") == "dev-1"
        assert outlet.wait_for_consumers(TIMEOUT_S)
        events = [make_event(onset_sample=1000 * k, end_sample=1000 * k + 10, channel=0)
                  for k in range(1, 4)]
        for e in events:
            outlet.write(e)
        outlet.write_gap(Gap(3500, 3500, 20, timing.source_time(3499), timing.source_time(3520), "dropout"))
        got = []
        while len(got) < 4:
            sample, stamp = inlet.pull_sample(timeout=TIMEOUT_S)
            assert sample is not None, "marker not received in time"
            got.append((json.loads(sample[0]), stamp))
    assert [g[0]["seq"] for g in got] == [0, 1, 2, 3]
    assert [g[0]["kind"] for g in got] == ["fasciculation"] * 3 + ["gap"]
    for (d, stamp), e in zip(got, events):
        assert stamp == pytest.approx(timing.local_time(e.onset_sample), abs=1e-6)
        assert d["source_time"] == pytest.approx(timing.source_time(e.onset_sample))
    inlet.close_stream()


def test_status_reaches_a_plain_inlet():
    name = unique("tw-status")
    with StatusOutlet(name=name, input_name="emg", input_source_id="dev-2") as outlet:
        assert outlet.info.type() == STATUS_TYPE
        inlet = open_inlet(name, STATUS_TYPE)
        assert outlet.wait_for_consumers(TIMEOUT_S)
        health = StreamHealth(state="connected", nominal_rate_hz=250.0, effective_rate_hz=249.9)
        outlet.push_text(status_payload(fake_session(), health, seq=0))
        sample, _ = inlet.pull_sample(timeout=TIMEOUT_S)
    assert sample is not None
    d = json.loads(sample[0])
    assert d["state"] == "listening" and d["stream"]["effective_rate_hz"] == 249.9
    inlet.close_stream()


def test_closed_outlets_refuse_markers():
    outlet = StatusOutlet(name=unique("tw-closed"))
    outlet.close()
    with pytest.raises(RuntimeError, match="closed"):
        outlet.push_text("{}")
