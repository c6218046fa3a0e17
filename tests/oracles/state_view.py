"""Read the detector's state arrays by name, whatever the order of their axes.

The kernel's state layout is tuned for speed (per-channel tables may be stored channels-first
or fields-first). Tests name what they read — (channel, field) — and these helpers find the
axis order from the shapes, refusing when it is ambiguous.
"""

from __future__ import annotations

import itertools

import numpy as np


def oriented(arr: np.ndarray, sizes: tuple[int, ...]) -> np.ndarray:
    """A view of `arr` with its axes ordered to have shape `sizes` (a permutation of its axes)."""
    if arr.ndim != len(sizes):
        raise AssertionError(f"state array of shape {arr.shape} cannot be viewed as {sizes}")
    matches = [perm for perm in itertools.permutations(range(arr.ndim))
               if tuple(arr.shape[a] for a in perm) == tuple(sizes)]
    if not matches:
        raise AssertionError(f"state array of shape {arr.shape} cannot be viewed as {sizes}")
    views = {perm: np.transpose(arr, perm) for perm in matches}
    if len(matches) > 1:
        # Equal sizes on two axes: only acceptable when every reading agrees (e.g. all zeros).
        first = next(iter(views.values()))
        if not all(np.array_equal(v, first) for v in views.values()):
            raise AssertionError(f"ambiguous axis order for shape {arr.shape} viewed as {sizes}; "
                                 "choose a channel count distinct from the field counts")
    return views[matches[0]]


def channel_table(arr: np.ndarray, n_channels: int, n_fields: int) -> np.ndarray:
    """(n_channels, n_fields) view of a per-channel state table such as `ci` or `cf`."""
    return oriented(arr, (n_channels, n_fields))
