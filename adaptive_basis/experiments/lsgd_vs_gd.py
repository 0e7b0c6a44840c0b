"""Fig. 3: LSGD against GD (Adam) on ``sin(2 pi x)``, four architectures.

Uniform He initialization, Adam, GD learning rate 5e-4 and LSGD learning rate 5e-3
(SPEC §6), 256 evenly spaced points on [0, 1]. Panels: ReLU plain width 32 depth 4,
ReLU ResNet width 32 depth 4, tanh plain width 40 depth 6, tanh ResNet width 64
depth 8. The loss is ``J = mean |NN(x) - u(x)|^2`` over the 256 points.
"""

from __future__ import annotations

import numpy as np

from ..network import Network
from ..problems import Regression, grid_1d, sin2pi
from ..train import train_gd, train_lsgd
from ._common import plot_curves, pyplot, row, run_seed, save, thin

NAME = "lsgd-vs-gd"
TITLE = "Fig. 3: LSGD vs GD (Adam) on sin(2 pi x), uniform He initialization"

# (key, activation, arch, width, depth, paper's steps, paper's GD loss, paper's LSGD loss)
PANELS = (
    ("relu-plain-w32-d4", "relu", "plain", 32, 4, 10_000, 1e-2, 10 ** -3.3),
    ("relu-resnet-w32-d4", "relu", "resnet", 32, 4, 100_000, None, None),
    ("tanh-plain-w40-d6", "tanh", "plain", 40, 6, 10_000, 1e-5, 1e-13),
    ("tanh-resnet-w64-d8", "tanh", "resnet", 64, 8, 10_000, 1e-5, 1e-15),
)
LR = {"gd": 5e-4, "lsgd": 5e-3}

PROFILES = {
    "quick": {"runs": 1, "steps": {p[0]: 100 for p in PANELS}, "points": 256,
              "note": "1 run, 100 steps per panel (paper: 16 runs, 1e4 or 1e5 steps)."},
    "default": {"runs": 4, "steps": {"relu-plain-w32-d4": 5_000, "relu-resnet-w32-d4": 5_000,
                                     "tanh-plain-w40-d6": 3_000, "tanh-resnet-w64-d8": 1_000},
                "points": 256,
                "note": "4 runs per panel (paper: 16); steps: ReLU plain 5e3 (paper 1e4), ReLU ResNet 5e3 "
                        "(paper 1e5), tanh plain 3e3 (paper 1e4), tanh ResNet 1e3 (paper 1e4)."},
    "full": {"runs": 16, "steps": {p[0]: p[5] for p in PANELS}, "points": 256,
             "note": "the paper's setting: 16 runs, 1e4 steps (1e5 for the ReLU ResNet)."},
}


def _one(panel_key, method, steps, points, seed, run):
    _, act, arch, w, d, *_ = next(p for p in PANELS if p[0] == panel_key)
    X = grid_1d(points)
    net = Network(1, [w] * d, activation=act, arch=arch, init="he_uniform",
                  rng=np.random.default_rng(run_seed(seed, NAME, panel_key, run)))
    trainer = train_lsgd if method == "lsgd" else train_gd
    hist = trainer(net, Regression(X, sin2pi(X)), steps, LR[method], record_every=max(1, steps // 10))
    idx, loss = thin(hist.loss)
    return {"panel": panel_key, "method": method, "run": run, "iters": idx, "loss": loss,
            "final_loss": hist.final_loss, "initial_loss": float(hist.loss[0]),
            "rank_final": int(hist.rank[-1]), "cond_final": float(hist.cond[-1]), "rel_l2": float(hist.errors["rel_l2"][-1]),
            "seconds": float(hist.time[-1])}


def run(cfg, seed, pmap, log):
    tasks = [(p[0], m, cfg["steps"][p[0]], cfg["points"], seed, r)
             for p in PANELS for m in ("gd", "lsgd") for r in range(cfg["runs"])]
    log(f"{len(tasks)} training runs")
    out = pmap(_one, tasks)
    return {"cfg": {k: v for k, v in cfg.items() if k != "note"}, "runs": out}


def report(results, out_dir):
    plt = pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), layout="constrained")
    rows = []
    lines = ["**What we see.**"]
    for ax, (key, act, arch, w, d, steps_paper, gd_paper, ls_paper) in zip(axes.ravel(), PANELS):
        finals = {}
        for method, color in (("gd", "tab:blue"), ("lsgd", "tab:red")):
            rs = [r for r in results["runs"] if r["panel"] == key and r["method"] == method]
            plot_curves(ax, [r["loss"] for r in rs], f"{method.upper()} (lr {LR[method]:g})", color, x=rs[0]["iters"])
            finals[method] = [r["final_loss"] for r in rs]
            if method == "lsgd":
                initial = [r["initial_loss"] for r in rs]
                rows.append(row(f"{key} LSGD", "J after the first LS solve (iteration 0)", initial))
            rows.append(row(f"{key} {method.upper()}", f"rank of the basis at the end (of {w})",
                            [r["rank_final"] for r in rs]))
            rows.append(row(f"{key} {method.upper()}", f"final J after {rs[0]['iters'][-1]} steps",
                            finals[method], paper=gd_paper if method == "gd" else ls_paper,
                            note="paper: read off Fig. 3" if (gd_paper if method == "gd" else ls_paper) else ""))
        ax.set_title(f"{act} {arch}, width {w}, depth {d}", fontsize=9)
        ax.set_xlabel("iteration")
        ax.set_ylabel("J (mean squared error)")
        ax.legend(fontsize=8)
        med_gd, med_ls = np.median(finals["gd"]), np.median(finals["lsgd"])
        med_0 = np.median(initial)
        lines.append(f"- {key}: median final J, GD {med_gd:.2e}, LSGD {med_ls:.2e} "
                     f"(LSGD/GD = {med_ls / med_gd:.1e}); LSGD started at {med_0:.2e} after its first LS solve"
                     + (" and ended *above* that" if med_ls > med_0 else "")
                     + _compare(gd_paper, ls_paper, med_gd, med_ls))
    lines.append(_DISCUSSION)
    fig.suptitle("Fig. 3: LSGD vs GD on sin(2 pi x) (median and min-max over runs)")
    png = save(fig, out_dir / "fig3_lsgd_vs_gd.png")
    return rows, "\n".join(lines), [png]


_DISCUSSION = """
How this compares with the paper's Fig. 3 (as SPEC quotes it):

* **tanh**: LSGD ends many orders of magnitude below GD, as in the paper. But our LSGD curves
  do not *descend* to round-off as the paper's do: the very first LS solve on the He-initialized
  tanh basis already fits sin(2 pi x) on the 256 points to J ~ 1e-18 or below (the basis has
  condition numbers around 1e12-1e16 and the minimum-norm solve keeps singular values down to
  max(M, n) eps s_max), and the Adam steps at lr 5e-3 then move J *up*, to 1e-12 (plain) and
  1e-17 (ResNet) in the median, with a wide spread over runs. We did not investigate which
  setting (bias initialization, LS truncation, float precision) makes the paper's initial LS fit
  worse than ours; SPEC does not give one, and we did not tune for it.
* **ReLU**: our LSGD plateaus at J ~ 5e-4, matching the paper's ~10^-3.3, but our GD baseline
  (Adam, lr 5e-4, on every parameter) reaches ~1e-5, three orders of magnitude below the paper's
  ~1e-2, so LSGD does **not** beat GD here. A plausible but unverified cause is initialization
  detail: SPEC's He initialization has zero biases, which makes every initial ReLU basis function
  on [0, 1] a multiple of x (rank 1, see `basis`); LSGD's larger learning rate (5e-3) then kills
  more neurons (compare the rows "rank of the basis at the end" of LSGD and GD) and the basis
  does not recover.
"""


def _compare(gd_paper, ls_paper, med_gd, med_ls):
    if gd_paper is None or ls_paper is None:
        return "."
    within = lambda a, b: abs(np.log10(a) - np.log10(b)) <= 1.0  # noqa: E731
    verdict = []
    verdict.append("GD within an order of magnitude of the paper" if within(med_gd, gd_paper)
                   else f"GD differs from the paper's ~{gd_paper:.0e} by more than an order of magnitude")
    verdict.append("LSGD within an order of magnitude of the paper" if within(med_ls, ls_paper)
                   else f"LSGD differs from the paper's ~{ls_paper:.0e} by more than an order of magnitude")
    return "; " + "; ".join(verdict) + "."
