"""Physics-informed problems (paper eq. 19, Sec. 5.3) and their training with LSGD / GD."""

import numpy as np
import pytest

from adaptive_basis.lstsq import solve_ls
from adaptive_basis.network import Network
from adaptive_basis.operators import apply_operator, derivative, identity, laplacian
from adaptive_basis.pde import (PDEProblem, Poisson, Term, Transport, poisson_exact_1d, poisson_exact_2d,
                                poisson_source_1d, poisson_source_2d, tent, unit_grid_2d)
from adaptive_basis.train import train_gd, train_lsgd


def tanh_net(d_in, widths=(6, 6), arch="resnet", seed=0, output_bias=False):
    net = Network(d_in, list(widths), activation="tanh", arch=arch, init="box", rng=seed, output_bias=output_bias)
    rng = np.random.default_rng(seed + 7)
    net.xi_H = [p + 0.2 * rng.standard_normal(p.shape) for p in net.xi_H]
    return net


def reduced_loss(problem, net):
    A, rhs, _ = problem.system(net)
    R = A @ net.xi_L - rhs
    return float(np.sum(R * R))


def hidden_gradient(problem, net):
    A, rhs, cache = problem.system(net)
    R = A @ net.xi_L - rhs
    return problem.system_backward(net, cache, 2.0 * R @ net.xi_L.T)


def vjp_dot_test(problem, net, seed=0, eps=1e-6, rtol=1e-6):
    rng = np.random.default_rng(seed)
    grads = hidden_gradient(problem, net)
    U = [rng.standard_normal(p.shape) for p in net.xi_H]
    P0 = [p.copy() for p in net.xi_H]
    vals = []
    for s in (1, -1):
        net.xi_H = [p + s * eps * u for p, u in zip(P0, U)]
        vals.append(reduced_loss(problem, net))
    net.xi_H = P0
    lhs = sum(np.sum(g * u) for g, u in zip(grads, U))
    np.testing.assert_allclose(lhs, (vals[0] - vals[1]) / (2 * eps), rtol=rtol)


PROBLEMS = {
    "transport a=1": lambda: Transport(1.0, n=9),
    "transport a=x": lambda: Transport("x", n=9, eps_pde=0.3),
    "poisson 1d": lambda: Poisson(1, n=12),
    "poisson 2d": lambda: Poisson(2, n=6),
}


@pytest.mark.parametrize("name", list(PROBLEMS))
@pytest.mark.parametrize("arch", ["plain", "resnet"])
def test_pde_loss_gradient_in_hidden_parameters_passes_the_vector_jacobian_dot_test(name, arch):
    problem = PROBLEMS[name]()
    net = tanh_net(problem.d_in, arch=arch, output_bias=True)
    net.set_head(np.random.default_rng(1).standard_normal(net.xi_L.shape))
    vjp_dot_test(problem, net)


def test_relu_transport_loss_gradient_passes_the_vector_jacobian_dot_test():
    problem = Transport("x", n=9)
    net = Network(2, [8, 8], activation="relu", arch="resnet", init="box", rng=3)
    net.set_head(np.random.default_rng(1).standard_normal(net.xi_L.shape))
    vjp_dot_test(problem, net)


def test_gradient_at_the_ls_head_is_the_gradient_of_the_reduced_functional():
    # Variable projection: with xi_L = LS(xi_H), dJ/dxi_H at fixed xi_L = d/dxi_H J(xi_H, LS(xi_H)).
    problem = Poisson(1, n=12)
    net = tanh_net(1, widths=(5, 5))

    def projected(n):
        A, rhs, _ = problem.system(n)
        n.set_head(solve_ls(A, rhs).xi)
        return reduced_loss(problem, n)

    projected(net)
    grads = hidden_gradient(problem, net)
    rng = np.random.default_rng(2)
    U = [rng.standard_normal(p.shape) for p in net.xi_H]
    P0, eps, vals = [p.copy() for p in net.xi_H], 1e-6, []
    for s in (1, -1):
        net.xi_H = [p + s * eps * u for p, u in zip(P0, U)]
        vals.append(projected(net))
    np.testing.assert_allclose(sum(np.sum(g * u) for g, u in zip(grads, U)), (vals[0] - vals[1]) / (2 * eps),
                               rtol=1e-5)


def test_stacked_system_reproduces_the_weighted_sum_of_term_losses():
    eps = {"pde": 0.7, "initial": 2.0, "inflow": 0.5}
    problem = Transport("x", n=7, eps_pde=eps["pde"], eps_ic=eps["initial"], eps_bc=eps["inflow"])
    net = tanh_net(2, output_bias=True)
    A, rhs, _ = problem.system(net)
    assert A.shape == (49 + 7 + 7, net.n_basis) and rhs.shape == (63, 1)
    R = A @ net.xi_L - rhs
    X = unit_grid_2d(7)
    s = np.linspace(0, 1, 7)
    u_t_plus_x_u_x = apply_operator(net, derivative(1) + (lambda Y: Y[:, 0]) * derivative(0), X)
    direct = {
        "pde": eps["pde"] * np.mean(u_t_plus_x_u_x ** 2),
        "initial": eps["initial"] * np.mean((net.predict(np.column_stack([s, 0 * s]))[:, 0] - tent(s)) ** 2),
        "inflow": eps["inflow"] * np.mean(net.predict(np.column_stack([0 * s, s])) ** 2),
    }
    for name, sl in problem.terms:
        np.testing.assert_allclose(np.sum(R[sl] ** 2), direct[name], rtol=1e-12, err_msg=name)
    res = problem.residuals(net)
    np.testing.assert_allclose(res["pde"], u_t_plus_x_u_x, rtol=1e-12, atol=1e-14)


def test_history_reports_each_term_and_the_error_against_the_exact_solution():
    problem = Poisson(2, n=5)
    for train, lr in ((train_lsgd, 1e-2), (train_gd, 1e-3)):
        net = tanh_net(2, widths=(4,))
        hist = train(net, problem, 3, lr, record_every=1)
        assert set(hist.terms) == {"pde", "boundary"}
        np.testing.assert_allclose(hist.terms["pde"] + hist.terms["boundary"], hist.loss, rtol=1e-12)
        assert hist.errors["rel_l2"].shape == (4,)
        u = poisson_exact_2d(problem.X_eval)
        rel = np.linalg.norm(net.predict(problem.X_eval)[:, 0] - u) / np.linalg.norm(u)
        assert hist.errors["rel_l2"][-1] == pytest.approx(rel, rel=1e-12)


def test_transport_exact_solutions_satisfy_the_equation_and_the_data():
    rng = np.random.default_rng(0)
    X = rng.random((2000, 2))
    h = 1e-6
    ex, et = np.array([h, 0.0]), np.array([0.0, h])
    for velocity, a in ((1.0, lambda Y: np.ones(len(Y))), ("x", lambda Y: Y[:, 0])):
        u = Transport(velocity, n=5).exact_fn
        # away from the tent's three kinks the central differences are exact up to rounding
        s = X[:, 0] - X[:, 1] if velocity == 1.0 else X[:, 0] * np.exp(-X[:, 1])
        ok = np.min(np.abs(s[:, None] - np.array([0.125, 0.25, 0.375])), axis=1) > 1e-4
        res = (u(X + et) - u(X - et)) / (2 * h) + a(X) * (u(X + ex) - u(X - ex)) / (2 * h)
        assert np.abs(res[ok]).max() < 1e-6, velocity
        s = np.linspace(0, 1, 50)
        np.testing.assert_allclose(u(np.column_stack([s, 0 * s])), tent(s), atol=0)
        np.testing.assert_allclose(u(np.column_stack([0 * s, s])), 0.0, atol=0)
    assert tent(0.25) == 1.0 and tent(0.125) == 0.0 and tent(0.375) == 0.0


@pytest.mark.parametrize("dim", [1, 2])
def test_poisson_manufactured_solution_satisfies_the_equation(dim):
    rng = np.random.default_rng(1)
    X = rng.random((200, dim))
    exact, f = (poisson_exact_1d, poisson_source_1d) if dim == 1 else (poisson_exact_2d, poisson_source_2d)
    h, lap = 1e-3, 0.0
    for j in range(dim):
        e = np.zeros(dim)
        e[j] = h
        lap = lap + (-exact(X + 2 * e) + 16 * exact(X + e) - 30 * exact(X) + 16 * exact(X - e)
                     - exact(X - 2 * e)) / (12 * h * h)
    np.testing.assert_allclose(-lap, f(X), rtol=1e-6, atol=1e-5)
    problem = Poisson(dim, n=5)
    (_, slb), = [t for t in problem.terms if t[0] == "boundary"]
    n_boundary = slb.stop - slb.start
    assert n_boundary == (2 if dim == 1 else 16)


def test_poisson_refuses_a_relu_network():
    problem = Poisson(1, n=8)
    net = Network(1, [4], activation="relu", init="box", rng=0)
    with pytest.raises(ValueError, match="Dirac"):
        problem.system(net)


def test_general_problem_with_n_out_two_fits_two_solutions_with_one_basis():
    X = np.linspace(0, 1, 9)[:, None]
    g = np.column_stack([np.cos(X[:, 0]), 2.0 * np.ones(9)])  # u' = g, u(0) = 0
    problem = PDEProblem([Term("ode", derivative(0), X, g), Term("bc", identity(), np.zeros((1, 1)), 0.0, 3.0)],
                         exact=lambda Y: np.column_stack([np.sin(Y[:, 0]), 2 * Y[:, 0]]), n_out=2)
    net = Network(1, [5], n_out=2, activation="tanh", init="box", rng=0)
    A, rhs, _ = problem.system(net)
    assert A.shape == (10, 5) and rhs.shape == (10, 2)
    np.testing.assert_allclose(rhs[9], 0.0)
    hist = train_lsgd(net, problem, 2, 1e-2)
    assert np.isfinite(hist.final_loss) and set(hist.errors) >= {"rel_l2", "rms"}


def test_lsgd_drives_transport_a1_loss_to_round_off_on_a_coarse_grid_and_gd_does_not():
    # Box ResNet ReLU, width 32, depth 1, lr 5e-3 (paper Fig. 12) on a 21 x 21 grid.
    problem = Transport(1.0, n=21)
    steps = 700
    net = Network(2, [32], activation="relu", arch="resnet", init="box", rng=0)
    lsgd = train_lsgd(net, problem, steps, 5e-3)
    assert lsgd.loss.min() < 1e-20
    assert net.xi_L.shape == (32, 1)
    gd = train_gd(Network(2, [32], activation="relu", arch="resnet", init="box", rng=0), problem, steps, 5e-3)
    assert gd.loss.min() > 1e-10


@pytest.mark.slow
def test_lsgd_drives_transport_a1_loss_to_round_off_on_the_paper_grid():
    problem = Transport(1.0, n=101)
    net = Network(2, [32], activation="relu", arch="resnet", init="box", rng=0)
    hist = train_lsgd(net, problem, 1000, 5e-3, record_every=1000)
    first = int(np.argmax(hist.loss < 1e-20))
    assert hist.loss.min() < 1e-20 and 0 < first <= 1000
    assert hist.errors["rel_l2"][-1] < 1e-8


def test_bad_problem_inputs_are_refused():
    with pytest.raises(ValueError, match="velocity"):
        Transport("y")
    with pytest.raises(ValueError, match="velocity"):
        Transport(-1.0)
    with pytest.raises(ValueError, match="dim"):
        Poisson(3)
    with pytest.raises(ValueError, match="n must"):
        Transport(1.0, n=1)
    X = np.zeros((4, 1))
    with pytest.raises(ValueError, match="distinct"):
        PDEProblem([Term("a", identity(), X), Term("a", identity(), X)])
    with pytest.raises(ValueError, match="data g"):
        PDEProblem([Term("a", identity(), X, np.zeros(3))])
    with pytest.raises(ValueError, match="dimension"):
        PDEProblem([Term("a", identity(), X), Term("b", identity(), np.zeros((2, 2)))])
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        PDEProblem([Term("a", derivative(1), X)])
    with pytest.raises(TypeError, match="Operator"):
        PDEProblem([Term("a", "d/dx", X)])
    with pytest.raises(ValueError, match="eps"):
        PDEProblem([Term("a", identity(), X, 0.0, -1.0)])
    with pytest.raises(ValueError, match="d_in"):
        Transport(1.0, n=5).system(Network(1, [3], init="box", rng=0))
    with pytest.raises(ValueError, match="at least one"):
        PDEProblem([])
    with pytest.raises(ValueError, match="ReLU|relu"):
        PDEProblem([Term("lap", -laplacian(1), X)]).system(Network(1, [3], init="box", rng=0))
