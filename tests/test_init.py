"""Tests of adaptive_basis.init: Glorot/He (SPEC §2 check values), Box (Sec. 4.1-4.2, Lemma 1)."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adaptive_basis.init import (
    INITIALIZER_ALIASES,
    INITIALIZERS,
    as_generator,
    box_draws,
    box_resnet_scales,
    box_uniform_layer,
    box_weights,
    calculate_gain,
    glorot_normal,
    glorot_uniform,
    he_normal,
    he_uniform,
    head_init,
    hidden_layer_init,
    resolve_scheme,
)

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
DIMS = st.integers(min_value=1, max_value=5)
SCALES = st.floats(min_value=1e-2, max_value=1e2, allow_nan=False, allow_infinity=False, allow_subnormal=False)
HYP = settings(max_examples=60, deadline=None)


def relu(z):
    return np.maximum(z, 0.0)


def corners(n_in, m=1.0):
    """All 2**n_in corners of [0, m]^n_in, shape (2**n_in, n_in)."""
    return m * np.array(list(itertools.product([0.0, 1.0], repeat=n_in)))


class ScriptedGenerator(np.random.Generator):
    """A real Generator whose first few `random` / `standard_normal` calls return given arrays.

    Once a script is used up, calls fall through to the underlying PCG64 stream, which
    the scripted calls did not advance.
    """

    def __init__(self, seed, randoms=(), normals=(), repeat=False):
        super().__init__(np.random.PCG64(seed))
        self._randoms, self._normals, self._repeat = list(randoms), list(normals), repeat

    def _next(self, script, shape):
        out = np.broadcast_to(script[0] if self._repeat else script.pop(0), shape)
        return np.array(out, dtype=np.float64)

    def random(self, size=None, dtype=np.float64, out=None):
        if self._randoms:
            return self._next(self._randoms, size)
        return super().random(size, dtype, out)

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        if self._normals:
            return self._next(self._normals, size)
        return super().standard_normal(size, dtype, out)


# ------------------------------------------------------------------ as_generator, gains
def test_as_generator_returns_the_same_generator_object():
    g = np.random.default_rng(3)
    assert as_generator(g) is g


@pytest.mark.parametrize("seed", [0, 7, np.int64(7), np.random.SeedSequence(7)])
def test_as_generator_turns_seeds_into_default_rng(seed):
    expected = np.random.default_rng(seed).random(5)
    assert np.array_equal(as_generator(seed).random(5), expected)


@pytest.mark.parametrize("bad", [None, True, 1.0, "0", np.random.RandomState(0), [1, 2]])
def test_as_generator_refuses_non_seeds_with_type_error_naming_rng(bad):
    with pytest.raises(TypeError, match="rng"):
        as_generator(bad)


def test_as_generator_refuses_negative_seed():
    with pytest.raises(ValueError, match="rng"):
        as_generator(-1)


def test_calculate_gain_matches_pytorch_values():
    assert calculate_gain("linear") == 1.0
    assert calculate_gain("identity") == 1.0
    assert calculate_gain("relu") == math.sqrt(2.0)
    assert calculate_gain("tanh") == 5.0 / 3.0


def test_calculate_gain_unknown_name_lists_known_names():
    with pytest.raises(ValueError, match="'relu'.*'tanh'|'tanh'.*'relu'"):
        calculate_gain("sigmoid")
    with pytest.raises(TypeError, match="nonlinearity"):
        calculate_gain(None)


# ------------------------------------------------------------------------ Glorot / He
def test_spec_check_values_of_he_and_glorot():
    # SPEC §2: in=100, out=10: He-normal std 0.1414, He-uniform bound 0.2449;
    # Glorot-normal 100 -> 100: std 0.1. Reproduce the documented draw from the same seed
    # and read the scale off exactly.
    W, b = he_normal(100, 10, rng=5)
    z = np.random.default_rng(5).standard_normal((10, 100))
    std = W[0, 0] / z[0, 0]
    np.testing.assert_allclose(W, std * z, rtol=1e-15)
    assert round(std, 4) == 0.1414 and math.isclose(std, math.sqrt(2) / 10, rel_tol=1e-14)

    W, b = he_uniform(100, 10, rng=5)
    u = np.random.default_rng(5).random((10, 100))
    np.testing.assert_allclose(W, math.sqrt(6 / 100) * (2 * u - 1), rtol=1e-15, atol=1e-17)
    assert round(math.sqrt(6 / 100), 4) == 0.2449

    W, b = glorot_normal(100, 100, rng=5)
    z = np.random.default_rng(5).standard_normal((100, 100))
    np.testing.assert_allclose(W, 0.1 * z, rtol=1e-15)
    assert W.shape == (100, 100) and np.array_equal(b, np.zeros(100))


def test_glorot_uniform_bound_is_sqrt3_times_glorot_normal_std_and_scales_with_gain():
    u = np.random.default_rng(1).random((3, 5))
    std = math.sqrt(2 / (5 + 3))
    W1, _ = glorot_uniform(5, 3, rng=1)
    W2, _ = glorot_uniform(5, 3, rng=1, gain=2.0)
    np.testing.assert_allclose(W1, math.sqrt(3) * std * (2 * u - 1), rtol=1e-15, atol=1e-17)
    np.testing.assert_allclose(W2, 2 * W1, rtol=1e-15)


@pytest.mark.parametrize("init, n_in, n_out, std", [
    (he_normal, 100, 2000, math.sqrt(2 / 100)),
    (glorot_normal, 400, 500, math.sqrt(2 / 900)),
])
def test_normal_initializers_have_the_stated_std_on_a_large_sample(init, n_in, n_out, std):
    # N = 2e5 samples of N(0, std^2): the sample std has relative standard error
    # 1/sqrt(2N) = 1.6e-3 and the sample mean standard error std/sqrt(N) = 2.2e-3 std;
    # allow 5 standard errors.
    W, b = init(n_in, n_out, rng=11)
    N = W.size
    assert abs(W.std() / std - 1) < 5 / math.sqrt(2 * N)
    assert abs(W.mean()) < 5 * std / math.sqrt(N)
    assert np.array_equal(b, np.zeros(n_out))


@pytest.mark.parametrize("init, n_in, n_out, bound", [
    (he_uniform, 100, 2000, math.sqrt(6 / 100)),
    (glorot_uniform, 400, 500, math.sqrt(6 / 900)),
    (lambda a, b, rng: (head_init(a, b, rng), None), 400, 500, 1 / math.sqrt(400)),
])
def test_uniform_initializers_fill_the_stated_interval_on_a_large_sample(init, n_in, n_out, bound):
    # U(-a, a), N = 2e5: max|W| <= a always; P(max|W| < a (1 - 1e-3)) = (1 - 1e-3)^N ~ e^-200.
    # The sample std a/sqrt(3) has relative standard error sqrt((kurtosis - 1)/(4N)) = sqrt(0.2/N)
    # = 1e-3 (kurtosis 9/5); allow 5 standard errors.
    W, _ = init(n_in, n_out, rng=12)
    N = W.size
    assert np.abs(W).max() <= bound
    assert np.abs(W).max() >= bound * (1 - 1e-3)
    assert abs(W.std() / (bound / math.sqrt(3)) - 1) < 5 * math.sqrt(0.2 / N)


def test_he_gain_follows_the_nonlinearity():
    z = np.random.default_rng(2).standard_normal((4, 9))
    W, _ = he_normal(9, 4, rng=2, nonlinearity="tanh")
    np.testing.assert_allclose(W, (5 / 3) / 3 * z, rtol=1e-15)
    W, _ = he_normal(9, 4, rng=2, nonlinearity="linear")
    np.testing.assert_allclose(W, z / 3, rtol=1e-15)


def test_head_init_shape_is_basis_by_outputs_and_matches_documented_draw():
    xi = head_init(16, 3, rng=4)
    u = np.random.default_rng(4).random((16, 3))
    assert xi.shape == (16, 3)
    np.testing.assert_allclose(xi, 0.25 * (2 * u - 1), rtol=1e-15, atol=1e-17)


# --------------------------------------------------------------------- box_weights
def test_box_weights_hand_computed_1d():
    # p = 0.25, n = +1: p_max = 1, k = 1/(1 - 0.25) = 4/3, W = 4/3, b = -k p n = -1/3.
    W, b = box_weights([[0.25]], [[1.0]])
    np.testing.assert_allclose(W, [[4 / 3]], rtol=1e-15)
    np.testing.assert_allclose(b, [-1 / 3], rtol=1e-15)
    # p = 0.25, n = -2 (normalised to -1): p_max = 0, k = 1/((0 - 0.25)(-1)) = 4,
    # W = -4, b = -4 * 0.25 * (-1) = 1; relu(-4x + 1) peaks at x = 0 with value 1.
    W, b = box_weights([[0.25]], [[-2.0]])
    np.testing.assert_allclose(W, [[-4.0]], rtol=1e-15)
    np.testing.assert_allclose(b, [1.0], rtol=1e-15)


def test_box_weights_hand_computed_2d_with_m_and_delta():
    # p = (0.5, 0.25), n = (3, -4) -> n_hat = (0.6, -0.8), p_max = (1, 0),
    # (p_max - p).n_hat = 0.5*0.6 + (-0.25)(-0.8) = 0.5, k = 2, W = (1.2, -1.6),
    # b = -2 (0.5*0.6 - 0.25*0.8) = -0.2.
    W, b = box_weights([[0.5, 0.25]], [[3.0, -4.0]])
    np.testing.assert_allclose(W, [[1.2, -1.6]], rtol=1e-15)
    np.testing.assert_allclose(b, [-0.2], rtol=1e-14)
    # Same point scaled into [0, 2]^2, delta = 1/2: p = (1, 0.5), p_max = (2, 0),
    # (p_max - p).n_hat = 0.6 + 0.4 = 1, k = delta m / 1 = 1, W = n_hat, b = -(0.6 - 0.4).
    W, b = box_weights([[1.0, 0.5]], [[3.0, -4.0]], m=2.0, delta=0.5)
    np.testing.assert_allclose(W, [[0.6, -0.8]], rtol=1e-15)
    np.testing.assert_allclose(b, [-0.2], rtol=1e-14)
    assert math.isclose(float(W[0] @ [2.0, 0.0] + b[0]), 1.0, rel_tol=1e-15)  # delta*m at p_max


@HYP
@given(seed=SEEDS, n_in=DIMS, n_out=DIMS, m=SCALES, delta=SCALES)
def test_box_neuron_plane_passes_through_p_and_peaks_at_delta_m_on_corner_p_max(seed, n_in, n_out, m, delta):
    p, n = box_draws(n_in, n_out, seed, m=m)
    W, b = box_weights(p, n, m=m, delta=delta)
    scale = np.abs(W) @ np.full(n_in, m) + np.abs(b)  # size of the terms that cancel
    # plane through p
    assert np.all(np.abs(np.sum(W * p, axis=1) + b) <= 1e-13 * scale)
    # Lemma 1: over the corners of [0, m]^n_in the pre-activation is largest at p_max,
    # where it equals delta*m; at the opposite corner it is <= 0, so the min of relu is 0.
    C = corners(n_in, m)                       # (2^n_in, n_in)
    Z = C @ W.T + b                            # (2^n_in, n_out)
    p_max = m * (n > 0)
    for i in range(n_out):
        j = int(np.argmax(Z[:, i]))
        assert np.array_equal(C[j], p_max[i]), f"neuron {i}: max at {C[j]}, expected p_max={p_max[i]}"
        assert abs(Z[j, i] - delta * m) <= 1e-12 * (scale[i] + delta * m)
        assert Z[:, i].min() <= 1e-12 * scale[i]
        assert relu(Z[:, i]).min() <= 1e-12 * scale[i]


@HYP
@given(seed=SEEDS, n_in=DIMS, n_out=DIMS, m=SCALES, delta=SCALES)
def test_box_layer_maps_box_of_side_m_into_zero_to_delta_m(seed, n_in, n_out, m, delta):
    rng = np.random.default_rng(seed)
    W, b = box_uniform_layer(n_in, n_out, rng, m=m, delta=delta)
    x = m * rng.random((500, n_in))
    h = relu(x @ W.T + b)
    assert h.min() >= 0.0
    assert h.max() <= delta * m * (1 + 1e-12) + 1e-12 * (np.abs(W).sum(axis=1).max() * m + np.abs(b).max())


def test_box_layer_maps_unit_box_into_unit_box():
    rng = np.random.default_rng(0)
    x = np.vstack([corners(3), rng.random((2000, 3))])
    h = x
    for layer in range(8):   # a deep plain Box stack stays inside [0, 1]^w
        W, b = box_uniform_layer(h.shape[1], 6, rng)
        h = relu(h @ W.T + b)
        assert h.min() >= 0.0 and h.max() <= 1.0 + 1e-12, f"layer {layer + 1}"


@HYP
@given(seed=SEEDS, n_in=DIMS, n_out=DIMS, m=SCALES, delta=SCALES)
def test_box_weights_do_not_change_when_normals_are_rescaled(seed, n_in, n_out, m, delta):
    rng = np.random.default_rng(seed)
    p, n = box_draws(n_in, n_out, rng, m=m)
    c = 10.0 ** rng.uniform(-3, 3, size=(n_out, 1))   # positive per-row factors
    W1, b1 = box_weights(p, n, m=m, delta=delta)
    W2, b2 = box_weights(p, c * n, m=m, delta=delta)
    np.testing.assert_allclose(W2, W1, rtol=1e-13)
    row = np.linalg.norm(W1, axis=1) * m * math.sqrt(n_in)
    assert np.all(np.abs(b2 - b1) <= 1e-13 * (np.abs(b1) + row))


def test_box_weights_do_not_modify_their_inputs_and_return_new_arrays():
    p = np.array([[0.2, 0.7], [0.5, 0.5]])
    n = np.array([[1.0, 2.0], [-1.0, 0.5]])
    p0, n0 = p.copy(), n.copy()
    W, b = box_weights(p, n)
    assert np.array_equal(p, p0) and np.array_equal(n, n0)
    assert W.dtype == np.float64 and b.dtype == np.float64
    assert not np.shares_memory(W, n) and not np.shares_memory(W, p)


# ------------------------------------------------------------------------ box_draws
def test_box_draws_follow_the_documented_order_and_have_unit_normals():
    p, n = box_draws(3, 4, rng=9, m=2.5)
    r = np.random.default_rng(9)
    p_ref = 2.5 * r.random((4, 3))
    g = r.standard_normal((4, 3))
    np.testing.assert_array_equal(p, p_ref)
    np.testing.assert_allclose(n, g / np.linalg.norm(g, axis=1, keepdims=True), rtol=1e-15)
    np.testing.assert_allclose(np.linalg.norm(n, axis=1), 1.0, rtol=1e-15)


def test_box_draws_resample_a_neuron_whose_point_is_the_corner_p_max():
    # Row 1 is scripted degenerate: p = (1, 1) and n > 0, so p = p_max and the
    # denominator is 0. Rows 0 and 2 are fine and must be kept; row 1 is redrawn from
    # the real stream (which the scripted calls did not advance), point first.
    fake = ScriptedGenerator(
        21,
        randoms=[np.array([[0.5, 0.5], [1.0, 1.0], [0.25, 0.75]])],
        normals=[np.array([[1.0, -1.0], [1.0, 2.0], [-1.0, 1.0]])],
    )
    p, n = box_draws(2, 3, fake)
    r = np.random.default_rng(21)
    p1, g1 = r.random((1, 2)), r.standard_normal((1, 2))
    np.testing.assert_array_equal(p[[0, 2]], [[0.5, 0.5], [0.25, 0.75]])
    np.testing.assert_allclose(n[[0, 2]], np.array([[1.0, -1.0], [-1.0, 1.0]]) / math.sqrt(2), rtol=1e-15)
    np.testing.assert_array_equal(p[1], p1[0])
    np.testing.assert_allclose(n[1], g1[0] / np.linalg.norm(g1[0]), rtol=1e-15)
    box_weights(p, n)  # and the result is a valid Box layer


def test_box_draws_resample_a_zero_normal():
    fake = ScriptedGenerator(5, normals=[np.array([[0.0, 0.0], [1.0, -1.0]])])
    p, n = box_draws(2, 2, fake)
    assert np.all(np.isfinite(n)) and np.allclose(np.linalg.norm(n, axis=1), 1.0)


def test_box_draws_resample_only_bad_rows_in_documented_order():
    # n_in = 1: the scaled denominator is 1 - u (n > 0) or u (n < 0), so a threshold of
    # 0.3 rejects about 30 % of the rows; reproduce the documented redraw loop by hand.
    m, thr, n_out = 3.0, 0.3, 25
    p, n = box_draws(1, n_out, rng=8, m=m, min_denominator=thr)
    r = np.random.default_rng(8)
    p_ref = m * r.random((n_out, 1))
    g = r.standard_normal((n_out, 1))
    first = p_ref.copy()
    rounds = 0
    while True:
        s = np.sign(g)
        bad = np.flatnonzero(((m * (s > 0) - p_ref) * s)[:, 0] / m < thr)
        if bad.size == 0:
            break
        rounds += 1
        p_ref[bad] = m * r.random((bad.size, 1))
        g[bad] = r.standard_normal((bad.size, 1))
    assert rounds >= 1
    np.testing.assert_array_equal(p, p_ref)
    np.testing.assert_array_equal(n, np.sign(g))
    kept = np.flatnonzero(p_ref[:, 0] == first[:, 0])
    assert 0 < kept.size < n_out


def test_box_draws_raise_after_max_resample_rounds():
    always_bad = ScriptedGenerator(0, randoms=[np.ones((1, 2))], normals=[np.ones((1, 2))], repeat=True)
    with pytest.raises(RuntimeError, match="max_resample=3"):
        box_draws(2, 4, always_bad, max_resample=3)
    # the scaled denominator never exceeds sqrt(n_in): no draw can meet this threshold
    with pytest.raises(RuntimeError, match="min_denominator"):
        box_draws(1, 2, rng=0, min_denominator=1.5, max_resample=5)
    # max_resample = 0: never redraw
    with pytest.raises(RuntimeError):
        box_draws(2, 1, ScriptedGenerator(0, randoms=[np.ones((1, 2))], normals=[np.ones((1, 2))]),
                  max_resample=0)


# -------------------------------------------------------------------- ResNet scales
def test_box_resnet_scales_eq16_by_hand_for_L4():
    # delta = 1/4, m_l = (5/4)^(l-1)
    expected = [(1.0, 1.0), (1.25, 0.25), (1.5625, 0.25), (1.953125, 0.25)]
    np.testing.assert_allclose(box_resnet_scales(4), expected, rtol=1e-15)
    np.testing.assert_allclose(box_resnet_scales(4, "eq16"), expected, rtol=1e-15)


def test_box_resnet_scales_alg3_by_hand_for_L3():
    # L - 1 = 2: m_l = (3/2)^l, delta_l = 1/(2 m_l), so every block peaks at delta*m = 1/2
    expected = [(1.0, 1.0), (2.25, 1 / 4.5), (3.375, 1 / 6.75)]
    scales = box_resnet_scales(3, "alg3")
    np.testing.assert_allclose(scales, expected, rtol=1e-15)
    assert all(math.isclose(m * d, 0.5, rel_tol=1e-15) for m, d in scales[1:])


def test_box_resnet_scales_of_a_single_layer_is_plain_box():
    assert box_resnet_scales(1) == [(1.0, 1.0)]
    assert box_resnet_scales(1, "alg3") == [(1.0, 1.0)]


def resnet_bound(variant, l, L):
    """SPEC §2 guaranteed bound on the hidden state after layer l."""
    if variant == "eq16":
        return (1 + 1 / L) ** l
    return 1 + (l - 1) / (L - 1)


@HYP
@given(seed=SEEDS, L=st.integers(2, 8), d=st.integers(1, 3), w=st.integers(1, 6),
       variant=st.sampled_from(["eq16", "alg3"]))
def test_box_resnet_hidden_states_stay_in_the_guaranteed_box(seed, L, d, w, variant):
    rng = np.random.default_rng(seed)
    x = np.vstack([corners(d), rng.random((300, d))])
    scales = box_resnet_scales(L, variant)
    children = rng.spawn(L)
    h = None
    for l in range(1, L + 1):
        n_in = d if l == 1 else w
        W, b = hidden_layer_init("box", l, L, n_in, w, children[l - 1], arch="resnet", resnet_variant=variant)
        if l == 1:
            h = relu(x @ W.T + b)
        else:
            m_l, delta_l = scales[l - 1]
            assert h.max() <= m_l * (1 + 1e-12), "input of the block must lie in its sampling box [0, m_l]"
            step = relu(h @ W.T + b)
            assert step.max() <= delta_l * m_l * (1 + 1e-10)
            h = h + step
        bound = resnet_bound(variant, l, L)
        assert h.min() >= 0.0
        assert h.max() <= bound * (1 + 1e-10), f"layer {l}: max {h.max()} > bound {bound}"
    assert h.max() <= (math.e if variant == "eq16" else 2.0) * (1 + 1e-10)


# ---------------------------------------------------------------- hidden_layer_init
@pytest.mark.parametrize("scheme, direct", [
    ("glorot_normal", lambda r: glorot_normal(5, 4, r)),
    ("xavier_normal", lambda r: glorot_normal(5, 4, r)),
    ("glorot_uniform", lambda r: glorot_uniform(5, 4, r)),
    ("xavier_uniform", lambda r: glorot_uniform(5, 4, r)),
    ("he_normal", lambda r: he_normal(5, 4, r, "tanh")),
    ("kaiming_normal", lambda r: he_normal(5, 4, r, "tanh")),
    ("he_uniform", lambda r: he_uniform(5, 4, r, "tanh")),
    ("kaiming_uniform", lambda r: he_uniform(5, 4, r, "tanh")),
    ("box", lambda r: box_uniform_layer(5, 4, r)),
])
def test_hidden_layer_init_dispatches_to_the_named_scheme(scheme, direct):
    W, b = hidden_layer_init(scheme, 2, 3, 5, 4, np.random.default_rng(6), activation="tanh")
    W_ref, b_ref = direct(np.random.default_rng(6))
    np.testing.assert_array_equal(W, W_ref)
    np.testing.assert_array_equal(b, b_ref)


def test_glorot_ignores_activation_and_box_weights_are_the_same_for_tanh():
    for scheme in ("glorot_normal", "glorot_uniform", "box"):
        a = hidden_layer_init(scheme, 1, 2, 3, 3, 0, activation="relu")
        t = hidden_layer_init(scheme, 1, 2, 3, 3, 0, activation="tanh")
        assert all(np.array_equal(x, y) for x, y in zip(a, t)), scheme


@pytest.mark.parametrize("variant", ["eq16", "alg3"])
def test_box_resnet_layers_use_box_resnet_scales_and_layer_one_is_plain(variant):
    L = 4
    first = hidden_layer_init("box", 1, L, 2, 5, 3, arch="resnet", resnet_variant=variant)
    plain = box_uniform_layer(2, 5, 3)
    assert all(np.array_equal(x, y) for x, y in zip(first, plain))
    for l, (m, delta) in enumerate(box_resnet_scales(L, variant), start=1):
        if l == 1:
            continue
        W, b = hidden_layer_init("box", l, L, 5, 5, 3, arch="resnet", resnet_variant=variant)
        W_ref, b_ref = box_uniform_layer(5, 5, 3, m=m, delta=delta)
        np.testing.assert_array_equal(W, W_ref)
        np.testing.assert_array_equal(b, b_ref)


def test_initializers_and_aliases_resolve():
    assert set(INITIALIZERS) == {"glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "box"}
    for alias, name in INITIALIZER_ALIASES.items():
        assert resolve_scheme(alias) == name and name in INITIALIZERS
    assert all(isinstance(v, str) and v for v in INITIALIZERS.values())


@pytest.mark.parametrize("scheme", list(INITIALIZERS) + list(INITIALIZER_ALIASES))
def test_same_seed_gives_identical_arrays_and_different_seeds_differ(scheme):
    a = hidden_layer_init(scheme, 2, 3, 4, 4, 123, arch="resnet")
    b = hidden_layer_init(scheme, 2, 3, 4, 4, np.random.default_rng(123), arch="resnet")
    c = hidden_layer_init(scheme, 2, 3, 4, 4, 124, arch="resnet")
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    assert a[0].shape == (4, 4) and a[1].shape == (4,)
    assert a[0].dtype == np.float64 and a[1].dtype == np.float64


# ------------------------------------------------------------------ bad arguments
@pytest.mark.parametrize("call, exc, name", [
    (lambda: hidden_layer_init("lecun", 1, 1, 2, 2, 0), ValueError, "glorot_normal"),
    (lambda: hidden_layer_init(None, 1, 1, 2, 2, 0), TypeError, "scheme"),
    (lambda: hidden_layer_init("box", 1, 1, 2, 2, 0, arch="cnn"), ValueError, "resnet"),
    (lambda: hidden_layer_init("box", 1, 1, 2, 2, 0, resnet_variant="eq15"), ValueError, "alg3"),
    (lambda: hidden_layer_init("box", 1, 1, 2, 2, 0, activation="sigmoid"), ValueError, "activation"),
    (lambda: hidden_layer_init("box", 3, 2, 2, 2, 0), ValueError, "layer_index"),
    (lambda: hidden_layer_init("box", 0, 2, 2, 2, 0), ValueError, "layer_index"),
    (lambda: hidden_layer_init("he_uniform", 2, 2, 3, 2, 0, arch="resnet"), ValueError, "n_in == n_out"),
    (lambda: hidden_layer_init("box", 1, 1, 2, 2, None), TypeError, "rng"),
    (lambda: box_resnet_scales(3, "alg2"), ValueError, "variant"),
    (lambda: box_resnet_scales(0), ValueError, "depth"),
    (lambda: box_resnet_scales(2.0), TypeError, "depth"),
    (lambda: glorot_normal(3, 2, 0, gain=0.0), ValueError, "gain"),
    (lambda: glorot_uniform(3, 2, 0, gain=float("nan")), ValueError, "gain"),
    (lambda: he_uniform(3, 2, 0, nonlinearity="leaky"), ValueError, "nonlinearity"),
    (lambda: box_draws(2, 2, 0, m=-1.0), ValueError, "m"),
    (lambda: box_draws(2, 2, 0, min_denominator=0.0), ValueError, "min_denominator"),
    (lambda: box_draws(2, 2, 0, max_resample=-1), ValueError, "max_resample"),
    (lambda: box_draws(2, 2, 0, max_resample=1.5), TypeError, "max_resample"),
    (lambda: box_uniform_layer(2, 2, 0, delta=float("inf")), ValueError, "delta"),
    (lambda: head_init(0, 1, 0), ValueError, "n_basis"),
])
def test_bad_arguments_raise_with_a_message_naming_them(call, exc, name):
    with pytest.raises(exc, match=name):
        call()


@pytest.mark.parametrize("func", [glorot_normal, glorot_uniform, he_normal, he_uniform, box_uniform_layer,
                                  box_draws, head_init])
@pytest.mark.parametrize("bad, exc", [(0, ValueError), (-2, ValueError), (2.0, TypeError), (True, TypeError),
                                      ("3", TypeError)])
def test_integer_dimensions_are_validated(func, bad, exc):
    first, second = ("n_basis", "n_out") if func is head_init else ("n_in", "n_out")
    with pytest.raises(exc, match=first):
        func(bad, 2, 0)
    with pytest.raises(exc, match=second):
        func(2, bad, 0)


@pytest.mark.parametrize("p, n, kw, exc, name", [
    ([[0.5, 0.5]], [[1.0]], {}, ValueError, "n"),                            # shape mismatch
    ([0.5, 0.5], [1.0, 1.0], {}, ValueError, "p"),                           # 1-D
    ([[1.5]], [[1.0]], {}, ValueError, "p must lie in the box"),             # outside [0, 1]
    ([[-0.1]], [[1.0]], {}, ValueError, "p must lie in the box"),
    ([[0.5, 0.5]], [[0.0, 0.0]], {}, ValueError, "zero row"),                # no normal
    ([[np.nan]], [[1.0]], {}, ValueError, "p"),
    ([[0.5]], [[np.inf]], {}, ValueError, "n"),
    ([[0.5]], [[1.0]], {"m": 0.0}, ValueError, "m"),
    ([[0.5]], [[1.0]], {"delta": -1.0}, ValueError, "delta"),
    ([[0.5]], [[1.0]], {"delta": "1"}, TypeError, "delta"),
    ([[True]], [[1.0]], {}, TypeError, "p"),
    ([[1.0, 0.0]], [[2.0, -1.0]], {}, ValueError, "denominator"),            # p = p_max
    ([[2.0, 2.0]], [[1.0, 3.0]], {"m": 2.0}, ValueError, "denominator"),     # p = p_max, m = 2
    ([[1e-320]], [[-1.0]], {}, ValueError, "overflows"),                     # k = 1/1e-320 = inf
])
def test_box_weights_refuse_invalid_draws(p, n, kw, exc, name):
    with pytest.raises(exc, match=name):
        box_weights(p, n, **kw)
