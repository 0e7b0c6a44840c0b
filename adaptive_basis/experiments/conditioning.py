"""Fig. 8 (right): conditioning of the image of the box under ReLU ResNets, against depth.

Two measurements of how much of the box a ResNet's hidden state still "fills" after
L layers (SPEC §6, Fig. 8):

1. **Eigenvalue ratios.** ``N`` samples of ``U[0,1]^w`` go through a ReLU ResNet with
   ``w = d`` (8, 32, 128) and depth L (the first layer plain, L - 1 residual
   blocks); ``lambda_1 >= ... >= lambda_d`` are the eigenvalues of the covariance of
   the image ``h_L`` (:func:`~adaptive_basis.diagnostics.covariance_eigen_ratios`)
   and we plot ``lambda_{d-1}/lambda_d`` and ``lambda_1/lambda_d``: large ratios mean
   the image is squeezed towards a hyperplane (an ill-conditioned basis). A
   ``lambda_d`` that is numerically zero makes the ratio infinite; we record such a
   ratio as ``1/eps = 4.5e15`` (double-precision round-off relative to
   ``lambda_1``) so that it stays on the plot.
2. **Area of the convex hull** of the 2-D image ``P_L`` of a 25 x 25 grid of
   ``[0,1]^2`` under width-2 networks (the setting of Figs. 6 and 8 left), ResNet
   and, for comparison, plain: area 1 at L = 0, area 0 when the image has collapsed
   onto a line or a point (checked explicitly, see :func:`hull_area`). We also
   report the area divided by ``H^2`` (``H`` the extent of the image), the fraction
   of its bounding square that the image fills, which does not reward mere growth.

Glorot and He draw every layer independently of the depth (one child generator per
layer), so their depth-L networks are the first L layers of the deepest one and one
forward pass gives every depth; a Box ResNet's scales depend on L (eq. 16), so each
depth is a separate network. The same samples of ``U[0,1]^w`` go through every
initialization of a run.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import ConvexHull, QhullError

from ..diagnostics import covariance_eigen_ratios, extent, unit_grid
from ..network import Network
from ._common import pyplot, row, run_seed, save

NAME = "conditioning"
TITLE = "Fig. 8 (right): covariance eigenvalue ratios and hull area of ResNet images against depth"
SCHEMES = ("glorot_uniform", "he_uniform", "box")
LABEL = {"glorot_uniform": "Glorot uniform", "he_uniform": "He uniform", "box": "Box"}
COLOR = {"glorot_uniform": "tab:green", "he_uniform": "tab:blue", "box": "tab:red"}
RATIO_CAP = 1.0 / np.finfo(float).eps  # a numerically zero lambda_d

_DEPTHS = [1, 2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64, 91, 128]
_HULL_DEPTHS = [0, 1, 2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64, 91, 128]
PROFILES = {
    "quick": {"runs": 1, "widths": [8], "depths": [1, 8, 32], "samples": 256,
              "hull_depths": [0, 1, 8, 32], "grid": 25,
              "note": "1 network per case, w = 8, depths 1, 8, 32, 256 samples "
                      "(paper: w = 8, 32, 128, depths 1-128)."},
    "default": {"runs": 8, "widths": [8, 32, 128], "depths": _DEPTHS, "samples": 2048,
                "hull_depths": _HULL_DEPTHS, "grid": 25,
                "note": "8 networks per case (median and min-max shown), w = d = 8, 32, 128, 14 depths from 1 to "
                        "128 on a log scale, 2048 samples of U[0,1]^w (the paper's sample size is not given in "
                        "SPEC); hull of a 25 x 25 grid."},
    "full": {"runs": 16, "widths": [8, 32, 128], "depths": list(range(1, 129)), "samples": 4096,
             "hull_depths": list(range(0, 129)), "grid": 25,
             "note": "16 networks per case, every depth 1-128, 4096 samples."},
}


def hull_area(P, rel_tol=1e-12) -> float:
    """Area of the convex hull of the 2-D points ``P`` (N, 2); 0 for a degenerate image.

    The image is degenerate -- a point or a segment, whose hull Qhull refuses -- when
    its second singular value (after centring) is below ``rel_tol`` times the first
    (or both are zero). Qhull errors on nearly degenerate input are also read as area 0.
    """
    P = np.asarray(P, dtype=float)
    if P.ndim != 2 or P.shape[1] != 2:
        raise ValueError(f"P must have shape (N, 2), got {P.shape}")
    if P.shape[0] < 3:
        return 0.0
    s = np.linalg.svd(P - P.mean(axis=0), compute_uv=False)
    if s[0] == 0.0 or s[1] <= rel_tol * s[0]:
        return 0.0
    try:
        return float(ConvexHull(P).volume)  # in 2-D, "volume" is the area
    except QhullError:
        return 0.0


def _ratios(P):
    r = covariance_eigen_ratios(P)
    return (min(r["ratio_second_smallest"], RATIO_CAP), min(r["ratio_largest"], RATIO_CAP))


def _images_by_depth(scheme, arch, d, depths, X, ss):
    """``{L: h_L(X)}`` for the ResNet/plain networks of width ``d`` and every depth L."""
    def net(L):
        return Network(d, [d] * L, activation="relu", arch=arch, init=scheme, rng=np.random.default_rng(ss))
    out = {}
    if 0 in depths:
        out[0] = X
    pos = [L for L in depths if L > 0]
    if scheme == "box" and arch == "resnet":
        for L in pos:  # the scales m_l, delta = 1/L depend on L: one network per depth
            out[L] = net(L).hidden_states(X)[-1]
    else:  # depth-independent draws: the depth-L network is a prefix of the deepest
        states = net(max(pos)).hidden_states(X)
        for L in pos:
            out[L] = states[L]
    return out


def _eig_task(width, scheme, depths, samples, seed, run):
    X = np.random.default_rng(run_seed(seed, NAME, "samples", width, run)).random((samples, width))
    imgs = _images_by_depth(scheme, "resnet", width, depths, X, run_seed(seed, NAME, "eig", width, scheme, run))
    r = [_ratios(imgs[L]) for L in depths]
    return {"width": width, "scheme": scheme, "run": run,
            "second": [a for a, _ in r], "largest": [b for _, b in r],
            "extent": [extent(imgs[L]) for L in depths],
            # coordinates of h_L that are zero on every sample (dead neurons of the first, plain layer)
            "zero_coords": [int(np.sum(np.all(imgs[L] == 0.0, axis=0))) for L in depths]}


def _hull_task(arch, scheme, depths, grid, seed, run):
    X = unit_grid(grid, 2)
    imgs = _images_by_depth(scheme, arch, 2, depths, X, run_seed(seed, NAME, "hull", arch, scheme, run))
    area = [hull_area(imgs[L]) for L in depths]
    H = [extent(imgs[L]) for L in depths]
    return {"arch": arch, "scheme": scheme, "run": run, "area": area,
            "area_rel": [a / h ** 2 if h > 0 else 0.0 for a, h in zip(area, H)], "extent": H}


def _task(kind, *args):
    return _eig_task(*args) if kind == "eig" else _hull_task(*args)


def run(cfg, seed, pmap, log):
    eig = [("eig", w, s, cfg["depths"], cfg["samples"], seed, r)
           for w in sorted(cfg["widths"], reverse=True) for s in SCHEMES for r in range(cfg["runs"])]
    hull = [("hull", a, s, cfg["hull_depths"], cfg["grid"], seed, r)
            for a in ("resnet", "plain") for s in SCHEMES for r in range(cfg["runs"])]
    log(f"{len(eig)} eigenvalue-ratio cases and {len(hull)} hull cases")
    out = pmap(_task, eig + hull)  # one pool for both: workers are spawned once
    return {"cfg": {k: v for k, v in cfg.items() if k != "note"}, "eig": out[:len(eig)], "hull": out[len(eig):]}


def _band(ax, x, curves, color, label, style="-", log=True):
    C = np.asarray(curves, dtype=float)
    med = np.median(C, axis=0)
    (ax.loglog if log else ax.semilogx)(x, med, style, color=color, label=label, lw=1.4)
    if C.shape[0] > 1:
        ax.fill_between(x, C.min(axis=0), C.max(axis=0), color=color, alpha=0.15, lw=0)


def report(results, out_dir):
    plt = pyplot()
    cfg = results["cfg"]
    depths, widths = cfg["depths"], cfg["widths"]
    rows, pngs = [], []

    def eig_runs(w, s):
        return [r for r in results["eig"] if r["width"] == w and r["scheme"] == s]

    fig, axes = plt.subplots(2, len(widths), figsize=(4.2 * len(widths), 7), squeeze=False, layout="constrained")
    for j, w in enumerate(widths):
        for i, (key, name) in enumerate((("second", "lambda_{d-1} / lambda_d"), ("largest", "lambda_1 / lambda_d"))):
            ax = axes[i, j]
            for s in SCHEMES:
                _band(ax, depths, [r[key] for r in eig_runs(w, s)], COLOR[s], LABEL[s])
            ax.axhline(RATIO_CAP, color="0.5", lw=0.7, ls=":")
            ax.set_title(f"w = d = {w}: {name}", fontsize=9)
            ax.set_xlabel("depth L")
            ax.set_ylabel(name)
            ax.legend(fontsize=7)
    fig.suptitle("Fig. 8 (right): eigenvalue ratios of cov(h_L) for U[0,1]^w samples through ReLU ResNets\n"
                 f"(median, min-max over {cfg['runs']} networks; dotted line: the 1/eps cap)", fontsize=10)
    pngs.append(save(fig, out_dir / "fig8_eigenvalue_ratios.png"))

    hd = cfg["hull_depths"]
    x = [max(L, 0.5) for L in hd]  # L = 0 drawn at 0.5 on the log axis
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True, sharey="row", layout="constrained")
    for j, arch in enumerate(("resnet", "plain")):
        for s in SCHEMES:
            rs = [r for r in results["hull"] if r["arch"] == arch and r["scheme"] == s]
            for i, key in enumerate(("area", "area_rel")):
                C = np.maximum(np.asarray([r[key] for r in rs]), 1e-18)  # area 0 drawn at 1e-18
                _band(axes[i, j], x, C, COLOR[s], LABEL[s])
        axes[0, j].set_title(f"{'ResNet' if arch == 'resnet' else 'plain'}, width 2", fontsize=10)
        axes[1, j].set_xlabel("depth L (L = 0 drawn at 0.5)")
    axes[0, 0].set_ylabel("area of the convex hull of P_L")
    axes[1, 0].set_ylabel("area / H^2\n(fraction of the bounding square [0, H]^2)")
    for ax in axes.ravel():
        ax.set_ylim(bottom=1e-19)
        ax.legend(fontsize=7)
    fig.suptitle("Fig. 8: convex hull of the image of a 25 x 25 grid of [0,1]^2 under width-2 ReLU networks\n"
                 f"(median, min-max over {cfg['runs']} networks; area 0 drawn at 1e-18)", fontsize=10)
    pngs.append(save(fig, out_dir / "fig8_hull_area.png"))

    show = [L for L in depths if L in (1, 8, 32, 128) or L == depths[-1]]
    for w in widths:
        for s in SCHEMES:
            rs = eig_runs(w, s)
            for L in show:
                j = depths.index(L)
                case = f"w=d={w} {s} L={L}"
                rows.append(row(case, "lambda_{d-1}/lambda_d", [r["second"][j] for r in rs]))
                rows.append(row(case, "lambda_1/lambda_d", [r["largest"][j] for r in rs],
                                note="capped at 1/eps = 4.5e15"))
    hshow = [L for L in hd if L in (0, 8, 32, 128) or L == hd[-1]]
    for arch in ("resnet", "plain"):
        for s in SCHEMES:
            rs = [r for r in results["hull"] if r["arch"] == arch and r["scheme"] == s]
            for L in hshow:
                j = hd.index(L)
                rows.append(row(f"{arch} w=2 {s} L={L}", "hull area of P_L", [r["area"][j] for r in rs]))
                rows.append(row(f"{arch} w=2 {s} L={L}", "hull area / H^2", [r["area_rel"][j] for r in rs]))
    return rows, _observations(results), pngs


def _observations(results):
    cfg = results["cfg"]
    depths, widths, hd = cfg["depths"], cfg["widths"], cfg["hull_depths"]
    L = depths[-1]

    def med(rs, key, j):
        return float(np.median([r[key][j] for r in rs]))

    lines = ["**What we see.**"]
    box_best_all = True
    for w in widths:
        m = {s: med([r for r in results["eig"] if r["width"] == w and r["scheme"] == s], "largest", len(depths) - 1)
             for s in SCHEMES}
        m1 = {s: med([r for r in results["eig"] if r["width"] == w and r["scheme"] == s], "largest", 0)
              for s in SCHEMES}
        box_best = m["box"] <= min(m["glorot_uniform"], m["he_uniform"])
        box_best_all &= box_best
        lines.append(f"- w = d = {w}: median lambda_1/lambda_d at L = {depths[0]} / L = {L}: "
                     + ", ".join(f"{LABEL[s]} {m1[s]:.3g} / {m[s]:.3g}" for s in SCHEMES)
                     + (" -- Box is the best conditioned at L = %d." % L if box_best else
                        " -- Box is **not** the best conditioned at L = %d." % L))
    if depths[0] == 1 and len(depths) > 1:
        def z(w, s, j):
            return med([r for r in results["eig"] if r["width"] == w and r["scheme"] == s], "zero_coords", j)
        lines.append("- Median number of coordinates of h_L that vanish on every sample (dead zero-bias neurons "
                     f"make lambda_d = 0), at L = 1 / L = {depths[1]}: "
                     + "; ".join(f"w = {w}: " + ", ".join(f"{LABEL[s]} {z(w, s, 0):g} / {z(w, s, 1):g}"
                                                          for s in SCHEMES) for w in widths)
                     + ". A residual block adds a function of the other coordinates to a dead one, which is why the "
                       "Glorot/He ratios first fall with depth before they grow.")
    for arch in ("resnet", "plain"):
        parts = []
        for s in SCHEMES:
            rs = [r for r in results["hull"] if r["arch"] == arch and r["scheme"] == s]
            a = med(rs, "area", len(hd) - 1)
            ar = med(rs, "area_rel", len(hd) - 1)
            zero = [Ld for j, Ld in enumerate(hd) if med(rs, "area", j) == 0.0]
            parts.append(f"{LABEL[s]} area {a:.3g} (area/H^2 {ar:.3g})"
                         + (f", median area exactly 0 from L = {zero[0]}" if zero else ""))
        lines.append(f"- hull of the width-2 {arch} image at L = {hd[-1]}: " + "; ".join(parts) + ".")
    pb = [r for r in results["hull"] if r["arch"] == "plain" and r["scheme"] == "box"]
    pz = [Ld for j, Ld in enumerate(hd) if med(pb, "area", j) == 0.0]
    if pz:
        lines.append(f"- **Plain Box networks of width 2 collapse too**: their median hull area is 0 from L = {pz[0]} "
                     f"(median extent H there {med(pb, 'extent', hd.index(pz[0])):.3g}), although every Box layer maps "
                     "the box into the box; Fig. 6 (extent H only) does not show this.")
    lines.append("SPEC quotes no values for Fig. 8; the paper's point is that Box ResNets keep the image of the "
                 "box well conditioned with depth while Glorot/He ResNets do not. "
                 + ("Our ratios agree at the deepest L for every width." if box_best_all else
                    "**Our ratios differ from that picture for the widths marked above.**"))
    return "\n".join(lines)
