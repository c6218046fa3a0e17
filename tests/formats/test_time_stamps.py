"""Time stamps that misbehave in files: duplicates, backwards steps and jumps are reported, rows
stay samples (nothing reordered, nothing filled)."""

from __future__ import annotations

import numpy as np

from twitchwatch.formats import open_recording


def test_csv_time_column_with_duplicate_backward_and_jumping_stamps(tmp_path):
    t = np.arange(200) / 1000.0
    t[50] = t[49]  # duplicate
    t[100] = t[99] - 0.0002  # backwards
    t[150:] += 0.5  # a jump of 0.5 s
    path = tmp_path / "t.csv"
    path.write_text("time,EMG1\n" + "".join(f"{x:.4f},{i}\n" for i, x in enumerate(t)))
    with open_recording(path) as rec:
        values = np.concatenate(list(rec.iter_chunks()))[:, 0]
        (note,) = [w for w in rec.warnings if w.startswith("time column 'time'")]
    assert rec.fs_hz == 1000.0
    assert "1 duplicate, 1 backward, 1 jumping (> 2.5 steps) time stamps" in note
    assert "no gap is filled, no row reordered" in note
    assert np.array_equal(values, np.arange(200))  # every row, in file order


def test_clean_time_column_has_no_time_warning(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text("time,EMG1\n" + "".join(f"{i / 1000:.4f},{i}\n" for i in range(200)))
    with open_recording(path) as rec:
        assert not [w for w in rec.warnings if w.startswith("time column")]
