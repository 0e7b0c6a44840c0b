"""Shared machinery of the experiments: seeds, parallel map, statistics, tables, plots.

An experiment module defines

* ``NAME`` and ``TITLE``;
* ``PROFILES``: ``{'quick': cfg, 'default': cfg, 'full': cfg}``, plain dicts;
  ``full`` is the paper's setting, the others say how they differ in ``cfg['note']``;
* ``run(cfg, seed, pmap, log) -> results`` (JSON-able dict), where independent
  pieces of work go through ``pmap(function, list_of_argument_tuples)`` so that they
  can run in worker processes;
* ``report(results, out_dir) -> (rows, markdown, png_paths)``.

Every independent run draws from its own generator, seeded from the user's seed
and the run's identity (:func:`run_seed`), so results do not depend on how runs are
distributed over processes.
"""

from __future__ import annotations

import os
import time
import zlib
from contextlib import contextmanager
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np


def run_seed(seed, *keys) -> np.random.SeedSequence:
    """A SeedSequence determined by the base ``seed`` and the run's identity ``keys``.

    Strings are hashed with CRC-32 (stable across processes and Python versions,
    unlike ``hash``).
    """
    ints = [int(seed)]
    for k in keys:
        ints.append(zlib.crc32(k.encode()) if isinstance(k, str) else int(k))
    return np.random.SeedSequence(ints)


@contextmanager
def single_thread_pool(workers: int):
    """A spawn-started process pool whose workers run NumPy with one BLAS thread.

    The parallelism is across runs; nested BLAS threading on 2 cores only adds
    contention. Spawned workers import NumPy afresh and so honour the thread
    variables, which are set for the pool's lifetime and then restored.
    """
    import multiprocessing as mp
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    before = {k: os.environ.get(k) for k in names}
    for k in names:
        os.environ[k] = "1"
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as ex:
            yield ex
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def make_pmap(jobs: int, log=None):
    """``pmap(fn, arg_tuples) -> list`` (in the order of the arguments) over ``jobs`` processes.

    With ``jobs == 1`` everything runs in this process. ``log`` receives a progress
    line about every tenth of the tasks.
    """
    def progress(done, total, tic):
        if log is not None and total >= 4 and (done % max(1, total // 10) == 0 or done == total):
            log(f"  {done}/{total} runs done ({time.perf_counter() - tic:.0f} s)")

    def serial(fn, arg_tuples):
        arg_tuples, out, tic = list(arg_tuples), [], time.perf_counter()
        for a in arg_tuples:
            out.append(fn(*a))
            progress(len(out), len(arg_tuples), tic)
        return out

    if jobs <= 1:
        return serial

    def pmap(fn, arg_tuples):
        arg_tuples = list(arg_tuples)
        if len(arg_tuples) <= 1:
            return serial(fn, arg_tuples)
        tic = time.perf_counter()
        with single_thread_pool(min(jobs, len(arg_tuples))) as ex:
            futures = [ex.submit(fn, *a) for a in arg_tuples]
            for done, _ in enumerate(as_completed(futures), start=1):
                progress(done, len(futures), tic)
            return [f.result() for f in futures]
    return pmap


def summary(values) -> dict:
    """Median, minimum, maximum and count of finite values (NaN if none)."""
    v = np.asarray(values, dtype=float).reshape(-1)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"median": float("nan"), "min": float("nan"), "max": float("nan"), "n": 0}
    return {"median": float(np.median(v)), "min": float(v.min()), "max": float(v.max()), "n": int(v.size)}


def fmt(x) -> str:
    if x is None:
        return "—"
    if isinstance(x, (int, np.integer)):
        return str(x)
    x = float(x)
    if not np.isfinite(x):
        return str(x)
    return f"{x:.3g}" if 1e-3 <= abs(x) < 1e4 or x == 0 else f"{x:.2e}"


def row(case, metric, values, paper=None, note=""):
    """A results row (``value`` = median over runs) plus its spread for the markdown table."""
    s = summary(values)
    return {"case": case, "metric": metric, "value": s["median"], "paper": paper,
            "_spread": s, "_note": note}


def markdown_table(rows) -> str:
    lines = ["| case | metric | ours: median [min, max] (runs) | paper | note |",
             "|---|---|---|---|---|"]
    for r in rows:
        s = r["_spread"]
        ours = f"{fmt(s['median'])} [{fmt(s['min'])}, {fmt(s['max'])}] ({s['n']})" if s["n"] > 1 \
            else f"{fmt(s['median'])} ({s['n']})"
        lines.append(f"| {r['case']} | {r['metric']} | {ours} | {fmt(r['paper'])} | {r['_note']} |")
    return "\n".join(lines)


def public_rows(rows):
    """The rows as written to results.json: exactly case, metric, value, paper."""
    out = []
    for r in rows:
        v = r["value"]
        out.append({"case": r["case"], "metric": r["metric"],
                    "value": None if v is None or not np.isfinite(v) else float(v),
                    "paper": None if r["paper"] is None else float(r["paper"])})
    return out


# ----------------------------------------------------------------- plotting
def pyplot():
    """Matplotlib's pyplot on the Agg backend (no display is ever needed)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save(fig, path):
    """Write ``fig`` to ``path`` (PNG) and close it; returns the path as a string."""
    # a figure with a layout engine is already tight; bbox_inches="tight" would draw it twice
    fig.savefig(path, dpi=110, bbox_inches=None if fig.get_layout_engine() is not None else "tight")
    pyplot().close(fig)
    return str(path)


def plot_curves(ax, curves, label, color, x=None):
    """Median (line) and min-max band (shaded) of several curves of equal length on a log y axis."""
    C = np.asarray(curves, dtype=float)
    if C.ndim == 1:
        C = C[None]
    x = np.arange(C.shape[1]) if x is None else np.asarray(x)
    med = np.median(C, axis=0)
    ax.semilogy(x, med, color=color, label=label, lw=1.4)
    if C.shape[0] > 1:
        ax.fill_between(x, C.min(axis=0), C.max(axis=0), color=color, alpha=0.18, lw=0)
    return ax


def thin(curve, points=400):
    """Every k-th entry of a long curve (and its last one), so results.json stays small."""
    curve = np.asarray(curve)
    k = max(1, len(curve) // points)
    idx = np.unique(np.r_[np.arange(0, len(curve), k), len(curve) - 1])
    return idx.tolist(), curve[idx].tolist()
