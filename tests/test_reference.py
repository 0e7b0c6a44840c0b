"""The reference export (``adaptive-basis export-reference``) reloads and matches the engine.

Each number of the file is recomputed here from the file's own inputs and parameters,
mostly by formulas written out in the test (the loss, its gradient with respect to
the head and to Phi, the first Adam step, the Box weights), with the engine used only
for the hidden-layer backward pass and the LS solve.
"""

import json

import numpy as np
import pytest

from adaptive_basis import Network
from adaptive_basis.cli import main
from adaptive_basis.init import box_weights
from adaptive_basis.lstsq import solve_ls
from adaptive_basis.reference import CASES, build_reference

TIGHT = dict(rtol=1e-12, atol=1e-14)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    path = tmp_path_factory.mktemp("ref") / "reference.npz"
    assert main(["export-reference", "--out", str(path)]) == 0
    with np.load(path, allow_pickle=False) as z:
        data = dict(z)
    return data, json.loads(str(data["metadata"]))


def params(data, c, prefix, depth):
    W = [data[f"{c}/{prefix}W{l}"] for l in range(1, depth + 1)]
    b = [data[f"{c}/{prefix}b{l}"] for l in range(1, depth + 1)]
    return W, b


def network_from_file(data, case, prefix=""):
    c, depth = case["name"], case["depth"]
    W, b = params(data, c, prefix, depth)
    return Network(case["d_in"], case["widths"], case["n_out"], activation=case["activation"], arch=case["arch"],
                   output_bias=case["output_bias"], domain=(data[f"{c}/lo"], data[f"{c}/hi"]),
                   resnet_variant=case["resnet_variant"],
                   params={"W": W, "b": b, "xi_L": data[f"{c}/{prefix}xi_L"]})


def adam_first_step(p, g, meta):
    a = meta["adam"]
    return p - a["lr"] * g / (np.abs(g) + a["eps"])  # m_hat = g, v_hat = g^2 at t = 1


def test_metadata_describes_every_case_and_the_conventions(exported):
    data, meta = exported
    assert meta["format"] == "adaptive_basis.reference" and meta["format_version"] == 1
    assert "(n_out_l, n_in_l)" in meta["weight_orientation"] and "(n_basis, n_out)" in meta["head_orientation"]
    assert len(meta["cases"]) == len(CASES)
    covered = {(c["arch"], c["activation"]) for c in meta["cases"]}
    assert covered == {("plain", "relu"), ("plain", "tanh"), ("resnet", "relu"), ("resnet", "tanh")}
    assert {c["init"] for c in meta["cases"]} >= {"box", "glorot_normal", "he_uniform", "he_normal"}
    assert {c["resnet_variant"] for c in meta["cases"] if c["arch"] == "resnet" and c["init"] == "box"} == \
        {"eq16", "alg3"}
    names = {k.split("/")[0] for k in data if k != "metadata"}
    assert names == {c["name"] for c in meta["cases"]}
    assert all(v.dtype == np.float64 for k, v in data.items() if k != "metadata")


@pytest.mark.parametrize("i", range(len(CASES)))
def test_exported_case_matches_the_engine(exported, i):
    data, meta = exported
    case = meta["cases"][i]
    c, depth, N = case["name"], case["depth"], case["n_points"]
    X, Y = data[f"{c}/X"], data[f"{c}/Y"]
    assert X.shape == (N, case["d_in"]) and Y.shape == (N, case["n_out"])

    # the initial weights are those the network draws from the seed, and for Box those of the draws
    drawn = Network(case["d_in"], case["widths"], case["n_out"], activation=case["activation"], arch=case["arch"],
                    init=case["init"], rng=case["seed"], output_bias=case["output_bias"], domain=case["domain"],
                    resnet_variant=case["resnet_variant"])
    W, b = params(data, c, "", depth)
    for l in range(depth):
        assert np.array_equal(drawn.W[l], W[l]) and np.array_equal(drawn.b[l], b[l]), f"{c} layer {l + 1}"
    assert np.array_equal(drawn.xi_L, data[f"{c}/xi_L"])
    if case["init"] == "box":
        for l, (m, delta) in enumerate(case["box_scales_m_delta"], start=1):
            p, n = data[f"{c}/p{l}"], data[f"{c}/n{l}"]
            assert p.min() >= 0 and p.max() <= m
            np.testing.assert_allclose(np.linalg.norm(n, axis=1), 1.0, rtol=1e-15)
            Wb = box_weights(p, n, m=m, delta=delta)
            assert np.array_equal(Wb[0], W[l - 1]) and np.array_equal(Wb[1], b[l - 1])
            np.testing.assert_allclose(np.sum(W[l - 1] * p, axis=1) + b[l - 1], 0.0, atol=1e-14 * m)
    else:
        assert f"{c}/p1" not in data

    # forward pass, written out
    net = network_from_file(data, case)
    sigma = np.maximum if case["activation"] == "relu" else None
    h = (X - data[f"{c}/lo"]) / (data[f"{c}/hi"] - data[f"{c}/lo"])
    np.testing.assert_allclose(data[f"{c}/h0"], h, **TIGHT)
    for l in range(depth):
        z = h @ W[l].T + b[l]
        assert np.abs(z).min() > 1e-3, "reference inputs must stay away from the ReLU kinks"
        a = sigma(z, 0.0) if sigma else np.tanh(z)
        h = h + a if (case["arch"] == "resnet" and l > 0) else a
        np.testing.assert_allclose(data[f"{c}/h{l + 1}"], h, **TIGHT, err_msg=f"{c} h{l + 1}")
    Phi = np.hstack([h, np.ones((N, 1))]) if case["output_bias"] else h
    np.testing.assert_allclose(data[f"{c}/Phi"], Phi, **TIGHT)
    xi = data[f"{c}/xi_L"]
    np.testing.assert_allclose(data[f"{c}/out"], Phi @ xi, **TIGHT)
    np.testing.assert_allclose(net.predict(X), data[f"{c}/out"], **TIGHT)

    # the loss and its gradient: J = (1/N) |Phi xi - Y|^2
    R = Phi @ xi - Y
    assert data[f"{c}/J"] == pytest.approx(np.sum(R * R) / N, rel=1e-13)
    np.testing.assert_allclose(data[f"{c}/grad/xi_L"], 2.0 / N * Phi.T @ R, **TIGHT)
    _, cache = net.basis_forward(X)
    grads = net.basis_backward(2.0 / N * R @ xi.T, cache)
    for l in range(depth):
        np.testing.assert_allclose(data[f"{c}/grad/W{l + 1}"], grads[2 * l], **TIGHT)
        np.testing.assert_allclose(data[f"{c}/grad/b{l + 1}"], grads[2 * l + 1], **TIGHT)

    # the LS head: optimal (normal equations), no worse than the initial head
    xi_ls = data[f"{c}/ls/xi_L"]
    R_ls = Phi @ xi_ls - Y
    np.testing.assert_allclose(Phi.T @ R_ls, 0.0, atol=1e-12 * np.linalg.norm(Phi) * np.linalg.norm(Y))
    assert data[f"{c}/ls/J"] == pytest.approx(np.sum(R_ls * R_ls) / N, rel=1e-13)
    assert data[f"{c}/ls/J"] <= data[f"{c}/J"]
    if case["rank_of_Phi"] == Phi.shape[1]:
        np.testing.assert_allclose(xi_ls, np.linalg.lstsq(Phi, Y, rcond=None)[0], rtol=1e-9, atol=1e-12)
    grads_ls = net.basis_backward(2.0 / N * R_ls @ xi_ls.T, cache)

    # one LSGD step: Adam's first step on (W, b) with the gradient at the LS head, then LS again.
    # The step lr * g / (|g| + eps) of an entry whose gradient is zero up to round-off (|g| ~ 1e-16,
    # it happens) is noise of size lr * 1e-8, so the step is checked with the file's gradient, and the
    # file's gradient against a recomputation.
    W1, b1 = params(data, c, "lsgd_step/", depth)
    for l in range(depth):
        g_W, g_b = data[f"{c}/ls/grad/W{l + 1}"], data[f"{c}/ls/grad/b{l + 1}"]
        # R at the LS head is a small difference of large terms: round-off-level tolerance of J's scale
        np.testing.assert_allclose(g_W, grads_ls[2 * l], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(g_b, grads_ls[2 * l + 1], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(W1[l], adam_first_step(W[l], g_W, meta), **TIGHT)
        np.testing.assert_allclose(b1[l], adam_first_step(b[l], g_b, meta), **TIGHT)
    stepped = network_from_file(data, case, "lsgd_step/")
    Phi1 = stepped.basis(X)
    np.testing.assert_allclose(data[f"{c}/lsgd_step/xi_L"], solve_ls(Phi1, Y).xi, rtol=1e-10, atol=1e-12)
    R1 = Phi1 @ data[f"{c}/lsgd_step/xi_L"] - Y
    assert data[f"{c}/lsgd_step/J"] == pytest.approx(np.sum(R1 * R1) / N, rel=1e-12)

    # one GD step: Adam's first step on every parameter from the initial point
    W2, b2 = params(data, c, "gd_step/", depth)
    for l in range(depth):
        np.testing.assert_allclose(W2[l], adam_first_step(W[l], data[f"{c}/grad/W{l + 1}"], meta), **TIGHT)
        np.testing.assert_allclose(b2[l], adam_first_step(b[l], data[f"{c}/grad/b{l + 1}"], meta), **TIGHT)
    np.testing.assert_allclose(data[f"{c}/gd_step/xi_L"], adam_first_step(xi, data[f"{c}/grad/xi_L"], meta),
                               **TIGHT)
    R2 = network_from_file(data, case, "gd_step/").predict(X) - Y
    assert data[f"{c}/gd_step/J"] == pytest.approx(np.sum(R2 * R2) / N, rel=1e-12)


def test_export_is_reproducible(exported):
    data, _ = exported
    again = build_reference()
    assert again.keys() == data.keys()
    for k in data:
        if k != "metadata":
            np.testing.assert_allclose(again[k], data[k], rtol=1e-13, atol=1e-15, err_msg=k)
    assert str(again["metadata"]) == str(data["metadata"])


def test_export_reference_requires_out(capsys):
    with pytest.raises(SystemExit):
        main(["export-reference"])
    assert "--out" in capsys.readouterr().err
