"""The compile-time switch that vectorises the kernel's channel loops."""

from __future__ import annotations

import os

import numpy as np
from numba import njit

from twitchwatch.engine.vector_loops import _without_llvm_remarks, channel_lanes


def test_llvm_remarks_are_held_back_and_other_stderr_output_is_passed_on(capfd):
    with _without_llvm_remarks():
        os.write(2, b"remark: <unknown>:0:0: loop not vectorized: Control flow cannot be substituted\n")
        os.write(2, b"a real warning\n")
    err = capfd.readouterr().err
    assert "a real warning" in err
    assert "remark:" not in err


def test_stderr_is_restored_even_when_the_compilation_fails(capfd):
    try:
        with _without_llvm_remarks():
            raise RuntimeError("typing failed")
    except RuntimeError:
        pass
    os.write(2, b"after the failure\n")
    assert "after the failure" in capfd.readouterr().err


def test_a_function_compiled_with_channel_lanes_computes_what_the_scalar_loop_computes():
    def step(z, v, a):
        for c in range(v.shape[0]):
            y = v[c] + z[c]
            z[c] = a * y - 0.25 * v[c]
            v[c] = y

    plain = njit(step)
    lanes = njit(step)
    rng = np.random.default_rng(4)
    for n_channels in (1, 3, 8, 13, 64):
        v0 = rng.normal(size=n_channels)
        z_plain, v_plain = np.zeros(n_channels), v0.copy()
        z_lanes, v_lanes = np.zeros(n_channels), v0.copy()
        plain(z_plain, v_plain, 0.3)
        with channel_lanes():
            lanes(z_lanes, v_lanes, 0.3)  # compiles here, with 8 lanes forced
        for _ in range(50):
            plain(z_plain, v_plain, 0.3)
            lanes(z_lanes, v_lanes, 0.3)
        assert np.array_equal(v_plain, v_lanes) and np.array_equal(z_plain, z_lanes)
