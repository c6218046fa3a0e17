"""Compile the kernel so that its loops over channels run vectorised for few channels.

The kernel's per-sample work is a series of short loops over channels (8 on a typical array).
LLVM's loop vectoriser, left to itself on an AVX2/AVX-512 machine, picks 4 doubles per vector
and interleaves up to 4 vectors, so a loop needs 16 or more iterations before its vector body
runs at all: with 8 channels every loop ran scalar (measured: 8 channels went 2x slower per
channel-sample than 16). Forcing 8 lanes and no interleaving makes 8 channels exactly one vector
iteration (about 2x the throughput at 8 channels, 2 kHz) without changing any arithmetic:
each lane computes what the scalar loop computed, in the same order, so results stay
bit-identical (the scipy and NumPy oracles and the chunk-invariance tests check this).

These LLVM options are global to the process, so they are set only while our kernel compiles,
under numba's compiler lock, and put back to LLVM's defaults (0: not forced) afterwards; other
numba code in the process compiles as it would have. A kernel loaded from numba's cache was
compiled the same way. A forced width makes LLVM print a "loop not vectorized" remark for every
loop that cannot be (the branchy ones); those lines are kept off the terminal, anything else
LLVM writes to stderr meanwhile is passed on.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator

import llvmlite.binding as llvm
from numba.core.compiler_lock import global_compiler_lock

from twitchwatch._logging import logger

#: doubles per vector in the channel loops (one AVX-512 register, two AVX2 registers)
CHANNEL_LANES = 8

_FORCED = (f"-force-vector-width={CHANNEL_LANES}", "-force-vector-interleave=1")
_DEFAULTS = ("-force-vector-width=0", "-force-vector-interleave=0")


@contextlib.contextmanager
def channel_lanes() -> Iterator[None]:
    """Compile whatever numba compiles inside this block with the forced channel lanes."""
    with global_compiler_lock, _without_llvm_remarks():
        for option in _FORCED:
            llvm.set_option("", option)
        try:
            yield
        finally:
            for option in _DEFAULTS:
                llvm.set_option("", option)


@contextlib.contextmanager
def _without_llvm_remarks() -> Iterator[None]:
    """Hold back LLVM's remark lines, which it writes straight to file descriptor 2."""
    sys.stderr.flush()
    saved_fd = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            held.seek(0)
            lines = held.read().decode("utf-8", errors="replace").splitlines()
            remarks = [line for line in lines if line.startswith("remark: ")]
            others = [line for line in lines if not line.startswith("remark: ")]
            if remarks:
                logger.debug("kernel compiled; %d loops stay scalar (LLVM remarks)", len(remarks))
            if others:
                sys.stderr.write("\n".join(others) + "\n")
