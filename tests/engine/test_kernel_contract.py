"""The kernel contract (shared/DESIGN.md): compiled kernels are cached, release the GIL, never use
fastmath (exact equality with scipy is the filter's oracle), keep state in arrays made from the
config, and do no I/O or logging."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil

import numpy as np
import pytest
from numba.core.dispatcher import Dispatcher

import twitchwatch.engine
from twitchwatch.engine import Detector, DetectorConfig
from twitchwatch.engine.filters import design_filters
from twitchwatch.engine.state import DetectorState


def engine_modules():
    return [importlib.import_module(m.name) for m in pkgutil.iter_modules(twitchwatch.engine.__path__,
                                                                            "twitchwatch.engine.")]


def dispatchers() -> dict[str, Dispatcher]:
    found = {}
    for module in engine_modules():
        for name, obj in vars(module).items():
            if isinstance(obj, Dispatcher) and obj.py_func.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = obj
    return found


def test_the_kernels_are_found():
    names = set(dispatchers())
    for expected in ("kernel.process_chunk", "kernel.finish_stream", "filters._sosfilt_stream", "filters._sos_step"):
        assert "twitchwatch.engine." + expected in names
    assert len(names) >= 10


@pytest.mark.parametrize("name", sorted(dispatchers()))
def test_every_kernel_is_cached_nogil_nopython_and_not_fastmath(name):
    d = dispatchers()[name]
    options = d.targetoptions
    assert options.get("nopython", False) is True, f"{name}: {options}"
    assert options.get("nogil", False) is True, f"{name}: {options}"
    assert not options.get("fastmath", False), f"{name}: fastmath {options.get('fastmath')}"
    assert not options.get("parallel", False), f"{name}: time runs one sample at a time"
    assert type(d._cache).__name__ == "FunctionCache", f"{name} is not compiled with cache=True"


def _kernel_functions():
    for module in (importlib.import_module("twitchwatch.engine.kernel"), importlib.import_module("twitchwatch.engine.filters")):
        tree = ast.parse(inspect.getsource(module))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and any(
                    "njit" in ast.unparse(dec) or "jit" in ast.unparse(dec) for dec in node.decorator_list):
                yield module.__name__, node


def test_kernels_do_no_io_logging_or_chunk_wide_reductions():
    """No print/logging inside kernels; no sums over chunk slices (running sums per sample)."""
    banned_calls = {"print", "open"}
    banned_attrs = {"sum", "cumsum", "mean", "median", "std", "var", "convolve", "lfilter", "sosfilt"}
    problems = []
    kernels = list(_kernel_functions())
    assert len(kernels) >= 10
    for module, fn in kernels:
        for node in ast.walk(fn):
            if isinstance(node, ast.Call):
                f = node.func
                if isinstance(f, ast.Name) and f.id in banned_calls:
                    problems.append(f"{module}.{fn.name}: {f.id}()")
                if isinstance(f, ast.Attribute) and f.attr in banned_attrs:
                    problems.append(f"{module}.{fn.name}: .{f.attr}()")
            if isinstance(node, ast.Name) and node.id in ("logger", "logging", "log"):
                problems.append(f"{module}.{fn.name}: uses {node.id}")
    assert not problems, problems


@pytest.mark.parametrize("fs, channels", [(250.0, 8), (2000.0, 4), (10000.0, 1)])
def test_state_is_made_from_the_config_not_from_data(fs, channels):
    """Initial state depends on (fs, channels, config) only, and holds no NaN; processing an
    empty chunk leaves it as made."""
    config = DetectorConfig()
    a = Detector(fs, channels, config).state
    b = DetectorState.create(channels, design_filters(fs, config), config)
    assert a.equals(b)
    for name, arr in a.arrays().items():
        assert arr.flags.c_contiguous, name
        assert arr.dtype in (np.float64, np.int64), name
        assert not np.isnan(arr).any() if arr.dtype.kind == "f" else True, name
    det = Detector(fs, channels, config)
    det.process(np.zeros((0, channels)))
    assert det.state.equals(b)


def test_state_copy_is_deep_and_equals_compares_bits():
    det = Detector(1000.0, 2)
    det.process(np.random.default_rng(0).standard_normal((3000, 2)))
    copy = det.state.copy()
    assert copy.equals(det.state)
    for name, arr in copy.arrays().items():
        assert not np.shares_memory(arr, det.state.arrays()[name]), name
    det.process(np.random.default_rng(1).standard_normal((10, 2)))
    assert not copy.equals(det.state)
