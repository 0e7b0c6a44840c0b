"""Fig. 5: Box against He initialization for plain ReLU networks trained with LSGD.

Width 32, depths L = 1, 2, 4, 8, 16, LSGD with learning rate 5e-3, ``sin(2 pi x)`` on
256 evenly spaced points (SPEC §6). He is the uniform variant with zero biases, as in
Fig. 3. The paper's point: with He, deep plain networks start from a collapsed basis
(rank 1 on [0, 1] when the biases are zero, since every ReLU neuron of the first layer
is then a multiple of x) and LSGD stalls, while Box-initialized networks keep a rich
basis and train at every depth.
"""

from __future__ import annotations

import numpy as np

from ..diagnostics import basis_conditioning
from ..network import Network
from ..problems import Regression, grid_1d, sin2pi
from ..train import train_lsgd
from ._common import plot_curves, pyplot, row, run_seed, save, thin

NAME = "box-vs-he"
TITLE = "Fig. 5: Box vs He initialization, plain ReLU width 32, LSGD on sin(2 pi x)"
SCHEMES = ("he_uniform", "box")
LR = 5e-3

PROFILES = {
    "quick": {"runs": 1, "steps": 50, "depths": [1, 4, 16], "width": 32, "points": 256,
              "note": "1 run, 50 steps, depths 1, 4, 16 (paper: 16 runs, 1e4 steps, depths 1-16)."},
    "default": {"runs": 4, "steps": 3000, "depths": [1, 2, 4, 8, 16], "width": 32, "points": 256,
                "note": "4 runs (paper: 16), 3000 LSGD steps (paper: 1e4), depths 1, 2, 4, 8, 16."},
    "full": {"runs": 16, "steps": 10_000, "depths": [1, 2, 4, 8, 16], "width": 32, "points": 256,
             "note": "the paper's setting: 16 runs, 1e4 LSGD steps."},
}


def _one(scheme, depth, width, steps, points, seed, run):
    X = grid_1d(points)
    net = Network(1, [width] * depth, activation="relu", arch="plain", init=scheme,
                  rng=np.random.default_rng(run_seed(seed, NAME, scheme, depth, run)))
    rank0 = basis_conditioning(net, X)["rank"]
    hist = train_lsgd(net, Regression(X, sin2pi(X)), steps, LR, record_every=max(1, steps // 10))
    idx, loss = thin(hist.loss)
    return {"scheme": scheme, "depth": depth, "run": run, "iters": idx, "loss": loss,
            "final_loss": hist.final_loss, "rank0": rank0, "rank_final": int(hist.rank[-1])}


def run(cfg, seed, pmap, log):
    tasks = [(s, d, cfg["width"], cfg["steps"], cfg["points"], seed, r)
             for s in SCHEMES for d in cfg["depths"] for r in range(cfg["runs"])]
    log(f"{len(tasks)} LSGD runs of {cfg['steps']} steps")
    return {"cfg": {k: v for k, v in cfg.items() if k != "note"}, "runs": pmap(_one, tasks)}


def report(results, out_dir):
    plt = pyplot()
    depths = results["cfg"]["depths"]
    fig, axes = plt.subplots(1, len(SCHEMES), figsize=(11, 4), sharey=True, layout="constrained")
    cmap = plt.get_cmap("viridis")
    rows, med = [], {}
    for ax, scheme in zip(axes, SCHEMES):
        for i, d in enumerate(depths):
            rs = [r for r in results["runs"] if r["scheme"] == scheme and r["depth"] == d]
            plot_curves(ax, [r["loss"] for r in rs], f"L = {d}", cmap(i / max(1, len(depths) - 1)),
                        x=rs[0]["iters"])
            med[scheme, d] = float(np.median([r["final_loss"] for r in rs]))
            case = f"{scheme} L={d}"
            rows.append(row(case, f"final J after {rs[0]['iters'][-1]} LSGD steps", [r["final_loss"] for r in rs]))
            rows.append(row(case, "rank of the basis at initialization", [r["rank0"] for r in rs],
                            note="of 32 basis functions on 256 points"))
        ax.set_title("He (uniform)" if scheme == "he_uniform" else "Box", fontsize=10)
        ax.set_xlabel("LSGD iteration")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("J (mean squared error)")
    fig.suptitle("Fig. 5: plain ReLU, width 32, LSGD lr 5e-3, sin(2 pi x) (median, min-max band)")
    png = save(fig, out_dir / "fig5_box_vs_he.png")
    better = [d for d in depths if med["box", d] < med["he_uniform", d]]
    body = ("**What we see.** Box ends below He (median final J) at depths "
            f"{better if better else 'none'} of {depths}. Median final J by depth, He / Box: "
            + "; ".join(f"L={d}: {med['he_uniform', d]:.2e} / {med['box', d]:.2e}" for d in depths) + ".")
    return rows, body, [png]
