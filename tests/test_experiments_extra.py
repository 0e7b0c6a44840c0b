"""The experiments of Figs. 7-11, 14 and Table 1: quick profiles, the toy's first steps, hull areas.

Each quick profile runs in this process (``make_pmap(1)``) and its report returns one
row per (case, metric) with the contract of ``_common.row``, a "What we see"
paragraph and existing PNGs.
"""

import math

import numpy as np
import pytest

from adaptive_basis import experiments
from adaptive_basis.diagnostics import unit_grid
from adaptive_basis.experiments import conditioning, toy
from adaptive_basis.experiments._common import make_pmap

ROW_KEYS = {"case", "metric", "value", "paper", "_spread", "_note"}


def _expected_rows(name, cfg):
    """How many rows each experiment's report gives for a configuration."""
    if name == "resnet-depth":
        return len(cfg["depths"]) * 2 * 6
    if name == "conditioning":
        shown = [L for L in cfg["depths"] if L in (1, 8, 32, 128) or L == cfg["depths"][-1]]
        hshown = [L for L in cfg["hull_depths"] if L in (0, 8, 32, 128) or L == cfg["hull_depths"][-1]]
        return len(cfg["widths"]) * 3 * len(shown) * 2 + 2 * 3 * len(hshown) * 2
    if name == "narrow":
        return 2 * 3 * len(cfg["depths"]) * 2
    if name == "convergence":
        return 2 * len(cfg["widths"]) * len(cfg["depths"])
    if name == "multi":
        return 2 * 2 * (1 + 6)
    if name == "toy":
        return 6
    if name == "cost":
        return 2 * len(cfg["widths"]) * len(cfg["depths"]) + 2
    raise AssertionError(name)


@pytest.mark.parametrize("name", ["resnet-depth", "conditioning", "narrow", "convergence", "multi", "toy", "cost"])
def test_quick_profile_runs_and_reports_rows_of_the_right_shape(name, tmp_path):
    mod = experiments.get(name)
    assert set(mod.PROFILES) == {"quick", "default", "full"}
    assert all(mod.PROFILES[p].get("note") for p in mod.PROFILES), "every profile says how it differs"
    cfg = mod.PROFILES["quick"]
    results = mod.run(cfg, 0, make_pmap(1), lambda msg: None)
    rows, body, pngs = mod.report(results, tmp_path)
    assert len(rows) == _expected_rows(name, cfg), name
    for r in rows:
        assert set(r) == ROW_KEYS, r
        assert isinstance(r["case"], str) and isinstance(r["metric"], str)
        assert r["paper"] is None or isinstance(r["paper"], float)
        assert r["value"] is None or isinstance(r["value"], float)
    assert body.startswith("**What we see")
    assert pngs and all((tmp_path / p.split("/")[-1]).stat().st_size > 10_000 for p in pngs)


# ------------------------------------------------------------------------------ toy (Fig. 14)
def test_toy_gd_first_step_by_hand():
    # grad J = (10x - 6y, -6x + 10y) = (-46, 34) at (-4, 1); lr 0.1
    P = toy.gd_path(2)
    np.testing.assert_allclose(P[0], [-4.0, 1.0])
    np.testing.assert_allclose(P[1], [-4.0 + 4.6, 1.0 - 3.4], rtol=0, atol=1e-15)  # (0.6, -2.4)
    # second step: grad at (0.6, -2.4) = (6 + 14.4, -3.6 - 24) = (20.4, -27.6)
    np.testing.assert_allclose(P[2], [0.6 - 2.04, -2.4 + 2.76], rtol=0, atol=1e-14)
    assert toy.J(*P[0]) == pytest.approx(5 * 16 + 24 + 5)  # 109


def test_toy_lsgd_first_steps_by_hand():
    its, path = toy.lsgd_path(2)
    # LS in x: dJ/dx = 10x - 6y = 0  =>  x = 0.6 y; from y = 1 the first solve gives x = 0.6
    np.testing.assert_allclose(path[0], [-4.0, 1.0])
    np.testing.assert_allclose(path[1], [0.6, 1.0], atol=1e-15)
    # GD step in y at fixed x: dJ/dy = -6(0.6) + 10(1) = 6.4, y = 1 - 0.64 = 0.36
    np.testing.assert_allclose(path[2], [0.6, 0.36], atol=1e-15)
    np.testing.assert_allclose(path[3], [0.216, 0.36], atol=1e-15)
    np.testing.assert_allclose(its[1], [0.216, 0.36], atol=1e-15)
    # on the valley J = 5(0.36 y^2) - 6(0.6 y^2) + 5 y^2 = 3.2 y^2, and y shrinks by 0.36 per iteration
    np.testing.assert_allclose(its[2], [0.6 * 0.36 ** 2, 0.36 ** 2], atol=1e-15)
    assert toy.J(*its[1]) == pytest.approx(3.2 * 0.36 ** 2)


def test_toy_gd_is_plain_gradient_descent_not_adam():
    # Adam's first step would move each coordinate by exactly lr = 0.1
    P = toy.gd_path(1)
    assert abs(P[1, 0] - P[0, 0]) == pytest.approx(4.6)


# ---------------------------------------------------------------- conditioning (Fig. 8 right)
def test_hull_area_of_the_unit_square_image_at_depth_zero_is_one():
    assert conditioning.hull_area(unit_grid(25, 2)) == pytest.approx(1.0, rel=1e-12)
    imgs = conditioning._images_by_depth("box", "resnet", 2, [0], unit_grid(25, 2), 0)
    assert conditioning.hull_area(imgs[0]) == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("P", [
    np.zeros((10, 2)),                                            # a point
    np.stack([np.linspace(0, 1, 10), 2 * np.linspace(0, 1, 10)], 1),  # a segment
    np.array([[0.0, 0.0], [1.0, 1.0]]),                           # two points
], ids=["point", "segment", "two-points"])
def test_hull_area_of_a_degenerate_image_is_zero(P):
    assert conditioning.hull_area(P) == 0.0


def test_hull_area_of_a_triangle():
    assert conditioning.hull_area([[0, 0], [2, 0], [0, 3], [0.1, 0.1]]) == pytest.approx(3.0)


def test_eigenvalue_ratios_are_capped_for_a_flat_image():
    P = np.zeros((50, 3))
    P[:, :2] = np.random.default_rng(0).random((50, 2))
    second, largest = conditioning._ratios(P)
    assert second == largest == conditioning.RATIO_CAP
    assert math.isfinite(conditioning.RATIO_CAP)


def test_results_do_not_depend_on_the_number_of_worker_processes():
    mod = experiments.get("narrow")
    cfg = dict(mod.PROFILES["quick"], depths=[1, 8])
    serial = mod.run(cfg, 3, make_pmap(1), lambda msg: None)
    parallel = mod.run(cfg, 3, make_pmap(2), lambda msg: None)
    assert serial == parallel
