"""Property tests of the least-squares solve of the head (issue 3, "Least squares").

In the manner of SciPy's ``TestLstsq``: every LAPACK driver, tolerances in units of
machine epsilon, every failure labelled with its case, and the optimality condition
``A^T (A xi - b) = 0`` rather than a known answer.
"""

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from adaptive_basis import Network, Regression, train_lsgd
from adaptive_basis.lstsq import DRIVERS, solve_ls
from _verification_helpers import SEEDS, loss_J, make_network, make_regression, network_specs

EPS = np.finfo(np.float64).eps
HYP = settings(max_examples=40)


def system_from_seed(seed, M, n, k, kind):
    """A least-squares system ``(A, b)`` of the drawn ``kind``, built from ``seed``."""
    rng = np.random.default_rng(seed)
    r = min(M, n)
    U, _ = np.linalg.qr(rng.standard_normal((M, r)))
    V, _ = np.linalg.qr(rng.standard_normal((n, r)))
    if kind == "well":
        s = rng.uniform(0.1, 1.0, r)
    elif kind == "ill":
        s = 10.0 ** rng.uniform(-9, 0, r)
    else:
        s = rng.uniform(0.1, 1.0, r)
    A = (U * s) @ V.T * 10.0 ** rng.uniform(-3, 3)
    if kind == "dead" and n > 1:  # dead neurons: whole zero columns of the basis
        A[:, rng.choice(n, size=rng.integers(1, n), replace=False)] = 0.0
    if kind == "duplicate" and n > 1:  # two identical basis functions
        A[:, 1] = A[:, 0]
    b = rng.standard_normal((M, k)) * 10.0 ** rng.uniform(-3, 3)
    return A, b


@HYP
@given(seed=SEEDS, M=st.integers(1, 20), n=st.integers(1, 8), k=st.integers(1, 3),
       kind=st.sampled_from(["well", "ill", "dead", "duplicate"]))
def test_ls_solution_satisfies_the_normal_equations_for_every_driver(seed, M, n, k, kind):
    A, b = system_from_seed(seed, M, n, k, kind)
    norm_A = np.linalg.norm(A, 2)
    for driver in DRIVERS:
        res = solve_ls(A, b, driver=driver)
        assert res.driver == driver and res.fallbacks == []
        assert res.xi.shape == (n, k)
        gradient = A.T @ (A @ res.xi - b)
        # backward stability of the solver: |A^T r| <= c eps |A| (|A| |xi| + |b|), c ~ max(M, n)
        tol = 50 * max(M, n) * EPS * norm_A * (norm_A * np.linalg.norm(res.xi) + np.linalg.norm(b))
        assert np.linalg.norm(gradient) <= tol, (
            f"driver={driver}, kind={kind}, M={M}, n={n}, k={k}: |A^T(A xi - b)| = "
            f"{np.linalg.norm(gradient):.3e} > {tol:.3e} = {tol / (EPS * norm_A ** 2 * (np.linalg.norm(res.xi) + 1e-300)):.0f} eps")


@HYP
@given(spec=network_specs(), n_points=st.integers(1, 12), seed=SEEDS, move=st.sampled_from([0.0, 1e-3, 0.1]))
def test_ls_step_never_increases_J(spec, n_points, seed, move):
    """Whatever head the network holds (its random initial head, or the LS head of slightly different
    hidden parameters as after an Adam step of LSGD), the LS solve does not increase J."""
    net = make_network(spec)
    problem = make_regression(net, n_points, seed)
    rng = np.random.default_rng(seed + 3)
    A, rhs, _ = problem.system(net)
    net.set_head(solve_ls(A, rhs).xi if move else net.xi_L)
    net.xi_H = [a + move * rng.standard_normal(a.shape) for a in net.xi_H]  # the "Adam step"
    J_before = loss_J(problem, net)
    A, rhs, _ = problem.system(net)
    for driver in DRIVERS:
        net.set_head(solve_ls(A, rhs, driver=driver).xi)
        J_after = loss_J(problem, net)
        tol = 1e3 * n_points * EPS * (J_before + np.sum(rhs * rhs))
        assert J_after <= J_before + tol, f"driver={driver}: J went up from {J_before!r} to {J_after!r}"


def dead_network(spec, n_dead, seed):
    """A plain ReLU network whose last layer has ``n_dead`` neurons that are zero on the whole domain."""
    net = make_network(spec)
    rng = np.random.default_rng(seed)
    dead = np.sort(rng.choice(net.widths[-1], size=n_dead, replace=False))
    net.W[-1][dead] = 0.0
    net.b[-1][dead] = -1.0
    return net, dead


@settings(max_examples=25)
@given(spec=network_specs(archs=("plain",), activations=("relu",), max_depth=3, max_width=6, domains=False),
       n_points=st.integers(2, 20), seed=SEEDS, data=st.data())
def test_dead_neurons_give_the_minimum_norm_head_and_training_continues(spec, n_points, seed, data):
    n_dead = data.draw(st.integers(1, spec["widths"][-1]), label="n_dead")
    net, dead = dead_network(spec, n_dead, seed)
    problem = make_regression(net, n_points, seed)
    A, rhs, _ = problem.system(net)
    assert not np.any(A[:, dead]), "dead neurons must give zero columns"
    pinv_xi = np.linalg.pinv(A, rcond=max(A.shape) * EPS) @ rhs
    scale = np.linalg.norm(pinv_xi) + np.linalg.norm(rhs)
    for driver in DRIVERS:
        res = solve_ls(A, rhs, driver=driver)
        assert res.rank <= A.shape[1] - n_dead, f"driver={driver}"
        assert np.abs(res.xi[dead]).max() <= 1e-12 * scale, f"driver={driver}: dead neurons got weight"
        if driver != "gelsy":  # gelsy's rank decision differs from the SVD drivers' near the threshold
            np.testing.assert_allclose(res.xi, pinv_xi, rtol=1e-7, atol=1e-9 * scale,
                                       err_msg=f"driver={driver}: not the minimum-norm solution")

    W_dead = net.W[-1][dead].copy()
    hist = train_lsgd(net, problem, steps=4, lr=1e-3, record_every=1)
    assert len(hist.loss) == 5 and np.all(np.isfinite(hist.loss))
    assert np.all(hist.rank <= net.n_basis - n_dead)
    assert np.array_equal(net.W[-1][dead], W_dead), "a dead neuron has zero gradient and must not move"
    assert np.abs(net.xi_L[dead]).max() <= 1e-12 * (np.linalg.norm(net.xi_L) + 1.0)


# ----------------------------------------------------------------- LAPACK failures
def failing_lstsq(fail):
    """A stand-in for scipy.linalg.lstsq whose drivers in ``fail`` raise LinAlgError."""
    real = scipy.linalg.lstsq

    def fake(*args, lapack_driver=None, **kwargs):
        if lapack_driver in fail:
            raise np.linalg.LinAlgError(f"SVD did not converge (simulated failure of {lapack_driver})")
        return real(*args, lapack_driver=lapack_driver, **kwargs)
    return fake


@pytest.mark.parametrize("driver", DRIVERS)
def test_lapack_failure_of_one_driver_falls_back_to_the_next_and_is_recorded(monkeypatch, driver):
    A, b = system_from_seed(5, 12, 4, 2, "well")
    expected_next = [d for d in DRIVERS if d != driver][0]
    monkeypatch.setattr(scipy.linalg, "lstsq", failing_lstsq({driver}))
    res = solve_ls(A, b, driver=driver)
    assert res.driver == expected_next
    assert [d for d, _ in res.fallbacks] == [driver] and "simulated failure" in res.fallbacks[0][1]
    np.testing.assert_allclose(A.T @ (A @ res.xi - b), 0.0, atol=1e3 * EPS * np.linalg.norm(b),
                               err_msg=f"fallback from {driver}")


def test_lapack_failure_during_lsgd_is_recorded_in_history_with_its_iteration(monkeypatch):
    net = Network(1, [5, 5], activation="tanh", init="he_uniform", rng=0)
    problem = Regression(np.linspace(0, 1, 16)[:, None], np.sin(2 * np.pi * np.linspace(0, 1, 16)))
    reference = net.copy()
    hist_ref = train_lsgd(reference, problem, steps=3, lr=1e-2, driver="gelss")
    monkeypatch.setattr(scipy.linalg, "lstsq", failing_lstsq({"gelsd"}))
    hist = train_lsgd(net, problem, steps=3, lr=1e-2)
    assert [(t, d) for t, d, _ in hist.ls_fallbacks] == [(0, "gelsd"), (1, "gelsd"), (2, "gelsd"), (3, "gelsd")]
    assert all("simulated failure" in msg for _, _, msg in hist.ls_fallbacks)
    assert hist_ref.ls_fallbacks == []
    np.testing.assert_array_equal(hist.loss, hist_ref.loss)  # gelss took over exactly


def test_lapack_failure_of_every_driver_raises_linalgerror_listing_them(monkeypatch):
    monkeypatch.setattr(scipy.linalg, "lstsq", failing_lstsq(set(DRIVERS)))
    with pytest.raises(np.linalg.LinAlgError, match="gelsd.*gelss.*gelsy"):
        solve_ls(np.eye(3), np.ones((3, 1)))
