"""Image of the unit square under the hidden layers (seed demo, paper Figs. 6 and 8 left).

A width-2 network on ``[0,1]^2`` maps a point grid to its image ``P_L`` after L
layers. With Glorot or He weights and zero biases the plain ReLU images collapse
within a few layers (onto a ray or a point: every neuron is positively homogeneous
and many are dead on the box), while Box-initialized layers map the box onto a
subset of the box that keeps its extent ``H`` at 1 (eqs. 10-11). In a ResNet the
Glorot/He images grow with depth while the Box ResNet (eq. 16) stays within
``[0, (1+1/L)^L] ⊂ [0, e]``.

Each panel is a separate network of depth L (for Box ResNets the scales depend on
L); layer l of every network draws from the same child generator, so for Glorot, He
and plain Box the panels are the successive layers of one network.
"""

from __future__ import annotations

import numpy as np

from ..diagnostics import covariance_eigen_ratios, extent, unit_grid
from ..network import Network
from ._common import pyplot, row, run_seed, save

NAME = "collapse"
TITLE = "Image of [0,1]^2 through width-2 layers: seed demo, Fig. 6 (plain), Fig. 8 left (ResNet)"
SCHEMES = ("glorot_uniform", "he_uniform", "box")
LABEL = {"glorot_uniform": "Glorot (Xavier) uniform", "he_uniform": "He (Kaiming) uniform", "box": "Box"}

_BASE = {
    "seed_demo": {"depths": list(range(0, 7)), "grid": 10},
    "fig6": {"depths": list(range(0, 8)), "grid": 25},
    "fig8": {"depths": [0, 2, 4, 8, 16, 32, 64, 128], "grid": 25},
}
PROFILES = {
    "quick": {"runs": 2, **_BASE, "note": "2 random networks per case (the paper shows one)."},
    "default": {"runs": 16, **_BASE,
                "note": "16 random networks per case; panels show run 0. Glorot/He are the uniform variants "
                        "with zero biases; ResNet panels use L = 0, 2, 4, 8, ..., 128."},
    "full": {"runs": 16, **_BASE, "note": "as default (the experiment is cheap)."},
}
GROUPS = (("seed_demo", "plain"), ("seed_demo", "resnet"), ("fig6", "plain"), ("fig8", "resnet"))


def _images(group, arch, scheme, depths, grid, seed, run):
    X = unit_grid(grid, 2)
    out = []
    for L in depths:
        if L == 0:
            out.append(X)
            continue
        net = Network(2, [2] * L, activation="relu", arch=arch, init=scheme,
                      rng=np.random.default_rng(run_seed(seed, group, arch, scheme, run)))
        out.append(net.hidden_states(X)[-1])
    return out


def _one_run(cfg, seed, run):
    res = {}
    for group, arch in GROUPS:
        g = cfg[group]
        for scheme in SCHEMES:
            imgs = _images(group, arch, scheme, g["depths"], g["grid"], seed, run)
            key = f"{group}/{arch}/{scheme}"
            res[key] = {
                "extent": [extent(P) for P in imgs],
                "eig_ratio": [_eig_ratio(P) for P in imgs],
                "images": [P.tolist() for P in imgs] if run == 0 else None,
            }
    return res


def _eig_ratio(P):
    lam = covariance_eigen_ratios(P)["eigenvalues"] if np.ptp(P, axis=0).max() > 0 else np.zeros(2)
    return float(lam[-1] / lam[0]) if lam[0] > 0 else 0.0


def run(cfg, seed, pmap, log):
    log(f"{cfg['runs']} runs x {len(GROUPS)} groups x {len(SCHEMES)} schemes")
    runs = pmap(_one_run, [(cfg, seed, r) for r in range(cfg["runs"])])
    return {"cfg": {k: v for k, v in cfg.items() if k != "note"}, "runs": runs}


def _plot_group(results, group, arch, schemes, ax_row_offset, axes):
    depths = results["cfg"][group]["depths"]
    X = unit_grid(results["cfg"][group]["grid"], 2)
    color = X[:, 0] + 0.5 * X[:, 1]
    for i, scheme in enumerate(schemes):
        r0 = results["runs"][0][f"{group}/{arch}/{scheme}"]
        for j, L in enumerate(depths):
            ax = axes[ax_row_offset + i, j]
            P = np.asarray(r0["images"][j])
            ax.scatter(P[:, 0], P[:, 1], c=color, s=4, cmap="viridis", lw=0)
            ax.set_title(f"L={L}  H={r0['extent'][j]:.3g}", fontsize=7)
            ax.tick_params(labelsize=5)
            ax.set_aspect("equal", adjustable="datalim")
            if j == 0:
                ax.set_ylabel(f"{LABEL[scheme]}\n{arch}", fontsize=7)


def report(results, out_dir):
    plt = pyplot()
    pngs = []
    # seed demo: plain and ResNet in one figure
    depths = results["cfg"]["seed_demo"]["depths"]
    fig, axes = plt.subplots(6, len(depths), figsize=(1.8 * len(depths), 11), squeeze=False, layout="constrained")
    _plot_group(results, "seed_demo", "plain", SCHEMES, 0, axes)
    _plot_group(results, "seed_demo", "resnet", SCHEMES, 3, axes)
    fig.suptitle("2-2-...-2 network on a 10x10 grid of [0,1]^2: image after each layer (H = max coordinate)")
    pngs.append(save(fig, out_dir / "collapse_seed_demo.png"))
    for group, arch, fname, title in (("fig6", "plain", "fig6_plain_images.png",
                                       "Fig. 6: image P_L of [0,1]^2 under L plain ReLU layers of width 2"),
                                      ("fig8", "resnet", "fig8_resnet_images.png",
                                       "Fig. 8 (left): image P_L of [0,1]^2 under ResNets of depth L, width 2")):
        d = results["cfg"][group]["depths"]
        fig, axes = plt.subplots(3, len(d), figsize=(1.9 * len(d), 6), squeeze=False, layout="constrained")
        _plot_group(results, group, arch, SCHEMES, 0, axes)
        fig.suptitle(title)
        pngs.append(save(fig, out_dir / fname))

    rows = []
    for group, arch in (("fig6", "plain"), ("fig8", "resnet")):
        depths = results["cfg"][group]["depths"]
        for scheme in SCHEMES:
            key = f"{group}/{arch}/{scheme}"
            for j, L in enumerate(depths):
                if L == 0 or (group == "fig8" and L not in (2, 8, 32, 128)) or (group == "fig6" and L not in (1, 3, 7)):
                    continue
                H = [r[key]["extent"][j] for r in results["runs"]]
                lam = [r[key]["eig_ratio"][j] for r in results["runs"]]
                case = f"{arch} {scheme} L={L}"
                rows.append(row(case, "extent H", H))
                rows.append(row(case, "lambda_min/lambda_max of cov(P_L)", lam,
                                note="0 = image collapsed onto a line or point"))
    body = _observations(results)
    return rows, body, pngs


def _observations(results):
    runs = results["runs"]

    def med(key, j, what):
        return float(np.median([r[key][what][j] for r in runs]))

    d6 = results["cfg"]["fig6"]["depths"]
    d8 = results["cfg"]["fig8"]["depths"]
    lines = ["**What we see.**"]
    for scheme in SCHEMES:
        key = f"fig6/plain/{scheme}"
        collapsed = [L for j, L in enumerate(d6) if L > 0 and med(key, j, "eig_ratio") < 1e-12]
        first = collapsed[0] if collapsed else None
        lines.append(f"- plain, {LABEL[scheme]}: median extent H after {d6[-1]} layers "
                     f"{med(key, len(d6) - 1, 'extent'):.3g}; the median image is collapsed onto a line or "
                     f"point (lambda_min/lambda_max < 1e-12) from L = {first} on." if first else
                     f"- plain, {LABEL[scheme]}: median extent H after {d6[-1]} layers "
                     f"{med(key, len(d6) - 1, 'extent'):.3g}; the median image never collapses up to "
                     f"L = {d6[-1]}.")
    for scheme in SCHEMES:
        key = f"fig8/resnet/{scheme}"
        lines.append(f"- ResNet, {LABEL[scheme]}: median extent H at L = {d8[-1]}: "
                     f"{med(key, len(d8) - 1, 'extent'):.3g} (L = {d8[1]}: {med(key, 1, 'extent'):.3g}).")
    return "\n".join(lines)
