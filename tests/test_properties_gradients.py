"""Property tests of the hand-written backward passes (issue 3, "Gradients").

Vector-Jacobian dot tests (HIPS/autograd's ``test_util``): for random directions u
(parameters) and w (outputs), the central difference ``<w, (f(x + eps u) - f(x - eps u)) / 2 eps>``
must equal ``<vjp(w), u>``. Done for drawn architectures (plain/ResNet, ReLU/tanh, depth
1-5, widths 1-8, d 1-3, with and without output bias, 1-3 outputs, five initializers,
with and without an input map) on

* the basis backward ``Network.basis_backward``;
* the full loss gradient (hidden + head) exactly as ``train_gd`` hands it to Adam;
* the hidden gradient at the LS-optimal head as ``train_lsgd`` hands it to Adam, which
  must equal the gradient of the reduced functional ``J(xi_H, LS(xi_H))`` (variable
  projection, SPEC §4);

and full-Jacobian comparisons on tiny networks. ReLU draws are rejected unless every
pre-activation at the test points is at least 1e-4 away from the kink and the
perturbed networks have the same activation pattern.
"""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from adaptive_basis.lstsq import solve_ls
from _verification_helpers import (KINK, SEEDS, activation_pattern, all_params, axpy, dot, flat, loss_J,
                                   make_network, make_regression, min_abs_preactivation, network_specs,
                                   sample_inputs, set_all_params, trainer_gradient, unflat)

EPS = 1e-6
HYP = settings(max_examples=40)


def assert_directional_derivative(fd, analytic, scale, what):
    """Central difference and analytic directional derivative agree (rtol 1e-6, atol 1e-8 * scale)."""
    err = abs(fd - analytic)
    tol = 1e-6 * (abs(fd) + abs(analytic)) + 1e-8 * scale
    assert err <= tol, f"{what}: finite difference {fd!r} vs analytic {analytic!r} (error {err:.3e} > {tol:.3e})"


def same_kinks(net, X, arrays_list):
    """True when every parameter set in ``arrays_list`` gives the network's activation pattern at ``X``."""
    if net.activation.name != "relu":
        return True
    probe = net.copy()
    ref = activation_pattern(net, X)
    for arrays in arrays_list:
        set_all_params(probe, arrays)
        if any(not np.array_equal(a, b) for a, b in zip(ref, activation_pattern(probe, X))):
            return False
    return True


def away_from_kinks(net, X):
    return net.activation.name != "relu" or min_abs_preactivation(net, X) > KINK


# ---------------------------------------------------------------- basis backward (VJP)
@HYP
@given(spec=network_specs(), n_points=st.integers(1, 8), seed=SEEDS)
def test_basis_backward_passes_the_vector_jacobian_dot_test(spec, n_points, seed):
    net = make_network(spec)
    rng = np.random.default_rng(seed)
    X = sample_inputs(net, n_points, rng)
    assume(away_from_kinks(net, X))
    Phi, cache = net.basis_forward(X)
    w = rng.standard_normal(Phi.shape)
    u = [rng.standard_normal(a.shape) for a in net.xi_H]
    theta = [a.copy() for a in net.xi_H]
    plus, minus = axpy(EPS, u, theta), axpy(-EPS, u, theta)
    head = net.xi_L
    assume(same_kinks(net, X, [plus + [head], minus + [head]]))

    analytic = dot(net.basis_backward(w, cache), u)
    probe = net.copy()
    probe.xi_H = plus
    f_plus = np.sum(w * probe.basis(X))
    probe.xi_H = minus
    f_minus = np.sum(w * probe.basis(X))
    fd = (f_plus - f_minus) / (2 * EPS)
    assert_directional_derivative(fd, analytic, np.sum(np.abs(w * Phi)) + 1.0, f"basis VJP of {net!r}")


@HYP
@given(spec=network_specs(), n_points=st.integers(1, 8), seed=SEEDS)
def test_basis_backward_ignores_the_constant_output_bias_column(spec, n_points, seed):
    net = make_network(dict(spec, output_bias=True))
    rng = np.random.default_rng(seed)
    X = sample_inputs(net, n_points, rng)
    Phi, cache = net.basis_forward(X)
    assert np.array_equal(Phi[:, -1], np.ones(n_points))
    dPhi = np.zeros_like(Phi)
    dPhi[:, -1] = rng.standard_normal(n_points)
    assert all(not np.any(g) for g in net.basis_backward(dPhi, cache))


# ------------------------------------------------- the loss gradients the trainers use
@HYP
@given(spec=network_specs(), n_points=st.integers(1, 8), seed=SEEDS)
def test_train_gd_gradient_of_J_in_hidden_and_head_passes_the_dot_test(spec, n_points, seed):
    net = make_network(spec)
    problem = make_regression(net, n_points, seed)
    rng = np.random.default_rng(seed + 1)
    assume(away_from_kinks(net, problem.X))
    theta = all_params(net)
    u = [rng.standard_normal(a.shape) for a in theta]
    plus, minus = axpy(EPS, u, theta), axpy(-EPS, u, theta)
    assume(same_kinks(net, problem.X, [plus, minus]))

    J0 = loss_J(problem, net)
    grads = trainer_gradient("gd", net, problem)
    assert [g.shape for g in grads] == [a.shape for a in theta]
    assert all(np.array_equal(a, b) for a, b in zip(all_params(net), theta)), "the probe moved the network"

    probe = net.copy()
    set_all_params(probe, plus)
    J_plus = loss_J(problem, probe)
    set_all_params(probe, minus)
    J_minus = loss_J(problem, probe)
    fd = (J_plus - J_minus) / (2 * EPS)
    assert_directional_derivative(fd, dot(grads, u), J0 + 1.0, f"dJ of {net!r}")


@settings(max_examples=30)
@given(spec=network_specs(activations=("tanh",), max_depth=3, max_width=5, max_out=2), extra=st.integers(3, 10),
       seed=SEEDS)
def test_lsgd_hidden_gradient_equals_gradient_of_the_reduced_functional(spec, extra, seed):
    """Variable projection (SPEC §4, Golub-Pereyra): at xi_L = LS(xi_H), dJ/dxi_H = dF/dxi_H with
    F(xi_H) = min_xi J(xi_H, xi), in the full-rank case."""
    net = make_network(spec)
    problem = make_regression(net, net.n_basis + extra, seed)
    A, _, _ = problem.system(net)
    s = np.linalg.svd(A, compute_uv=False)
    assume(s[-1] > 1e-6 * s[0])  # full rank, well enough conditioned for a finite difference of LS
    grads = trainer_gradient("lsgd", net, problem)  # leaves the LS-optimal head in net
    assert len(grads) == len(net.xi_H)

    def reduced(xi_H):
        probe = net.copy()
        probe.xi_H = xi_H
        A, rhs, _ = problem.system(probe)
        xi = solve_ls(A, rhs).xi
        R = A @ xi - rhs
        return float(np.sum(R * R))

    rng = np.random.default_rng(seed + 2)
    theta = [a.copy() for a in net.xi_H]
    u = [rng.standard_normal(a.shape) for a in theta]
    def central(h):
        return (reduced(axpy(h, u, theta)) - reduced(axpy(-h, u, theta))) / (2 * h)

    # Richardson extrapolation: the reduced functional can be strongly curved (large LS heads),
    # so a plain central difference needs a tiny step; this removes the O(h^2) error instead.
    h = 1e-6
    fd = (4 * central(h / 2) - central(h)) / 3
    scale = float(np.sum(problem.weight ** 2 * problem.Y ** 2)) + 1.0
    err, tol = abs(fd - dot(grads, u)), 1e-5 * (abs(fd) + abs(dot(grads, u))) + 1e-8 * scale
    assert err <= tol, f"reduced-functional derivative {fd!r} vs LSGD gradient {dot(grads, u)!r} for {net!r}"


# ---------------------------------------------------------------- full Jacobians, tiny
def jacobian_of_basis_by_backward(net, X):
    Phi, cache = net.basis_forward(X)
    rows = []
    for idx in np.ndindex(Phi.shape):
        e = np.zeros_like(Phi)
        e[idx] = 1.0
        rows.append(flat(net.basis_backward(e, cache)))
    return Phi, np.array(rows)  # (N * n_basis, P)


def jacobian_of_basis_by_differences(net, X, h=EPS):
    theta = flat(net.xi_H)
    like = [a.copy() for a in net.xi_H]
    probe = net.copy()
    cols = []
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = h
        probe.xi_H = unflat(theta + e, like)
        f_plus = probe.basis(X).ravel()
        probe.xi_H = unflat(theta - e, like)
        cols.append((f_plus - probe.basis(X).ravel()) / (2 * h))
    return np.array(cols).T


@settings(max_examples=30)
@given(spec=network_specs(max_depth=2, max_width=3, max_d=2, max_out=2), n_points=st.integers(1, 3), seed=SEEDS)
def test_full_jacobian_of_the_basis_matches_central_differences_on_tiny_networks(spec, n_points, seed):
    net = make_network(spec)
    X = sample_inputs(net, n_points, np.random.default_rng(seed))
    assume(away_from_kinks(net, X))
    Phi, J_bwd = jacobian_of_basis_by_backward(net, X)
    J_fd = jacobian_of_basis_by_differences(net, X)
    assert J_bwd.shape == (Phi.size, sum(a.size for a in net.xi_H))
    np.testing.assert_allclose(J_bwd, J_fd, rtol=1e-6, atol=1e-8 * (1.0 + np.abs(Phi).max()),
                               err_msg=f"Jacobian dPhi/dxi_H of {net!r}")
    if net.output_bias:
        assert not np.any(J_bwd.reshape(Phi.shape + (-1,))[:, -1, :]), "the constant column has no parameters"


@settings(max_examples=30)
@given(spec=network_specs(max_depth=2, max_width=3, max_d=2, max_out=2), n_points=st.integers(1, 4), seed=SEEDS)
def test_full_gradient_of_J_matches_central_differences_on_tiny_networks(spec, n_points, seed):
    net = make_network(spec)
    problem = make_regression(net, n_points, seed)
    assume(away_from_kinks(net, problem.X))
    grads = flat(trainer_gradient("gd", net, problem))
    theta = all_params(net)
    vec = flat(theta)
    probe = net.copy()
    fd = np.empty_like(vec)
    for j in range(vec.size):
        e = np.zeros_like(vec)
        e[j] = EPS
        set_all_params(probe, unflat(vec + e, theta))
        J_plus = loss_J(problem, probe)
        set_all_params(probe, unflat(vec - e, theta))
        fd[j] = (J_plus - loss_J(problem, probe)) / (2 * EPS)
    np.testing.assert_allclose(grads, fd, rtol=1e-6, atol=1e-8 * (1.0 + loss_J(problem, net)),
                               err_msg=f"dJ/d(xi_H, xi_L) of {net!r}")
