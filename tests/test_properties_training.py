"""Property tests of training and initialisation through the whole network (issue 3).

* determinism: the same seed gives bit-identical parameters and History, different
  seeds differ (both trainers);
* Adam: a two-step example with two parameter arrays, the expected numbers computed
  here from Kingma & Ba's formulas written out scalar by scalar;
* Box initialization through :class:`Network`: every hidden state of a Box network
  (plain: the unit box; ResNet: SPEC §2's bounds for eq. 16 and Algorithm 3) at inputs
  of its domain, via :meth:`Network.hidden_states`.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adaptive_basis import Adam, Network, train_gd, train_lsgd
from _verification_helpers import SEEDS, make_regression

TRAINERS = {"lsgd": train_lsgd, "gd": train_gd}


# ---------------------------------------------------------------------- determinism
def run(method, seed, arch, activation, init):
    net = Network(2, [4, 4], 2, activation=activation, arch=arch, init=init, rng=seed, output_bias=True)
    problem = make_regression(net, 12, seed)
    hist = TRAINERS[method](net, problem, steps=5, lr=1e-2, record_every=2)
    return net, hist


def history_fields(hist):
    return {"loss": hist.loss, "rank": hist.rank, "cond": hist.cond, "record_iter": hist.record_iter,
            **{f"terms/{k}": v for k, v in hist.terms.items()}, **{f"errors/{k}": v for k, v in hist.errors.items()}}


@settings(max_examples=10)
@given(seed=st.integers(0, 2**31), method=st.sampled_from(sorted(TRAINERS)), arch=st.sampled_from(["plain", "resnet"]),
       activation=st.sampled_from(["relu", "tanh"]), init=st.sampled_from(["box", "he_uniform", "glorot_normal"]))
def test_same_seed_gives_bit_identical_parameters_and_history(seed, method, arch, activation, init):
    net1, hist1 = run(method, seed, arch, activation, init)
    net2, hist2 = run(method, seed, arch, activation, init)
    for a, b in zip(net1.xi_H + [net1.xi_L], net2.xi_H + [net2.xi_L]):
        assert np.array_equal(a, b)
    f1, f2 = history_fields(hist1), history_fields(hist2)
    assert f1.keys() == f2.keys()
    for key in f1:
        assert np.array_equal(f1[key], f2[key]), key
    assert hist1.ls_fallbacks == hist2.ls_fallbacks


@pytest.mark.parametrize("method", sorted(TRAINERS))
def test_different_seeds_give_different_parameters_and_history(method):
    net1, hist1 = run(method, 1, "resnet", "tanh", "box")
    net2, hist2 = run(method, 2, "resnet", "tanh", "box")
    assert not np.array_equal(net1.W[0], net2.W[0])
    assert not np.array_equal(net1.xi_L, net2.xi_L)
    assert not np.array_equal(hist1.loss, hist2.loss)


def test_network_draw_does_not_touch_numpy_global_random_state():
    state = np.random.get_state()[1].copy()
    run("lsgd", 3, "plain", "relu", "box")
    assert np.array_equal(np.random.get_state()[1], state)


# ---------------------------------------------------------------------------- Adam
def test_adam_two_steps_on_two_arrays_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    p = [np.array([1.0, -2.0]), np.array([[0.5], [3.0]])]
    g_1 = [np.array([0.5, -1.0]), np.array([[2.0], [0.0]])]
    g_2 = [np.array([-0.25, 4.0]), np.array([[1.0], [-3.0]])]

    opt = Adam(lr, b1, b2, eps)
    after_1 = opt.step(p, g_1)
    after_2 = opt.step(after_1, g_2)

    # Kingma & Ba, Algorithm 1, element by element, with plain Python floats.
    def by_hand(p0, g1, g2):
        m1, v1 = (1 - b1) * g1, (1 - b2) * g1 * g1
        p1 = p0 - lr * (m1 / (1 - b1)) / (math.sqrt(v1 / (1 - b2)) + eps)
        m2, v2 = b1 * m1 + (1 - b1) * g2, b2 * v1 + (1 - b2) * g2 * g2
        p2 = p1 - lr * (m2 / (1 - b1 ** 2)) / (math.sqrt(v2 / (1 - b2 ** 2)) + eps)
        return p1, p2

    for k in range(2):
        for idx in np.ndindex(p[k].shape):
            p1, p2 = by_hand(p[k][idx], g_1[k][idx], g_2[k][idx])
            assert after_1[k][idx] == pytest.approx(p1, rel=1e-15, abs=1e-15), (k, idx)
            assert after_2[k][idx] == pytest.approx(p2, rel=1e-15, abs=1e-15), (k, idx)

    # The first step moves every coordinate with a non-zero gradient by lr * |g| / (|g| + eps),
    # i.e. lr * sign(g) up to eps / |g| ~ 1e-8 ...
    np.testing.assert_allclose(after_1[0], [0.9, -1.9], rtol=1e-8)
    np.testing.assert_allclose(after_1[1], [[0.4], [3.0]], rtol=1e-8)
    # ... and a coordinate whose gradients were 0 then -3: m2 = -0.3, v2 = 0.009, so the
    # step is lr * (0.3/0.19) / sqrt(0.009/0.001999) = 0.1 * 1.578947... / 2.121850... = 0.0744...
    step = 0.1 * (0.3 / 0.19) / (math.sqrt(0.009 / (1 - 0.999 ** 2)) + eps)
    assert after_2[1][1, 0] == pytest.approx(3.0 + step, rel=1e-14)
    assert step == pytest.approx(0.074413, abs=1e-6)
    # the inputs are not modified
    assert np.array_equal(p[0], [1.0, -2.0]) and np.array_equal(p[1], [[0.5], [3.0]])
    assert opt.t == 2


# ------------------------------------------------------------ Box through the Network
def corners(d):
    return np.array(np.meshgrid(*[[0.0, 1.0]] * d, indexing="ij")).reshape(d, -1).T


def inputs_of_domain(net, seed, n=200):
    u = np.vstack([corners(net.d_in), np.random.default_rng(seed).random((n, net.d_in))])
    return net.lo + u * (net.hi - net.lo)


DOMAINS = st.sampled_from([None, (0.0, 1.0), (-1.0, 1.0), (2.0, 5.0)])


@settings(max_examples=40)
@given(seed=SEEDS, L=st.integers(1, 8), d=st.integers(1, 3), w=st.integers(1, 6),
       variant=st.sampled_from(["eq16", "alg3"]), domain=DOMAINS)
def test_box_resnet_network_hidden_states_stay_in_their_spec_bounds(seed, L, d, w, variant, domain):
    net = Network(d, [w] * L, activation="relu", arch="resnet", init="box", rng=seed,
                  resnet_variant=variant, domain=domain)
    states = net.hidden_states(inputs_of_domain(net, seed))
    assert states[0].min() >= 0.0 and states[0].max() <= 1.0 + 1e-15, "the input map must land in [0, 1]^d"
    for l in range(1, L + 1):
        # SPEC §2: eq. 16 -> [0, (1 + 1/L)^l]; Algorithm 3 -> [0, 1 + (l-1)/(L-1)]
        bound = (1 + 1 / L) ** l if variant == "eq16" else 1 + (l - 1) / max(L - 1, 1)
        h = states[l]
        assert h.min() >= 0.0, f"layer {l}: negative hidden state {h.min()}"
        assert h.max() <= bound * (1 + 1e-10), f"{variant} layer {l}/{L}: max {h.max()} > bound {bound}"
    cap = math.e if variant == "eq16" else 2.0
    assert states[-1].max() <= cap * (1 + 1e-10)


@settings(max_examples=30)
@given(seed=SEEDS, widths=st.lists(st.integers(1, 6), min_size=1, max_size=6), d=st.integers(1, 3),
       domain=DOMAINS)
def test_box_plain_network_maps_its_domain_into_the_unit_box_at_every_layer(seed, widths, d, domain):
    net = Network(d, widths, activation="relu", arch="plain", init="box", rng=seed, domain=domain)
    X = inputs_of_domain(net, seed)
    for l, h in enumerate(net.hidden_states(X)[1:], start=1):
        assert h.min() >= 0.0 and h.max() <= 1.0 + 1e-12, f"layer {l}: range [{h.min()}, {h.max()}]"
    # Layer 1 peaks at exactly 1 at the corner p_max of each neuron (Lemma 1).
    h1 = net.hidden_states(X[: 2 ** d])[1]
    np.testing.assert_allclose(h1.max(axis=0), 1.0, rtol=1e-12)
