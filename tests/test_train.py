"""Trainers (SPEC §4): LS optimality, Algorithm 1's structure, GD baseline, History, errors."""

import numpy as np
import pytest

from adaptive_basis import DivergenceError, Network, Regression, grid_1d, sin2pi, solve_ls, train_gd, train_lsgd
from adaptive_basis.lstsq import DRIVERS

EPS = np.finfo(np.float64).eps


@pytest.mark.parametrize("driver", DRIVERS)
def test_ls_solution_satisfies_normal_equations(driver):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((40, 7))
    b = rng.standard_normal((40, 2))
    res = solve_ls(A, b, driver=driver)
    g = A.T @ (A @ res.xi - b)
    # the normal-equation residual is round-off relative to |A|^2 |xi| + |A| |b|
    scale = np.linalg.norm(A, 2) * (np.linalg.norm(A, 2) * np.linalg.norm(res.xi) + np.linalg.norm(b))
    assert np.linalg.norm(g) <= 100 * EPS * scale, f"driver={driver}"
    assert res.rank == 7 and res.driver == driver


def test_ls_rank_deficient_gives_minimum_norm_solution():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((30, 4))
    A = np.hstack([A, np.zeros((30, 2)), A[:, :1]])  # two dead neurons and a duplicate column
    b = rng.standard_normal((30, 1))
    res = solve_ls(A, b)
    np.testing.assert_allclose(res.xi, np.linalg.pinv(A) @ b, rtol=1e-10, atol=1e-12)
    assert res.rank == 4


def test_ridge_solves_the_tikhonov_normal_equations():
    rng = np.random.default_rng(2)
    A, b, lam = rng.standard_normal((20, 5)), rng.standard_normal((20, 1)), 0.3
    res = solve_ls(A, b, ridge=lam)
    np.testing.assert_allclose((A.T @ A + lam * np.eye(5)) @ res.xi, A.T @ b, rtol=1e-12, atol=1e-12)


def test_lsgd_returns_a_network_that_is_ls_optimal_for_its_final_basis():
    X = grid_1d(64)
    prob = Regression(X, sin2pi(X))
    net = Network(1, [8, 8], activation="tanh", init="box", rng=0)
    hist = train_lsgd(net, prob, 25, 5e-3)
    A, rhs, _ = prob.system(net)
    np.testing.assert_allclose(A.T @ (A @ net.xi_L - rhs), 0.0, atol=1e-12)
    assert hist.loss.shape == (26,) and hist.time.shape == (26,)
    assert hist.final_loss == pytest.approx(float(np.sum((A @ net.xi_L - rhs) ** 2)), rel=1e-12)
    assert hist.final_loss == pytest.approx(float(np.mean((net.predict(X) - sin2pi(X)) ** 2)), rel=1e-10)


def test_lsgd_loss_after_ls_never_exceeds_loss_with_the_previous_head():
    """Each LS solve minimises J over xi_L, so J(xi_H^{t+1}, LS) <= J(xi_H^{t+1}, xi_L^t)."""
    X = grid_1d(64)
    prob = Regression(X, sin2pi(X))
    net = Network(1, [8, 8], activation="relu", arch="resnet", init="box", rng=4)
    for _ in range(10):
        old_head = net.xi_L.copy()
        train_lsgd(net, prob, 1, 5e-3)
        A, rhs, _ = prob.system(net)
        j_new = np.sum((A @ net.xi_L - rhs) ** 2)
        j_old_head = np.sum((A @ old_head - rhs) ** 2)
        assert j_new <= j_old_head * (1 + 1e-12)


def test_lsgd_beats_gd_on_a_tanh_network_in_equal_steps():
    X = grid_1d(128)
    prob = Regression(X, sin2pi(X))
    h_ls = train_lsgd(Network(1, [16] * 3, activation="tanh", init="he_uniform", rng=5), prob, 200, 5e-3)
    h_gd = train_gd(Network(1, [16] * 3, activation="tanh", init="he_uniform", rng=5), prob, 200, 5e-4)
    assert h_ls.final_loss < 1e-3 * h_gd.final_loss
    assert h_gd.final_loss < h_gd.loss[0]  # GD does make progress


def test_gd_updates_hidden_and_head_parameters():
    X = grid_1d(32)
    net = Network(1, [4, 4], activation="tanh", init="glorot_normal", rng=1)
    before = net.get_params()
    train_gd(net, Regression(X, sin2pi(X)), 3, 1e-2)
    after = net.get_params()
    assert not np.array_equal(before["xi_L"], after["xi_L"])
    assert all(not np.array_equal(a, b) for a, b in zip(before["W"], after["W"]))


def test_history_records_errors_rank_and_condition_at_the_interval():
    X = grid_1d(50)
    hist = train_lsgd(Network(1, [6], init="box", rng=0), Regression(X, sin2pi(X)), 10, 1e-3, record_every=4)
    assert hist.record_iter.tolist() == [0, 4, 8, 10]
    assert hist.errors["rel_l2"].shape == (4,) and hist.errors["rms"].shape == (4,)
    assert np.all(hist.rank <= 6) and np.all(hist.cond >= 1)
    rms = np.sqrt(hist.loss[hist.record_iter])  # J is the mean square error on the training points
    np.testing.assert_allclose(hist.errors["rms"], rms, rtol=1e-10)


def test_multi_output_regression_shares_one_basis():
    X = grid_1d(40)
    Y = np.hstack([sin2pi(X), X ** 2])
    net = Network(1, [10], 2, activation="tanh", init="box", rng=2)
    hist = train_lsgd(net, Regression(X, Y), 5, 1e-3)
    assert net.predict(X).shape == (40, 2) and np.isfinite(hist.final_loss)


def test_diverging_run_stops_with_an_error_naming_the_iteration():
    X = grid_1d(16)
    net = Network(1, [4], activation="tanh", init="glorot_normal", rng=0)
    with pytest.raises(DivergenceError, match="iteration"):
        train_gd(net, Regression(X, 1e200 * sin2pi(X)), 5, 1e3)


@pytest.mark.parametrize("lr", [0.0, -1e-3, float("nan"), float("inf")])
def test_learning_rate_must_be_positive_and_finite(lr):
    X = grid_1d(8)
    with pytest.raises(ValueError, match="lr"):
        train_lsgd(Network(1, [2], init="box", rng=0), Regression(X, X), 1, lr)


def test_lr_of_wrong_type_is_a_type_error():
    X = grid_1d(8)
    with pytest.raises(TypeError, match="lr"):
        train_gd(Network(1, [2], init="box", rng=0), Regression(X, X), 1, "fast")


def test_problem_and_network_dimensions_must_agree():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="d_in"):
        train_lsgd(Network(1, [2], init="box", rng=0), Regression(X, np.zeros(4)), 1, 1e-3)
