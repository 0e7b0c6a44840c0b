"""Shared strategies and helpers of the verification suite (issue 3).

Hypothesis draws only small, bounded things (sizes, names, a seed); every large or
real-valued array is then built from the drawn seed, as in SciPy's Hypothesis setup.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import strategies as st

from adaptive_basis import Network, Regression
from adaptive_basis import train as train_module

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
INITS = ("box", "he_uniform", "he_normal", "glorot_uniform", "glorot_normal")
KINK = 1e-4  # a ReLU test point is "away from the kinks" when every |z| exceeds this


@st.composite
def network_specs(draw, *, archs=("plain", "resnet"), activations=("relu", "tanh"), inits=INITS,
                  max_depth=5, max_width=8, max_d=3, max_out=3, output_bias=None, domains=True):
    """Keyword arguments of :class:`Network` for a drawn small architecture."""
    arch = draw(st.sampled_from(archs))
    depth = draw(st.integers(1, max_depth))
    if arch == "resnet":
        widths = [draw(st.integers(1, max_width))] * depth
    else:
        widths = draw(st.lists(st.integers(1, max_width), min_size=depth, max_size=depth))
    d_in = draw(st.integers(1, max_d))
    spec = dict(d_in=d_in, widths=widths, n_out=draw(st.integers(1, max_out)),
                activation=draw(st.sampled_from(activations)), arch=arch,
                init=draw(st.sampled_from(inits)),
                output_bias=draw(st.booleans()) if output_bias is None else output_bias,
                resnet_variant=draw(st.sampled_from(["eq16", "alg3"])), rng=draw(SEEDS))
    if domains and draw(st.booleans()):
        lo = draw(st.sampled_from([-2.0, -1.0, 0.5]))
        spec["domain"] = (lo, lo + draw(st.sampled_from([0.5, 1.0, 3.0])))
    return spec


def make_network(spec) -> Network:
    return Network(**spec)


def sample_inputs(net, n, rng) -> np.ndarray:
    """``n`` uniform points of the network's domain ``[lo, hi]^d``."""
    return net.lo + (net.hi - net.lo) * rng.random((n, net.d_in))


def make_regression(net, n, seed) -> Regression:
    """A regression problem with ``n`` points and smooth targets built from ``seed``."""
    rng = np.random.default_rng(seed)
    X = sample_inputs(net, n, rng)
    freq = rng.normal(size=(net.d_in, net.n_out))
    Y = np.sin(2.0 * np.pi * ((X - net.lo) * net.scale) @ freq) + 0.1 * rng.normal(size=(n, net.n_out))
    return Regression(X, Y)


# ------------------------------------------------------------------ parameter vectors
def all_params(net) -> list:
    """``[W_1, b_1, ..., W_L, b_L, xi_L]`` (copies)."""
    return [a.copy() for a in net.xi_H] + [net.xi_L.copy()]


def set_all_params(net, arrays) -> None:
    net.xi_H = arrays[:-1]
    net.set_head(arrays[-1])


def flat(arrays) -> np.ndarray:
    return np.concatenate([np.ravel(a) for a in arrays])


def unflat(vec, like) -> list:
    out, i = [], 0
    for a in like:
        out.append(vec[i:i + a.size].reshape(a.shape))
        i += a.size
    return out


def dot(xs, ys) -> float:
    return float(sum(np.sum(x * y) for x, y in zip(xs, ys)))


def axpy(alpha, xs, ys) -> list:
    """``ys + alpha * xs`` array by array."""
    return [y + alpha * x for x, y in zip(xs, ys)]


def loss_J(problem, net) -> float:
    """``J = |A xi_L - rhs|_F^2`` of ``problem`` at the network's current parameters."""
    A, rhs, _ = problem.system(net)
    R = A @ net.xi_L - rhs
    return float(np.sum(R * R))


def min_abs_preactivation(net, X) -> float:
    _, cache = net.basis_forward(X)
    return float(min(np.min(np.abs(z)) for z in cache.z))


def activation_pattern(net, X) -> list:
    _, cache = net.basis_forward(X)
    return [z > 0 for z in cache.z]


# ----------------------------------------------------------- gradients of the trainers
class RecordingOptimizer:
    """Stands in for Adam inside the trainers: records every gradient, moves nothing."""

    instances: list = []

    def __init__(self, lr, *args, **kwargs):
        self.grads = []
        RecordingOptimizer.instances.append(self)

    def step(self, params, grads):
        self.grads.append([np.array(g, copy=True) for g in grads])
        return [np.array(p, copy=True) for p in params]


@contextlib.contextmanager
def recording_optimizer():
    """Within the block the trainers' Adam is a :class:`RecordingOptimizer`; yields its instance list."""
    RecordingOptimizer.instances = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(train_module, "Adam", RecordingOptimizer)
        yield RecordingOptimizer.instances


def trainer_gradient(method, net, problem):
    """The gradient the trainer ``method`` ('gd' or 'lsgd') feeds to its optimiser at ``net``.

    For 'gd' that is ``[dJ/dW_1, dJ/db_1, ..., dJ/dxi_L]`` at the network's head; for
    'lsgd' ``[dJ/dW_1, ..., dJ/db_L]`` at the LS-optimal head (which is left in ``net``).
    """
    train = train_module.train_gd if method == "gd" else train_module.train_lsgd
    with recording_optimizer() as opts:
        train(net, problem, steps=1, lr=1e-3)
    (opt,) = opts
    return opt.grads[0]
