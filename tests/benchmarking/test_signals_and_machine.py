"""Benchmark inputs and the record of where they ran."""

import numpy as np
import pytest

from twitchwatch.benchmarking.machine import cpu_model, environment
from twitchwatch.benchmarking.signals import tiled_chunks


@pytest.mark.parametrize("n_samples,chunk,start", [(10, 3, 0), (25, 4, 0), (25, 7, 5), (7, 100, 2), (1, 1, 0)])
def test_tiled_chunks_repeat_the_block_end_to_end(n_samples, chunk, start):
    block = np.arange(7 * 2, dtype=np.float32).reshape(7, 2)
    chunks = list(tiled_chunks(block, n_samples, chunk, start=start))
    expected = block[(start + np.arange(n_samples)) % 7]
    np.testing.assert_array_equal(np.concatenate(chunks), expected)
    assert all(c.shape[0] <= chunk for c in chunks)
    assert all(c.base is block or c.base is block.base for c in chunks)  # views, not copies


def test_tiled_chunks_refuse_empty_chunks():
    with pytest.raises(ValueError):
        list(tiled_chunks(np.zeros((4, 1)), 4, 0))


def test_cpu_model_comes_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Example CPU @ 2.10GHz\n")
    assert cpu_model(info) == "Example CPU @ 2.10GHz"
    assert cpu_model(tmp_path / "absent")  # falls back to what platform knows


def test_environment_names_machine_versions_and_date():
    env = environment()
    assert env["machine"]["cores"] >= 1 and env["machine"]["cpu_model"]
    assert {"python", "numpy", "numba", "scipy", "twitchwatch", "neurokit2", "biosppy"} <= set(env["versions"])
    assert env["versions"]["numpy"] == np.__version__
    assert env["date"][:2] == "20"
