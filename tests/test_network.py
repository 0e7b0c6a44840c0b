"""The engine: forward pass formulas, hand-written backward pass, input map, errors."""

import numpy as np
import pytest

from adaptive_basis import Network, Regression


def _vjp_check(net, X, rng, eps=1e-6):
    """<G, (Phi(p + eps U) - Phi(p - eps U)) / 2 eps>  vs  <basis_backward(G), U>."""
    Phi, cache = net.basis_forward(X)
    G = rng.standard_normal(Phi.shape)
    grads = net.basis_backward(G, cache)
    U = [rng.standard_normal(a.shape) for a in net.xi_H]
    p0 = [a.copy() for a in net.xi_H]
    net.xi_H = [a + eps * u for a, u in zip(p0, U)]
    fp = np.sum(G * net.basis(X))
    net.xi_H = [a - eps * u for a, u in zip(p0, U)]
    fm = np.sum(G * net.basis(X))
    net.xi_H = p0
    fd = (fp - fm) / (2 * eps)
    an = sum(float(np.sum(g * u)) for g, u in zip(grads, U))
    return fd, an


@pytest.mark.parametrize("arch", ["plain", "resnet"])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("output_bias", [False, True])
def test_basis_backward_matches_central_differences(arch, activation, output_bias):
    rng = np.random.default_rng(7)
    net = Network(2, [5, 5, 5], 3, activation=activation, arch=arch, init="glorot_normal", rng=3,
                  output_bias=output_bias, domain=(-1.0, 2.0))
    net.b = [rng.standard_normal(b.shape) for b in net.b]  # non-zero biases: generic kinks
    X = rng.uniform(-1.0, 2.0, (9, 2))
    # stay away from ReLU kinks, where the function is not differentiable
    zs = net.basis_forward(X)[1].z
    assert min(np.min(np.abs(z)) for z in zs) > 1e-3
    fd, an = _vjp_check(net, X, rng)
    assert fd == pytest.approx(an, rel=1e-7, abs=1e-9), f"arch={arch} act={activation} bias={output_bias}"


def test_forward_matches_the_layer_formulas_written_out():
    rng = np.random.default_rng(0)
    net = Network(2, [3, 3], 1, activation="tanh", arch="resnet", init="he_normal", rng=1, domain=(0.0, 4.0))
    X = rng.uniform(0, 4, (5, 2))
    u = X / 4.0
    h1 = np.tanh(u @ net.W[0].T + net.b[0])
    h2 = h1 + np.tanh(h1 @ net.W[1].T + net.b[1])
    np.testing.assert_allclose(net.basis(X), h2, rtol=1e-15, atol=0)
    np.testing.assert_allclose(net.predict(X), h2 @ net.xi_L, rtol=1e-14)


def test_output_bias_is_a_constant_last_basis_column():
    net = Network(1, [4], 2, init="box", rng=0, output_bias=True)
    Phi = net.basis(np.linspace(0, 1, 7)[:, None])
    assert Phi.shape == (7, 5) and net.xi_L.shape == (5, 2)
    np.testing.assert_array_equal(Phi[:, -1], 1.0)


def test_same_seed_same_network_and_layers_do_not_depend_on_depth():
    a = Network(1, [6] * 3, init="box", rng=11)
    b = Network(1, [6] * 3, init="box", rng=11)
    c = Network(1, [6] * 5, init="box", rng=11)
    for x, y in zip(a.xi_H, b.xi_H):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a.W[1], c.W[1])  # layer l draws from child l
    assert not np.array_equal(a.W[0], Network(1, [6] * 3, init="box", rng=12).W[0])


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(d_in=0, widths=[3]), ValueError, "d_in"),
    (dict(d_in=1, widths=[]), ValueError, "depth"),
    (dict(d_in=1, widths=[3, 0]), ValueError, "widths[1]"),
    (dict(d_in=1, widths=3), TypeError, "widths"),
    (dict(d_in=1, widths=[3], activation="sigmoid"), ValueError, "activation"),
    (dict(d_in=1, widths=[3], arch="densenet"), ValueError, "arch"),
    (dict(d_in=1, widths=[3], init="orthogonal"), ValueError, "scheme"),
    (dict(d_in=1, widths=[3, 4], arch="resnet"), ValueError, "equal widths"),
    (dict(d_in=1, widths=[3], domain=(1.0, 1.0)), ValueError, "domain"),
])
def test_bad_construction_arguments_raise_clear_errors(kwargs, exc, words):
    with pytest.raises(exc) as info:
        Network(rng=0, **kwargs)
    assert words in str(info.value)


@pytest.mark.parametrize("X, words", [
    (np.zeros(5), "shape"),
    (np.zeros((5, 3)), "shape"),
    (np.array([[0.1], [np.nan]]), "non-finite"),
    (np.array([[0.1], [np.inf]]), "non-finite"),
])
def test_bad_inputs_raise_clear_errors(X, words):
    net = Network(1, [3], init="box", rng=0)
    with pytest.raises(ValueError) as info:
        net.predict(X)
    assert "X" in str(info.value) and words in str(info.value)


def test_regression_refuses_mismatched_targets():
    with pytest.raises(ValueError, match="Y"):
        Regression(np.zeros((4, 1)), np.zeros(5))
    with pytest.raises(ValueError, match="non-finite"):
        Regression(np.zeros((2, 1)), np.array([0.0, np.nan]))
