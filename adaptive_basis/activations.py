"""Activation functions with their first and second derivatives.

Each activation is a small immutable object with ``f``, ``df`` and ``d2f``
(elementwise, on arrays of pre-activations ``z``). Second derivatives enter the
second-order operator jets (SPEC §5) and the backward pass of first-order jets.

``f`` accepts an optional ``out=`` array (as a NumPy ufunc does), and
``vjp_from_output(dh, a, out=None)`` returns ``dh * sigma'(z)`` computed from the
layer's *output* ``a = sigma(z)`` (``a > 0`` for ReLU, ``1 - a^2`` for tanh): the
backward pass of a layer then needs no second evaluation of ``tanh``. Both are
the same arithmetic as ``f`` and ``df``, so the results agree to the last bit.

ReLU's derivative is the Heaviside step (we take ``relu'(0) = 0``, PyTorch's
convention) and its second derivative is zero almost everywhere; asking a ReLU
network for a second-order operator is refused by the caller, because the
distributional second derivative (a Dirac mass on every cut plane) is not what
the zero array would suggest. ``smooth`` records which case applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Activation:
    """An elementwise nonlinearity sigma with sigma', sigma'' and sigma'''."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    d2f: Callable[[np.ndarray], np.ndarray]
    d3f: Callable[[np.ndarray], np.ndarray]
    smooth: bool  # True when d2f is the classical second derivative everywhere
    # dh * sigma'(z) from a = sigma(z); ``out`` (optional) must not share memory with dh or a
    vjp_from_output: Callable | None = None


def _relu(z, out=None):
    return np.maximum(z, 0.0, out=out)


def _relu_vjp(dh, a, out=None):
    # relu'(z) = [z > 0] = [a > 0]; multiplying (rather than masking) keeps NaN/inf in dh visible
    return np.multiply(dh, a > 0, out=out)


def _relu_d1(z):
    return (z > 0).astype(z.dtype)


def _zeros(z):
    return np.zeros_like(z)


def _tanh_d1(z):
    t = np.tanh(z)
    return 1.0 - t * t


def _tanh_vjp(dh, a, out=None):
    s = np.multiply(a, a, out=out)
    np.subtract(1.0, s, out=s)  # tanh'(z) = 1 - tanh(z)^2, as in _tanh_d1
    return np.multiply(dh, s, out=s)


def _tanh_d2(z):
    t = np.tanh(z)
    return -2.0 * t * (1.0 - t * t)


def _tanh_d3(z):
    t = np.tanh(z)
    s = 1.0 - t * t
    return -2.0 * s * s + 4.0 * t * t * s


RELU = Activation("relu", _relu, _relu_d1, _zeros, _zeros, smooth=False, vjp_from_output=_relu_vjp)
TANH = Activation("tanh", np.tanh, _tanh_d1, _tanh_d2, _tanh_d3, smooth=True, vjp_from_output=_tanh_vjp)

ACTIVATIONS = {"relu": RELU, "tanh": TANH}


def get_activation(name) -> Activation:
    """Return the activation called ``name`` ('relu' or 'tanh')."""
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str):
        raise TypeError(f"activation must be a string, one of {sorted(ACTIVATIONS)}, got {name!r}")
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}") from None
