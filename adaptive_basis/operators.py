r"""Differential operators on the basis: input-derivative jets and their backward pass (SPEC §5).

A physics-informed loss (paper eq. 19) applies linear operators ``L_k`` to the
network. Because ``NN = Phi @ xi_L`` and every ``L_k`` is linear,
``L_k[NN] = L_k[Phi] @ xi_L``: the least-squares matrix of a PDE problem is made of
operator values of the basis functions. This module computes them.

Jets (forward propagation, by hand)
-----------------------------------
For a direction ``j`` write ``h' = dh/dx_j`` and ``h'' = d^2 h / dx_j dx_k``. Through the
layers (``z = h W^T + b``, ``a = sigma(z)``)::

    z'  = h' W^T                      z'' = h'' W^T
    a'  = sigma'(z) z'                a'' = sigma''(z) z'_j z'_k + sigma'(z) z''

A plain layer sets ``h = a`` (and so ``h' = a'``, ``h'' = a''``); a residual block
``h = h_in + a`` adds the skip's derivatives (``h' = h_in' + a'``, ...). The input map
``u = (x - lo) * scale`` gives ``u' = scale[j] e_j`` and ``u'' = 0``, so a first
derivative in ``x_j`` carries a factor ``scale[j]`` and a second one ``scale[j] scale[k]``.
The constant output-bias column has zero derivatives.

Pure second derivatives ``d^2/dx_j^2`` (``k = j``) are what the Laplacian needs; mixed
pairs ``(j, k)`` come for free from the same formula and are accepted too.

Everything is vectorised over points and directions: first-order jets are arrays of
shape ``(D, N, width)`` for ``D`` directions, second-order ones ``(P, N, width)`` for
``P`` pairs.

ReLU
----
ReLU' is the Heaviside step (``relu'(0) = 0``), so first-order jets of a ReLU network
are the classical derivatives away from the cut planes. ReLU'' is a Dirac mass on
every cut plane, not the zero array ``d2f`` returns, so :func:`basis_jets` refuses a
ReLU network any second-order quantity with ``ValueError``.

Backward (by hand)
------------------
:func:`basis_jets_backward` takes the gradients of a scalar with respect to the value
``Phi`` and the jets and returns its gradients with respect to ``xi_H`` (same order
as :meth:`Network.basis_backward`). With ``g`` denoting adjoints, per layer::

    gz   = ga sigma' + sum_D ga' sigma'' z' + sum_P ga''_{jk} (sigma''' z'_j z'_k + sigma'' z'')
    gz'  = ga' sigma'  (+ ga''_{jk} sigma'' z'_k into direction j, + ga''_{jk} sigma'' z'_j into k)
    gz'' = ga'' sigma'
    gW   = gz^T h_in + sum_D gz'^T h_in' + sum_P gz''^T h_in''
    gb   = sum_points gz
    gh_in = gz W,  gh_in' = gz' W,  gh_in'' = gz'' W   (+ the skip's adjoints in a residual block)

For ReLU ``sigma'' = 0`` almost everywhere and the terms carrying it vanish.

Operators
---------
:class:`Operator` is a small linear-operator description
``L[v](x) = sum_i c_i(x) D^(i) v(x)``: a list of ``(coefficient, spec)`` with
``spec = ()`` (identity), ``(j,)`` (``d/dx_j``) or ``(j, k)`` (``d^2/dx_j dx_k``), and a
coefficient that is a real number, a callable ``X -> (N,)`` or an ``(N,)`` array
tied to one point set. Operators add, subtract and scale::

    from adaptive_basis.operators import derivative, identity, laplacian
    transport = derivative(1) + (lambda X: X[:, 0]) * derivative(0)  # u_t + x u_x, X = (x, t)
    poisson = -laplacian(2)                                           # -Δu in 2D
    trace = identity()                                                # Dirichlet data
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ._validation import check_array

__all__ = ["Jets", "JetCache", "Operator", "identity", "derivative", "second_derivative", "laplacian",
           "basis_jets", "basis_jets_backward", "operator_basis", "apply_operator"]


# =============================================================================== jets
@dataclass
class Jets:
    """Basis values and input derivatives at ``N`` points.

    ``value`` (N, n_basis); ``first`` (D, N, n_basis) with ``first[i] = dPhi/dx_{dirs[i]}``;
    ``second`` (P, N, n_basis) with ``second[p] = d^2 Phi / dx_j dx_k`` for
    ``(j, k) = pairs[p]``. The output-bias column (if any) is 1 in ``value`` and 0 in
    the derivatives. Index with a derivative spec: ``jets[()]``, ``jets[(j,)]``,
    ``jets[(j, k)]``.
    """

    value: np.ndarray
    first: np.ndarray
    second: np.ndarray
    dirs: tuple
    pairs: tuple

    def __getitem__(self, spec):
        spec = _normalise_spec(spec)
        if len(spec) == 0:
            return self.value
        if len(spec) == 1:
            if spec[0] not in self.dirs:
                raise KeyError(f"first derivative in x_{spec[0]} was not computed; dirs={self.dirs}")
            return self.first[self.dirs.index(spec[0])]
        if spec not in self.pairs:
            raise KeyError(f"second derivative {spec} was not computed; pairs={self.pairs}")
        return self.second[self.pairs.index(spec)]

    def laplacian(self) -> np.ndarray:
        """``sum_j d^2 Phi / dx_j^2`` over the pure pairs ``(j, j)`` that were computed."""
        pure = [p for p, (j, k) in enumerate(self.pairs) if j == k]
        if not pure:
            raise KeyError("no pure second derivatives were computed; ask basis_jets for second=range(d)")
        return self.second[pure].sum(axis=0)


@dataclass
class JetCache:
    """What :func:`basis_jets_backward` needs, per layer ``l``: the layer's input ``h``
    and its jets, the pre-activation and its jets, and ``sigma'``, ``sigma''`` at ``z``."""

    h_in: list
    dh_in: list
    d2h_in: list   # None where the input's second derivatives vanish (layer 1)
    z: list
    dz: list
    d2z: list      # None where they vanish
    s1: list
    s2: list       # None when not needed (no pairs and a non-smooth activation)
    dirs: tuple
    pairs: tuple
    pair_idx: np.ndarray  # (P, 2): positions of j and k in dirs
    n_points: int


def _check_dir(j, d_in, what):
    if isinstance(j, bool) or not isinstance(j, numbers.Integral):
        raise TypeError(f"{what} must be an integer input index in [0, {d_in}), got {j!r}")
    if not 0 <= j < d_in:
        raise ValueError(f"{what} must be an input index in [0, {d_in}), got {j}")
    return int(j)


def _check_index(j, what):
    if isinstance(j, bool) or not isinstance(j, numbers.Integral):
        raise TypeError(f"{what} must be a non-negative integer input index, got {j!r}")
    if j < 0:
        raise ValueError(f"{what} must be a non-negative input index, got {j}")
    return int(j)


def _normalise_spec(spec):
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        return (int(spec),)
    try:
        spec = tuple(spec)
    except TypeError:
        raise TypeError(f"a derivative spec is (), (j,) or (j, k), got {spec!r}") from None
    if len(spec) > 2:
        raise ValueError(f"derivatives of order > 2 are not supported, got spec {spec}")
    spec = tuple(_check_index(j, "derivative direction") for j in spec)
    return tuple(sorted(spec))


def _normalise_request(net, first, second):
    d = net.d_in
    first = [first] if isinstance(first, (int, np.integer)) else list(first)
    dirs = [_check_dir(j, d, "first-derivative direction") for j in first]
    pairs = []
    second = [second] if isinstance(second, (int, np.integer)) else list(second)
    for s in second:
        if isinstance(s, (int, np.integer)) and not isinstance(s, bool):
            s = (s, s)
        try:
            j, k = s
        except (TypeError, ValueError):
            raise ValueError(f"a second derivative is an index j (for d^2/dx_j^2) or a pair (j, k), "
                             f"got {s!r}") from None
        j, k = sorted((_check_dir(j, d, "second-derivative direction"),
                       _check_dir(k, d, "second-derivative direction")))
        if (j, k) not in pairs:
            pairs.append((j, k))
    for j, k in pairs:  # second derivatives need the first ones of both directions
        for i in (j, k):
            if i not in dirs:
                dirs.append(i)
    dirs = tuple(dict.fromkeys(dirs))
    if pairs and not net.activation.smooth:
        raise ValueError(
            f"second derivatives {pairs} of a {net.activation.name} network are not defined: "
            f"{net.activation.name}'' is a Dirac mass on every cut plane, not zero. "
            f"Use a smooth activation (tanh) for second-order operators such as the Laplacian.")
    return dirs, tuple(pairs)


def _matmul_t(stack, W):
    """``stack @ W.T`` for a (K, N, n_in) stack, as one 2-D product."""
    K, N, n = stack.shape
    return (stack.reshape(K * N, n) @ W.T).reshape(K, N, W.shape[0])


def _matmul(stack, W):
    """``stack @ W`` for a (K, N, n_out) stack, as one 2-D product."""
    K, N, n = stack.shape
    return (stack.reshape(K * N, n) @ W).reshape(K, N, W.shape[1])


def basis_jets(net, X, first=(), second=()):
    """Basis values and input derivatives of ``net`` at ``X``, and the cache for the backward pass.

    Parameters
    ----------
    net : Network
    X : (N, d) array in the network's domain
    first : iterable of int
        Directions ``j`` of the first derivatives ``dPhi/dx_j`` to return.
    second : iterable of int or (j, k)
        Second derivatives to return: ``j`` means ``d^2/dx_j^2``; ``(j, k)`` the mixed
        ``d^2/dx_j dx_k``. Refused (ValueError) for a ReLU network. The first derivatives
        they need are computed (and returned) too.

    Returns
    -------
    (Jets, JetCache)
    """
    X = net.check_inputs(X)
    dirs, pairs = _normalise_request(net, first, second)
    act = net.activation
    N, D, P = X.shape[0], len(dirs), len(pairs)
    pair_idx = np.array([[dirs.index(j), dirs.index(k)] for j, k in pairs], dtype=int).reshape(P, 2)
    need_s2 = P > 0 or act.smooth and D > 0  # sigma'' enters the backward of first-order jets

    h = net.input_map(X)
    dh = np.zeros((D, N, net.d_in))
    dh[np.arange(D), :, list(dirs)] = net.scale[list(dirs)][:, None]  # du/dx_j = scale[j] e_j
    d2h = None  # the input map is affine
    cache = JetCache([], [], [], [], [], [], [], [], dirs, pairs, pair_idx, N)
    for l, (W, b) in enumerate(zip(net.W, net.b)):
        z = h @ W.T + b
        dz = _matmul_t(dh, W)
        d2z = None if d2h is None else _matmul_t(d2h, W)
        s1 = act.df(z)
        s2 = act.d2f(z) if need_s2 else None
        a = act.f(z)
        da = s1 * dz
        d2a = None
        if P:
            d2a = s2 * dz[pair_idx[:, 0]] * dz[pair_idx[:, 1]]
            if d2z is not None:
                d2a = d2a + s1 * d2z
        for lst, v in zip((cache.h_in, cache.dh_in, cache.d2h_in, cache.z, cache.dz, cache.d2z, cache.s1,
                           cache.s2), (h, dh, d2h, z, dz, d2z, s1, s2)):
            lst.append(v)
        if net.arch == "resnet" and l > 0:
            h, dh = h + a, dh + da
            d2h = d2a if d2h is None else (d2h + d2a if d2a is not None else d2h)
        else:
            h, dh, d2h = a, da, d2a
    if d2h is None:
        d2h = np.zeros((P, N, h.shape[1]))
    if net.output_bias:
        h = np.hstack([h, np.ones((N, 1))])
        dh = np.concatenate([dh, np.zeros((D, N, 1))], axis=2)
        d2h = np.concatenate([d2h, np.zeros((P, N, 1))], axis=2)
    return Jets(h, dh, d2h, dirs, pairs), cache


def basis_jets_backward(net, cache: JetCache, dvalue=None, dfirst=None, dsecond=None) -> list:
    """Gradients w.r.t. ``xi_H`` of a scalar whose gradients in the jets are given.

    ``dvalue`` (N, n_basis), ``dfirst`` (D, N, n_basis), ``dsecond`` (P, N, n_basis),
    each optional (``None`` = zero), in the layout of the :class:`Jets` that
    :func:`basis_jets` returned with this ``cache``. Returns
    ``[dW_1, db_1, ..., dW_L, db_L]``.
    """
    N, D, P = cache.n_points, len(cache.dirs), len(cache.pairs)
    w = net.widths[-1]

    def take(g, lead, name):
        shape = lead + (N, net.n_basis)
        if g is None:
            return np.zeros(lead + (N, w))
        g = np.asarray(g, dtype=np.float64)
        if g.shape != shape:
            raise ValueError(f"{name} must have shape {shape}, got {g.shape}")
        return g[..., :w]  # the constant column has no hidden parameters

    gh = take(dvalue, (), "dvalue")
    gdh = take(dfirst, (D,), "dfirst")
    gd2h = take(dsecond, (P,), "dsecond")
    act = net.activation
    j_idx, k_idx = cache.pair_idx[:, 0], cache.pair_idx[:, 1]
    grads = [None] * (2 * net.depth)
    for l in range(net.depth - 1, -1, -1):
        z, dz, d2z = cache.z[l], cache.dz[l], cache.d2z[l]
        s1, s2 = cache.s1[l], cache.s2[l]
        # a = sigma(z): adjoints of a, a', a'' equal those of h, h', h''
        gz = gh * s1
        gdz = gdh * s1
        if s2 is not None and D:
            gz = gz + s2 * np.einsum("dni,dni->ni", gdh, dz)
        gd2z = None
        if P:
            s3 = act.d3f(z)
            prod = dz[j_idx] * dz[k_idx]
            gz = gz + s3 * np.einsum("pni,pni->ni", gd2h, prod)
            if d2z is not None:
                gz = gz + s2 * np.einsum("pni,pni->ni", gd2h, d2z)
            t = gd2h * s2
            np.add.at(gdz, j_idx, t * dz[k_idx])
            np.add.at(gdz, k_idx, t * dz[j_idx])
            gd2z = gd2h * s1
        # z = h W^T + b, z' = h' W^T, z'' = h'' W^T
        h_in, dh_in, d2h_in = cache.h_in[l], cache.dh_in[l], cache.d2h_in[l]
        n_in = h_in.shape[1]
        gW = gz.T @ h_in + gdz.reshape(-1, gdz.shape[2]).T @ dh_in.reshape(-1, n_in)
        if gd2z is not None and d2h_in is not None:
            gW = gW + gd2z.reshape(-1, gd2z.shape[2]).T @ d2h_in.reshape(-1, n_in)
        grads[2 * l] = gW
        grads[2 * l + 1] = gz.sum(axis=0)
        if l == 0:
            break
        W = net.W[l]
        gh_in, gdh_in = gz @ W, _matmul(gdz, W)
        gd2h_in = _matmul(gd2z, W) if gd2z is not None else np.zeros((P, N, n_in))
        if net.arch == "resnet":  # the skip of block l
            gh_in, gdh_in, gd2h_in = gh_in + gh, gdh_in + gdh, gd2h_in + gd2h
        gh, gdh, gd2h = gh_in, gdh_in, gd2h_in
    return grads


# =========================================================================== operators
class _Product:
    """The pointwise product of coefficients (numbers, callables of X, arrays)."""

    def __init__(self, *factors):
        self.factors = factors

    def __call__(self, X):
        out = 1.0
        for f in self.factors:
            out = out * _eval_coef(f, X)
        return out


def _check_coef(c):
    if callable(c) or isinstance(c, _Product):
        return c
    if isinstance(c, bool):
        raise TypeError(f"an operator coefficient must be a real number, a callable X -> (N,) or an (N,) "
                        f"array, got {c!r}")
    if isinstance(c, numbers.Real):
        if not np.isfinite(c):
            raise ValueError(f"an operator coefficient must be finite, got {c}")
        return float(c)
    return check_array(c, "operator coefficient", ndim=1)


def _eval_coef(c, X):
    """The coefficient at the points X: a float, or an (N,) array."""
    if isinstance(c, float):
        return c
    N = X.shape[0]
    v = c(X) if callable(c) else c
    if isinstance(v, numbers.Real) and not isinstance(v, bool):
        return float(v)
    v = np.asarray(v, dtype=np.float64)
    if v.ndim == 2 and v.shape[1] == 1:
        v = v[:, 0]
    if v.shape != (N,):
        raise ValueError(f"an operator coefficient must give one value per point, shape ({N},), got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("an operator coefficient has non-finite values at the given points")
    return v


class Operator:
    """A linear differential operator ``L[v](x) = sum_i c_i(x) D^(spec_i) v(x)``.

    ``parts`` is a list of ``(coefficient, spec)``; see the module docstring. Build
    operators with :func:`identity`, :func:`derivative`, :func:`second_derivative`,
    :func:`laplacian` and ``+``, ``-``, and multiplication by a coefficient.
    """

    __array_ufunc__ = None  # so that ndarray * Operator calls Operator.__rmul__

    def __init__(self, parts):
        parts = list(parts)
        if not parts:
            raise ValueError("an operator needs at least one (coefficient, spec) part")
        self.parts = [(_check_coef(c), _normalise_spec(s)) for c, s in parts]

    # -------------------------------------------------------------- algebra
    def __add__(self, other):
        if not isinstance(other, Operator):
            return NotImplemented
        return Operator(self.parts + other.parts)

    def __neg__(self):
        return Operator([(_scale(c, -1.0), s) for c, s in self.parts])

    def __sub__(self, other):
        if not isinstance(other, Operator):
            return NotImplemented
        return self + (-other)

    def __mul__(self, coef):
        if isinstance(coef, Operator):
            raise TypeError("composition of operators is not supported; multiply by a coefficient")
        coef = _check_coef(coef)
        return Operator([(_scale(c, coef), s) for c, s in self.parts])

    __rmul__ = __mul__

    # -------------------------------------------------------------- queries
    @property
    def order(self) -> int:
        return max(len(s) for _, s in self.parts)

    def requirements(self):
        """``(first, second)``: the derivative directions and pairs the operator needs."""
        first = tuple(dict.fromkeys(s[0] for _, s in self.parts if len(s) == 1))
        second = tuple(dict.fromkeys(s for _, s in self.parts if len(s) == 2))
        return first, second

    def check_dim(self, d_in):
        for _, s in self.parts:
            for j in s:
                _check_dir(j, d_in, "operator direction")

    def coefficients(self, X) -> list:
        """The coefficients at the points X (floats or (N,) arrays)."""
        return [_eval_coef(c, X) for c, _ in self.parts]

    # ------------------------------------------------------- apply / backward
    def apply(self, jets: Jets, coefs) -> np.ndarray:
        """``L[Phi]`` (N, n_basis) from the jets and the coefficients at their points."""
        out = 0.0
        for c, (_, spec) in zip(coefs, self.parts):
            c = c[:, None] if isinstance(c, np.ndarray) else c
            out = out + c * jets[spec]
        return out

    def apply_backward(self, G, jets: Jets, coefs):
        """Adjoints ``(dvalue, dfirst, dsecond)`` of the jets from ``G = dS/dL[Phi]``."""
        dv = np.zeros_like(jets.value)
        d1 = np.zeros_like(jets.first)
        d2 = np.zeros_like(jets.second)
        for c, (_, spec) in zip(coefs, self.parts):
            c = c[:, None] if isinstance(c, np.ndarray) else c
            if len(spec) == 0:
                dv += c * G
            elif len(spec) == 1:
                d1[jets.dirs.index(spec[0])] += c * G
            else:
                d2[jets.pairs.index(spec)] += c * G
        return dv, d1, d2

    def __repr__(self):
        def name(s):
            return "I" if not s else ("d/dx%d" % s[0] if len(s) == 1 else "d2/dx%ddx%d" % s)

        def cname(c):
            return f"{c:g}" if isinstance(c, float) else ("c(x)" if callable(c) else "array")
        return "Operator(" + " + ".join(f"{cname(c)}*{name(s)}" for c, s in self.parts) + ")"


def _scale(c, f):
    if isinstance(c, float) and isinstance(f, float):
        return c * f
    if isinstance(f, float) and isinstance(c, np.ndarray):
        return c * f
    if isinstance(c, float) and isinstance(f, np.ndarray):
        return f * c
    return _Product(c, f)


def identity() -> Operator:
    """``L[v] = v``; on a boundary point set, the Dirichlet trace."""
    return Operator([(1.0, ())])


def derivative(j) -> Operator:
    """``L[v] = dv/dx_j``."""
    return Operator([(1.0, (_check_index(j, "j"),))])


def second_derivative(j, k=None) -> Operator:
    """``L[v] = d^2 v / dx_j dx_k`` (``k = j`` by default: the pure second derivative)."""
    j = _check_index(j, "j")
    k = j if k is None else _check_index(k, "k")
    return Operator([(1.0, (j, k))])


def laplacian(d) -> Operator:
    """``L[v] = sum_{j<d} d^2 v / dx_j^2`` in ``d`` dimensions (use ``-laplacian(d)`` for ``-Δ``)."""
    from ._validation import check_int
    d = check_int(d, "d")
    return Operator([(1.0, (j, j)) for j in range(d)])


# ============================================================================ helpers
def operator_basis(net, op: Operator, X):
    """``L[Phi](X)`` (N, n_basis), with the jets and cache for the backward pass.

    Returns ``(LPhi, jets, cache, coefs)``; push a gradient ``G = dS/dLPhi`` back with
    ``basis_jets_backward(net, cache, *op.apply_backward(G, jets, coefs))``.
    """
    if not isinstance(op, Operator):
        raise TypeError(f"op must be an Operator, got {type(op).__name__}")
    op.check_dim(net.d_in)
    X = net.check_inputs(X)
    first, second = op.requirements()
    jets, cache = basis_jets(net, X, first, second)
    coefs = op.coefficients(X)
    return op.apply(jets, coefs), jets, cache, coefs


def apply_operator(net, op: Operator, X) -> np.ndarray:
    """``L[NN](X) = L[Phi](X) @ xi_L``, shape (N, n_out)."""
    return operator_basis(net, op, X)[0] @ net.xi_L
