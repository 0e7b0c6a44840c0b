#!/usr/bin/env python
"""Performance benchmarks of adaptive_basis (issue 5, performance items 4-6).

    python benchmarks/run.py            # the full grid, about 15-25 minutes on 2 shared cores
    python benchmarks/run.py --quick    # a subset, about one minute
    python benchmarks/run.py --help     # grid, repeats, threads, output files

Measures, over a grid of (points N, width, depth, plain/ResNet, ReLU/tanh):

* the time of one GD iteration and of one LSGD iteration *as the trainers do them*:
  ``train_gd`` / ``train_lsgd`` run S + 2 iterations with a ``progress`` callback that
  reads the clocks after each iteration; the intervals between iterations 1 and S + 1
  hold nothing but plain iterations (the set-up, the first iteration, which allocates
  the arrays reused later, and the diagnostics recorded at the first and the last
  iteration fall outside). CPU time of the process (``time.process_time``) is the
  primary number: with one BLAS thread it does not count the time the scheduler gives
  to the other processes of a shared machine; wall-clock time is reported beside it.
* the same GD step in PyTorch (CPU, float64, same data, same initial weights, same
  loss, Adam with the same hyper-parameters, ``loss.item()`` read every step as
  ``train_gd`` records J) when ``torch`` can be imported, with the ratio; the loss
  histories of the two are compared to show that the same computation is timed;
* the least-squares solve alone for the LAPACK drivers gelsd, gelsy, gelss (through
  ``scipy.linalg.lstsq``, and through the engine's direct call) and a pivoted-QR
  solve, with their accuracy: the normal-equation residual
  ``|A^T (A x - b)| / (|A| (|A| |x| + |b|))`` in units of eps, and the relative
  distance to the minimum-norm solution (truncated SVD, same rank tolerance);
* the peak of NumPy's allocations (``tracemalloc``) during a run of one iteration.

Repeats of the different methods are interleaved, and every number is a median
over repeats. The machine (CPU, cores, load average before and after), the library
versions and the thread counts are written to ``benchmarks/RESULTS.md`` with the
tables; ``--json`` keeps the raw numbers, and ``--compare old.json`` adds a
before/after table (e.g. for a run with ``--engine`` pointing at an older checkout).
"""

from __future__ import annotations

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _ints(text):
    return [int(v) for v in text.split(",") if v]


def _strs(text):
    return [v for v in text.split(",") if v]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a small subset (about one minute)")
    p.add_argument("--points", type=_ints, help="grid of N (comma-separated); default 256,2048,16384")
    p.add_argument("--widths", type=_ints, help="default 32,256")
    p.add_argument("--depths", type=_ints, help="default 4,16")
    p.add_argument("--archs", type=_strs, help="default plain,resnet")
    p.add_argument("--activations", type=_strs, help="default relu,tanh")
    p.add_argument("--repeats", type=int, help="repeats of every measurement (median); default 3")
    p.add_argument("--init", default="box", help="initialization of the timed networks (default box; "
                   "the LS section also uses he_uniform, whose ReLU bases are rank-deficient)")
    p.add_argument("--seconds", type=float,
                   help="target length of one timed run; sets S (default 0.3, quick 0.1)")
    p.add_argument("--threads", type=int, default=1,
                   help="BLAS/OpenMP threads for NumPy and PyTorch alike (default 1)")
    p.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    p.add_argument("--methods", type=_strs, default=["gd", "lsgd", "lsgd_gelsy"],
                   help="trainer timings: gd, lsgd (default driver gelsd), lsgd_gelsy (default: all three)")
    p.add_argument("--torch-adam", type=_strs,
                   help="PyTorch Adam variants to time, the fastest counts: 'default' (for-loop), "
                        "'foreach', 'fused'; default 'default,fused' (quick: 'default')")
    p.add_argument("--skip", type=_strs, default=[], help="sections to skip: steps,ls,memory")
    p.add_argument("--engine", default=ROOT, help="directory holding the adaptive_basis package to time")
    p.add_argument("--label", help="name of the engine in the report (default: its git revision)")
    p.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "RESULTS.md"))
    p.add_argument("--json", help="also write the raw results to this JSON file")
    p.add_argument("--compare", help="JSON of an earlier run (e.g. another --engine): before/after table")
    p.add_argument("--render", help="measure nothing: rewrite --out from the JSON of an earlier run (--json)")
    p.add_argument("--baseline", help="directory of another adaptive_basis (e.g. an older commit exported with "
                   "git archive): its GD and LSGD iterations are timed too, in a worker process, interleaved "
                   "with this engine's repeats, for a before/after table")
    p.add_argument("--baseline-label", help="name of the --baseline engine in the report")
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the --baseline worker
    args = p.parse_args(argv)
    quick = args.quick
    defaults = {"points": [256, 4096] if quick else [256, 2048, 16384],
                "widths": [32, 256] if quick else [32, 256],
                "depths": [4, 16],
                "archs": ["plain", "resnet"],
                "activations": ["relu", "tanh"],
                "repeats": 3, "seconds": 0.1 if quick else 0.3,
                "torch_adam": ["default"] if quick else ["default", "fused"]}
    for k, v in defaults.items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    return args


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    # thread counts are fixed before NumPy (OpenBLAS) and PyTorch are imported
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = str(ARGS.threads)
    sys.path.insert(0, os.path.abspath(ARGS.engine))

import datetime  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.linalg  # noqa: E402

import adaptive_basis as ab  # noqa: E402
from adaptive_basis import Network, Regression, grid_1d, sin2pi, train_gd, train_lsgd  # noqa: E402

try:
    import torch
except ImportError:  # optional: never a dependency of the package
    torch = None

EPS = np.finfo(np.float64).eps
LR = {"gd": 5e-4, "lsgd": 5e-3}  # the paper's Fig. 3 rates (irrelevant to the cost of a step)
TARGETS = {"paper_vs_torch": 0.5, "large_vs_torch": 1.0, "lsgd_over_gd": 1.3}


ARGV_TEXT = "python " + " ".join(sys.argv)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------ machine
def machine_info(threads):
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info = {"cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "torch": getattr(torch, "__version__", None), "threads": threads,
            "env": {v: os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                                   "OPENBLAS_CORETYPE")},
            "date": datetime.datetime.now().isoformat(timespec="seconds")}
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["blas"] = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # noqa: BLE001 - only informative
        info["blas"] = "?"
    try:
        import threadpoolctl
        info["threadpools"] = [f"{p['internal_api']} {p.get('version')}: {p['num_threads']} thread(s)"
                               for p in threadpoolctl.threadpool_info()]
    except ImportError:
        info["threadpools"] = ["threadpoolctl not installed: thread counts set through the environment "
                               "variables above, before NumPy was imported"]
    if torch is not None:
        torch.set_num_threads(threads)
        info["torch_threads"] = torch.get_num_threads()
    try:
        info["engine_rev"] = subprocess.run(["git", "-C", ARGS.engine, "describe", "--always", "--dirty"],
                                            capture_output=True, text=True, timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        info["engine_rev"] = "?"
    info["engine_path"] = os.path.dirname(ab.__file__)
    if ARGS.label:
        info["engine_rev"] = ARGS.label
    return info


# ------------------------------------------------------------------ set-up
def make_case(N, width, depth, arch, act, init="box", seed=0):
    X = grid_1d(N)
    problem = Regression(X, sin2pi(X))
    net = Network(1, [width] * depth, activation=act, arch=arch, init=init, rng=seed)
    return net, problem


def cpu_wall(fn):
    c, w = time.process_time(), time.perf_counter()
    out = fn()
    return time.process_time() - c, time.perf_counter() - w, out


def med(values):
    values = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.median(values)) if values else float("nan")


# ------------------------------------------------------------------ trainers
def time_trainer(method, net0, problem, S, driver=None):
    """Per-iteration (cpu, wall) seconds of ``train_gd`` / ``train_lsgd``.

    The trainer runs S + 2 iterations with a progress callback, which it calls after
    iteration t (and after that iteration's diagnostics) for every t when S + 2 < 20,
    else every (S + 2) // 10 iterations. The clock readings of the callback between
    t = 1 and t = S + 1 enclose only plain iterations: the first one (which allocates
    the reused arrays) and the diagnostics of the first and last iterations fall
    outside. Returns the medians over those intervals of the time per iteration.
    """
    train = train_gd if method == "gd" else train_lsgd
    kwargs = {"driver": driver} if driver else {}
    steps = S + 2
    every = max(1, steps // 10)
    marks = []

    def progress(_msg):
        marks.append((time.process_time(), time.perf_counter()))

    train(net0.copy(), problem, steps, LR[method], record_every=steps, progress=progress, **kwargs)
    ts = list(range(0, steps + 1, every)) + ([steps] if steps % every else [])
    assert len(ts) == len(marks), (ts, len(marks))
    cpu, wall = [], []
    for (ta, (ca, wa)), (tb, (cb, wb)) in zip(zip(ts, marks), zip(ts[1:], marks[1:])):
        if ta >= 1 and tb <= steps - 1:
            cpu.append((cb - ca) / (tb - ta))
            wall.append((wb - wa) / (tb - ta))
    return med(cpu), med(wall)


# ------------------------------------------------------------------ PyTorch
class TorchGD:
    """The GD step of train_gd in PyTorch: same data, weights, loss and Adam."""

    def __init__(self, net, problem, variant):
        t = torch
        self.act = t.relu if net.activation.name == "relu" else t.tanh
        self.resnet = net.arch == "resnet"
        self.bias = net.output_bias
        self.W = [t.tensor(w, requires_grad=True) for w in net.W]
        self.b = [t.tensor(v, requires_grad=True) for v in net.b]
        self.xi = t.tensor(net.xi_L, requires_grad=True)
        self.U = t.from_numpy(net.input_map(problem.X).copy())
        self.weight = float(problem.weight)
        self.rhs = t.from_numpy(problem.weight * problem.Y)
        opts = {"default": {}, "foreach": {"foreach": True}, "fused": {"fused": True}}[variant]
        self.opt = t.optim.Adam(self.W + self.b + [self.xi], lr=LR["gd"], betas=(0.9, 0.999), eps=1e-8, **opts)

    def step(self):
        self.opt.zero_grad(set_to_none=True)
        h = self.U
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            a = self.act(torch.nn.functional.linear(h, W, b))
            h = h + a if (self.resnet and l > 0) else a
        if self.bias:
            h = torch.cat([h, torch.ones(h.shape[0], 1, dtype=h.dtype)], dim=1)
        R = (self.weight * h) @ self.xi - self.rhs
        loss = (R * R).sum()
        loss.backward()
        self.opt.step()
        value = loss.item()  # train_gd reads J every iteration too
        if not math.isfinite(value):
            raise FloatingPointError("torch loss is not finite")
        return value


def time_torch(net0, problem, S, variant):
    """Per-step (cpu, wall) seconds of :class:`TorchGD`: medians over S steps after a warm-up step."""
    model = TorchGD(net0, problem, variant)
    model.step()  # warm-up: allocations, optimizer state
    cpu, wall = [], []
    for _ in range(S):
        c, w, _ = cpu_wall(model.step)
        cpu.append(c)
        wall.append(w)
    return med(cpu), med(wall)


def torch_agreement(net0, problem, k=4):
    """Max relative difference of the first k losses of train_gd and of TorchGD."""
    hist = train_gd(net0.copy(), problem, k - 1, LR["gd"])
    model = TorchGD(net0, problem, "default")
    losses = [model.step() for _ in range(k)]
    return float(np.max(np.abs(np.array(losses) - hist.loss) / np.abs(hist.loss)))


# ------------------------------------------------------------------ LS solves
def min_norm_reference(A, b, rcond):
    """Truncated-SVD minimum-norm solution (gesvd, an algorithm none of the drivers uses)."""
    U, s, Vt = scipy.linalg.svd(A, full_matrices=False, lapack_driver="gesvd")
    r = int(np.count_nonzero(s > rcond * s[0])) if s.size and s[0] > 0 else 0
    x = Vt[:r].T @ ((U[:, :r].T @ b) / s[:r, None])
    return x, r, s


def qr_pivoted_solve(A, b, rcond):
    """Pivoted QR, leading r x r triangle solved, other coefficients zero (the basic solution)."""
    Q, R, P = scipy.linalg.qr(A, mode="economic", pivoting=True, check_finite=False)
    d = np.abs(np.diag(R))
    r = int(np.count_nonzero(d > rcond * d[0])) if d.size and d[0] > 0 else 0
    x = np.zeros((A.shape[1], b.shape[1]))
    x[P[:r]] = scipy.linalg.solve_triangular(R[:r, :r], Q[:, :r].T @ b, check_finite=False)
    return x


def ls_methods(rcond):
    out = {f"{d} (scipy.linalg.lstsq)": (lambda d: lambda A, b: scipy.linalg.lstsq(
        A, b, cond=rcond, lapack_driver=d, check_finite=False)[0])(d) for d in ("gelsd", "gelsy", "gelss")}
    solver_cls = getattr(ab.lstsq, "_Solver", None)
    if solver_cls is not None:
        for d in ("gelsd", "gelsy"):
            solver = solver_cls(d)
            out[f"{d} (engine, direct LAPACK)"] = (lambda s: lambda A, b: s(A, b).xi)(solver)
    out["pivoted QR + triangular solve"] = lambda A, b: qr_pivoted_solve(A, b, rcond)
    return out


def bench_ls(N, width, arch, act, depth, init, repeats, seconds):
    net, problem = make_case(N, width, depth, arch, act, init)
    A, b, _ = problem.system(net)
    rcond = max(A.shape) * EPS
    x_mn, rank, s = min_norm_reference(A, b, rcond)
    methods = ls_methods(rcond)
    nA = s[0]
    rows = {}
    for name, fn in methods.items():
        x = fn(A, b)
        ne = np.linalg.norm(A.T @ (A @ x - b)) / (nA * (nA * np.linalg.norm(x) + np.linalg.norm(b))) / EPS
        dmn = np.linalg.norm(x - x_mn) / np.linalg.norm(x_mn) if np.linalg.norm(x_mn) > 0 else float("nan")
        rows[name] = {"ne_eps": float(ne), "dmin": float(dmn), "cpu": []}
    # iterations per timed block from one probe of the slowest method
    c, _, _ = cpu_wall(lambda: methods["gelsd (scipy.linalg.lstsq)"](A, b))
    k = int(min(200, max(1, seconds / 3 / max(c, 1e-6))))
    for _ in range(repeats):
        for name, fn in methods.items():
            c, _, _ = cpu_wall(lambda: [fn(A, b) for _ in range(k)])
            rows[name]["cpu"].append(c / k)
    for row in rows.values():
        row["cpu"] = med(row["cpu"])
    cond = float(s[0] / s[-1]) if s[-1] > 0 else float("inf")
    return {"N": N, "width": width, "arch": arch, "act": act, "depth": depth, "init": init, "rank": rank,
            "n": A.shape[1],
            "cond": cond, "methods": rows}


# ------------------------------------------------------------------ memory
def peak_memory(method, net0, problem):
    net = net0.copy()
    train = train_gd if method == "gd" else train_lsgd
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    train(net, problem, 1, LR[method])
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


# ------------------------------------------------------------------ the grid
def bench_config(N, width, depth, arch, act, args, baseline=None):
    net0, problem = make_case(N, width, depth, arch, act, args.init)
    # size S from one probe so that a timed run lasts about args.seconds
    probe = train_gd(net0.copy(), problem, 2, LR["gd"], record_every=2)
    t_step = max(float(np.min(np.diff(probe.time))), 1e-6)
    S = int(min(200, max(2, args.seconds / t_step)))
    res = {"N": N, "width": width, "depth": depth, "arch": arch, "act": act, "S": S}
    series = {k: [] for k in args.methods}
    walls = {k: [] for k in series}
    base = {"gd": [], "lsgd": []}
    torch_runs = {v: [] for v in (args.torch_adam if torch is not None and not args.no_torch else [])}
    torch_walls = {v: [] for v in torch_runs}
    for _ in range(args.repeats):  # methods interleaved, so that load changes hit all of them
        for key in series:
            method, driver = {"gd": ("gd", None), "lsgd": ("lsgd", None), "lsgd_gelsy": ("lsgd", "gelsy")}[key]
            c, w = time_trainer(method, net0, problem, S, driver)
            series[key].append(c)
            walls[key].append(w)
        for variant in torch_runs:
            try:
                c, w = time_torch(net0, problem, S, variant)
            except (RuntimeError, TypeError, ValueError) as err:  # e.g. a variant this build lacks
                log(f"  torch Adam {variant}: {err}")
                c = w = float("nan")
            torch_runs[variant].append(c)
            torch_walls[variant].append(w)
        if baseline is not None:
            ans = baseline.ask({"config": [N, width, depth, arch, act], "S": S})
            for key in base:
                base[key].append(ans[key])
    for key in series:
        res[key] = med(series[key])
        res[key + "_wall"] = med(walls[key])
    if baseline is not None:
        for key in base:
            res["base_" + key] = med(base[key])
    if torch_runs:
        per_variant = {v: med(c) for v, c in torch_runs.items()}
        best = min(per_variant, key=lambda v: per_variant[v] if math.isfinite(per_variant[v]) else math.inf)
        res["torch_variants"] = per_variant
        res["torch"], res["torch_variant"] = per_variant[best], best
        res["torch_wall"] = med(torch_walls[best])
        res["torch_agreement"] = torch_agreement(net0, problem)
    return res


class Baseline:
    """A worker process (this script with --serve) that times another engine on request."""

    def __init__(self, args):
        cmd = [sys.executable, os.path.abspath(__file__), "--serve", "--engine", args.baseline,
               "--threads", str(args.threads), "--init", args.init]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.label = args.baseline_label or self.ask({"info": True})["engine_rev"]

    def ask(self, request):
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the --baseline worker died")
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def serve(args):
    """Worker loop of --baseline: one JSON request per line on stdin, one JSON answer per line."""
    for line in sys.stdin:
        req = json.loads(line)
        if req.get("info"):
            ans = {"engine_rev": machine_info(args.threads)["engine_rev"]}
        else:
            N, w, L, arch, act = req["config"]
            net0, problem = make_case(N, w, L, arch, act, args.init)
            ans = {}
            for key in ("gd", "lsgd"):
                ans[key], ans[key + "_wall"] = time_trainer(key, net0, problem, req["S"])
        print(json.dumps(ans), flush=True)


def run_grid(args):
    results = []
    baseline = Baseline(args) if args.baseline else None
    if baseline:
        args.baseline_label = baseline.label
    configs = [(N, w, L, arch, act) for N in args.points for w in args.widths for L in args.depths
               for arch in args.archs for act in args.activations]
    if args.quick:  # the paper's sizes in every variant, one larger size, depth scaling
        configs = [c for c in configs if (c[0] == 256 and c[1] == 32)
                   or (c[0] == 4096 and c[1] == 256 and c[2] == 4 and c[3] == "plain" and c[4] == "relu")]
    for i, (N, w, L, arch, act) in enumerate(configs, 1):
        tic = time.perf_counter()
        results.append(bench_config(N, w, L, arch, act, args, baseline))
        r = results[-1]
        log(f"[{i}/{len(configs)}] N={N} w={w} L={L} {arch} {act}: "
            + ", ".join(f"{k} {r[k] * 1e3:.3f} ms" for k in ("gd", "lsgd", "lsgd_gelsy", "torch") if k in r)
            + (f"; before: GD {r['base_gd'] * 1e3:.3f} ms, LSGD {r['base_lsgd'] * 1e3:.3f} ms" if baseline else "")
            + f"  ({time.perf_counter() - tic:.0f} s)")
    if baseline:
        baseline.close()
    return results


def run_ls(args):
    out = []
    L = min(args.depths)
    pairs = [(N, w) for N in args.points for w in args.widths]
    if args.quick:
        pairs = [(256, 32), (4096, 256)]
    for N, w in pairs:
        for arch in args.archs:
            for act in args.activations:
                for init in dict.fromkeys([args.init, "he_uniform"]):
                    if args.quick and (N, w) != (256, 32) and (arch, act) != ("plain", "relu"):
                        continue
                    out.append(bench_ls(N, w, arch, act, L, init, args.repeats, args.seconds))
                    log(f"LS N={N} n={w} {arch} {act} {init}: rank {out[-1]['rank']}")
    return out


def run_memory(args, grid):
    out = []
    for r in grid:
        net0, problem = make_case(r["N"], r["width"], r["depth"], r["arch"], r["act"], args.init)
        row = {k: r[k] for k in ("N", "width", "depth", "arch", "act")}
        for method in ("gd", "lsgd"):
            row[method] = peak_memory(method, net0, problem)
        out.append(row)
    return out


# ------------------------------------------------------------------ analysis
def slope(xs, ys):
    """Exponent p of a power law y ~ x^p through the points (least squares in log-log)."""
    xs, ys = np.log(np.asarray(xs, float)), np.log(np.asarray(ys, float))
    return float(np.polyfit(xs, ys, 1)[0]) if len(xs) >= 2 else float("nan")


def scaling(grid):
    rows = []
    keyed = {}
    for r in grid:
        keyed.setdefault(("depth", r["N"], r["width"], r["arch"], r["act"]), []).append((r["depth"], r))
        keyed.setdefault(("N", r["width"], r["depth"], r["arch"], r["act"]), []).append((r["N"], r))
    for key, pts in keyed.items():
        if len(pts) < 2:
            continue
        pts.sort(key=lambda p: p[0])
        xs = [p[0] for p in pts]
        row = {"var": key[0], "fixed": key[1:], "xs": xs}
        for m in ("gd", "lsgd", "torch"):
            if all(m in p[1] and math.isfinite(p[1][m]) for p in pts):
                row[m] = slope(xs, [p[1][m] for p in pts])
        rows.append(row)
    return rows


def ratio(r, a, b):
    """r[a] / r[b], NaN when either was not measured."""
    x, y = r.get(a, math.nan), r.get(b, math.nan)
    return x / y if math.isfinite(x) and math.isfinite(y) and y > 0 else math.nan


def fmt_ms(sec):
    if sec is None or not math.isfinite(sec):
        return "n/a"
    ms = sec * 1e3
    return f"{ms:.3g}" if ms < 100 else f"{ms:.0f}"


def fmt(x, spec=".2f"):
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    return "n/a" if x is None or not (isinstance(x, (int, float)) and math.isfinite(x)) else format(x, spec)


def name_of(r):
    return f"{r['N']} | {r['width']} | {r['depth']} | {r['arch']} | {r['act']}"


def targets(grid):
    """The verdicts of issue 5's targets, with the numbers."""
    out = []
    paper = [r for r in grid if r["N"] == 256 and r["width"] == 32 and 4 <= r["depth"] <= 16
             and "torch" in r and "gd" in r]
    if paper:
        worst = max(paper, key=lambda r: r["gd"] / r["torch"])
        q = worst["gd"] / worst["torch"]
        out.append(("GD step at the paper's sizes (N=256, w=32, depth 4-16) <= 0.5 x PyTorch",
                    f"worst ratio {q:.2f} ({name_of(worst)}); all: "
                    + ", ".join(f"{r['gd'] / r['torch']:.2f}" for r in paper), q <= TARGETS["paper_vs_torch"]))
    large = [r for r in grid if r["N"] == 16384 and r["width"] == 256 and "torch" in r and "gd" in r]
    if large:
        worst = max(large, key=lambda r: r["gd"] / r["torch"])
        q = worst["gd"] / worst["torch"]
        out.append(("GD step at N=16384, w=256 no slower than PyTorch",
                    f"worst ratio {q:.2f} ({name_of(worst)}); all: "
                    + ", ".join(f"{r['gd'] / r['torch']:.2f}" for r in large), q <= TARGETS["large_vs_torch"]))
    ratios = [ratio(r, "lsgd", "gd") for r in grid if math.isfinite(ratio(r, "lsgd", "gd"))]
    if ratios:
        bad = [x for x in ratios if x > TARGETS["lsgd_over_gd"]]
        text = (f"median {np.median(ratios):.2f}, range {min(ratios):.2f}-{max(ratios):.2f}; above 1.3 in "
                f"{len(bad)} of {len(ratios)} configurations")
        gy = [ratio(r, "lsgd_gelsy", "gd") for r in grid if math.isfinite(ratio(r, "lsgd_gelsy", "gd"))]
        if gy:
            text += f"; with driver='gelsy': median {np.median(gy):.2f}, range {min(gy):.2f}-{max(gy):.2f}"
        out.append(("LSGD / GD per iteration <= 1.3 (default driver gelsd)", text, not bad))
    return out


def write_markdown(path, info, grid, ls, mem, scal, compare, args, load_before, load_after, elapsed):
    L = []
    w = L.append
    w("# Benchmarks: speed and memory of the engine\n")
    w(f"Generated by `python benchmarks/run.py{' --quick' if args.quick else ''}` "
      f"(full command: `{ARGV_TEXT}`), {info['date']}, in {elapsed / 60:.1f} min. "
      "Do not edit by hand: rerun the script.\n")
    w("## Machine and libraries\n")
    w(f"* CPU: {info['cpu']}, {info['cores']} cores ({info['platform']})")
    w(f"* load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; "
      f"after: {', '.join(f'{x:.2f}' for x in load_after)} (the 2 cores are shared with other jobs: "
      "CPU times below are per-process and so less affected than wall-clock times)")
    w(f"* Python {info['python']}, NumPy {info['numpy']} (BLAS: {info['blas']}), SciPy {info['scipy']}, "
      f"PyTorch {info['torch'] or 'not installed'}")
    w(f"* threads: {info['threads']} for NumPy/SciPy (environment: "
      + ", ".join(f"{k}={v}" for k, v in info["env"].items() if v is not None)
      + (f"), PyTorch `torch.get_num_threads()` = {info.get('torch_threads')}" if torch is not None else ")"))
    for tp in info["threadpools"]:
        w(f"  * {tp}")
    w(f"* engine: `{info['engine_path']}` at `{info['engine_rev']}`")
    w(f"* networks: input dimension 1, N evenly spaced points on [0, 1], target sin(2 pi x), "
      f"initialization `{args.init}`, GD lr {LR['gd']}, LSGD lr {LR['lsgd']}")
    w(f"* repeats: {args.repeats} (every number is the median over them), about {args.seconds} s per timed run\n")

    if grid:
        w("## Targets (issue 5)\n")
        w("| target | measured | met |")
        w("|---|---|---|")
        for name, text, ok in targets(grid):
            w(f"| {name} | {text} | {'yes' if ok else '**no**'} |")
        w("")
        w("## Time per iteration\n")
        w("CPU ms per iteration (median over repeats of the median over S iterations of a trainer run, "
          "timed between iterations by the trainer's progress callback). `LSGD/GD`: default driver gelsd; `(gelsy)`: `train_lsgd(..., driver='gelsy')`. "
          "`torch`: PyTorch GD step, fastest Adam variant of those timed (named). `wall`: the same medians in "
          "wall-clock time (GD, PyTorch), for reference. `agree`: largest relative "
          "difference of the first 4 losses of `train_gd` and the PyTorch loop (the same computation).\n")
        w("| N | width | depth | arch | act | S | GD | LSGD | LSGD/GD | (gelsy) | torch | GD/torch | "
          "GD wall | torch wall | agree |")
        w("|" + "---|" * 15)
        for r in grid:
            tr = r.get("torch")
            w(f"| {name_of(r)} | {r['S']} | {fmt_ms(r.get('gd'))} | {fmt_ms(r.get('lsgd'))} | "
              f"{fmt(ratio(r, 'lsgd', 'gd'))} | {fmt(ratio(r, 'lsgd_gelsy', 'gd'))} | "
              + (f"{fmt_ms(tr)} ({r['torch_variant']}) | **{fmt(ratio(r, 'gd', 'torch'))}** | " if tr
                 else "n/a | n/a | ")
              + f"{fmt_ms(r.get('gd_wall'))} | {fmt_ms(r.get('torch_wall'))} | "
              + (f"{r['torch_agreement']:.0e} |" if "torch_agreement" in r else "n/a |"))
        w("")
    if scal:
        w("## Scaling\n")
        w("Exponent p of a power law `time ~ x^p` fitted through the grid points (p = 1: linear). "
          "At small sizes a fixed per-step overhead (Python, LAPACK set-up) makes p < 1.\n")
        w("| varied | values | fixed (other parameters) | GD | LSGD | torch |")
        w("|---|---|---|---|---|---|")
        for s in scal:
            w(f"| {s['var']} | {', '.join(map(str, s['xs']))} | {', '.join(map(str, s['fixed']))} | "
              f"{fmt(s.get('gd'))} | {fmt(s.get('lsgd'))} | {fmt(s.get('torch'))} |")
        w("")
    if ls:
        w("## Least-squares solve alone\n")
        w("The LS matrix A = sqrt(1/N) Phi of the network at initialisation and b = sqrt(1/N) y; "
          "rcond = max(M, n) eps for every method. CPU ms per solve; `NE`: normal-equation residual "
          "|A^T(Ax-b)| / (|A|(|A||x|+|b|)) in units of eps; `min-norm`: |x - x_mn| / |x_mn| with x_mn the "
          "truncated-SVD minimum-norm solution (LAPACK gesvd). `rank`: numerical rank (dead ReLU neurons "
          "make A rank-deficient).\n")
        names = list(ls[0]["methods"])
        w("| N | n | arch | act | init | rank | cond | " + " | ".join(names) + " |")
        w("|" + "---|" * (7 + len(names)))
        for r in ls:
            cells = [f"{fmt_ms(m['cpu'])} ms; NE {fmt(m['ne_eps'], '.2g')}; min-norm {fmt(m['dmin'], '.1e')}"
                     for m in r["methods"].values()]
            w(f"| {r['N']} | {r['n']} | {r['arch']} | {r['act']} | {r['init']} | {r['rank']} | "
              f"{fmt(r['cond'], '.1e')} | "
              + " | ".join(cells) + " |")
        w("")
    if mem:
        w("## Memory\n")
        w("Peak of NumPy's allocations (tracemalloc) during `train_gd` / `train_lsgd` with one iteration "
          "(including the diagnostics recorded at the first and last iteration), in MB and in units of "
          "N x width x depth float64 values.\n")
        w("| N | width | depth | arch | act | GD MB | GD / (8 N w L) | LSGD MB | LSGD / (8 N w L) |")
        w("|" + "---|" * 9)
        for r in mem:
            unit = 8.0 * r["N"] * r["width"] * r["depth"]
            w(f"| {name_of(r)} | {r['gd'] / 1e6:.2f} | {r['gd'] / unit:.2f} | {r['lsgd'] / 1e6:.2f} | "
              f"{r['lsgd'] / unit:.2f} |")
        w("")
    inrun = [r for r in grid if "base_gd" in r]
    if inrun:
        w("## Before / after (same run, interleaved)\n")
        w(f"Before: the engine `{args.baseline_label}`, timed in a worker process between this engine's repeats "
          "(same S, same clocks); after: this engine. CPU ms per iteration, medians over repeats.\n")
        w("| N | width | depth | arch | act | GD before | GD after | speed-up | LSGD before | LSGD after | "
          "speed-up |")
        w("|" + "---|" * 11)
        for r in inrun:
            w(f"| {name_of(r)} | {fmt_ms(r['base_gd'])} | {fmt_ms(r.get('gd'))} | "
              f"{fmt(ratio(r, 'base_gd', 'gd'), '.1f')}x | {fmt_ms(r['base_lsgd'])} | {fmt_ms(r.get('lsgd'))} | "
              f"{fmt(ratio(r, 'base_lsgd', 'lsgd'), '.1f')}x |")
        gd_up = [ratio(r, "base_gd", "gd") for r in inrun]
        ls_up = [ratio(r, "base_lsgd", "lsgd") for r in inrun]
        w(f"\nSpeed-up GD: median {np.nanmedian(gd_up):.1f}x (range {np.nanmin(gd_up):.1f}-{np.nanmax(gd_up):.1f}x); "
          f"LSGD: median {np.nanmedian(ls_up):.1f}x (range {np.nanmin(ls_up):.1f}-{np.nanmax(ls_up):.1f}x).\n")
    if compare:
        old = {(r["N"], r["width"], r["depth"], r["arch"], r["act"]): r for r in compare.get("grid", [])}
        rows = [(r, old.get((r["N"], r["width"], r["depth"], r["arch"], r["act"]))) for r in grid]
        rows = [(r, o) for r, o in rows if o]
        if rows:
            w("## Before / after\n")
            w(f"Before: engine `{compare['machine'].get('engine_rev')}` measured on {compare['machine']['date']} "
              f"(load before {', '.join(f'{x:.2f}' for x in compare.get('load_before', []))}); after: this run. "
              "CPU ms per iteration.\n")
            w("| N | width | depth | arch | act | GD before | GD after | speed-up | LSGD before | LSGD after | "
              "speed-up |")
            w("|" + "---|" * 11)
            for r, o in rows:
                w(f"| {name_of(r)} | {fmt_ms(o.get('gd'))} | {fmt_ms(r.get('gd'))} | "
                  f"{fmt(o.get('gd', math.nan) / r.get('gd', math.nan), '.1f')}x | "
                  f"{fmt_ms(o.get('lsgd'))} | {fmt_ms(r.get('lsgd'))} | "
                  f"{fmt(o.get('lsgd', math.nan) / r.get('lsgd', math.nan), '.1f')}x |")
            w("")
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "NOTES.md")
    if os.path.exists(notes) and os.path.abspath(path) == os.path.join(ROOT, "benchmarks", "RESULTS.md"):
        with open(notes) as fh:
            w(fh.read())
    with open(path, "w") as fh:
        fh.write("\n".join(L) + "\n")


def render(args):
    """Rewrite the report from saved results (e.g. after editing NOTES.md)."""
    with open(args.render) as fh:
        saved = json.load(fh)
    compare = None
    if args.compare:
        with open(args.compare) as fh:
            compare = json.load(fh)
    old = argparse.Namespace(**saved["args"])
    global ARGV_TEXT
    ARGV_TEXT = saved.get("argv", ARGV_TEXT)
    write_markdown(args.out, saved["machine"], saved["grid"], saved["ls"], saved["memory"], saved["scaling"],
                   compare, old, saved["load_before"], saved["load_after"], saved.get("elapsed", float("nan")))
    print(f"wrote {args.out} from {args.render}")


def main(args):
    if args.serve:
        return serve(args)
    if args.render:
        return render(args)
    tic = time.perf_counter()
    load_before = os.getloadavg()
    info = machine_info(args.threads)
    log(f"benchmarks: {info['cpu']}, load {load_before[0]:.2f}, threads {args.threads}, "
        f"torch {info['torch'] or 'absent'}")
    grid = [] if "steps" in args.skip else run_grid(args)
    ls = [] if "ls" in args.skip else run_ls(args)
    mem = [] if "memory" in args.skip else run_memory(args, grid or [])
    scal = scaling(grid)
    load_after = os.getloadavg()
    compare = None
    if args.compare:
        with open(args.compare) as fh:
            compare = json.load(fh)
    elapsed = time.perf_counter() - tic
    write_markdown(args.out, info, grid, ls, mem, scal, compare, args, load_before, load_after, elapsed)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"machine": info, "load_before": load_before, "load_after": load_after, "grid": grid,
                       "ls": ls, "memory": mem, "scaling": scal, "args": vars(args), "argv": ARGV_TEXT,
                       "elapsed": elapsed}, fh, indent=1, default=str)
    for name, text, ok in targets(grid):
        print(f"{'met   ' if ok else 'MISSED'} {name}: {text}")
    print(f"wrote {args.out} ({elapsed / 60:.1f} min)")


if __name__ == "__main__":
    main(ARGS)
