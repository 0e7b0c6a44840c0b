"""Input-derivative jets of the basis and their backward pass (SPEC §5).

Reference values are 5-point finite differences in float64; gradients are checked
with the vector-Jacobian dot test (random direction u, central differences).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adaptive_basis.network import Network
from adaptive_basis.operators import (Operator, apply_operator, basis_jets, basis_jets_backward, derivative,
                                      identity, laplacian, operator_basis, second_derivative)

DOMAIN = ([-1.0, 0.5], [2.0, 1.5])  # a non-unit box: every derivative carries the input map's scale


def make_net(activation, arch, *, output_bias=False, domain=None, widths=(6, 6, 6), d_in=2, seed=0):
    # Box init gives nonzero biases, so no point sits exactly on a ReLU cut plane by construction;
    # for tanh draw biases too so that the sigma'' terms are exercised everywhere.
    net = Network(d_in, list(widths), activation=activation, arch=arch, init="box", rng=seed,
                  output_bias=output_bias, domain=domain)
    if activation == "tanh":
        rng = np.random.default_rng(seed + 100)
        net.xi_H = [p + 0.3 * rng.standard_normal(p.shape) for p in net.xi_H]
    return net


def points(net, n, seed=1):
    rng = np.random.default_rng(seed)
    return net.lo + (net.hi - net.lo) * rng.random((n, net.d_in))


def fd_first(net, X, j, h):
    e = np.zeros(net.d_in)
    e[j] = h
    f = net.basis
    return (-f(X + 2 * e) + 8 * f(X + e) - 8 * f(X - e) + f(X - 2 * e)) / (12 * h)


def fd_second(net, X, j, h):
    e = np.zeros(net.d_in)
    e[j] = h
    f = net.basis
    return (-f(X + 2 * e) + 16 * f(X + e) - 30 * f(X) + 16 * f(X - e) - f(X - 2 * e)) / (12 * h * h)


def away_from_kinks(net, X, h):
    """Rows of X whose 5-point stencil (half-width 2h in every direction) crosses no ReLU cut plane."""
    jets, cache = basis_jets(net, X, first=range(net.d_in))
    margin = np.ones(X.shape[0], dtype=bool)
    for z, dz in zip(cache.z, cache.dz):
        reach = 2 * h * np.abs(dz).sum(axis=0) * 1.5 + 1e-9  # bound on |dz| along the stencil
        margin &= np.all(np.abs(z) > reach, axis=1)
    return X[margin]


CASES = [(a, arch, ob, dom) for a in ("relu", "tanh") for arch in ("plain", "resnet")
         for ob in (False, True) for dom in (None, DOMAIN)]


@pytest.mark.parametrize("activation,arch,output_bias,domain", CASES)
def test_first_derivatives_match_five_point_finite_differences(activation, arch, output_bias, domain):
    net = make_net(activation, arch, output_bias=output_bias, domain=domain)
    h = 1e-3 if activation == "tanh" else 1e-5
    X = points(net, 40)
    if activation == "relu":
        X = away_from_kinks(net, X, h)
        assert X.shape[0] >= 5, "too few points away from the cut planes to test"
    jets, _ = basis_jets(net, X, first=(0, 1))
    for j in range(2):
        fd = fd_first(net, X, j, h)
        np.testing.assert_allclose(jets[(j,)], fd, rtol=1e-7, atol=1e-8 * max(1, np.abs(fd).max()),
                                   err_msg=f"{activation} {arch} bias={output_bias} domain={domain} j={j}")
    np.testing.assert_allclose(jets.value, net.basis(X), rtol=0, atol=1e-14)


@pytest.mark.parametrize("arch", ["plain", "resnet"])
@pytest.mark.parametrize("output_bias", [False, True])
@pytest.mark.parametrize("domain", [None, DOMAIN])
def test_tanh_second_derivatives_and_laplacian_match_five_point_finite_differences(arch, output_bias, domain):
    net = make_net("tanh", arch, output_bias=output_bias, domain=domain)
    X = points(net, 30)
    jets, _ = basis_jets(net, X, second=(0, 1))
    h = 1e-3
    lap = 0.0
    for j in range(2):
        fd = fd_second(net, X, j, h)
        lap = lap + fd
        np.testing.assert_allclose(jets[(j, j)], fd, rtol=1e-5, atol=1e-6 * max(1, np.abs(fd).max()),
                                   err_msg=f"{arch} bias={output_bias} domain={domain} j={j}")
    np.testing.assert_allclose(jets.laplacian(), lap, rtol=1e-5, atol=1e-6 * max(1, np.abs(lap).max()))
    LPhi, *_ = operator_basis(net, laplacian(2), X)
    np.testing.assert_allclose(LPhi, jets.laplacian(), rtol=1e-14, atol=1e-14)


def test_mixed_second_derivative_matches_finite_differences_of_first_derivative():
    net = make_net("tanh", "resnet", domain=DOMAIN)
    X = points(net, 20)
    jets, _ = basis_jets(net, X, second=[(0, 1)])
    h = 1e-4
    e = np.array([0.0, h])
    d0 = lambda Y: basis_jets(net, Y, first=(0,))[0][(0,)]  # noqa: E731
    fd = (-d0(X + 2 * e) + 8 * d0(X + e) - 8 * d0(X - e) + d0(X - 2 * e)) / (12 * h)
    np.testing.assert_allclose(jets[(1, 0)], fd, rtol=1e-7, atol=1e-9)


def test_input_map_scales_first_derivatives_by_scale_and_second_by_its_square():
    unit = make_net("tanh", "plain")
    mapped = Network(2, unit.widths, activation="tanh", arch="plain", domain=DOMAIN, params=unit.get_params())
    X = points(mapped, 10)
    U = mapped.input_map(X)
    jm, _ = basis_jets(mapped, X, second=(0, 1))
    ju, _ = basis_jets(unit, U, second=(0, 1))
    for j in range(2):
        np.testing.assert_allclose(jm[(j,)], mapped.scale[j] * ju[(j,)], rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(jm[(j, j)], mapped.scale[j] ** 2 * ju[(j, j)], rtol=1e-13, atol=1e-13)


def test_output_bias_column_is_one_with_zero_derivatives():
    net = make_net("tanh", "resnet", output_bias=True)
    jets, _ = basis_jets(net, points(net, 7), second=(0, 1, (0, 1)))
    assert np.all(jets.value[:, -1] == 1.0)
    assert np.all(jets.first[:, :, -1] == 0.0)
    assert np.all(jets.second[:, :, -1] == 0.0)


@settings(max_examples=15)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(2, 30), arch=st.sampled_from(["plain", "resnet"]))
def test_derivatives_at_one_point_do_not_depend_on_the_other_points(seed, n, arch):
    rng = np.random.default_rng(seed)
    net = make_net("tanh", arch, seed=int(rng.integers(1000)), output_bias=True)
    X = points(net, n, seed=seed)
    batch, _ = basis_jets(net, X, first=(0, 1), second=(0, 1))
    i = int(rng.integers(n))
    other = points(net, n, seed=seed + 1)
    other[i] = X[i]  # same point, different companions
    mixed, _ = basis_jets(net, other, first=(0, 1), second=(0, 1))
    alone, _ = basis_jets(net, X[i:i + 1], first=(0, 1), second=(0, 1))
    for arr_b, arr_m, arr_a in ((batch.value, mixed.value, alone.value), (batch.first, mixed.first, alone.first),
                                (batch.second, mixed.second, alone.second)):
        np.testing.assert_allclose(arr_b[..., i, :], arr_m[..., i, :], rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(arr_b[..., i, :], arr_a[..., 0, :], rtol=1e-13, atol=1e-13)


# ------------------------------------------------------------------- backward
def vjp_check(net, X, first, second, seed=3, eps=1e-6, rtol=1e-6):
    rng = np.random.default_rng(seed)
    jets, cache = basis_jets(net, X, first, second)
    G = [rng.standard_normal(a.shape) for a in (jets.value, jets.first, jets.second)]

    def S():
        J, _ = basis_jets(net, X, first, second)
        return sum(np.sum(g * a) for g, a in zip(G, (J.value, J.first, J.second)))

    grads = basis_jets_backward(net, cache, *G)
    U = [rng.standard_normal(p.shape) for p in net.xi_H]
    P0 = [p.copy() for p in net.xi_H]
    net.xi_H = [p + eps * u for p, u in zip(P0, U)]
    Sp = S()
    net.xi_H = [p - eps * u for p, u in zip(P0, U)]
    Sm = S()
    net.xi_H = P0
    lhs = sum(np.sum(g * u) for g, u in zip(grads, U))
    np.testing.assert_allclose(lhs, (Sp - Sm) / (2 * eps), rtol=rtol, atol=1e-9)
    return grads


@pytest.mark.parametrize("arch", ["plain", "resnet"])
@pytest.mark.parametrize("output_bias", [False, True])
def test_tanh_jet_backward_passes_the_vector_jacobian_dot_test(arch, output_bias):
    net = make_net("tanh", arch, output_bias=output_bias, domain=DOMAIN)
    X = points(net, 12)
    vjp_check(net, X, (), ())
    vjp_check(net, X, (1,), ())
    vjp_check(net, X, (0, 1), (0, 1))
    vjp_check(net, X, (), [(0, 1), (1, 1)])


@pytest.mark.parametrize("arch", ["plain", "resnet"])
def test_relu_first_order_jet_backward_passes_the_vector_jacobian_dot_test(arch):
    net = make_net("relu", arch, output_bias=True, domain=DOMAIN)
    X = away_from_kinks(net, points(net, 40), 1e-4)
    vjp_check(net, X, (0, 1), ())


def test_jet_backward_of_values_only_equals_the_network_backward():
    net = make_net("tanh", "resnet", output_bias=True)
    X = points(net, 9)
    G = np.random.default_rng(0).standard_normal((9, net.n_basis))
    _, cache = basis_jets(net, X)
    _, fcache = net.basis_forward(X)
    for a, b in zip(basis_jets_backward(net, cache, dvalue=G), net.basis_backward(G, fcache)):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)


# ------------------------------------------------------------------ operators
def test_variable_coefficient_operator_equals_its_parts():
    net = make_net("tanh", "resnet")
    X = points(net, 15)
    a = lambda Y: Y[:, 0] ** 2 + 1.0  # noqa: E731
    op = derivative(1) + a * derivative(0) - 0.5 * laplacian(2) + 3.0 * identity()
    jets, _ = basis_jets(net, X, first=(0, 1), second=(0, 1))
    expect = jets[(1,)] + a(X)[:, None] * jets[(0,)] - 0.5 * jets.laplacian() + 3.0 * jets.value
    got, *_ = operator_basis(net, op, X)
    np.testing.assert_allclose(got, expect, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(apply_operator(net, op, X), expect @ net.xi_L, rtol=1e-12, atol=1e-12)
    arr = np.linspace(1, 2, 15)
    got2, *_ = operator_basis(net, arr * derivative(0), X)  # ndarray * Operator defers to the operator
    np.testing.assert_allclose(got2, arr[:, None] * jets[(0,)], rtol=1e-14)
    assert op.order == 2 and op.requirements() == ((1, 0), ((0, 0), (1, 1)))


def test_operator_backward_passes_the_vector_jacobian_dot_test():
    net = make_net("tanh", "plain", output_bias=True, domain=DOMAIN)
    X = points(net, 11)
    op = derivative(1) + (lambda Y: Y[:, 0]) * derivative(0) - laplacian(2) + second_derivative(0, 1)
    rng = np.random.default_rng(5)
    LPhi, jets, cache, coefs = operator_basis(net, op, X)
    G = rng.standard_normal(LPhi.shape)
    grads = basis_jets_backward(net, cache, *op.apply_backward(G, jets, coefs))
    U = [rng.standard_normal(p.shape) for p in net.xi_H]
    P0, eps = [p.copy() for p in net.xi_H], 1e-6
    vals = []
    for s in (1, -1):
        net.xi_H = [p + s * eps * u for p, u in zip(P0, U)]
        vals.append(np.sum(G * operator_basis(net, op, X)[0]))
    net.xi_H = P0
    np.testing.assert_allclose(sum(np.sum(g * u) for g, u in zip(grads, U)), (vals[0] - vals[1]) / (2 * eps),
                               rtol=1e-6)


# ------------------------------------------------------------------ refusals
@pytest.mark.parametrize("second", [(0,), [(0, 1)], 1])
def test_relu_network_refuses_second_order_quantities(second):
    net = make_net("relu", "resnet")
    with pytest.raises(ValueError, match="Dirac"):
        basis_jets(net, points(net, 3), second=second)
    with pytest.raises(ValueError, match="relu"):
        operator_basis(net, -laplacian(2), points(net, 3))


def test_bad_inputs_are_refused_with_clear_errors():
    net = make_net("tanh", "plain")
    X = points(net, 4)
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        basis_jets(net, X, first=(2,))
    with pytest.raises(TypeError, match="integer"):
        basis_jets(net, X, first=(0.5,))
    with pytest.raises(ValueError, match="pair"):
        basis_jets(net, X, second=[(0, 1, 1)])
    with pytest.raises(ValueError, match="shape"):
        basis_jets(net, X[:, :1])
    jets, cache = basis_jets(net, X, first=(0,))
    with pytest.raises(ValueError, match="dfirst must have shape"):
        basis_jets_backward(net, cache, dfirst=np.zeros((2, 4, net.n_basis)))
    with pytest.raises(ValueError, match="order > 2"):
        Operator([(1.0, (0, 0, 1))])
    with pytest.raises(ValueError, match="at least one"):
        Operator([])
    with pytest.raises(ValueError, match="finite"):
        derivative(0) * np.inf
    with pytest.raises(TypeError):
        derivative(0) * derivative(1)
    with pytest.raises(ValueError, match=r"\(4,\)"):
        operator_basis(net, np.ones(3) * derivative(0), X)
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        operator_basis(net, derivative(2), X)
    with pytest.raises(TypeError, match="Operator"):
        operator_basis(net, "laplacian", X)
    with pytest.raises(ValueError, match="non-negative"):
        derivative(-1)
    with pytest.raises(KeyError, match="not computed"):
        jets[(1,)]
