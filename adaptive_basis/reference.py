"""Reference numbers for cross-checking another implementation (``adaptive-basis export-reference``).

:func:`export_reference` writes one ``.npz`` file (read it with
``numpy.load(path, allow_pickle=False)``) holding, for each case of :data:`CASES` --
small networks covering plain and ResNet, ReLU and tanh, Box, Glorot and He -- the
inputs, the Box draws and the weights they give, every hidden state, the basis and the
outputs, the gradient of the loss with respect to every parameter, the LS head and its
loss, and the parameters after one LSGD step and after one GD step.

Conventions (also stored in the file as the JSON string ``metadata``):

* ``W{l}`` has shape ``(n_out_l, n_in_l)`` (PyTorch's ``nn.Linear.weight``), ``b{l}``
  shape ``(n_out_l,)``; layer ``l`` computes ``z_l = h_{l-1} @ W{l}.T + b{l}``.
* ``h0 = (X - lo) / (hi - lo)`` (the fixed input map); plain layers
  ``h_l = sigma(z_l)``; in a ResNet layer 1 is plain and ``h_l = h_{l-1} + sigma(z_l)``
  for ``l > 1``.
* ``Phi = h_L``, with a column of ones appended when ``output_bias`` is true.
  ``xi_L`` has shape ``(n_basis, n_out)`` -- the *transpose* of a PyTorch head weight;
  with an output bias its last row is the bias -- and ``out = Phi @ xi_L``.
* The loss is ``J = (1/N) sum_i |NN(x_i) - Y_i|^2`` (squared 2-norm over the outputs),
  i.e. :class:`~adaptive_basis.problems.Regression` with ``eps = 1``.
* ``relu'(0) = 0``; the inputs are chosen so that no pre-activation is within 1e-3 of 0.

Keys of case ``c`` (``c = case1, case2, ...``; ``l = 1..L``):

=============================  ===============================================================
``c/X``, ``c/Y``               inputs ``(N, d)`` and targets ``(N, n_out)``
``c/lo``, ``c/hi``             the domain ``[lo, hi]^d`` of the input map, ``(d,)``
``c/p{l}``, ``c/n{l}``         Box only: the draws ``(n_out_l, n_in_l)`` of layer ``l``
                               (points ``p`` in ``[0, m_l]^n_in``, unit normals ``n``)
``c/W{l}``, ``c/b{l}``         the initial weights (for Box: ``box_weights(p, n, m_l, delta_l)``)
``c/h{l}``                     hidden state ``l = 0..L``, ``(N, width_l)``
``c/Phi``, ``c/xi_L``, ``c/out``  basis ``(N, n_basis)``, the fixed initial head, ``Phi @ xi_L``
``c/J``                        the loss at ``(W, b, xi_L)``, 0-d
``c/grad/W{l}`` .. ``c/grad/xi_L``  ``dJ/d(parameter)`` at that point
``c/ls/xi_L``, ``c/ls/J``      the minimum-norm LS head for the initial basis and its loss
``c/ls/grad/W{l}``, ``b{l}``   ``dJ/d(hidden parameter)`` at the LS head (what LSGD's Adam sees)
``c/lsgd_step/W{l}`` ..        after one LSGD step from the initial network: the Adam step on
``c/lsgd_step/xi_L``, ``J``    ``(W, b)`` at the LS head, then the LS head of the new basis, its J
``c/gd_step/W{l}`` ..          after one Adam step on every parameter from ``(W, b, xi_L)``
``c/gd_step/xi_L``, ``J``      (the GD baseline) and the loss there
=============================  ===============================================================

Adam (Kingma & Ba, as ``torch.optim.Adam``): ``lr`` = :data:`LR`, ``betas = (0.9, 0.999)``,
``eps = 1e-8``; the first step of a fresh Adam moves each parameter by
``lr * g / (|g| + eps)``.
"""

from __future__ import annotations

import json
import os

import numpy as np

from . import __version__
from .init import as_generator, box_draws, box_resnet_scales, box_weights
from .lstsq import numerical_rank, singular_values, solve_ls
from .network import Network
from .problems import Regression
from .train import train_gd, train_lsgd

FORMAT = "adaptive_basis.reference"
FORMAT_VERSION = 1
LR = 5e-3
BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
MIN_ABS_Z = 1e-3

#: The fixed set of cases: keyword arguments of :class:`Network` plus ``n_points``.
CASES = (
    dict(arch="plain", activation="relu", init="box", d_in=1, widths=[4, 4], n_out=1, output_bias=False,
         resnet_variant="eq16", domain=None, seed=1, n_points=8),
    dict(arch="plain", activation="tanh", init="glorot_normal", d_in=2, widths=[3, 5], n_out=2,
         output_bias=True, resnet_variant="eq16", domain=None, seed=2, n_points=10),
    dict(arch="resnet", activation="relu", init="box", d_in=2, widths=[4, 4, 4], n_out=1, output_bias=False,
         resnet_variant="eq16", domain=None, seed=3, n_points=10),
    dict(arch="resnet", activation="tanh", init="he_uniform", d_in=1, widths=[3, 3], n_out=2, output_bias=True,
         resnet_variant="eq16", domain=[-1.0, 2.0], seed=4, n_points=8),
    dict(arch="resnet", activation="relu", init="box", d_in=1, widths=[3, 3, 3], n_out=1, output_bias=True,
         resnet_variant="alg3", domain=None, seed=5, n_points=8),
    dict(arch="plain", activation="relu", init="he_normal", d_in=3, widths=[5], n_out=1, output_bias=True,
         resnet_variant="eq16", domain=[-1.0, 1.0], seed=6, n_points=12),
    dict(arch="resnet", activation="tanh", init="box", d_in=2, widths=[3, 3, 3], n_out=1, output_bias=False,
         resnet_variant="eq16", domain=None, seed=7, n_points=9),
)


def case_network(case) -> Network:
    """The initial network of a case (drawn from ``case['seed']``)."""
    return Network(case["d_in"], case["widths"], case["n_out"], activation=case["activation"], arch=case["arch"],
                   init=case["init"], rng=case["seed"], output_bias=case["output_bias"],
                   domain=case["domain"], resnet_variant=case["resnet_variant"])


def case_data(case, net):
    """Inputs and targets of a case.

    The inputs are ``n_points`` uniform points of the domain from
    ``default_rng(1000 + seed)``, redrawn (same generator, next draw) while some
    pre-activation of the initial network lies within :data:`MIN_ABS_Z` of 0;
    the targets are ``Y[:, j] = sin(2 pi (j+1) s) + s^2`` with ``s`` the mean of the
    mapped coordinates ``u = (x - lo)/(hi - lo)``.
    """
    rng = np.random.default_rng(1000 + case["seed"])
    for _ in range(100):
        X = net.lo + (net.hi - net.lo) * rng.random((case["n_points"], net.d_in))
        _, cache = net.basis_forward(X)
        if min(np.abs(z).min() for z in cache.z) > MIN_ABS_Z:
            break
    else:  # pragma: no cover - the fixed cases do not get here
        raise RuntimeError(f"no inputs away from the ReLU kinks for case {case}")
    s = net.input_map(X).mean(axis=1, keepdims=True)
    Y = np.sin(2 * np.pi * np.arange(1, net.n_out + 1) * s) + s ** 2
    return X, Y


def box_layer_draws(case):
    """``[(p_l, n_l, m_l, delta_l)]``: the draws from which :class:`Network` built its Box layers.

    The network spawns one child generator per layer (``as_generator(seed).spawn(L + 1)``,
    the last one for the head) and layer ``l`` calls :func:`~adaptive_basis.init.box_draws`
    on child ``l - 1`` with its ``m_l``.
    """
    depth = len(case["widths"])
    children = as_generator(case["seed"]).spawn(depth + 1)
    dims_in = [case["d_in"]] + case["widths"][:-1]
    if case["arch"] == "resnet":
        scales = box_resnet_scales(depth, case["resnet_variant"])
    else:
        scales = [(1.0, 1.0)] * depth
    out = []
    for l, (n_in, n_out) in enumerate(zip(dims_in, case["widths"])):
        m, delta = scales[l]
        p, n = box_draws(n_in, n_out, children[l], m=m)
        out.append((p, n, m, delta))
    return out


def _loss_and_grads(net, problem):
    """``J`` and ``[dJ/dW_1, dJ/db_1, ..., dJ/dxi_L]`` at the network's parameters (as train_gd)."""
    A, rhs, cache = problem.system(net)
    R = A @ net.xi_L - rhs
    grads = problem.system_backward(net, cache, 2.0 * R @ net.xi_L.T)
    return float(np.sum(R * R)), grads + [2.0 * A.T @ R]


def _put_params(out, prefix, arrays, depth):
    for l in range(depth):
        out[f"{prefix}W{l + 1}"] = arrays[2 * l]
        out[f"{prefix}b{l + 1}"] = arrays[2 * l + 1]
    if len(arrays) > 2 * depth:
        out[f"{prefix}xi_L"] = arrays[-1]


def case_arrays(case) -> dict:
    """Every array of one case, keyed without the ``case{i}/`` prefix."""
    net = case_network(case)
    depth = net.depth
    X, Y = case_data(case, net)
    problem = Regression(X, Y)
    out = {"X": X, "Y": Y, "lo": net.lo.copy(), "hi": net.hi.copy()}
    if case["init"] == "box":
        for l, (p, n, m, delta) in enumerate(box_layer_draws(case), start=1):
            W, b = box_weights(p, n, m=m, delta=delta)
            if not (np.array_equal(W, net.W[l - 1]) and np.array_equal(b, net.b[l - 1])):
                raise RuntimeError(f"layer {l}: the recorded Box draws do not reproduce the network's weights")
            out[f"p{l}"], out[f"n{l}"] = p, n
    _put_params(out, "", net.xi_H + [net.xi_L.copy()], depth)
    for l, h in enumerate(net.hidden_states(X)):
        out[f"h{l}"] = h
    out["Phi"] = net.basis(X)
    out["out"] = net.predict(X)
    J, grads = _loss_and_grads(net, problem)
    out["J"] = np.array(J)
    _put_params(out, "grad/", grads, depth)

    A, rhs, _ = problem.system(net)
    ls_net = net.copy()
    ls_net.set_head(solve_ls(A, rhs).xi)
    J_ls, grads_ls = _loss_and_grads(ls_net, problem)
    out["ls/xi_L"], out["ls/J"] = ls_net.xi_L, np.array(J_ls)
    _put_params(out, "ls/grad/", grads_ls[:-1], depth)

    step = net.copy()
    hist = train_lsgd(step, problem, steps=1, lr=LR, betas=BETAS, adam_eps=ADAM_EPS)
    _put_params(out, "lsgd_step/", step.xi_H + [step.xi_L], depth)
    out["lsgd_step/J"] = np.array(hist.loss[-1])

    step = net.copy()
    hist = train_gd(step, problem, steps=1, lr=LR, betas=BETAS, adam_eps=ADAM_EPS)
    _put_params(out, "gd_step/", step.xi_H + [step.xi_L], depth)
    out["gd_step/J"] = np.array(hist.loss[-1])
    return {k: np.array(v, dtype=np.float64) for k, v in out.items()}


def metadata() -> dict:
    """The description stored in the file as JSON under the key ``metadata``."""
    cases = []
    for i, case in enumerate(CASES, start=1):
        depth = len(case["widths"])
        if case["init"] == "box":
            scales = (box_resnet_scales(depth, case["resnet_variant"]) if case["arch"] == "resnet"
                      else [(1.0, 1.0)] * depth)
        else:
            scales = None
        cases.append({"name": f"case{i}", **{k: v for k, v in case.items()},
                      "depth": depth, "n_basis": case["widths"][-1] + int(case["output_bias"]),
                      "box_scales_m_delta": scales})
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "adaptive_basis_version": __version__,
        "dtype": "float64",
        "weight_orientation": "W{l}: (n_out_l, n_in_l) as torch.nn.Linear.weight; z_l = h_{l-1} @ W{l}.T + b{l}",
        "head_orientation": "xi_L: (n_basis, n_out), the transpose of a torch head weight; out = Phi @ xi_L; "
                            "with output_bias the last row of xi_L is the output bias",
        "input_map": "h0 = (X - lo) / (hi - lo)",
        "architectures": {"plain": "h_l = sigma(z_l)",
                          "resnet": "h_1 = sigma(z_1); h_l = h_{l-1} + sigma(z_l) for l > 1"},
        "basis": "Phi = h_L, with a column of ones appended when output_bias",
        "loss": "J = (1/N) * sum_i |out_i - Y_i|^2 (squared 2-norm over outputs)",
        "relu_derivative_at_0": 0.0,
        "box": "p_max = m * (n > 0); k = delta * m / ((p_max - p) . n); W = k n; b = -k p . n (n unit rows)",
        "ls": "minimum-norm least squares (scipy.linalg.lstsq, gelsd, rcond = max(N, n_basis) * eps)",
        "lsgd_step": "xi_L = LS(W, b); one Adam step on (W, b) with grad at that head; xi_L = LS(new W, b)",
        "gd_step": "one Adam step on (W, b, xi_L) from the initial parameters",
        "adam": {"lr": LR, "betas": list(BETAS), "eps": ADAM_EPS,
                 "update": "m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; "
                           "p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)"},
        "key_pattern": "case{i}/{X,Y,lo,hi,p{l},n{l},W{l},b{l},h{l},Phi,xi_L,out,J,grad/*,ls/*,lsgd_step/*,gd_step/*}",
        "cases": cases,
    }


def build_reference() -> dict:
    """All arrays of the reference file, keyed ``case{i}/...``, plus ``metadata`` (a JSON string)."""
    arrays = {}
    for i, case in enumerate(CASES, start=1):
        for k, v in case_arrays(case).items():
            arrays[f"case{i}/{k}"] = v
    meta = metadata()
    for i, case in enumerate(meta["cases"], start=1):
        Phi = arrays[f"case{i}/Phi"]
        case["rank_of_Phi"] = numerical_rank(singular_values(Phi), Phi.shape)  # < n_basis: dead neurons
    arrays["metadata"] = np.array(json.dumps(meta, indent=1))
    return arrays


def export_reference(path) -> dict:
    """Write the reference file to ``path`` (exactly that name) and return its arrays."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike file name, got {path!r}")
    arrays = build_reference()
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return arrays


# ------------------------------------------------------------------------ command line
def add_parser(subparsers):
    """Register ``export-reference`` on the ``adaptive-basis`` command's subparsers."""
    p = subparsers.add_parser("export-reference", help="write reference numbers for cross-checking (.npz)",
                              description="Write the forward pass, gradients, LS heads and one LSGD/GD step "
                                          "of a fixed set of small networks to one .npz file "
                                          "(see README, 'Reference export for cross-checking').")
    p.add_argument("--out", required=True, metavar="FILE.npz", help="file to write")
    return p


def run_command(args) -> int:
    arrays = export_reference(args.out)
    n_cases = len(CASES)
    print(f"wrote {len(arrays)} arrays for {n_cases} cases to {args.out}")
    return 0
