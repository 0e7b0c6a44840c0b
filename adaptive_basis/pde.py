r"""Physics-informed problems: several operator terms stacked into one LS system (paper eq. 19).

    J(xi) = sum_k eps_k * (1/N_k) * sum_{x in X_k} | L_k[NN](x) - g_k(x) |^2

Each term ``k`` has its own operator ``L_k`` (:class:`~adaptive_basis.operators.Operator`),
point set ``X_k``, data ``g_k`` and weight ``eps_k``. Since ``L_k[NN] = L_k[Phi] xi_L``,
``J = |A xi_L - rhs|^2`` with the blocks ``sqrt(eps_k/N_k) L_k[Phi](X_k)`` and
``sqrt(eps_k/N_k) g_k(X_k)`` stacked in the order of the terms (SPEC §4), so
:func:`~adaptive_basis.train.train_lsgd` and :func:`~adaptive_basis.train.train_gd` train
these problems unchanged, and ``History.terms[name]`` is ``eps_k * mean_k |L_k[NN] - g_k|^2``.

Problems provided:

* :class:`PDEProblem` -- the general multi-term loss;
* :class:`Transport` -- ``u_t + a u_x = 0`` on ``(x, t) in [0,1]^2`` (paper Figs. 12, 13);
* :class:`Poisson` -- ``-Δu = f`` with Dirichlet data in 1D and 2D (an extension beyond
  the paper, for tanh networks; ReLU networks are refused by the operator module).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import check_array, check_choice, check_int, check_positive_float
from .operators import Operator, basis_jets, basis_jets_backward, derivative, identity, laplacian
from .problems import Problem, error_metrics


@dataclass
class Term:
    """One term ``eps * mean |L[NN] - g|^2`` of eq. 19 over the points ``X``.

    ``g`` is an (N,) or (N, n_out) array, a callable ``X -> array`` or a number (the
    same value at every point). ``name`` labels the term in ``History.terms``.
    """

    name: str
    op: Operator
    X: np.ndarray
    g: object = 0.0
    eps: float = 1.0


def tent(x, center=0.25, half_width=0.125):
    """The tent ``u0(x) = max(0, 1 - |x - center| / half_width)``; zero outside its support.

    With the defaults the support is ``[0.125, 0.375]`` and the peak ``u0(0.25) = 1``.
    """
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(0.0, 1.0 - np.abs(x - center) / half_width)


class PDEProblem(Problem):
    """The general multi-term loss of eq. 19, as a stacked least-squares system.

    Parameters
    ----------
    terms : list of :class:`Term` (names must be distinct)
    exact : callable ``X -> (N,) or (N, n_out)``, optional
        The exact solution, for :meth:`errors`.
    X_eval : (M, d) array, optional
        Where :meth:`errors` compares the network with ``exact`` (default: the points
        of the first term).
    n_out : int
        Number of outputs (several solutions of the same operators sharing one basis).
    """

    def __init__(self, terms, *, exact=None, X_eval=None, n_out=1):
        terms = list(terms)
        if not terms:
            raise ValueError("a PDE problem needs at least one term")
        self.n_out = check_int(n_out, "n_out")
        names = [t.name for t in terms]
        if len(set(names)) != len(names):
            raise ValueError(f"term names must be distinct, got {names}")
        self.d_in = None
        self._terms, self.terms, start = [], [], 0
        for t in terms:
            if not isinstance(t, Term):
                raise TypeError(f"terms must be Term instances, got {type(t).__name__}")
            if not isinstance(t.op, Operator):
                raise TypeError(f"term {t.name!r}: op must be an Operator, got {type(t.op).__name__}")
            X = check_array(t.X, f"term {t.name!r} points X", ndim=2)
            if self.d_in is None:
                self.d_in = X.shape[1]
            elif X.shape[1] != self.d_in:
                raise ValueError(f"term {t.name!r}: points have dimension {X.shape[1]}, the first term's "
                                 f"have {self.d_in}")
            t.op.check_dim(self.d_in)
            eps = check_positive_float(t.eps, f"term {t.name!r} eps")
            g = self._data(t, X)
            N = X.shape[0]
            self._terms.append({"name": t.name, "op": t.op, "X": X, "g": g, "eps": eps,
                                "weight": np.sqrt(eps / N), "coefs": t.op.coefficients(X),
                                "req": t.op.requirements()})
            self.terms.append((t.name, slice(start, start + N)))
            start += N
        self.n_rows = start
        self.exact = exact
        self.X_eval = self._terms[0]["X"] if X_eval is None else \
            check_array(X_eval, "X_eval", shape=(None, self.d_in))
        self.U_eval = None if exact is None else self._as_columns(exact(self.X_eval), "exact(X_eval)",
                                                                  self.X_eval.shape[0])

    def _as_columns(self, v, name, N):
        v = check_array(v, name)
        if v.ndim == 1:
            v = v[:, None]
        if v.shape != (N, self.n_out):
            raise ValueError(f"{name} must have shape ({N},) or ({N}, {self.n_out}), got {v.shape}")
        return v

    def _data(self, t, X):
        g = t.g(X) if callable(t.g) else t.g
        if np.ndim(g) == 0:
            g = np.full((X.shape[0], self.n_out), float(check_array(g, f"term {t.name!r} data", ndim=0)))
        return self._as_columns(g, f"term {t.name!r} data g", X.shape[0])

    # ----------------------------------------------------------- the LS system
    def system(self, net):
        self.check_network(net)
        blocks, rhs, caches = [], [], []
        for t in self._terms:
            jets, jc = basis_jets(net, t["X"], *t["req"])
            blocks.append(t["weight"] * t["op"].apply(jets, t["coefs"]))
            rhs.append(t["weight"] * t["g"])
            caches.append((jets, jc))
        return np.vstack(blocks), np.vstack(rhs), caches

    def system_backward(self, net, cache, dA):
        grads = None
        for t, (name, sl), (jets, jc) in zip(self._terms, self.terms, cache):
            adj = t["op"].apply_backward(t["weight"] * dA[sl], jets, t["coefs"])
            g = basis_jets_backward(net, jc, *adj)
            grads = g if grads is None else [a + b for a, b in zip(grads, g)]
        return grads

    # ------------------------------------------------------------- diagnostics
    def errors(self, net) -> dict:
        if self.U_eval is None:
            return {}
        return error_metrics(net.predict(self.X_eval), self.U_eval)

    def residuals(self, net) -> dict:
        """``{name: L_k[NN](X_k) - g_k(X_k)}`` (unweighted), for plots and checks."""
        A, rhs, _ = self.system(net)
        R = A @ net.xi_L - rhs
        return {name: R[sl] / t["weight"] for t, (name, sl) in zip(self._terms, self.terms)}


# ------------------------------------------------------------------ grids
def unit_grid_2d(n):
    """The ``n x n`` tensor grid of ``[0,1]^2``, shape ``(n*n, 2)``; the first column varies
    fastest, so ``U.reshape(n, n)`` is indexed ``[second coordinate, first coordinate]``."""
    n = check_int(n, "n", minimum=2)
    s = np.linspace(0.0, 1.0, n)
    A, B = np.meshgrid(s, s)  # A varies along axis 1
    return np.column_stack([A.ravel(), B.ravel()])


# --------------------------------------------------------------- transport
class Transport(PDEProblem):
    r"""Transport ``u_t + a(x) u_x = 0`` on ``(x, t) in [0,1]^2`` (paper Sec. 5.3, Figs. 12-13).

    **Input ordering:** column 0 is ``x``, column 1 is ``t``: a point is ``(x, t)``.

    Initial condition ``u(x, 0) = u0(x)`` with the tent
    ``u0(x) = max(0, 1 - |x - 0.25| / 0.125)`` (support [0.125, 0.375], peak 1 at
    x = 0.25; :func:`tent`), and inflow ``u(0, t) = 0`` (``a >= 0`` at x = 0, so x = 0
    is the inflow boundary). Exact solutions, with ``u0`` extended by zero:

    * ``velocity = c`` (a positive number; the paper's case is ``c = 1``):
      ``u = u0(x - c t)``;
    * ``velocity = 'x'`` (``a(x, t) = x``): characteristics ``x = x0 e^t``, so
      ``u = u0(x e^{-t})``.

    Terms (eq. 19), all on the ``n x n`` grid of [0,1]^2 (paper: n = 101):

    * ``'pde'``: ``u_t + a u_x`` at every grid point (boundary included), weight ``eps_pde``;
    * ``'initial'``: ``u(x, 0) - u0(x)`` at the ``n`` grid points with t = 0, weight ``eps_ic``;
    * ``'inflow'``: ``u(0, t)`` at the ``n`` grid points with x = 0, weight ``eps_bc``.

    Errors are measured on the same grid unless ``n_eval`` asks for another one.
    """

    def __init__(self, velocity=1.0, *, n=101, eps_pde=1.0, eps_ic=1.0, eps_bc=1.0, n_eval=None,
                 center=0.25, half_width=0.125):
        if isinstance(velocity, str):
            check_choice(velocity, "velocity", ("x",))
            a = _velocity_x
            self.exact_fn = _ExactTransportX(center, half_width)
        else:
            c = check_positive_float(velocity, "velocity")
            a = c
            self.exact_fn = _ExactTransportConst(c, center, half_width)
        self.velocity = velocity
        self.n = check_int(n, "n", minimum=2)
        self.center = check_positive_float(center, "center")
        self.half_width = check_positive_float(half_width, "half_width")
        X = unit_grid_2d(self.n)
        s = np.linspace(0.0, 1.0, self.n)
        X_ic = np.column_stack([s, np.zeros_like(s)])
        X_in = np.column_stack([np.zeros_like(s), s])
        op = derivative(1) + a * derivative(0)
        terms = [Term("pde", op, X, 0.0, eps_pde),
                 Term("initial", identity(), X_ic, tent(s, center, half_width), eps_ic),
                 Term("inflow", identity(), X_in, 0.0, eps_bc)]
        X_eval = X if n_eval is None else unit_grid_2d(n_eval)
        super().__init__(terms, exact=self.exact_fn, X_eval=X_eval)


def _velocity_x(X):
    return X[:, 0]


class _ExactTransportConst:
    """``u0(x - c t)`` (picklable, unlike a lambda)."""

    def __init__(self, c, center, half_width):
        self.c, self.center, self.half_width = c, center, half_width

    def __call__(self, X):
        return tent(X[:, 0] - self.c * X[:, 1], self.center, self.half_width)


class _ExactTransportX:
    """``u0(x e^{-t})``."""

    def __init__(self, center, half_width):
        self.center, self.half_width = center, half_width

    def __call__(self, X):
        return tent(X[:, 0] * np.exp(-X[:, 1]), self.center, self.half_width)


# ----------------------------------------------------------------- Poisson
def poisson_exact_1d(X):
    """``u(x) = sin(2 pi x) + x / 2``: Dirichlet data u(0) = 0, u(1) = 1/2."""
    x = X[:, 0]
    return np.sin(2 * np.pi * x) + 0.5 * x


def poisson_source_1d(X):
    """``f = -u'' = 4 pi^2 sin(2 pi x)``."""
    return 4 * np.pi ** 2 * np.sin(2 * np.pi * X[:, 0])


def poisson_exact_2d(X):
    """``u(x, y) = sin(pi x) sin(2 pi y) + x y / 2``: nonzero Dirichlet data on x = 1 and y = 1."""
    x, y = X[:, 0], X[:, 1]
    return np.sin(np.pi * x) * np.sin(2 * np.pi * y) + 0.5 * x * y


def poisson_source_2d(X):
    """``f = -Δu = 5 pi^2 sin(pi x) sin(2 pi y)`` (``xy`` is harmonic)."""
    x, y = X[:, 0], X[:, 1]
    return 5 * np.pi ** 2 * np.sin(np.pi * x) * np.sin(2 * np.pi * y)


class Poisson(PDEProblem):
    r"""Poisson ``-Δu = f`` on ``[0,1]^d`` (d = 1, 2) with Dirichlet data from a manufactured
    smooth solution -- an extension beyond the paper (SPEC §5 asks for the Laplacian).

    * d = 1: ``u = sin(2 pi x) + x/2``, ``f = 4 pi^2 sin(2 pi x)``
      (:func:`poisson_exact_1d`);
    * d = 2: ``u = sin(pi x) sin(2 pi y) + x y / 2``, ``f = 5 pi^2 sin(pi x) sin(2 pi y)``
      (:func:`poisson_exact_2d`).

    Terms: ``'pde'`` (``-Δu - f`` at ``n`` evenly spaced points of [0,1] in 1D, or the
    ``n x n`` grid of [0,1]^2 in 2D, boundary included; weight ``eps_pde``) and
    ``'boundary'`` (``u - u_exact`` at the two end points in 1D, or at the ``4(n-1)``
    boundary points of the grid in 2D; weight ``eps_bc``). Errors on a finer evaluation
    grid of ``n_eval`` points per direction (default ``4 n``).

    Needs a smooth activation (tanh): a ReLU network is refused when the Laplacian is asked for.
    """

    def __init__(self, dim, *, n=None, eps_pde=1.0, eps_bc=1.0, n_eval=None):
        self.dim = check_int(dim, "dim")
        if self.dim not in (1, 2):
            raise ValueError(f"dim must be 1 or 2, got {dim}")
        self.n = check_int(64 if n is None and dim == 1 else (24 if n is None else n), "n", minimum=3)
        n_eval = 4 * self.n if n_eval is None else check_int(n_eval, "n_eval", minimum=2)
        if self.dim == 1:
            exact, f = poisson_exact_1d, poisson_source_1d
            X = np.linspace(0.0, 1.0, self.n)[:, None]
            X_b = np.array([[0.0], [1.0]])
            X_eval = np.linspace(0.0, 1.0, n_eval)[:, None]
        else:
            exact, f = poisson_exact_2d, poisson_source_2d
            X = unit_grid_2d(self.n)
            on_boundary = np.any((X == 0.0) | (X == 1.0), axis=1)
            X_b = X[on_boundary]
            X_eval = unit_grid_2d(n_eval)
        self.exact_fn, self.source = exact, f
        terms = [Term("pde", -laplacian(self.dim), X, f, eps_pde),
                 Term("boundary", identity(), X_b, exact, eps_bc)]
        super().__init__(terms, exact=exact, X_eval=X_eval)
