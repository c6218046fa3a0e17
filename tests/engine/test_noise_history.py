"""The noise history's sorted copy, kept up to date block by block, equals sorting the ring."""

from __future__ import annotations

import numpy as np
import pytest

from twitchwatch.engine.kernel import _sorted_replace


@pytest.mark.parametrize("n_hist", [1, 2, 5, 16, 32])
def test_sorted_copy_follows_the_ring_buffer(n_hist):
    rng = np.random.default_rng(n_hist)
    ring = np.zeros(n_hist)
    ordered = np.zeros(n_hist)
    count = pos = 0
    for step in range(6 * n_hist + 10):
        # repeated values and zeros too: removal must take out exactly one copy
        new = float(rng.integers(0, 4)) if step % 3 else float(rng.random())
        _sorted_replace(ordered, count, ring[pos], new, count == n_hist)
        ring[pos] = new
        pos = (pos + 1) % n_hist
        count = min(count + 1, n_hist)
        assert np.array_equal(ordered[:count], np.sort(ring[:count] if count < n_hist else ring)), step
