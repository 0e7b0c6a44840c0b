"""Optional cross-check against PyTorch autograd, in float64 (skipped when torch is not installed).

* forward outputs, basis, and the gradient of J with respect to every parameter (as
  ``train_gd`` hands it to Adam) against ``torch.autograd`` for plain/ResNet,
  ReLU/tanh, with and without output bias and input map;
* Box weights against a separate torch implementation of SPEC §2 given the same draws
  (the draws re-derived from the seed as the Network documents them);
* one LSGD step and a few GD steps against ``torch.optim.Adam`` and ``torch.linalg.lstsq``;
* the README's worked example, run as written.

torch is never a dependency of the package; this module only reads its results.
"""

import json
import re
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from adaptive_basis import Network, Regression, train_gd, train_lsgd  # noqa: E402
from adaptive_basis.cli import main  # noqa: E402
from adaptive_basis.init import as_generator, box_draws, box_resnet_scales, box_weights  # noqa: E402
from adaptive_basis.lstsq import solve_ls  # noqa: E402
from _verification_helpers import KINK, trainer_gradient  # noqa: E402

F64 = torch.float64
CLOSE = dict(rtol=1e-11, atol=1e-13)


def T(a, grad=False):
    return torch.tensor(np.asarray(a), dtype=F64, requires_grad=grad)


def torch_forward(net, X, Ws, bs, xi):
    """The network of SPEC §1 written with torch operations on the given tensors."""
    sigma = torch.relu if net.activation.name == "relu" else torch.tanh
    h = (T(X) - T(net.lo)) * T(net.scale)
    for l, (W, b) in enumerate(zip(Ws, bs)):
        a = sigma(torch.nn.functional.linear(h, W, b))  # h @ W.T + b: W is (out, in)
        h = h + a if (net.arch == "resnet" and l > 0) else a
    Phi = torch.cat([h, torch.ones(h.shape[0], 1, dtype=F64)], dim=1) if net.output_bias else h
    return Phi, Phi @ xi


def torch_params(net):
    return ([T(W, True) for W in net.W], [T(b, True) for b in net.b], T(net.xi_L, True))


def near_kink(net, X):
    """Some ReLU pre-activation is near 0 but not 0: torch and NumPy round-off could disagree on its side.
    (An exact 0 -- all inputs of a neuron dead, zero biases -- is fine: relu'(0) = 0 in both.)"""
    _, cache = net.basis_forward(X)
    return net.activation.name == "relu" and any(np.any((z != 0) & (np.abs(z) < KINK)) for z in cache.z)


def data_for(net, seed, N=11):
    """``N`` uniform points of the domain, redrawn while some are near a ReLU kink; smooth targets."""
    rng = np.random.default_rng(seed)
    X = net.lo + (net.hi - net.lo) * rng.random((N, net.d_in))
    while near_kink(net, X):
        X = net.lo + (net.hi - net.lo) * rng.random((N, net.d_in))
    Y = np.cos(3.0 * X.sum(axis=1, keepdims=True)) * np.arange(1, net.n_out + 1)
    return X, Y


ARCHS = [("plain", "relu"), ("plain", "tanh"), ("resnet", "relu"), ("resnet", "tanh")]


@pytest.mark.parametrize("arch, activation", ARCHS)
@pytest.mark.parametrize("output_bias", [False, True])
@pytest.mark.parametrize("init, seed", [("box", 0), ("he_uniform", 1), ("glorot_normal", 2)])
def test_forward_and_loss_gradient_match_torch_autograd(arch, activation, output_bias, init, seed):
    widths = [5, 5, 5] if arch == "resnet" else [4, 6, 3]
    net = Network(2, widths, 2, activation=activation, arch=arch, init=init, rng=seed, output_bias=output_bias,
                  domain=(-1.0, 2.0))
    X, Y = data_for(net, seed)
    problem = Regression(X, Y)

    Ws, bs, xi = torch_params(net)
    Phi_t, out_t = torch_forward(net, X, Ws, bs, xi)
    np.testing.assert_allclose(net.basis(X), Phi_t.detach().numpy(), **CLOSE)
    np.testing.assert_allclose(net.predict(X), out_t.detach().numpy(), **CLOSE)

    J_t = ((out_t - T(Y)) ** 2).sum(dim=1).mean()  # J = (1/N) sum_i |NN(x_i) - y_i|^2
    J_t.backward()
    grads = trainer_gradient("gd", net, problem)
    expected = [t.grad.numpy() for pair in zip(Ws, bs) for t in pair] + [xi.grad.numpy()]
    for k, (g, e) in enumerate(zip(grads, expected)):
        np.testing.assert_allclose(g, e, **CLOSE, err_msg=f"parameter {k} of {net!r}")


# ------------------------------------------------------------------------- Box, SPEC §2
def torch_box(p, n, m, delta):
    """SPEC §2 in torch: p_max = m max(0, sign n), k = delta m / ((p_max - p).n), W = k n, b = -k p.n."""
    n = n / torch.linalg.vector_norm(n, dim=1, keepdim=True)
    p_max = m * (n > 0).to(F64)
    k = delta * m / ((p_max - p) * n).sum(dim=1)
    return k[:, None] * n, -k * (p * n).sum(dim=1)


@pytest.mark.parametrize("arch, variant", [("plain", "eq16"), ("resnet", "eq16"), ("resnet", "alg3")])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_box_weights_match_a_torch_implementation_of_spec_section_2_given_the_same_draws(arch, variant, seed):
    d, w, L = 3, 6, 4
    net = Network(d, [w] * L, activation="relu", arch=arch, init="box", rng=seed, resnet_variant=variant)
    scales = box_resnet_scales(L, variant) if arch == "resnet" else [(1.0, 1.0)] * L
    # the Network spawns one child generator per layer (and one for the head) and draws layer l
    # with box_draws(n_in, n_out, child_l, m=m_l): the same draws, re-derived from the seed
    children = as_generator(seed).spawn(L + 1)
    for l in range(L):
        m, delta = scales[l]
        p, n = box_draws(d if l == 0 else w, w, children[l], m=m)
        W_t, b_t = torch_box(T(p), T(3.7 * n), m, delta)  # any length of n gives the same weights
        np.testing.assert_allclose(net.W[l], W_t.numpy(), rtol=1e-13, atol=1e-15, err_msg=f"W{l + 1}")
        np.testing.assert_allclose(net.b[l], b_t.numpy(), rtol=1e-13, atol=1e-15, err_msg=f"b{l + 1}")
        W_np, b_np = box_weights(p, n, m=m, delta=delta)
        np.testing.assert_allclose(W_np, W_t.numpy(), rtol=1e-13, atol=1e-15)
        # and the torch weights have the Box properties: plane through p, peak delta*m at p_max
        p_max = m * (T(n) > 0).to(F64)
        assert torch.allclose((T(p) * W_t).sum(1) + b_t, torch.zeros(w, dtype=F64), atol=1e-12)
        assert torch.allclose((p_max * W_t).sum(1) + b_t, torch.full((w,), delta * m, dtype=F64), rtol=1e-12)


# --------------------------------------------------------------- optimiser steps vs torch
def torch_loss(net, X, Y, Ws, bs, xi):
    return ((torch_forward(net, X, Ws, bs, xi)[1] - T(Y)) ** 2).sum(dim=1).mean()


@pytest.mark.parametrize("arch, activation", ARCHS)
def test_one_lsgd_step_matches_torch_lstsq_and_torch_adam(arch, activation):
    net = Network(1, [6, 6], activation=activation, arch=arch, init="box", rng=5, output_bias=True)
    X, Y = data_for(net, 5, N=16)
    lr = 5e-3
    ref = net.copy()
    hist = train_lsgd(net, Regression(X, Y), steps=1, lr=lr)

    Ws, bs, _ = torch_params(ref)
    Phi0 = torch_forward(ref, X, Ws, bs, T(np.zeros((ref.n_basis, 1))))[0].detach()
    xi0 = torch.linalg.lstsq(Phi0, T(Y), driver="gelsd").solution
    opt = torch.optim.Adam(Ws + bs, lr=lr, betas=(0.9, 0.999), eps=1e-8)
    torch_loss(ref, X, Y, Ws, bs, xi0).backward()
    opt.step()
    Phi1 = torch_forward(ref, X, Ws, bs, xi0)[0].detach()
    xi1 = torch.linalg.lstsq(Phi1, T(Y), driver="gelsd").solution
    for k, (mine, theirs) in enumerate(zip(net.xi_H, [t for pair in zip(Ws, bs) for t in pair])):
        # |g| ~ round-off entries move by lr * g / (|g| + eps): noise of up to ~lr * 1e-7
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-10, atol=1e-9, err_msg=f"xi_H[{k}]")
    np.testing.assert_allclose(net.xi_L, xi1.numpy(), rtol=1e-7, atol=1e-9)
    assert hist.loss[1] == pytest.approx(float(((Phi1 @ xi1 - T(Y)) ** 2).sum(1).mean()), rel=1e-8)


@pytest.mark.parametrize("arch, activation", ARCHS)
def test_five_gd_steps_match_torch_adam_on_all_parameters(arch, activation):
    net = Network(2, [5, 5], 2, activation=activation, arch=arch, init="he_uniform", rng=8)
    X, Y = data_for(net, 8)
    ref = net.copy()
    train_gd(net, Regression(X, Y), steps=5, lr=1e-2)
    Ws, bs, xi = torch_params(ref)
    opt = torch.optim.Adam(Ws + bs + [xi], lr=1e-2)
    for _ in range(5):
        opt.zero_grad()
        torch_loss(ref, X, Y, Ws, bs, xi).backward()
        opt.step()
    for mine, theirs in zip(net.xi_H + [net.xi_L], [t for pair in zip(Ws, bs) for t in pair] + [xi]):
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-9, atol=1e-9)


def test_ls_head_matches_torch_lstsq_including_a_dead_neuron():
    net = Network(1, [6], activation="relu", init="box", rng=2)
    net.W[0][2] = 0.0
    net.b[0][2] = -1.0  # dead on the whole domain: a zero column, rank deficient
    X, Y = data_for(net, 2, N=20)
    A = net.basis(X)
    mine = solve_ls(A, Y).xi
    theirs = torch.linalg.lstsq(T(A), T(Y), driver="gelsd").solution.numpy()
    np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)
    assert mine[2, 0] == 0.0 or abs(mine[2, 0]) < 1e-14


# -------------------------------------------------------------------- README example
def readme_example():
    """The python block of README's section 'Reference export for cross-checking'."""
    root = Path(__file__).resolve().parent.parent
    for doc in (root / "README.md", root / "docs" / "REFERENCE.md"):
        if doc.exists() and "## Reference export for cross-checking" in doc.read_text():
            section = doc.read_text().split("## Reference export for cross-checking", 1)[1]
            section = re.split(r"\n## ", section, maxsplit=1)[0]
            blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
            assert blocks, f"{doc.name}: the section has no python example"
            return blocks[0]
    pytest.fail("no section 'Reference export for cross-checking' in README.md or docs/REFERENCE.md")


def test_readme_crosscheck_example_runs_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["export-reference", "--out", "reference.npz"]) == 0
    exec(compile(readme_example(), "README example", "exec"), {"__name__": "__readme__"})
    assert "match" in capsys.readouterr().out


def test_reference_metadata_is_json_with_the_weight_orientation(tmp_path):
    path = tmp_path / "r.npz"
    main(["export-reference", "--out", str(path)])
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["metadata"]))
        W1 = z["case1/W1"]
    assert W1.shape == (meta["cases"][0]["widths"][0], meta["cases"][0]["d_in"])
    layer = torch.nn.Linear(W1.shape[1], W1.shape[0], dtype=F64)
    assert tuple(layer.weight.shape) == W1.shape  # same orientation as nn.Linear.weight
