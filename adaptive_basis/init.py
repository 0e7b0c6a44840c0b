r"""Initializations of the hidden layers: Glorot, He and the Box initialization.

Reference: E. C. Cyr, M. A. Gulian, R. G. Patel, M. Perego, N. A. Trask, "Robust
Training and Initialization of Deep Neural Networks: An Adaptive Basis Viewpoint",
MSML 2020 (PMLR 107:512-536), arXiv:1912.04862 -- Sec. 4.1 and 4.2, eqs. 10-16,
Algorithms 2 and 3, Lemma 1. See SPEC.md section 2 for where this module departs
from the paper's printed formulas and why.

Conventions
-----------
* **Weight layout** (PyTorch's): ``W`` has shape ``(n_out, n_in)``, ``b`` has shape
  ``(n_out,)`` and a layer computes ``z = h @ W.T + b`` for a batch ``h`` of shape
  ``(N, n_in)``. Hence ``fan_in = n_in`` and ``fan_out = n_out``. Row ``W[i]`` and
  ``b[i]`` belong to neuron ``i``.
* The linear head ``xi_L`` has shape ``(n_basis, n_out)`` (``NN = Phi @ xi_L``), i.e.
  it is stored transposed with respect to a hidden layer's ``W``.
* Every function returns new float64 arrays; nothing is modified in place.
* All randomness comes from an explicit :class:`numpy.random.Generator` passed as
  ``rng`` (or an int seed / :class:`numpy.random.SeedSequence` turned into one by
  :func:`as_generator`). There is no global or unseeded randomness: ``rng=None`` is
  refused. Passing the *same int seed* to two calls gives them identical draws --
  spawn children (``rng.spawn(n)``) to initialise several layers.

Exact order of the random draws
-------------------------------
So that another framework can reproduce the arrays from the same Generator, each
function consumes ``rng`` exactly as follows (all arrays in C, i.e. row-major, order;
``rng.random`` is uniform on [0, 1), ``rng.standard_normal`` is N(0, 1)):

* :func:`glorot_normal`, :func:`he_normal`:
  ``W = std * rng.standard_normal((n_out, n_in))``; no other draw (``b = 0``).
* :func:`glorot_uniform`, :func:`he_uniform`:
  ``W = bound * (2.0 * rng.random((n_out, n_in)) - 1.0)``; no other draw (``b = 0``).
* :func:`head_init`:
  ``xi_L = bound * (2.0 * rng.random((n_basis, n_out)) - 1.0)``.
* :func:`box_draws` (and so :func:`box_uniform_layer` and the Box branch of
  :func:`hidden_layer_init`):

  1. ``p = m * rng.random((n_out, n_in))``
  2. ``g = rng.standard_normal((n_out, n_in))``; ``n = g / |g|`` row by row
  3. while some rows are degenerate (see :func:`box_draws`): with ``idx`` the
     indices of those rows in increasing order and ``r = len(idx)``,
     ``p[idx] = m * rng.random((r, n_in))``, then
     ``g[idx] = rng.standard_normal((r, n_in))``; repeat at most ``max_resample``
     times.

  :func:`box_weights` draws nothing.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import check_array, check_int, check_positive_float

__all__ = [
    "INITIALIZERS",
    "INITIALIZER_ALIASES",
    "ARCHITECTURES",
    "RESNET_VARIANTS",
    "as_generator",
    "calculate_gain",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "box_draws",
    "box_weights",
    "box_uniform_layer",
    "box_resnet_scales",
    "resolve_scheme",
    "hidden_layer_init",
    "head_init",
]

#: Hidden-layer initialization schemes accepted by :func:`hidden_layer_init`.
INITIALIZERS: dict[str, str] = {
    "glorot_normal": "Glorot & Bengio (2010), normal: N(0, std^2), std = sqrt(2/(fan_in+fan_out)), gain 1; b = 0",
    "glorot_uniform": "Glorot & Bengio (2010), uniform: U(-a, a), a = sqrt(6/(fan_in+fan_out)), gain 1; b = 0",
    "he_normal": "He et al. (2015), fan_in mode, normal: N(0, std^2), std = gain/sqrt(fan_in); b = 0",
    "he_uniform": "He et al. (2015), fan_in mode, uniform: U(-a, a), a = gain*sqrt(3/fan_in); b = 0",
    "box": "Cyr et al. (2020) Box initialization: cut planes through uniform points of the box "
           "(Alg. 2; ResNet scales of eq. 16 or Alg. 3)",
}

#: Other names for the schemes (PyTorch's spelling).
INITIALIZER_ALIASES: dict[str, str] = {
    "xavier_normal": "glorot_normal",
    "xavier_uniform": "glorot_uniform",
    "kaiming_normal": "he_normal",
    "kaiming_uniform": "he_uniform",
}

ARCHITECTURES = ("plain", "resnet")
RESNET_VARIANTS = ("eq16", "alg3")

# PyTorch's torch.nn.init.calculate_gain values.
_GAINS = {
    "linear": 1.0,
    "identity": 1.0,
    "relu": math.sqrt(2.0),
    "tanh": 5.0 / 3.0,
}


# --------------------------------------------------------------------------- helpers
def as_generator(rng) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` for ``rng``.

    Args:
        rng: a ``numpy.random.Generator`` (returned as is, so draws advance the
            caller's generator), an ``int`` seed ``>= 0`` or a
            ``numpy.random.SeedSequence`` (both passed to ``numpy.random.default_rng``).
            ``None`` is refused: this package never uses unseeded randomness.

    Raises:
        TypeError: ``rng`` is ``None``, a bool, a float, a legacy ``RandomState`` or
            anything else.
        ValueError: ``rng`` is a negative integer.

    Examples:
        >>> g = as_generator(0)
        >>> as_generator(g) is g
        True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        raise TypeError("rng must be a numpy.random.Generator, an int seed >= 0 or a "
                        "numpy.random.SeedSequence, got None (unseeded randomness is not used)")
    if isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"rng must be an int seed >= 0, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError("rng must be a numpy.random.Generator, an int seed >= 0 or a "
                    f"numpy.random.SeedSequence, got {rng!r} ({type(rng).__name__})")


def calculate_gain(nonlinearity: str) -> float:
    r"""Return the recommended gain for ``nonlinearity`` (PyTorch's values).

    ====================  =====================
    nonlinearity          gain
    ====================  =====================
    'linear', 'identity'  :math:`1`
    'relu'                :math:`\sqrt{2}`
    'tanh'                :math:`5/3`
    ====================  =====================

    Raises:
        TypeError: ``nonlinearity`` is not a string.
        ValueError: unknown name (the message lists the known ones).

    Examples:
        >>> round(calculate_gain('relu'), 4)
        1.4142
    """
    if not isinstance(nonlinearity, str):
        raise TypeError(f"nonlinearity must be a string, one of {sorted(_GAINS)}, got {nonlinearity!r}")
    if nonlinearity not in _GAINS:
        raise ValueError(f"unknown nonlinearity {nonlinearity!r}; expected one of {sorted(_GAINS)}")
    return _GAINS[nonlinearity]


def _uniform(bound: float, shape, rng: np.random.Generator) -> np.ndarray:
    # Written out (not rng.uniform) so the documented formula is exactly the computation.
    return bound * (2.0 * rng.random(shape) - 1.0)


# ------------------------------------------------------------------- Glorot and He
def glorot_normal(n_in, n_out, rng, gain=1.0):
    r"""Glorot (Xavier) normal initialization of a dense layer.

    From Glorot & Bengio, "Understanding the difficulty of training deep feedforward
    neural networks" (2010). The weights are drawn from :math:`\mathcal{N}(0, \sigma^2)`
    with

    .. math::
        \sigma = \text{gain} \times \sqrt{\frac{2}{\text{fan\_in} + \text{fan\_out}}},

    and the biases are zero.

    Args:
        n_in: input dimension (``fan_in``), int >= 1.
        n_out: number of neurons (``fan_out``), int >= 1.
        rng: Generator or seed (see :func:`as_generator`).
        gain: finite scaling factor > 0.

    Returns:
        ``(W, b)`` with ``W`` of shape ``(n_out, n_in)`` and ``b = 0`` of shape ``(n_out,)``.

    Draws: ``W = std * rng.standard_normal((n_out, n_in))``.

    Examples:
        >>> W, b = glorot_normal(100, 100, rng=0)   # std = 0.1
        >>> W.shape, b.shape
        ((100, 100), (100,))
    """
    n_in, n_out = check_int(n_in, "n_in"), check_int(n_out, "n_out")
    gain = check_positive_float(gain, "gain")
    rng = as_generator(rng)
    std = gain * math.sqrt(2.0 / (n_in + n_out))
    return std * rng.standard_normal((n_out, n_in)), np.zeros(n_out)


def glorot_uniform(n_in, n_out, rng, gain=1.0):
    r"""Glorot (Xavier) uniform initialization of a dense layer.

    From Glorot & Bengio (2010). The weights are drawn from :math:`\mathcal{U}(-a, a)`
    with

    .. math::
        a = \text{gain} \times \sqrt{\frac{6}{\text{fan\_in} + \text{fan\_out}}},

    and the biases are zero.

    Args:
        n_in: input dimension (``fan_in``), int >= 1.
        n_out: number of neurons (``fan_out``), int >= 1.
        rng: Generator or seed (see :func:`as_generator`).
        gain: finite scaling factor > 0.

    Returns:
        ``(W, b)``, shapes ``(n_out, n_in)`` and ``(n_out,)``; ``b = 0``.

    Draws: ``W = a * (2 * rng.random((n_out, n_in)) - 1)``.

    Examples:
        >>> W, b = glorot_uniform(3, 2, rng=0)
        >>> bool(abs(W).max() <= 6 ** 0.5 / 5 ** 0.5)
        True
    """
    n_in, n_out = check_int(n_in, "n_in"), check_int(n_out, "n_out")
    gain = check_positive_float(gain, "gain")
    rng = as_generator(rng)
    std = gain * math.sqrt(2.0 / (n_in + n_out))
    bound = math.sqrt(3.0) * std  # U(-a, a) has standard deviation a / sqrt(3)
    return _uniform(bound, (n_out, n_in), rng), np.zeros(n_out)


def he_normal(n_in, n_out, rng, nonlinearity="relu"):
    r"""He (Kaiming) normal initialization of a dense layer, ``fan_in`` mode.

    From He, Zhang, Ren & Sun, "Delving Deep into Rectifiers" (2015). The weights are
    drawn from :math:`\mathcal{N}(0, \sigma^2)` with

    .. math::
        \sigma = \frac{\text{gain}}{\sqrt{\text{fan\_in}}},

    ``gain = calculate_gain(nonlinearity)`` (:math:`\sqrt 2` for ReLU), biases zero.

    Args:
        n_in: input dimension (``fan_in``), int >= 1.
        n_out: number of neurons, int >= 1.
        rng: Generator or seed (see :func:`as_generator`).
        nonlinearity: name passed to :func:`calculate_gain`.

    Returns:
        ``(W, b)``, shapes ``(n_out, n_in)`` and ``(n_out,)``; ``b = 0``.

    Draws: ``W = std * rng.standard_normal((n_out, n_in))``.

    Examples:
        >>> W, b = he_normal(100, 10, rng=0)   # std = sqrt(2/100) = 0.1414
    """
    n_in, n_out = check_int(n_in, "n_in"), check_int(n_out, "n_out")
    gain = calculate_gain(nonlinearity)
    rng = as_generator(rng)
    std = gain / math.sqrt(n_in)
    return std * rng.standard_normal((n_out, n_in)), np.zeros(n_out)


def he_uniform(n_in, n_out, rng, nonlinearity="relu"):
    r"""He (Kaiming) uniform initialization of a dense layer, ``fan_in`` mode.

    From He et al. (2015); the paper's Fig. 3 uses this one. The weights are drawn from
    :math:`\mathcal{U}(-a, a)` with

    .. math::
        a = \text{gain} \times \sqrt{\frac{3}{\text{fan\_in}}},

    ``gain = calculate_gain(nonlinearity)``, biases zero.

    Args:
        n_in: input dimension (``fan_in``), int >= 1.
        n_out: number of neurons, int >= 1.
        rng: Generator or seed (see :func:`as_generator`).
        nonlinearity: name passed to :func:`calculate_gain`.

    Returns:
        ``(W, b)``, shapes ``(n_out, n_in)`` and ``(n_out,)``; ``b = 0``.

    Draws: ``W = a * (2 * rng.random((n_out, n_in)) - 1)``.

    Examples:
        >>> W, b = he_uniform(100, 10, rng=0)   # a = sqrt(6/100) = 0.2449
        >>> bool(abs(W).max() <= 0.2449490)
        True
    """
    n_in, n_out = check_int(n_in, "n_in"), check_int(n_out, "n_out")
    gain = calculate_gain(nonlinearity)
    rng = as_generator(rng)
    std = gain / math.sqrt(n_in)
    bound = math.sqrt(3.0) * std  # U(-a, a) has standard deviation a / sqrt(3)
    return _uniform(bound, (n_out, n_in), rng), np.zeros(n_out)


# ------------------------------------------------------------------------------ Box
def _box_denominator(p: np.ndarray, n_hat: np.ndarray, m: float) -> np.ndarray:
    """``(p_max - p) . n_hat`` row by row, with ``p_max = m * max(0, sign(n_hat))`` (Lemma 1)."""
    p_max = m * (n_hat > 0)
    return np.sum((p_max - p) * n_hat, axis=1)


def _unit_rows(g: np.ndarray) -> np.ndarray:
    """Rows of ``g`` divided by their norms; an all-zero row stays zero."""
    # Scale by the largest entry first so the norm neither overflows nor underflows.
    scale = np.max(np.abs(g), axis=1, keepdims=True)
    safe = np.where(scale > 0, scale, 1.0)
    gs = g / safe
    norm = np.linalg.norm(gs, axis=1, keepdims=True)
    return gs / np.where(norm > 0, norm, 1.0)


def box_draws(n_in, n_out, rng, m=1.0, min_denominator=1e-8, max_resample=1000):
    r"""Draw the random points and normals of the Box initialization (Alg. 2, steps 1-2).

    For each neuron ``i`` (row ``i``):

    .. math::
        p_i \sim \mathcal{U}[0, m]^{n_\text{in}}, \qquad
        n_i = g_i / |g_i|, \quad g_i \sim \mathcal{N}(0, I_{n_\text{in}}).

    A neuron is *degenerate* when its scaled denominator

    .. math::
        \frac{(p_\text{max} - p_i) \cdot n_i}{m}, \qquad p_\text{max} = m \max(0, \operatorname{sign}(n_i)),

    is below ``min_denominator`` (``p_i`` near the corner ``p_max``, or a normal
    nearly parallel to a face of the box, or ``g_i = 0``); it would give a huge
    slope ``k`` in :func:`box_weights`. Such a neuron is redrawn -- point *and* normal,
    only the degenerate rows, the other rows keep their first draw. Dividing by ``m``
    makes the test scale-free: the scaled denominator lies in ``[0, sqrt(n_in)]`` and
    is (up to rounding) the same for every ``m`` given the same generator.

    Draw order (reproducible elsewhere from the same Generator)::

        p = m * rng.random((n_out, n_in))
        g = rng.standard_normal((n_out, n_in))
        repeat at most max_resample times while some rows are degenerate:
            idx = indices of the degenerate rows, increasing; r = len(idx)
            p[idx] = m * rng.random((r, n_in))
            g[idx] = rng.standard_normal((r, n_in))

    Args:
        n_in: input dimension, int >= 1.
        n_out: number of neurons, int >= 1.
        rng: Generator or seed (see :func:`as_generator`).
        m: side of the box ``[0, m]^{n_in}``, finite > 0.
        min_denominator: threshold of the scaled denominator, finite > 0. The default
            1e-8 bounds the peak slope ``|W_i| = delta / denominator`` by ``1e8 delta``
            and is hit with probability of order 1e-8 per neuron for small ``n_in``.
        max_resample: maximum number of redraw rounds, int >= 0 (0: never redraw).

    Returns:
        ``(p, n)``, both of shape ``(n_out, n_in)``; ``p`` in ``[0, m)``, ``n`` with
        unit rows.

    Raises:
        RuntimeError: some neuron is still degenerate after ``max_resample`` rounds
            (e.g. ``min_denominator`` larger than ``sqrt(n_in)``, which no draw can meet).

    Examples:
        >>> p, n = box_draws(2, 3, rng=0)
        >>> p.shape, n.shape
        ((3, 2), (3, 2))
    """
    n_in, n_out = check_int(n_in, "n_in"), check_int(n_out, "n_out")
    m = check_positive_float(m, "m")
    min_denominator = check_positive_float(min_denominator, "min_denominator")
    max_resample = check_int(max_resample, "max_resample", minimum=0)
    rng = as_generator(rng)

    p = m * rng.random((n_out, n_in))
    g = rng.standard_normal((n_out, n_in))
    for round_ in range(max_resample + 1):
        n = _unit_rows(g)
        # `not >=` so that a NaN denominator also counts as degenerate.
        bad = np.flatnonzero(~(_box_denominator(p, n, m) / m >= min_denominator))
        if bad.size == 0:
            return p, n
        if round_ == max_resample:
            break
        p[bad] = m * rng.random((bad.size, n_in))
        g[bad] = rng.standard_normal((bad.size, n_in))
    raise RuntimeError(
        f"box_draws: {bad.size} neuron(s) (rows {bad[:10].tolist()}) still have a scaled "
        f"denominator (p_max - p).n/m < min_denominator={min_denominator} after "
        f"max_resample={max_resample} redraw rounds (n_in={n_in}); the largest possible "
        f"value is sqrt(n_in)={math.sqrt(n_in):.4g}")


def box_weights(p, n, m=1.0, delta=1.0):
    r"""Box-initialized weights of a dense layer from given draws (pure, no randomness).

    Cyr et al. (2020), Sec. 4.1 (Alg. 2, Lemma 1) and, for ``m != 1`` or
    ``delta != 1``, Sec. 4.2 (eqs. 12-16). For each neuron ``i``, with
    :math:`\hat n_i = n_i / |n_i|`:

    .. math::
        p_\text{max} = m \max(0, \operatorname{sign}(\hat n_i)), \qquad
        k_i = \frac{\delta\, m}{(p_\text{max} - p_i) \cdot \hat n_i}, \qquad
        W_i = k_i \hat n_i, \qquad b_i = -k_i\, p_i \cdot \hat n_i .

    The cut plane of neuron ``i`` passes through ``p_i`` (``W_i p_i + b_i = 0``), and
    over the box :math:`[0, m]^{n_\text{in}}` the value :math:`\mathrm{relu}(W_i x + b_i)`
    has minimum 0 and maximum :math:`\delta m`, attained at the corner ``p_max``
    (Lemma 1). With ``m = delta = 1`` the layer maps the unit box into the unit box
    (eqs. 10-11).

    **Sign of the bias.** The paper prints ``b_i = +k p.n``; that is a typo. With
    ``h = sigma(W x + b)`` the plane through ``p`` needs the minus sign (SPEC §2).
    ``n`` is normalised here, so rescaling a row of ``n`` leaves ``(W, b)`` unchanged
    (Alg. 2 divides by ``|g|^2`` instead of ``|g|``; ``W`` and ``b`` do not depend on it).

    Args:
        p: points, array ``(n_out, n_in)`` inside ``[0, m]^{n_in}``.
        n: normals, array ``(n_out, n_in)`` with no zero row (any length).
        m: side of the box, finite > 0.
        delta: peak value as a fraction of ``m``, finite > 0.

    Returns:
        ``(W, b)`` with shapes ``(n_out, n_in)`` and ``(n_out,)``.

    Raises:
        TypeError: ``p``/``n`` are not real arrays, ``m``/``delta`` not real numbers.
        ValueError: wrong shapes, non-finite entries, ``p`` outside the box, a zero
            normal, ``m``/``delta`` not > 0, a non-positive denominator
            ``(p_max - p).n`` (``p`` at the corner ``p_max``), or an overflowing ``k``.

    Examples:
        >>> W, b = box_weights([[0.25]], [[1.0]])   # k = 1/0.75
        >>> round(float(W[0, 0]), 6), round(float(b[0]), 6)
        (1.333333, -0.333333)
    """
    p = check_array(p, "p", ndim=2)
    n = check_array(n, "n", ndim=2, shape=p.shape)
    m = check_positive_float(m, "m")
    delta = check_positive_float(delta, "delta")
    if np.any(p < 0) or np.any(p > m):
        rows = np.flatnonzero(np.any((p < 0) | (p > m), axis=1))
        raise ValueError(f"p must lie in the box [0, m]^n_in with m={m}; rows {rows[:10].tolist()} do not "
                         f"(min {p.min()}, max {p.max()})")
    zero = np.flatnonzero(np.all(n == 0, axis=1))
    if zero.size:
        raise ValueError(f"n must have no zero row (a normal needs a direction); "
                         f"rows {zero[:10].tolist()} are zero")

    n_hat = _unit_rows(n)
    denom = _box_denominator(p, n_hat, m)
    bad = np.flatnonzero(~(denom > 0))
    if bad.size:
        raise ValueError(f"the denominator (p_max - p).n must be > 0 for every neuron; rows {bad[:10].tolist()} "
                         f"have {denom[bad[:10]].tolist()} (p at the corner p_max of the box)")
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        k = delta * m / denom
        W = k[:, None] * n_hat
        b = -k * np.sum(p * n_hat, axis=1)  # minus: the plane W x + b = 0 passes through p
    if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
        bad = np.flatnonzero(~(np.isfinite(k)))
        raise ValueError(f"k = delta*m/((p_max - p).n) overflows for rows {bad[:10].tolist()} "
                         f"(denominators {denom[bad[:10]].tolist()}); the draws are degenerate")
    return W, b


def box_uniform_layer(n_in, n_out, rng, m=1.0, delta=1.0):
    r"""Box initialization of a dense layer (Cyr et al. 2020, Alg. 2; Sec. 4.2 for m, delta).

    :func:`box_draws` (with its default degeneracy threshold) followed by
    :func:`box_weights`: every neuron's cut plane passes through a uniform point of
    :math:`[0, m]^{n_\text{in}}` with a uniformly distributed unit normal, and the
    neuron peaks at :math:`\delta m` on that box. With ``m = delta = 1`` the layer
    maps :math:`[0,1]^{n_\text{in}}` into :math:`[0,1]^{n_\text{out}}`.

    Args:
        n_in: input dimension, int >= 1.
        n_out: number of neurons, int >= 1.
        rng: Generator or seed (see :func:`as_generator`).
        m: side of the input box, finite > 0.
        delta: peak as a fraction of ``m``, finite > 0.

    Returns:
        ``(W, b)`` with shapes ``(n_out, n_in)`` and ``(n_out,)``.

    Draws: those of :func:`box_draws`.

    Examples:
        >>> W, b = box_uniform_layer(2, 4, rng=0)
        >>> x = np.random.default_rng(1).random((100, 2))
        >>> h = np.maximum(x @ W.T + b, 0)
        >>> bool(h.min() >= 0 and h.max() <= 1)
        True
    """
    p, n = box_draws(n_in, n_out, rng, m=m)
    return box_weights(p, n, m=m, delta=delta)


def box_resnet_scales(depth, variant="eq16"):
    r"""Box scales ``(m_l, delta_l)``, ``l = 1..depth``, of a ReLU ResNet (Sec. 4.2).

    The network is ``h_1 = relu(W_1 x + b_1)`` (plain) and
    ``h_l = h_{l-1} + relu(W_l h_{l-1} + b_l)`` for ``l = 2..L`` with ``L = depth``
    hidden layers. Layer ``l`` is drawn by ``box_uniform_layer(..., m=m_l,
    delta=delta_l)``: points in ``[0, m_l]^w`` and peak ``delta_l m_l``. Layer 1 is
    always ``(1, 1)``.

    ``variant="eq16"`` (default; the paper's text, eq. 16):

    .. math::
        \delta_l = \frac1L, \qquad m_l = \left(1 + \frac1L\right)^{l-1} \quad (l > 1).

    Then ``m_{l+1} = m_l (1 + delta)``, the input of layer ``l`` lies in
    ``[0, m_l]^w`` and the hidden state after layer ``l`` lies in
    :math:`[0, (1+1/L)^l]^w \subset [0, e]^w \subset [0, e(1+1/L)]^w`. The paper's
    eq. 15 quotes :math:`(1+1/L)^{l-1}`; with ``m_l`` as written in eq. 16 the sampling
    box is one factor ``1 + 1/L`` larger than the actual range of the input, so only
    the looser bound is guaranteed (SPEC §2).

    ``variant="alg3"`` (Algorithm 3 in the paper's appendix):

    .. math::
        m_l = \left(1 + \frac{1}{L-1}\right)^{l}, \qquad
        k = \frac{1}{(p_\text{max} - p)\cdot n\,(L-1)},
        \quad\text{i.e.}\quad \delta_l = \frac{1}{(L-1)\, m_l} \quad (l > 1),

    so every residual block peaks at ``1/(L-1)`` (not ``delta m``) while the sampling
    box ``[0, m_l]`` grows geometrically; the hidden state after layer ``l`` lies in
    :math:`[0, 1 + (l-1)/(L-1)]^w \subset [0, 2]^w`.

    Args:
        depth: number of hidden layers ``L``, int >= 1 (``depth = 1`` gives ``[(1, 1)]``
            for both variants).
        variant: ``"eq16"`` or ``"alg3"``.

    Returns:
        list of ``depth`` pairs ``(m_l, delta_l)`` of floats.

    Examples:
        >>> box_resnet_scales(2)
        [(1.0, 1.0), (1.5, 0.5)]
        >>> box_resnet_scales(2, "alg3")
        [(1.0, 1.0), (4.0, 0.25)]
    """
    L = check_int(depth, "depth")
    variant = _check_choice(variant, "variant", RESNET_VARIANTS)
    scales = [(1.0, 1.0)]
    for l in range(2, L + 1):
        if variant == "eq16":
            scales.append(((1.0 + 1.0 / L) ** (l - 1), 1.0 / L))
        else:
            m_l = (1.0 + 1.0 / (L - 1)) ** l
            scales.append((m_l, 1.0 / ((L - 1) * m_l)))
    return scales


# -------------------------------------------------------------------- the resolver
def _check_choice(value, name, choices):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {list(choices)}, got {value!r}")
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; expected one of {list(choices)}")
    return value


def resolve_scheme(scheme) -> str:
    """Return the canonical name (a key of :data:`INITIALIZERS`) of ``scheme`` or of its alias.

    Raises:
        TypeError: ``scheme`` is not a string.
        ValueError: unknown name (the message lists names and aliases).
    """
    if not isinstance(scheme, str):
        raise TypeError(f"scheme must be a string, one of {list(INITIALIZERS)}, got {scheme!r}")
    if scheme in INITIALIZERS:
        return scheme
    if scheme in INITIALIZER_ALIASES:
        return INITIALIZER_ALIASES[scheme]
    raise ValueError(f"unknown scheme {scheme!r}; expected one of {list(INITIALIZERS)} "
                     f"or an alias {list(INITIALIZER_ALIASES)}")


def hidden_layer_init(scheme, layer_index, depth, n_in, n_out, rng, *, arch="plain",
                      activation="relu", resnet_variant="eq16"):
    """Initialise hidden layer ``layer_index`` (1-based) of a network with ``depth`` hidden layers.

    * ``glorot_normal`` / ``glorot_uniform`` (aliases ``xavier_*``): gain 1 whatever
      the activation (Glorot & Bengio's original setting, which the paper compares
      against).
    * ``he_normal`` / ``he_uniform`` (aliases ``kaiming_*``): fan_in mode with
      ``gain = calculate_gain(activation)``: sqrt(2) for ReLU, 5/3 for tanh.
    * ``box``, ``arch="plain"``: :func:`box_uniform_layer` with ``m = delta = 1`` for
      every layer (Alg. 2). ``arch="resnet"``: ``(m, delta)`` of this layer from
      :func:`box_resnet_scales` ``(depth, resnet_variant)``; layer 1 is plain Box.
      The Box construction is derived for ReLU; with ``activation="tanh"`` the same
      weights are used (as the paper does for Fig. 13) and the box-to-box bounds no
      longer hold in the same form.

    For Glorot/He ``arch`` changes nothing; a residual block (``arch="resnet"``,
    ``layer_index > 1``) must have ``n_in == n_out``. ``resnet_variant`` is validated
    in every case.

    Args:
        scheme: a key of :data:`INITIALIZERS` or of :data:`INITIALIZER_ALIASES`.
        layer_index: 1-based index of the layer, ``1 <= layer_index <= depth``.
        depth: number of hidden layers ``L``, int >= 1.
        n_in, n_out: dimensions of the layer, ints >= 1.
        rng: Generator or seed (see :func:`as_generator`); draws as documented for
            the scheme's function (module docstring).
        arch: ``"plain"`` or ``"resnet"``.
        activation: ``"relu"``, ``"tanh"`` (or ``"linear"``/``"identity"``).
        resnet_variant: ``"eq16"`` or ``"alg3"`` (see :func:`box_resnet_scales`).

    Returns:
        ``(W, b)`` with shapes ``(n_out, n_in)`` and ``(n_out,)``.

    Examples:
        >>> W, b = hidden_layer_init("box", 2, 4, 8, 8, rng=0, arch="resnet")
        >>> W.shape
        (8, 8)
    """
    scheme = resolve_scheme(scheme)
    depth = check_int(depth, "depth")
    layer_index = check_int(layer_index, "layer_index")
    if layer_index > depth:
        raise ValueError(f"layer_index must be in 1..depth={depth}, got {layer_index}")
    n_in, n_out = check_int(n_in, "n_in"), check_int(n_out, "n_out")
    arch = _check_choice(arch, "arch", ARCHITECTURES)
    resnet_variant = _check_choice(resnet_variant, "resnet_variant", RESNET_VARIANTS)
    if not isinstance(activation, str):
        raise TypeError(f"activation must be a string, one of {sorted(_GAINS)}, got {activation!r}")
    if activation not in _GAINS:
        raise ValueError(f"unknown activation {activation!r}; expected one of {sorted(_GAINS)}")
    if arch == "resnet" and layer_index > 1 and n_in != n_out:
        raise ValueError(f"a residual block (arch='resnet', layer_index={layer_index} > 1) needs n_in == n_out, "
                         f"got n_in={n_in}, n_out={n_out}")
    rng = as_generator(rng)

    if scheme == "glorot_normal":
        return glorot_normal(n_in, n_out, rng)
    if scheme == "glorot_uniform":
        return glorot_uniform(n_in, n_out, rng)
    if scheme == "he_normal":
        return he_normal(n_in, n_out, rng, nonlinearity=activation)
    if scheme == "he_uniform":
        return he_uniform(n_in, n_out, rng, nonlinearity=activation)
    # scheme == "box"
    if arch == "plain":
        m, delta = 1.0, 1.0
    else:
        m, delta = box_resnet_scales(depth, resnet_variant)[layer_index - 1]
    return box_uniform_layer(n_in, n_out, rng, m=m, delta=delta)


def head_init(n_basis, n_out, rng):
    r"""Initial linear head ``xi_L``: PyTorch ``nn.Linear``'s default weight distribution.

    .. math::
        (\xi_L)_{ij} \sim \mathcal{U}\left(-\frac{1}{\sqrt{n_\text{basis}}},
        \frac{1}{\sqrt{n_\text{basis}}}\right),

    i.e. ``kaiming_uniform_(a=sqrt(5))`` with ``fan_in = n_basis``. Used by the GD
    baseline; LSGD overwrites it with its first least-squares solve.

    Args:
        n_basis: number of basis functions (``fan_in`` of the head), int >= 1.
        n_out: number of outputs, int >= 1.
        rng: Generator or seed (see :func:`as_generator`).

    Returns:
        ``xi_L`` of shape ``(n_basis, n_out)`` (note: ``(in, out)``, the head computes
        ``Phi @ xi_L``).

    Draws: ``xi_L = a * (2 * rng.random((n_basis, n_out)) - 1)``, ``a = 1/sqrt(n_basis)``.
    """
    n_basis, n_out = check_int(n_basis, "n_basis"), check_int(n_out, "n_out")
    rng = as_generator(rng)
    return _uniform(1.0 / math.sqrt(n_basis), (n_basis, n_out), rng)
