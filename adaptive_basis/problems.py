"""Problems: the loss J as a stacked, weighted least-squares system (SPEC §3-4).

Every problem writes its loss (paper eqs. 1, 6, 19)

    J(xi) = sum_k eps_k * (1/N_k) * sum_{x in X_k} |L_k[NN](x) - g_k(x)|^2

as ``J = |A xi_L - rhs|_F^2`` with

    A   = stack_k sqrt(eps_k/N_k) * L_k[Phi](X_k)    (M, n_basis)
    rhs = stack_k sqrt(eps_k/N_k) * g_k(X_k)         (M, n_out)

and can push a gradient ``dJ/dA`` back to the hidden parameters. The trainers in
:mod:`adaptive_basis.train` only ever see this interface, so regression and PDE
problems are trained by the same code.

Target functions of the paper's experiments (Sec. 5) live here too.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_array, check_int, check_positive_float


class Problem:
    """Interface of a least-squares-structured loss. Subclasses set the attributes
    ``d_in``, ``n_out`` and ``terms`` (a list of ``(name, row slice)``) and implement
    :meth:`system`, :meth:`system_backward` and optionally :meth:`errors`."""

    d_in: int
    n_out: int
    terms: list

    def check_network(self, net):
        if net.d_in != self.d_in or net.n_out != self.n_out:
            raise ValueError(f"network has d_in={net.d_in}, n_out={net.n_out}; the problem needs "
                             f"d_in={self.d_in}, n_out={self.n_out}")

    def system(self, net):
        """Return ``(A, rhs, cache)`` for the network's current hidden parameters."""
        raise NotImplementedError

    def system_backward(self, net, cache, dA):
        """Gradients w.r.t. ``net.xi_H`` of a scalar whose gradient in ``A`` is ``dA``."""
        raise NotImplementedError

    def errors(self, net) -> dict:
        """Errors against a reference solution, e.g. ``{'rel_l2': ..., 'rms': ...}``."""
        return {}

    # Trainer-internal fast path. The trainers call these two instead of system and
    # system_backward. The defaults delegate to the public methods, so a subclass only
    # has to implement those; a subclass may override them to skip the checks its
    # constructor already made and to keep its arrays in ``scratch``, a dict owned by
    # one training run (an array handed out from it is overwritten by the next call).
    def _trainer_system(self, net, scratch):
        """``(A, rhs, cache)`` as :meth:`system`."""
        return self.system(net)

    def _trainer_backward(self, net, cache, dA, grads, scratch):
        """Write the gradients of :meth:`system_backward` into the arrays ``grads``
        (``2 L`` arrays of the shapes of ``net.xi_H``). May overwrite ``dA``."""
        new = list(self.system_backward(net, cache, dA))
        if len(new) != len(grads):
            raise ValueError(f"{type(self).__name__}.system_backward returned {len(new)} arrays, "
                             f"expected {len(grads)}")
        for i, (out, g) in enumerate(zip(grads, new)):
            if np.shape(g) != out.shape:
                raise ValueError(f"{type(self).__name__}.system_backward: gradient {i} has shape "
                                 f"{np.shape(g)}, expected {out.shape}")
            out[...] = g


def error_metrics(pred, ref) -> dict:
    """Relative L2 error ``|pred - ref| / |ref|`` and RMS error over all entries.

    The relative error is NaN when the reference is identically zero (it is not
    defined); the RMS error is always finite.
    """
    diff = pred - ref
    nref = np.linalg.norm(ref)
    rel = float(np.linalg.norm(diff) / nref) if nref > 0 else float("nan")
    return {"rel_l2": rel, "rms": float(np.sqrt(np.mean(diff * diff)))}


class Regression(Problem):
    """Least-squares regression ``J = (eps/N) sum_i |NN(x_i) - y_i|^2`` (K = 1, L = identity).

    Parameters
    ----------
    X : (N, d) array of inputs.
    Y : (N,) or (N, n_out) array of targets; several columns are several target
        functions fitted with one shared basis (multi-function regression, eq. 18).
    X_eval, Y_eval : optional evaluation set for :meth:`errors` (defaults to X, Y).
    eps : float > 0, the weight of the term (1 by default).
    """

    def __init__(self, X, Y, *, X_eval=None, Y_eval=None, eps=1.0):
        self.X = check_array(X, "X", ndim=2)
        Y = check_array(Y, "Y")
        if Y.ndim == 1:
            Y = Y[:, None]
        if Y.ndim != 2 or Y.shape[0] != self.X.shape[0]:
            raise ValueError(f"Y must be (N,) or (N, n_out) with N = {self.X.shape[0]} rows of X, got {Y.shape}")
        self.Y = Y
        self.d_in, self.n_out = self.X.shape[1], Y.shape[1]
        self.eps = check_positive_float(eps, "eps")
        if (X_eval is None) != (Y_eval is None):
            raise ValueError("give both X_eval and Y_eval, or neither")
        if X_eval is None:
            self.X_eval, self.Y_eval = self.X, self.Y
        else:
            self.X_eval = check_array(X_eval, "X_eval", shape=(None, self.d_in))
            Ye = check_array(Y_eval, "Y_eval")
            self.Y_eval = Ye[:, None] if Ye.ndim == 1 else Ye
            if self.Y_eval.shape != (self.X_eval.shape[0], self.n_out):
                raise ValueError(f"Y_eval must have shape ({self.X_eval.shape[0]}, {self.n_out}), "
                                 f"got {self.Y_eval.shape}")
        self.weight = np.sqrt(self.eps / self.X.shape[0])
        self.terms = [("data", slice(0, self.X.shape[0]))]

    def system(self, net):
        self.check_network(net)
        Phi, cache = net.basis_forward(self.X)
        return self.weight * Phi, self.weight * self.Y, cache

    def system_backward(self, net, cache, dA):
        return net.basis_backward(self.weight * dA, cache)

    def _trainer_system(self, net, scratch):
        # X was checked by the constructor and the network by the trainer
        U = scratch.get("U")
        if U is None:
            U = scratch["U"] = net.input_map(self.X)
            scratch["rhs"] = self.weight * self.Y
        Phi, cache = net._basis_forward(U, scratch)
        A = scratch.get("A")
        if A is None or A.shape != Phi.shape:
            A = scratch["A"] = np.empty(Phi.shape)
        return np.multiply(self.weight, Phi, out=A), scratch["rhs"], cache

    def _trainer_backward(self, net, cache, dA, grads, scratch):
        net._basis_backward(np.multiply(self.weight, dA, out=dA), cache, grads, scratch)

    def errors(self, net):
        return error_metrics(net.predict(self.X_eval), self.Y_eval)


# --------------------------------------------------------------------------- targets
def sin2pi(x):
    """``u2(x) = sin(2 pi x)`` (paper Sec. 5)."""
    return np.sin(2.0 * np.pi * check_array(x, "x", allow_empty=True))


def u1_discontinuous(x):
    """``u1(x) = x`` on ``[0, 0.5)``, ``1 - 3/4 x^2`` on ``[0.5, 1]`` (paper eq. 17)."""
    x = check_array(x, "x", allow_empty=True)
    return np.where(x < 0.5, x, 1.0 - 0.75 * x * x)


def legendre_targets(x, k=6):
    """The first ``k`` Legendre polynomials mapped to [0, 1] and normalised (paper Fig. 11).

    ``P_j(2x - 1)`` scaled to unit L2 norm on [0, 1], i.e. multiplied by
    ``sqrt(2j + 1)``. Returns shape ``(N, k)``.
    """
    k = check_int(k, "k")
    x = check_array(x, "x", allow_empty=True).reshape(-1)
    t = 2.0 * x - 1.0
    cols = [np.ones_like(t), t]
    for j in range(1, k - 1):  # Bonnet's recursion (j+1) P_{j+1} = (2j+1) t P_j - j P_{j-1}
        cols.append(((2 * j + 1) * t * cols[j] - j * cols[j - 1]) / (j + 1))
    P = np.stack(cols[:k], axis=1)
    return P * np.sqrt(2.0 * np.arange(k) + 1.0)


def grid_1d(n=256):
    """``n`` evenly spaced points on [0, 1], as an ``(n, 1)`` array (paper: n = 256)."""
    n = check_int(n, "n", minimum=2)
    return np.linspace(0.0, 1.0, n)[:, None]


TARGETS = {"sin2pi": sin2pi, "u1": u1_discontinuous}
