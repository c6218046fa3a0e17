"""Random motor-unit action potential (MUAP) shapes as seen on the skin.

Shapes are sums of Gaussian derivatives (Hermite-Rodrigues functions, see ``waveform``):

- biphasic: one first derivative;
- triphasic: one second derivative (the commonest surface fasciculation potential);
- polyphasic (3-4 phases): a second derivative plus an offset smaller component, or a third
  derivative;
- complex (> 4 phases, Shimizu 2014): 3-5 narrower components in a row with alternating signs.

Widths come from a target mean spectral frequency (MNF): a single order-n derivative of width
sigma has MNF = Gamma(n+1) / Gamma(n+1/2) / (2 pi sigma), so sigma = MNF_CONSTANT[n] / MNF.
With MNF 60-120 Hz most energy lies in 50-200 Hz, as in surface EMG. Every shape is checked on
a fine grid before use: duration 5-25 ms (span above 5 % of the peak |value|), and the phase
count matching its kind. Peak-to-peak is normalised to 1 (unsmoothed).
"""

from __future__ import annotations

import math

import numpy as np

from twitchwatch.sim.constants import (
    COMPLEX_MIN_PHASES,
    MUAP_DURATION_MAX_S,
    MUAP_DURATION_MIN_S,
)
from twitchwatch.sim.waveform import GaussianWaveform, count_phases, extent

#: sigma * MNF for a single Gaussian derivative of order n.
MNF_CONSTANT = {
    n: math.gamma(n + 1) / math.gamma(n + 0.5) / (2.0 * math.pi) for n in (1, 2, 3)
}

SHAPE_KINDS = ("biphasic", "triphasic", "polyphasic", "complex")
#: Share of each non-complex kind (modelling choice; surface FPs are mostly tri-/biphasic).
SIMPLE_KIND_PROBABILITIES = {"biphasic": 0.3, "triphasic": 0.5, "polyphasic": 0.2}

_MAX_TRIES = 200


def _candidate(rng: np.random.Generator, kind: str, mnf_hz: float) -> GaussianWaveform:
    sign = rng.choice((-1.0, 1.0))
    if kind == "biphasic":
        return GaussianWaveform((1,), (0.0,), (MNF_CONSTANT[1] / mnf_hz,), (sign,))
    if kind == "triphasic":
        return GaussianWaveform((2,), (0.0,), (MNF_CONSTANT[2] / mnf_hz,), (sign,))
    if kind == "polyphasic":
        if rng.random() < 0.3:
            return GaussianWaveform((3,), (0.0,), (MNF_CONSTANT[3] / mnf_hz,), (sign,))
        sigma = MNF_CONSTANT[2] / mnf_hz
        order2 = int(rng.choice((1, 2)))
        sigma2 = sigma * rng.uniform(0.7, 1.2)
        offset = rng.choice((-1.0, 1.0)) * rng.uniform(1.2, 2.2) * sigma
        w2 = rng.choice((-1.0, 1.0)) * rng.uniform(0.3, 0.7)
        return GaussianWaveform((2, order2), (0.0, offset), (sigma, sigma2), (sign, sign * w2))
    if kind == "complex":
        n = int(rng.integers(3, 6))
        orders = tuple(int(o) for o in rng.choice((1, 2), size=n))
        widths = tuple(MNF_CONSTANT[o] / mnf_hz * rng.uniform(0.55, 0.85) for o in orders)
        centres = [0.0]
        for i in range(1, n):
            centres.append(centres[-1] + rng.uniform(1.8, 2.8) * max(widths[i - 1], widths[i]))
        weights = tuple(sign * (-1.0) ** i * rng.uniform(0.5, 1.0) for i in range(n))
        return GaussianWaveform(orders, tuple(centres), widths, weights)
    raise ValueError(f"unknown MUAP kind {kind!r}; valid: {', '.join(SHAPE_KINDS)}")


def _acceptable(kind: str, phases: int, duration_s: float) -> bool:
    if not MUAP_DURATION_MIN_S <= duration_s <= MUAP_DURATION_MAX_S:
        return False
    if kind == "complex":
        return phases >= COMPLEX_MIN_PHASES
    return phases < COMPLEX_MIN_PHASES


def random_muap(
    rng: np.random.Generator, mnf_hz: tuple[float, float], kind: str | None = None
) -> tuple[GaussianWaveform, str]:
    """A random MUAP shape (p-p 1, centred on its extent) and its kind.

    ``kind`` None draws a simple kind (bi-, tri-, polyphasic); pass "complex" for > 4 phases.
    """
    for _ in range(_MAX_TRIES):
        this_kind = kind or str(
            rng.choice(
                list(SIMPLE_KIND_PROBABILITIES), p=list(SIMPLE_KIND_PROBABILITIES.values())
            )
        )
        shape = _candidate(rng, this_kind, rng.uniform(*mnf_hz))
        t, v = shape.fine()
        start, end = extent(t, v)
        if not _acceptable(this_kind, count_phases(v), end - start):
            continue
        shift = 0.5 * (start + end)
        pp = float(v.max() - v.min())
        return (
            GaussianWaveform(
                shape.orders,
                tuple(c - shift for c in shape.centres_s),
                shape.widths_s,
                tuple(w / pp for w in shape.weights),
            ),
            this_kind,
        )
    raise RuntimeError(  # pragma: no cover
        f"could not draw an acceptable {kind or 'simple'} MUAP shape"
    )
