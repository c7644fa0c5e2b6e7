"""Tail probabilities for the scoring model: how surprising a standardised deviation is, as -ln p.

The detector turns each of its statistics into E = -ln p, the negative log of the probability of a value at least
this extreme under the series' model of normal behaviour (a Gaussian residual, a CUSUM's exponential tail, a
geometric run of repeats). Working with -ln p keeps the far tail exact where p itself underflows.

`neglog_tail(z)` is -ln P(|Z| >= |z|) for a standard normal Z, i.e. -ln erfc(|z| / sqrt 2), from the Chebyshev
fit of erfc in Numerical Recipes (Press et al., 2nd ed., section 6.2, `erfcc`: fractional error below 1.2e-7
everywhere), written in log form so that it never underflows. The scalar and the numpy version evaluate the same
expression in the same order, so the detector's stepwise definition and its vectorised path agree to rounding.
"""

from __future__ import annotations

import math

import numpy as np

# Coefficients of the Chebyshev fit of ln(erfc(x) / t) + x^2 in t = 1 / (1 + x / 2), highest power last.
_ERFC = (
    -1.26551223,
    1.00002368,
    0.37409196,
    0.09678418,
    -0.18628806,
    0.27886807,
    -1.13520398,
    1.48851587,
    -0.82215223,
    0.17087277,
)
_SQRT_HALF = math.sqrt(0.5)


def neglog_tail(z: float) -> float:
    """-ln P(|Z| >= |z|) for a standard normal Z (0 at z = 0, about z^2 / 2 far out; inf for an infinite z)."""
    x = abs(z) * _SQRT_HALF
    if math.isinf(x):
        return math.inf
    t = 1.0 / (1.0 + 0.5 * x)
    poly = 0.0
    for c in reversed(_ERFC):
        poly = poly * t + c
    return max(0.0, x * x - poly - math.log(t))


def neglog_tail_array(z: np.ndarray) -> np.ndarray:
    """`neglog_tail` for every element, with numpy (the same expression in the same order)."""
    x = np.abs(np.asarray(z, dtype=float)) * _SQRT_HALF
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        t = 1.0 / (1.0 + 0.5 * x)
        poly = np.zeros_like(x)
        for c in reversed(_ERFC):
            poly = poly * t + c
        out = np.maximum(0.0, x * x - poly - np.log(t))
    return np.where(np.isinf(x), np.inf, out)
