"""`twitchwatch streams`: the list of LSL streams (kept on this machine by tests/lsl_api.cfg).

Other test runs may publish streams on this machine too: the tests look only for their own
(unique) names.
"""

from __future__ import annotations

import json
import uuid

import pylsl
import pytest

from twitchwatch.cli import main
from twitchwatch.cli.streams import HEADER, format_table
from twitchwatch.sources.lsl_meta import StreamDescription

WAIT = "1.0"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def outlets():
    name = unique("tw-streams")
    emg = pylsl.StreamOutlet(pylsl.StreamInfo(name + "-obci", "EEG", 8, 250.0, pylsl.cf_float32,
                                              name + "-sid"))
    markers = pylsl.StreamOutlet(pylsl.StreamInfo(name + "-mk", "Markers", 1, 0.0, pylsl.cf_string,
                                                  name + "-mk-sid"))
    yield name
    del emg, markers


def test_json_lists_name_type_channels_rate_format_source_id_host_and_emg(outlets, capsys):
    assert main(["streams", "--wait", WAIT, "--json"]) == 0
    listed = {d["name"]: d for d in json.loads(capsys.readouterr().out)}
    emg, mk = listed[outlets + "-obci"], listed[outlets + "-mk"]
    assert (emg["type"], emg["channel_count"], emg["nominal_srate"], emg["format"]) == \
        ("EEG", 8, 250.0, "float32")
    assert emg["source_id"] == outlets + "-sid" and emg["hostname"]
    assert emg["emg_like"] is True and "EEG" in emg["emg_reason"]
    assert mk["emg_like"] is False and mk["format"] == "string"


def test_table_puts_emg_like_streams_first_and_says_how_to_use_one(outlets, capsys):
    assert main(["streams", "--wait", WAIT]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "look like EMG" in lines[0]
    assert all(h in lines[1] for h in ("name", "type", "ch", "rate Hz", "source_id", "EMG?"))
    row_emg = next(i for i, ln in enumerate(lines) if outlets + "-obci" in ln)
    row_mk = next(i for i, ln in enumerate(lines) if outlets + "-mk" in ln)
    assert row_emg < row_mk
    assert "yes: type EEG" in lines[row_emg] and "no: string" in lines[row_mk]
    assert "twitchwatch live --source-id" in out


def test_emg_only(outlets, capsys):
    assert main(["streams", "--wait", WAIT, "--emg-only", "--json"]) == 0
    names = {d["name"] for d in json.loads(capsys.readouterr().out)}
    assert outlets + "-obci" in names and outlets + "-mk" not in names


def test_format_table_aligns_columns():
    d = StreamDescription(name="a", type="EMG", channel_count=4, nominal_srate=2000.0,
                          format="float32", source_id="", hostname="h")
    lines = format_table([d, d])
    assert len(lines) == 3 and lines[0].split() == " ".join(HEADER).split()
    assert lines[1].split()[:8] == ["1", "a", "EMG", "4", "2000", "float32", "-", "h"]
    assert len({ln.index("EMG", 6) for ln in lines[1:]}) == 1


@pytest.mark.parametrize("argv", [["streams", "--wait", "0"], ["streams", "--wait", "x"]])
def test_bad_wait_is_a_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and "wait must be" in capsys.readouterr().err
