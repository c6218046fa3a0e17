"""Every bad argument: exit code 2 and a message that says what was wrong and what is accepted.

Exit codes (README, `twitchwatch --help`): 0 ok, 2 usage error, 3 data error, 130 interrupted.
"""

from __future__ import annotations

import pytest

from twitchwatch.cli import EXIT_DATA_ERROR, EXIT_USAGE, main

# argv -> pieces of the message: what was wrong, and what is accepted
BAD = [
    (["analyze"], ["required: FILE"]),
    (["analyze", "x.csv", "--fs", "fast"], ["--fs", "must be a number in Hz", "'fast'"]),
    (["analyze", "x.csv", "--fs", "-5"], ["--fs", "finite number > 0 Hz", "-5"]),
    (["analyze", "x.csv", "--fs", "nan"], ["--fs", "finite number > 0 Hz"]),
    (["analyze", "x.csv", "--chunk-samples", "0"], ["--chunk-samples", "from 1 to 1000000", "got 0"]),
    (["analyze", "x.csv", "--events-out", "e.txt"], ["--events-out must end in .csv", "'e.txt'"]),
    (["analyze", "x.csv", "--summary-out", "s.csv"], ["--summary-out must end in .json"]),
    (["analyze", "x.csv", "--symptom", "headache"], ["unknown symptom 'headache'", "accepted: weakness"]),
    (["analyze", "x.csv", "--context", "coffee"], ["unknown context tag 'coffee'", "accepted: exercise"]),
    (["analyze", "x.csv", "--unit", "kV"], ["--unit", "one of V, mV, uV", "'kV'"]),
    (["analyze", "x.csv", "--bogus"], ["unrecognized arguments: --bogus"]),
    (["replay"], ["required: FILE"]),
    (["replay", "x.csv", "--speed", "0"], ["--speed", "> 0 and at most 1000", "got 0"]),
    (["replay", "x.csv", "--speed", "abc"], ["--speed", "must be a number", "'abc'"]),
    (["replay", "x.csv", "--start", "-1"], ["--start", "finite number of seconds >= 0", "-1"]),
    (["replay", "x.csv", "--unit", "A"], ["--unit", "one of V, mV, uV", "'A'"]),
    (["live", "--duration", "0"], ["--duration", "> 0 and at most", "got 0"]),
    (["live", "--duration", "abc"], ["--duration", "number of seconds", "'abc'"]),
    (["live", "--uv-per-count", "0"], ["--uv-per-count", "finite, non-zero number", "got 0"]),
    (["live", "--unit", "kV"], ["--unit", "one of V, mV, uV, counts", "'kV'"]),
    (["live", "--resolve-timeout", "-1"], ["--resolve-timeout", "> 0 and at most 600 s", "-1"]),
    (["streams", "--wait", "0"], ["--wait", "> 0 and at most 60 s", "got 0"]),
    (["streams", "--wait", "x"], ["--wait", "number of seconds", "'x'"]),
    (["simulate"], ["required: --scenario"]),
    (["simulate", "--scenario", "nope"], ["unknown scenario 'nope'", "valid: rest-benign"]),
    (["simulate", "--scenario", "mixed", "--fs", "10"], ["--fs", "between 200 and 10000 Hz", "got 10"]),
    (["simulate", "--scenario", "mixed", "--duration", "-1"], ["--duration", "> 0 seconds", "-1"]),
    (["simulate", "--scenario", "mixed", "--seed", "-1"], ["--seed", "integer >= 0", "-1"]),
    (["simulate", "--scenario", "mixed", "--channels", "0"], ["--channels", "from 1 to 64", "got 0"]),
    (["simulate", "--scenario", "mixed", "--out", "a.mp3"], ["--out", "end in .xdf or .csv", "'a.mp3'"]),
    (["demo", "--scenario", "nope"], ["unknown scenario 'nope'", "valid: rest-benign"]),
    (["demo", "--speed", "0"], ["--speed", "finite number > 0", "got 0"]),
    (["demo", "--duration", "x"], ["--duration", "must be a number", "'x'"]),
    (["history", "--last", "0"], ["--last", "whole number >= 1", "got 0"]),
    (["history", "--last", "x"], ["--last", "whole number >= 1", "'x'"]),
    (["report"], ["give a SESSION_ID or --last", "--help"]),
    (["report", "abc"], ["SESSION_ID", "a session id is a whole number", "'abc'"]),
    (["strength"], ["required: --scenario, --label"]),
    (["strength", "--scenario", "voluntary", "--label", "x", "--channel", "0"],
     ["--channel", "whole number >= 1", "got 0"]),
    (["strength", "--scenario", "voluntary", "--label", "x", "--taken-at", "yesterday"],
     ["--taken-at", "like 2024-03-01T09:30", "'yesterday'"]),
    (["nosuch"], ["invalid choice: 'nosuch'", "choose from", "'analyze'"]),
]


def run(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().err


@pytest.mark.parametrize(("argv", "pieces"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_argument_is_a_usage_error_saying_what_and_what_is_accepted(argv, pieces, capsys, tmp_path,
                                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing the commands might write lands in the project
    monkeypatch.setenv("TWITCHWATCH_HISTORY_DB", str(tmp_path / "h.sqlite3"))
    code, err = run(argv, capsys)
    assert code == EXIT_USAGE, err
    assert err.strip().splitlines()[-1].startswith("twitchwatch")
    for piece in pieces:
        assert piece in err


def test_a_data_error_is_3_and_names_the_file(capsys, tmp_path):
    code, err = run(["analyze", "--no-history", str(tmp_path / "missing.csv")], capsys)
    assert code == EXIT_DATA_ERROR and "missing.csv: no such file; check the path" in err


def test_exit_codes_are_documented_in_the_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "Exit codes: 0 ok, 2 usage error, 3 data error, 130 interrupted" in capsys.readouterr().out
