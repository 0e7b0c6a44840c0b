"""The adaptive-basis network (SPEC §1, paper eq. 3).

    NN(x) = sum_i xi_L[i] * Phi_i(x; xi_H)

Layout and conventions, fixed for the whole package:

* A batch of inputs is an array ``X`` of shape ``(N, d)``.
* Hidden layer ``l`` (1-based) has weights ``W_l`` of shape ``(n_out, n_in)`` and
  bias ``b_l`` of shape ``(n_out,)`` -- PyTorch's orientation -- and computes
  ``z_l = h_{l-1} @ W_l.T + b_l``.
* Plain MLP: ``h_l = sigma(z_l)``. ResNet (Sec. 4.2): layer 1 is plain, every later
  layer is a residual block ``h_l = h_{l-1} + sigma(z_l)`` (so its width must equal
  the width before it).
* ``h_0 = u(x)`` where ``u(x) = (x - lo) / (hi - lo)`` is a fixed affine map from the
  user's domain ``[lo, hi]^d`` to the unit box (the identity by default).
* The basis is ``Phi = h_L`` of shape ``(N, w_L)``; with ``output_bias=True`` a
  constant column of ones is appended (the constant basis function), so
  ``n_basis = w_L + output_bias``.
* The head ``xi_L`` has shape ``(n_basis, n_out)``; with an output bias its last row
  is the bias. ``NN(X) = Phi @ xi_L`` of shape ``(N, n_out)``.
* ``xi_H`` is the flat list ``[W_1, b_1, W_2, b_2, ..., W_L, b_L]``; gradients are
  returned in the same order.

The forward pass returns an explicit cache that the backward pass consumes
(cs231n's contract); nothing is stored on the network between calls.

Performance notes. Each layer is three BLAS-3 products on ``(N, width)`` arrays
(``h W^T`` forward, ``dz^T h`` and ``dz W`` backward) plus a few elementwise
passes; nothing loops over neurons or points in Python. The trainers use the
unchecked internal methods :meth:`Network._basis_forward` and
:meth:`Network._basis_backward`, which can write into arrays reused from one
iteration to the next (a ``scratch`` dict owned by the training run) instead of
allocating ``O(N * width)`` arrays at every step; the public methods run the same
code with fresh arrays, so both give identical numbers. Memory: the cache holds
``h_{l-1}``, ``z_l`` and ``sigma(z_l)`` of every layer, ``O(N * width * depth)``
(for a plain layer ``sigma(z_l)`` *is* ``h_l``, so nothing is stored twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import check_array, check_choice, check_int
from .activations import Activation, get_activation

ARCHITECTURES = ("plain", "resnet")


def _finite_or_raise(arr, what):
    if not np.all(np.isfinite(arr)):
        raise FloatingPointError(f"{what}: non-finite values (overflow); the inputs X or the parameters "
                                 f"are too large for float64")
    return arr


def _scratch(scratch, key, shape):
    """A float64 array of ``shape``: new if ``scratch`` is None, else kept in (and reused from) the dict."""
    if scratch is None:
        return np.empty(shape)
    arr = scratch.get(key)
    if arr is None or arr.shape != shape:
        arr = scratch[key] = np.empty(shape)
    return arr


@dataclass
class ForwardCache:
    """What the backward pass needs: the input of every layer, its pre-activation and activation."""

    h_in: list  # h_{l-1}, (N, n_in_l) for l = 1..L
    z: list     # z_l, (N, n_out_l)
    a: list = field(default_factory=list)  # sigma(z_l) (the same array as h_l in a plain layer), or None


class Network:
    """A plain or residual MLP seen as an adaptive basis plus a linear head.

    Parameters
    ----------
    d_in : int
        Input dimension ``d``.
    widths : sequence of int
        Widths of the hidden layers; ``len(widths)`` is the depth ``L >= 1``. For a
        ResNet every width after the first must equal the first.
    n_out : int
        Number of outputs (several target functions sharing one basis, eq. 18).
    activation : {'relu', 'tanh'}
    arch : {'plain', 'resnet'}
    init : str
        Initializer of the hidden layers, one of :data:`adaptive_basis.init.INITIALIZERS`
        ('box', 'he_uniform', 'he_normal', 'glorot_uniform', 'glorot_normal';
        'kaiming_*'/'xavier_*' aliases). The head is drawn with
        :func:`adaptive_basis.init.head_init` (PyTorch's ``nn.Linear`` default);
        LSGD overwrites it by its first least-squares solve.
    rng : numpy.random.Generator or int
        Required unless ``params`` is given (there is no unseeded default). Source of every random draw; one child generator is spawned per layer and
        one for the head, so layer ``l`` draws the same numbers whatever the depth.
    output_bias : bool
        Append the constant basis function (paper eq. 3 has none; default False).
    domain : None or (lo, hi)
        Scalars or arrays of shape ``(d,)``; inputs in ``[lo, hi]^d`` are mapped
        affinely to ``[0, 1]^d`` before the first layer.
    resnet_variant : {'eq16', 'alg3'}
        Scales of the ResNet Box initialization (SPEC §2).
    params : optional dict
        ``{'W': [...], 'b': [...], 'xi_L': array}`` to build a network from given
        parameters instead of drawing them (``init`` and ``rng`` are then ignored).
    """

    def __init__(self, d_in, widths, n_out=1, *, activation="relu", arch="plain",
                 init="he_uniform", rng=None, output_bias=False, domain=None,
                 resnet_variant="eq16", params=None):
        self.d_in = check_int(d_in, "d_in")
        if isinstance(widths, (int, np.integer)) and not isinstance(widths, bool):
            raise TypeError(f"widths must be a sequence of layer widths, got the integer {widths!r}; "
                            f"use e.g. [{widths}] * depth")
        try:
            widths = list(widths)
        except TypeError:
            raise TypeError(f"widths must be a sequence of integers, got {widths!r}") from None
        if len(widths) < 1:
            raise ValueError("widths must name at least one hidden layer (depth >= 1), got []")
        self.widths = [check_int(w, f"widths[{i}]") for i, w in enumerate(widths)]
        self.n_out = check_int(n_out, "n_out")
        self.activation: Activation = get_activation(activation)
        self.arch = check_choice(arch, "arch", ARCHITECTURES)
        if self.arch == "resnet" and any(w != self.widths[0] for w in self.widths[1:]):
            raise ValueError(f"a ResNet needs equal widths after its first layer, got widths={self.widths}")
        if not isinstance(output_bias, (bool, np.bool_)):
            raise TypeError(f"output_bias must be True or False, got {output_bias!r}")
        self.output_bias = bool(output_bias)
        self.resnet_variant = check_choice(resnet_variant, "resnet_variant", ("eq16", "alg3"))
        self.init = init
        self._set_domain(domain)
        if params is not None:
            self.set_params(params)
        else:
            self._draw(init, rng)

    # ------------------------------------------------------------------ setup
    @property
    def depth(self) -> int:
        return len(self.widths)

    @property
    def n_basis(self) -> int:
        return self.widths[-1] + int(self.output_bias)

    def layer_dims(self):
        """``[(n_in_1, n_out_1), ..., (n_in_L, n_out_L)]``."""
        dims_in = [self.d_in] + self.widths[:-1]
        return list(zip(dims_in, self.widths))

    def _set_domain(self, domain):
        if domain is None:
            lo, hi = np.zeros(self.d_in), np.ones(self.d_in)
        else:
            try:
                lo, hi = domain
            except (TypeError, ValueError):
                raise ValueError(f"domain must be a pair (lo, hi), got {domain!r}") from None
            lo, hi = (self._domain_bound(v, name) for v, name in ((lo, "domain lo"), (hi, "domain hi")))
            if np.any(hi <= lo):
                raise ValueError(f"domain needs hi > lo in every coordinate, got lo={lo}, hi={hi}")
            with np.errstate(over="ignore", divide="ignore"):
                finite = np.all(np.isfinite(hi - lo)) and np.all(np.isfinite(1.0 / (hi - lo)))
            if not finite:
                raise ValueError(f"domain [lo, hi] must have a finite, non-zero width 1/(hi - lo) in every "
                                 f"coordinate, got lo={lo}, hi={hi}")
        self.lo, self.hi = lo, hi
        self.scale = 1.0 / (hi - lo)  # du/dx, diagonal

    def _domain_bound(self, value, name):
        arr = check_array(value, name)
        if arr.ndim == 0:
            return np.full(self.d_in, float(arr))
        if arr.shape != (self.d_in,):
            raise ValueError(f"{name} must be a scalar or have shape ({self.d_in},) (d_in), got {arr.shape}")
        return arr.copy()

    def _draw(self, init, rng):
        from .init import as_generator, head_init, hidden_layer_init, resolve_scheme
        try:
            resolve_scheme(init)
        except (TypeError, ValueError) as err:
            raise type(err)(f"init: {err}") from None
        gen = as_generator(rng)
        children = gen.spawn(self.depth + 1)
        self.W, self.b = [], []
        for l, (n_in, n_out) in enumerate(self.layer_dims(), start=1):
            W, b = hidden_layer_init(init, l, self.depth, n_in, n_out, children[l - 1], arch=self.arch,
                                     activation=self.activation.name, resnet_variant=self.resnet_variant)
            self.W.append(np.asarray(W, dtype=np.float64))
            self.b.append(np.asarray(b, dtype=np.float64))
        self.xi_L = np.asarray(head_init(self.n_basis, self.n_out, children[-1]), dtype=np.float64)

    # ------------------------------------------------------------- parameters
    @property
    def xi_H(self) -> list:
        """The hidden parameters ``[W_1, b_1, ..., W_L, b_L]`` (the arrays themselves)."""
        out = []
        for W, b in zip(self.W, self.b):
            out += [W, b]
        return out

    @xi_H.setter
    def xi_H(self, arrays):
        self.W, self.b = self._checked_hidden(arrays)  # all arrays checked before any is replaced

    def _checked_hidden(self, arrays):
        try:
            arrays = list(arrays)
        except TypeError:
            raise TypeError(f"xi_H must be a sequence of {2 * self.depth} arrays [W_1, b_1, ...], "
                            f"got {type(arrays).__name__}") from None
        if len(arrays) != 2 * self.depth:
            raise ValueError(f"xi_H must hold {2 * self.depth} arrays (W_l, b_l for {self.depth} layers), "
                             f"got {len(arrays)}")
        W, b = [], []
        for l, (n_in, n_out) in enumerate(self.layer_dims()):
            W.append(check_array(arrays[2 * l], f"W_{l + 1}", shape=(n_out, n_in)))
            b.append(check_array(arrays[2 * l + 1], f"b_{l + 1}", shape=(n_out,)))
        return W, b

    def set_head(self, xi_L):
        self.xi_L = check_array(xi_L, "xi_L", shape=(self.n_basis, self.n_out))

    def get_params(self) -> dict:
        """A deep copy of every parameter: ``{'W': [...], 'b': [...], 'xi_L': ...}``."""
        return {"W": [W.copy() for W in self.W], "b": [b.copy() for b in self.b], "xi_L": self.xi_L.copy()}

    def set_params(self, params):
        """Replace every parameter by (validated copies of) ``params`` as from :meth:`get_params`."""
        if not isinstance(params, dict):
            raise TypeError(f"params must be a dict with keys 'W', 'b' and 'xi_L', got {type(params).__name__}")
        if not {"W", "b", "xi_L"} <= set(params):
            raise ValueError(f"params must be a dict with keys 'W', 'b' and 'xi_L', got keys {sorted(params)}")
        if not all(isinstance(params[k], (list, tuple)) for k in ("W", "b")):
            raise TypeError("params['W'] and params['b'] must be lists of arrays, got "
                            f"{type(params['W']).__name__} and {type(params['b']).__name__}")
        if not len(params["W"]) == len(params["b"]) == self.depth:
            raise ValueError(f"params hold {len(params['W'])} weight and {len(params['b'])} bias arrays, "
                             f"the network has depth {self.depth}")
        W, b = self._checked_hidden([a for pair in zip(params["W"], params["b"]) for a in pair])
        xi_L = check_array(params["xi_L"], "xi_L", shape=(self.n_basis, self.n_out))
        # copies, so that later in-place changes of the caller's arrays do not reach the network
        self.W, self.b, self.xi_L = [w.copy() for w in W], [v.copy() for v in b], xi_L.copy()

    def copy(self) -> "Network":
        return Network(self.d_in, self.widths, self.n_out, activation=self.activation.name, arch=self.arch,
                       output_bias=self.output_bias, domain=(self.lo, self.hi),
                       resnet_variant=self.resnet_variant, params=self.get_params())

    def n_params(self) -> int:
        return sum(a.size for a in self.xi_H) + self.xi_L.size

    # ---------------------------------------------------------------- forward
    def check_inputs(self, X, name="X") -> np.ndarray:
        return check_array(X, name, shape=(None, self.d_in))

    def input_map(self, X) -> np.ndarray:
        """``u = (X - lo) / (hi - lo)``: the fixed affine map to the unit box."""
        return (X - self.lo) * self.scale

    def basis_forward(self, X):
        """Basis ``Phi`` of shape ``(N, n_basis)`` and the cache for :meth:`basis_backward`."""
        Phi, cache = self._basis_forward(self.input_map(self.check_inputs(X)))
        if cache.a[-1] is Phi:  # the caller may change Phi in place; the backward then uses z_L
            cache.a[-1] = None
        return Phi, cache

    def _basis_forward(self, h, scratch=None):
        """:meth:`basis_forward` from the mapped input ``h = u(X)``, without argument checks.

        With a ``scratch`` dict every array of the result and of the cache is kept in
        it and overwritten by the next call with the same dict (the trainers' loop).
        """
        N = h.shape[0]
        act = self.activation
        sigma = act.f
        into = act.vjp_from_output is not None  # the package's activations also take out=
        resnet = self.arch == "resnet"
        cache = ForwardCache([], [], [])
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            shape = (N, W.shape[0])
            # W^T copied to a contiguous array: OpenBLAS is faster on it than on the transposed
            # view (about 30% for 32 x 32 weights) and gives the same bits
            WT = _scratch(scratch, ("WT", l), W.shape[::-1])
            np.copyto(WT, W.T)
            z = np.matmul(h, WT, out=_scratch(scratch, ("z", l), shape))
            z += b
            a = sigma(z, out=_scratch(scratch, ("a", l), shape)) if into else sigma(z)
            cache.h_in.append(h)
            cache.z.append(z)
            cache.a.append(a)
            h = np.add(h, a, out=_scratch(scratch, ("h", l), shape)) if (resnet and l > 0) else a
        if self.output_bias:
            w = h.shape[1]
            Phi = _scratch(scratch, "Phi", (N, w + 1))
            Phi[:, :w] = h
            Phi[:, w] = 1.0
            h = Phi
        return h, cache

    def basis(self, X) -> np.ndarray:
        """The basis functions evaluated at ``X``: ``(N, n_basis)``.

        Raises FloatingPointError if finite inputs overflow (the result would hold inf/NaN).
        """
        with np.errstate(over="ignore", invalid="ignore"):
            return _finite_or_raise(self.basis_forward(X)[0], "basis at X")

    def predict(self, X) -> np.ndarray:
        """``NN(X) = Phi(X) @ xi_L``, shape ``(N, n_out)``.

        Raises FloatingPointError if finite inputs overflow (the result would hold inf/NaN).
        """
        Phi = self.basis(X)
        with np.errstate(over="ignore", invalid="ignore"):
            return _finite_or_raise(Phi @ self.xi_L, "output at X")

    __call__ = predict

    def hidden_states(self, X, *, mapped=True) -> list:
        """``[h_0, h_1, ..., h_L]``: the image of ``X`` after each hidden layer.

        ``h_0`` is the mapped input ``u(X)`` (or ``X`` itself with ``mapped=False``).
        """
        X = self.check_inputs(X)
        h = self.input_map(X) if mapped else X
        out = [h]
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            a = self.activation.f(h @ W.T + b)
            h = h + a if (self.arch == "resnet" and l > 0) else a
            out.append(h)
        return out

    # --------------------------------------------------------------- backward
    def basis_backward(self, dPhi, cache: ForwardCache) -> list:
        """Gradients with respect to ``xi_H`` of a scalar whose gradient in ``Phi`` is ``dPhi``.

        ``dPhi`` has the shape of ``Phi``; the constant column (output bias) has no
        hidden parameters and is ignored. Returns ``[dW_1, db_1, ..., dW_L, db_L]``.
        """
        dPhi = check_array(dPhi, "dPhi", shape=(cache.z[0].shape[0], self.n_basis))
        return self._basis_backward(dPhi, cache)

    def _basis_backward(self, dPhi, cache: ForwardCache, grads=None, scratch=None) -> list:
        """:meth:`basis_backward` without argument checks.

        ``grads``: optional list of ``2 L`` arrays of the shapes of ``xi_H`` to write
        the gradients into (the trainers pass views of one flat vector); ``scratch``
        as in :meth:`_basis_forward`.
        """
        N = dPhi.shape[0]
        act = self.activation
        # sigma'(z) from the stored sigma(z) (no second tanh); caches built by hand may lack it
        vjp = act.vjp_from_output if len(cache.a) == self.depth else None
        resnet = self.arch == "resnet"
        out = [None] * (2 * self.depth) if grads is None else grads
        dh = dPhi[:, : self.widths[-1]]
        for l in range(self.depth - 1, -1, -1):
            if vjp is not None and cache.a[l] is not None:
                dz = vjp(dh, cache.a[l], out=_scratch(scratch, ("dz", self.widths[l]), dh.shape))
            else:
                dz = dh * act.df(cache.z[l])
            out[2 * l] = np.matmul(dz.T, cache.h_in[l], out=out[2 * l])
            # db = dz.sum(axis=0). (A BLAS product ones @ dz is faster but rounds differently, and
            # LSGD on a rank-deficient basis amplifies last-bit differences: we keep the numbers.)
            out[2 * l + 1] = np.add.reduce(dz, axis=0, out=out[2 * l + 1])
            if l > 0:
                # two alternating buffers: dh of layer l must survive while dh of layer l-1 is formed
                dh_in = np.matmul(dz, self.W[l], out=_scratch(scratch, ("dh", l % 2, self.widths[l - 1]),
                                                            (N, self.widths[l - 1])))
                if resnet:
                    dh_in += dh  # the skip of block l
                dh = dh_in
        return out

    def __repr__(self):
        return (f"Network(d_in={self.d_in}, widths={self.widths}, n_out={self.n_out}, "
                f"activation={self.activation.name!r}, arch={self.arch!r}, output_bias={self.output_bias})")
