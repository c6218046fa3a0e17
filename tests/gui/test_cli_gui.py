"""`twitchwatch gui` from the command line: the scripted smoke run and argument errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from twitchwatch.cli import build_parser, main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_gui_runs_a_simulation_and_saves_a_screenshot(tmp_path):
    shot = tmp_path / "x.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-m", "twitchwatch", "gui", "--source", "sim:rest-benign", "--quit-after", "3",
         "--screenshot", str(shot)],
        capture_output=True, text=True, timeout=180, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000


@pytest.mark.parametrize("argv, words", [
    (["--source", "sim:no-such-scenario"], "unknown scenario"),
    (["--source", "file:/no/such/file.xdf"], "no such file"),
    (["--source", "cramp"], "sim:SCENARIO"),
    (["--quit-after", "-1"], "--quit-after"),
    (["--screenshot", "shot.jpg"], ".png"),
    (["--speed", "0"], "speed"),
])
def test_gui_rejects_bad_arguments(argv, words, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["gui", *argv])
    assert exc.value.code == 2
    assert words in capsys.readouterr().err


def test_gui_is_listed_in_the_help():
    assert "gui" in build_parser().format_help()
