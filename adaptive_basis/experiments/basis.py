"""Figs. 16 and 17: the basis functions Phi_i on [0, 1] at initialization.

One input, width 8, depths 1, 2, 4, 8; plain (Fig. 16) and ResNet (Fig. 17) ReLU
networks with Glorot, He and Box initialization. Each panel plots every basis
function. With zero biases the Glorot/He plain bases on [0, 1] are multiples of x
(or dead) -- a rank-one basis -- while Box spreads its breakpoints over the box.
"""

from __future__ import annotations

import numpy as np

from ..diagnostics import basis_conditioning
from ..network import Network
from ._common import pyplot, row, run_seed, save

NAME = "basis"
TITLE = "Figs. 16, 17: basis functions at initialization, width 8, depths 1-8"
SCHEMES = ("glorot_uniform", "he_uniform", "box")
LABEL = {"glorot_uniform": "Glorot uniform", "he_uniform": "He uniform", "box": "Box"}

PROFILES = {
    "quick": {"runs": 2, "depths": [1, 2, 4, 8], "width": 8, "points": 256,
              "note": "2 random networks per case for the statistics; panels show run 0."},
    "default": {"runs": 16, "depths": [1, 2, 4, 8], "width": 8, "points": 256,
                "note": "16 random networks per case for the statistics (the paper shows one); "
                        "panels show run 0."},
    "full": {"runs": 16, "depths": [1, 2, 4, 8], "width": 8, "points": 256, "note": "as default."},
}


def _one(arch, scheme, depth, width, points, seed, run):
    X = np.linspace(0.0, 1.0, points)[:, None]
    net = Network(1, [width] * depth, activation="relu", arch=arch, init=scheme,
                  rng=np.random.default_rng(run_seed(seed, NAME, arch, scheme, depth, run)))
    Phi = net.basis(X)
    cond = basis_conditioning(net, X)
    dead = int(np.sum(np.all(Phi == 0.0, axis=0)))
    return {"arch": arch, "scheme": scheme, "depth": depth, "run": run, "rank": cond["rank"],
            "dead": dead, "Phi": Phi.tolist() if run == 0 else None}


def run(cfg, seed, pmap, log):
    tasks = [(a, s, d, cfg["width"], cfg["points"], seed, r)
             for a in ("plain", "resnet") for s in SCHEMES for d in cfg["depths"] for r in range(cfg["runs"])]
    log(f"{len(tasks)} networks")
    return {"cfg": {k: v for k, v in cfg.items() if k != "note"}, "runs": pmap(_one, tasks)}


def report(results, out_dir):
    plt = pyplot()
    cfg = results["cfg"]
    x = np.linspace(0.0, 1.0, cfg["points"])
    pngs, rows, lines = [], [], ["**What we see** (median over runs; rank of the 8 basis functions on 256 points):"]
    for arch, fig_no in (("plain", 16), ("resnet", 17)):
        fig, axes = plt.subplots(len(SCHEMES), len(cfg["depths"]), figsize=(11, 7.5), layout="constrained",
                                 squeeze=False)
        for i, scheme in enumerate(SCHEMES):
            parts = []
            for j, d in enumerate(cfg["depths"]):
                rs = [r for r in results["runs"] if r["arch"] == arch and r["scheme"] == scheme and r["depth"] == d]
                r0 = next(r for r in rs if r["run"] == 0)
                ax = axes[i, j]
                ax.plot(x, np.asarray(r0["Phi"]), lw=1)
                ax.set_title(f"{LABEL[scheme]}, L={d}: rank {r0['rank']}, dead {r0['dead']}", fontsize=8)
                ax.tick_params(labelsize=6)
                case = f"{arch} {scheme} L={d}"
                rows.append(row(case, "rank of Phi on [0,1]", [r["rank"] for r in rs]))
                rows.append(row(case, "dead basis functions (of 8)", [r["dead"] for r in rs]))
                parts.append(f"L={d}: {np.median([r['rank'] for r in rs]):g}")
            lines.append(f"- {arch}, {LABEL[scheme]}: " + ", ".join(parts))
        fig.suptitle(f"Fig. {fig_no}: basis functions Phi_i(x) of {arch} ReLU networks, width 8, at initialization")
        pngs.append(save(fig, out_dir / f"fig{fig_no}_basis_{arch}.png"))
    lines.append("\nGlorot and He draw zero biases (SPEC §2, PyTorch's `init` functions), so on [0, 1] every "
                 "first-layer ReLU neuron is `relu(w x)`, a multiple of x or dead, and every deeper plain layer keeps "
                 "that: the plain Glorot/He bases are rank 1 at initialization. A ResNet with these initializations "
                 "is also rank 1 on [0, 1] for the same reason (the skip adds multiples of x). The paper's Figs. 16/17 "
                 "are drawn with whatever bias initialization its code used (not stated in SPEC); with non-zero "
                 "biases (e.g. PyTorch's `nn.Linear` default) the Glorot/He panels would show kinks inside (0, 1). "
                 "Box places one kink per neuron inside the box by construction (the plane through p).")
    return rows, "\n".join(lines), pngs
