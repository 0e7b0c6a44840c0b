"""The trainers' internal fast path (flat parameters, reused arrays, direct LAPACK calls)
computes exactly what the public methods compute: same numbers, bit for bit."""

import numpy as np
import pytest

from adaptive_basis import Adam, Network, Regression, grid_1d, sin2pi, solve_ls, train_gd, train_lsgd
from adaptive_basis.lstsq import DRIVERS, _Solver
from adaptive_basis.train import DivergenceError

CASES = [(arch, act, bias) for arch in ("plain", "resnet") for act in ("relu", "tanh") for bias in (False, True)]


def _problem(n=40):
    X = grid_1d(n)
    return Regression(X, np.hstack([sin2pi(X), X ** 2]))


def _net(arch, act, bias, rng=3):
    widths = [7, 5, 6] if arch == "plain" else [6, 6, 6]
    return Network(1, widths, 2, activation=act, arch=arch, init="he_uniform", rng=rng, output_bias=bias)


def _public_gd(net, problem, steps, lr):
    """Algorithm of train_gd written with the public methods only."""
    opt, losses = Adam(lr), []
    for t in range(steps + 1):
        A, rhs, cache = problem.system(net)
        R = A @ net.xi_L - rhs
        losses.append(float(np.sum(R * R)))
        if t == steps:
            return losses
        grads = problem.system_backward(net, cache, 2.0 * R @ net.xi_L.T) + [2.0 * A.T @ R]
        new = opt.step(net.xi_H + [net.xi_L], grads)
        net.xi_H, net.xi_L = new[:-1], new[-1]


def _public_lsgd(net, problem, steps, lr, driver="gelsd"):
    """Algorithm 1 written with the public methods only."""
    opt, losses = Adam(lr), []
    A, rhs, cache = problem.system(net)
    net.set_head(solve_ls(A, rhs, driver=driver).xi)
    for t in range(steps + 1):
        R = A @ net.xi_L - rhs
        losses.append(float(np.sum(R * R)))
        if t == steps:
            return losses
        net.xi_H = opt.step(net.xi_H, problem.system_backward(net, cache, 2.0 * R @ net.xi_L.T))
        A, rhs, cache = problem.system(net)
        net.set_head(solve_ls(A, rhs, driver=driver).xi)


@pytest.mark.parametrize("arch,act,bias", CASES)
def test_train_gd_matches_the_public_methods_bit_for_bit(arch, act, bias):
    problem = _problem()
    net, ref = _net(arch, act, bias), _net(arch, act, bias)
    hist = train_gd(net, problem, 12, 1e-2)
    losses = _public_gd(ref, problem, 12, 1e-2)
    assert hist.loss.tolist() == losses
    for a, b in zip(net.xi_H + [net.xi_L], ref.xi_H + [ref.xi_L]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("arch,act,bias", CASES)
def test_train_lsgd_matches_the_public_methods_bit_for_bit(arch, act, bias, driver):
    problem = _problem()
    net, ref = _net(arch, act, bias), _net(arch, act, bias)
    hist = train_lsgd(net, problem, 8, 1e-2, driver=driver)
    losses = _public_lsgd(ref, problem, 8, 1e-2, driver=driver)
    assert hist.loss.tolist() == losses
    for a, b in zip(net.xi_H + [net.xi_L], ref.xi_H + [ref.xi_L]):
        np.testing.assert_array_equal(a, b)


def test_trained_network_owns_independent_arrays():
    """During a run the parameters are views of one flat vector; afterwards they are not."""
    net = _net("plain", "relu", False)
    train_gd(net, _problem(), 2, 1e-3)
    arrays = net.xi_H + [net.xi_L]
    assert all(a.base is None and a.flags.c_contiguous for a in arrays)
    for i, a in enumerate(arrays):
        for b in arrays[i + 1:]:
            assert not np.shares_memory(a, b)


def test_divergence_leaves_the_last_finite_parameters_in_the_network():
    X = grid_1d(16)
    net = Network(1, [4], activation="tanh", init="glorot_normal", rng=0)
    with pytest.raises(DivergenceError, match="iteration"):
        train_gd(net, Regression(X, 1e200 * sin2pi(X)), 5, 1e300)
    assert all(np.all(np.isfinite(a)) for a in net.xi_H + [net.xi_L])


def test_flat_adam_step_equals_the_list_step_bit_for_bit():
    rng = np.random.default_rng(0)
    shapes = [(3, 2), (3,), (4, 3), (4,), (4, 1)]
    params = [rng.standard_normal(s) for s in shapes]
    a_list, a_flat = Adam(3e-3), Adam(3e-3)
    theta = np.concatenate([p.ravel() for p in params])
    out = np.empty_like(theta)
    for _ in range(5):
        grads = [rng.standard_normal(s) for s in shapes]
        params = a_list.step(params, grads)
        theta = a_flat._step_flat(theta, np.concatenate([g.ravel() for g in grads]), out).copy()
        np.testing.assert_array_equal(theta, np.concatenate([p.ravel() for p in params]))


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("shape", [(30, 5), (5, 9), (12, 12)])
@pytest.mark.parametrize("ridge", [0.0, 0.25])
def test_repeated_solver_equals_solve_ls_bit_for_bit(driver, shape, ridge):
    rng = np.random.default_rng(1)
    A, b = rng.standard_normal(shape), rng.standard_normal((shape[0], 2))
    A[:, 1] = 0.0  # a dead neuron: rank-deficient
    solver = _Solver(driver, ridge, "auto")
    for _ in range(2):  # the second call reuses the cached workspace size
        fast, ref = solver(A, b), solve_ls(A, b, driver=driver, ridge=ridge)
        np.testing.assert_array_equal(fast.xi, ref.xi)
        assert (fast.rank, fast.driver) == (ref.rank, ref.driver)
        if ref.singular_values is None:
            assert fast.singular_values is None
        else:
            np.testing.assert_array_equal(fast.singular_values, ref.singular_values)


@pytest.mark.parametrize("arch,act,bias", CASES)
def test_forward_backward_with_reused_arrays_equal_the_public_methods(arch, act, bias):
    net = _net(arch, act, bias)
    X = grid_1d(25)
    rng = np.random.default_rng(2)
    Phi, cache = net.basis_forward(X)
    G = rng.standard_normal(Phi.shape)
    grads = net.basis_backward(G, cache)
    scratch = {}
    for _ in range(2):  # the second pass runs in the arrays of the first
        Phi2, cache2 = net._basis_forward(net.input_map(X), scratch)
        out = [np.empty_like(a) for a in net.xi_H]
        net._basis_backward(G.copy(), cache2, out, scratch)
        np.testing.assert_array_equal(Phi2, Phi)
        for g, o in zip(grads, out):
            np.testing.assert_array_equal(g, o)


def test_changing_the_returned_basis_in_place_does_not_change_the_gradient():
    net = Network(1, [5, 4], activation="tanh", init="box", rng=0)
    X = grid_1d(11)
    G = np.random.default_rng(0).standard_normal((11, 4))
    Phi, cache = net.basis_forward(X)
    before = net.basis_backward(G, cache)
    Phi *= 3.0
    for a, b in zip(before, net.basis_backward(G, cache)):
        np.testing.assert_array_equal(a, b)
