"""Optimisers: Adam (Kingma & Ba 2015) and plain gradient descent.

Both act on a list of arrays and return a new list (small pure updates, as in
JAX's example optimisers); the state of Adam lives on the object.

Adam, for every parameter array ``p`` with gradient ``g`` at step ``t = 1, 2, ...``::

    m = beta1 m + (1 - beta1) g
    v = beta2 v + (1 - beta2) g^2
    p = p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)

which is Algorithm 1 of Kingma & Ba and what ``torch.optim.Adam`` computes
(``eps`` added after the square root of the bias-corrected second moment).
"""

from __future__ import annotations

import numpy as np

from ._validation import check_positive_float


def _check_grads(params, grads):
    """Same number and shapes of arrays, all finite: an optimiser never turns bad input into NaN."""
    params, grads = list(params), list(grads)
    if len(params) != len(grads):
        raise ValueError(f"got {len(grads)} gradients for {len(params)} parameter arrays")
    for i, (p, g) in enumerate(zip(params, grads)):
        if np.shape(p) != np.shape(g):
            raise ValueError(f"gradient {i} has shape {np.shape(g)}, parameter has {np.shape(p)}")
        if not np.all(np.isfinite(g)):
            raise ValueError(f"gradient {i} contains non-finite values (NaN or inf)")
        if not np.all(np.isfinite(p)):
            raise ValueError(f"parameter {i} contains non-finite values (NaN or inf)")
    return params, grads


class GD:
    """Plain gradient descent ``p = p - lr * g``."""

    def __init__(self, lr):
        self.lr = check_positive_float(lr, "lr")
        self.t = 0

    def step(self, params, grads):
        params, grads = _check_grads(params, grads)
        self.t += 1
        return [p - self.lr * g for p, g in zip(params, grads)]


class Adam:
    """Adam with bias correction; one step counter shared by all arrays of a step."""

    def __init__(self, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = check_positive_float(lr, "lr")
        self.beta1 = check_positive_float(beta1, "beta1", allow_zero=True)
        self.beta2 = check_positive_float(beta2, "beta2", allow_zero=True)
        if self.beta1 >= 1 or self.beta2 >= 1:
            raise ValueError(f"beta1 and beta2 must lie in [0, 1), got {beta1}, {beta2}")
        self.eps = check_positive_float(eps, "eps")
        self.t = 0
        self.m = None
        self.v = None

    def step(self, params, grads):
        """Return the updated parameters after one Adam step."""
        params, grads = _check_grads(params, grads)
        if self.m is None:
            self.m = [np.zeros_like(p, dtype=np.float64) for p in params]
            self.v = [np.zeros_like(p, dtype=np.float64) for p in params]
        elif not isinstance(self.m, list) or len(self.m) != len(params):
            raise ValueError(f"this Adam was used for {len(self.m)} arrays, now given {len(params)}")
        self.t += 1
        c1 = 1.0 - self.beta1 ** self.t
        c2 = 1.0 - self.beta2 ** self.t
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            self.m[i] = self.beta1 * self.m[i] + (1.0 - self.beta1) * g
            self.v[i] = self.beta2 * self.v[i] + (1.0 - self.beta2) * (g * g)
            out.append(p - self.lr * (self.m[i] / c1) / (np.sqrt(self.v[i] / c2) + self.eps))
        return out

    def _step_flat(self, theta, grad, out):
        """One Adam step on a single flat vector: the trainers' internal fast path.

        ``theta`` (the parameters) and ``grad`` are contiguous float64 vectors that
        the caller has checked to be finite. The moments are updated in place and
        the new parameters written into ``out`` (``theta`` is left unchanged, so the
        caller can check them before accepting them). The arithmetic is that of
        :meth:`step`, operation by operation, so both give bitwise equal results; one
        vector instead of ``2 L + 1`` arrays means a dozen NumPy calls per step
        whatever the depth, and no temporaries.
        """
        if self.m is None:
            self.m, self.v, self._tmp = np.zeros_like(theta), np.zeros_like(theta), np.empty_like(theta)
        elif not isinstance(self.m, np.ndarray) or self.m.shape != theta.shape:
            raise ValueError("this Adam was used with step() or with another parameter vector")
        self.t += 1
        c1 = 1.0 - self.beta1 ** self.t
        c2 = 1.0 - self.beta2 ** self.t
        m, v, tmp = self.m, self.v, self._tmp
        m *= self.beta1                                  # m = beta1 m + (1 - beta1) g
        m += np.multiply(grad, 1.0 - self.beta1, out=tmp)
        v *= self.beta2                                  # v = beta2 v + (1 - beta2) g^2
        np.multiply(grad, grad, out=tmp)
        tmp *= 1.0 - self.beta2
        v += tmp
        np.divide(v, c2, out=tmp)                        # sqrt(v / c2) + eps
        np.sqrt(tmp, out=tmp)
        tmp += self.eps
        np.divide(m, c1, out=out)                        # lr * (m / c1) / (sqrt(v / c2) + eps)
        out *= self.lr
        out /= tmp
        return np.subtract(theta, out, out=out)
