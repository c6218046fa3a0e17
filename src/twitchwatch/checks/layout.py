"""A chunk whose shape does not match the stream's channel count is an error, not a reshape."""

from __future__ import annotations

import numpy as np


class InputLayoutError(ValueError):
    """The input changed its channel layout mid-stream; the message says what and what to do."""


def check_layout(chunk: np.ndarray, n_channels: int, where: str, at_sample: int) -> None:
    """Raise `InputLayoutError` unless ``chunk`` is (samples, n_channels).

    A detector built for 8 channels fed 4 would either crash deep inside or, worse, mix up which
    electrode is which: we stop with a message instead.
    """
    shape = getattr(chunk, "shape", None)
    if shape is not None and len(shape) == 2 and shape[1] == n_channels:
        return
    if shape is not None and len(shape) == 1 and n_channels == 1:
        return  # one channel may come flat, as the detector accepts
    got = f"{shape[1]} channels" if shape is not None and len(shape) == 2 else f"shape {shape}"
    raise InputLayoutError(
        f"{where}: the input changed from {n_channels} channels to {got} at sample {at_sample}; "
        "the detector cannot continue with another channel layout. Everything up to here is "
        "kept; start again to analyse the new layout"
    )
