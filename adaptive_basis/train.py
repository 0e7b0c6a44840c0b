"""Trainers: LSGD (paper Alg. 1) and the GD baseline (Adam on every parameter).

Both minimise ``J = |A xi_L - rhs|_F^2`` of a :class:`~adaptive_basis.problems.Problem`.
With the residual ``R = A xi_L - rhs``:

    dJ/dA    = 2 R xi_L^T      (pushed back to xi_H by the problem's backward pass)
    dJ/dxi_L = 2 A^T R

LSGD (Algorithm 1)::

    xi_L = LS(xi_H)
    repeat steps times:
        xi_H = one Adam step on J(xi_H, xi_L) with xi_L fixed
        xi_L = LS(xi_H)

so the returned network is LS-optimal for its final basis. Because ``xi_L`` is the
exact minimiser, ``dJ/dxi_H`` at fixed ``xi_L`` is also the gradient of the reduced
functional ``J(xi_H, LS(xi_H))`` (variable projection; Golub & Pereyra 1973).

``History.loss[t]`` is J after ``t`` optimiser steps (``t = 0`` is the start, for
LSGD after the first LS solve). A non-finite loss stops the run with
:class:`DivergenceError` naming the iteration.

Inner loop. The arguments are checked once, at the call; inside the loop the
trainers use the problem's internal fast path (``Problem._trainer_system`` /
``_trainer_backward``: no repeated argument checks, arrays reused between
iterations), keep the trained arrays as views of one flat vector so that an Adam
step is a dozen vectorised operations whatever the depth (``Adam._step_flat``),
and solve the LS problem with a :class:`~adaptive_basis.lstsq._Solver` (workspace
looked up once). Divergence is still caught at every iteration, with one finiteness
check of the loss, of the flat gradient, of the proposed parameters and (LSGD) of
``A``; the network never receives non-finite parameters. The numbers are those of
the public methods (``system``, ``system_backward``, :meth:`Adam.step`,
:func:`~adaptive_basis.lstsq.solve_ls`), bit for bit.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import numpy as np

from ._validation import check_choice, check_int, check_positive_float
from .lstsq import DRIVERS, _Solver, numerical_rank, singular_values
from .network import Network, _scratch
from .optim import Adam
from .problems import Problem


class DivergenceError(FloatingPointError):
    """The loss became non-finite during training."""

    def __init__(self, method, iteration, loss):
        hint = ("before any step: check the scale of the data and of the initial network" if iteration == 0
                else "try a smaller learning rate")
        super().__init__(f"{method}: loss became non-finite ({loss}) at iteration {iteration}; {hint}")
        self.iteration = iteration


@dataclass
class History:
    """What a training run measured.

    Per iteration ``t = 0..steps``: ``loss[t]`` (J), ``time[t]`` (seconds since the
    start, excluding the diagnostics) and ``terms[name][t]`` (each loss term of the
    problem). Every ``record_every`` iterations (and at the last): ``record_iter``,
    the errors from ``problem.errors`` (``errors['rel_l2']``, ``errors['rms']``) and
    the rank and condition number of the LS matrix ``A``.
    """

    method: str
    lr: float
    loss: list = field(default_factory=list)
    time: list = field(default_factory=list)
    terms: dict = field(default_factory=dict)
    record_iter: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)
    rank: list = field(default_factory=list)
    cond: list = field(default_factory=list)
    ls_fallbacks: list = field(default_factory=list)  # (iteration, driver, message)

    def finalize(self):
        self.loss = np.asarray(self.loss)
        self.time = np.asarray(self.time)
        self.terms = {k: np.asarray(v) for k, v in self.terms.items()}
        self.record_iter = np.asarray(self.record_iter, dtype=int)
        self.errors = {k: np.asarray(v) for k, v in self.errors.items()}
        self.rank = np.asarray(self.rank, dtype=int)
        self.cond = np.asarray(self.cond)
        return self

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])

    def to_dict(self) -> dict:
        """Plain lists and floats, suitable for JSON."""
        def conv(v):
            if isinstance(v, dict):
                return {k: conv(x) for k, x in v.items()}
            return np.asarray(v).tolist() if isinstance(v, (np.ndarray, list)) else v
        return {k: conv(v) for k, v in self.__dict__.items()}


def _residual_loss(A, xi, rhs, terms):
    # overflow here is reported by the caller as a DivergenceError naming the iteration
    with np.errstate(over="ignore", invalid="ignore"):
        R = A @ xi - rhs
        loss = float(np.add.reduce(R * R, axis=None))  # np.sum without its Python wrapper
        if len(terms) == 1 and terms[0][1] == slice(0, R.shape[0]):  # one term: the same sum
            return R, loss, {terms[0][0]: loss}
        per_term = {name: float(np.sum(R[sl] * R[sl])) for name, sl in terms}
        return R, loss, per_term


class _Recorder:
    """Bookkeeping shared by both trainers: loss, timing, diagnostics, progress, divergence."""

    def __init__(self, method, lr, net, problem, steps, record_every, progress, label):
        self.hist = History(method, lr)
        self.name = "LSGD" if method == "lsgd" else "GD"
        self.net, self.problem = net, problem
        self.steps, self.record_every = steps, record_every
        self.report = _progress_printer(progress, label, steps)
        self.clock, self.spent = time.perf_counter(), 0.0  # diagnostics time is not counted

    def observe(self, t, A, rhs):
        """Record J at iteration ``t`` (head ``net.xi_L``); return the residual ``A xi_L - rhs``."""
        hist = self.hist
        R, loss, per_term = _residual_loss(A, self.net.xi_L, rhs, self.problem.terms)
        if not np.isfinite(loss):
            raise DivergenceError(self.name, t, loss)
        hist.loss.append(loss)
        hist.time.append(time.perf_counter() - self.clock - self.spent)
        for k, v in per_term.items():
            hist.terms.setdefault(k, []).append(v)
        if t % self.record_every == 0 or t == self.steps:
            tic = time.perf_counter()
            s = singular_values(A)
            hist.record_iter.append(t)
            hist.rank.append(numerical_rank(s, A.shape))
            hist.cond.append(float(s[0] / s[-1]) if s[-1] > 0 else float("inf"))
            for k, v in self.problem.errors(self.net).items():
                hist.errors.setdefault(k, []).append(v)
            self.spent += time.perf_counter() - tic
        if self.report:
            self.report(t, loss)
        return R


class _FlatParams:
    """The trained arrays as views of one contiguous vector ``theta``, their gradients as
    views of another, ``grad``: the optimiser then updates all of them at once.

    While a run lasts, the network's ``W``, ``b`` (and, for GD, ``xi_L``) *are* these
    views; :meth:`release` gives it independent copies back at the end.
    """

    def __init__(self, net, with_head):
        self.net, self.with_head = net, with_head
        arrays = net.xi_H + ([net.xi_L] if with_head else [])
        self.theta = np.concatenate([a.ravel() for a in arrays])
        self.grad = np.empty_like(self.theta)
        self.proposal = np.empty_like(self.theta)
        self.views, self.grads, self.proposals = [], [], []
        start = 0
        for a in arrays:
            stop = start + a.size
            self.views.append(self.theta[start:stop].reshape(a.shape))
            self.grads.append(self.grad[start:stop].reshape(a.shape))
            self.proposals.append(self.proposal[start:stop].reshape(a.shape))
            start = stop
        depth = net.depth
        net.W, net.b = self.views[0:2 * depth:2], self.views[1:2 * depth:2]
        if with_head:
            net.xi_L = self.views[-1]

    def step(self, opt) -> bool:
        """One Adam step from ``grad``; False (and nothing changed) if the gradient or the
        new parameters are not finite."""
        if not np.isfinite(self.grad).all():
            return False
        if hasattr(opt, "_step_flat"):
            new = opt._step_flat(self.theta, self.grad, self.proposal)
        else:  # any optimiser with the public step(params, grads) -> new params
            new = self.proposal
            for out, p in zip(self.proposals, opt.step(self.views, self.grads), strict=True):
                if np.shape(p) != out.shape:
                    raise ValueError(f"optimiser returned shape {np.shape(p)} for a parameter of shape {out.shape}")
                out[...] = p
        if not np.isfinite(new).all():
            return False
        np.copyto(self.theta, new)
        return True

    def release(self):
        net = self.net
        net.W, net.b = [w.copy() for w in net.W], [v.copy() for v in net.b]
        if self.with_head:
            net.xi_L = net.xi_L.copy()


def _progress_printer(progress, label, steps):
    if progress is None or progress is False:
        return None
    if progress is True:
        def progress(msg):
            print(msg, file=sys.stderr, flush=True)
    every = max(1, steps // 10)

    def report(t, loss):
        if t % every == 0 or t == steps:
            progress(f"{label} iteration {t}/{steps}: J = {loss:.3e}")
    return report


def _check_common(net, problem, steps, lr, record_every):
    if not isinstance(net, Network):
        raise TypeError(f"net must be an adaptive_basis Network, got {type(net).__name__}")
    if not isinstance(problem, Problem):
        raise TypeError(f"problem must be an adaptive_basis Problem (e.g. Regression), got {type(problem).__name__}")
    problem.check_network(net)
    steps = check_int(steps, "steps", minimum=0)
    lr = check_positive_float(lr, "lr")
    record_every = steps if record_every is None else check_int(record_every, "record_every")
    return steps, lr, max(record_every, 1)


def _check_betas(betas):
    """Adam's ``(beta1, beta2)``; the values themselves are checked by :class:`Adam`."""
    if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__"):
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {len(betas)} values {tuple(betas)!r}")
    return tuple(betas)


def train_lsgd(net, problem, steps, lr, *, betas=(0.9, 0.999), adam_eps=1e-8, driver="gelsd",
               ridge=0.0, rcond="auto", record_every=None, progress=None, label="LSGD") -> History:
    """Train ``net`` in place with LSGD (paper Alg. 1) and return its :class:`History`.

    ``steps`` Adam steps on the hidden parameters, each followed by an LS solve of
    the head (``driver``, ``ridge``, ``rcond`` as in :func:`~adaptive_basis.lstsq.solve_ls`;
    defaults as in the paper: minimum norm, no ridge). ``progress``: ``True`` prints
    ten lines to stderr, a callable receives them instead.
    """
    steps, lr, record_every = _check_common(net, problem, steps, lr, record_every)
    check_choice(driver, "driver", DRIVERS)
    solver = _Solver(driver, ridge, rcond)
    opt = Adam(lr, *_check_betas(betas), eps=adam_eps)
    rec = _Recorder("lsgd", lr, net, problem, steps, record_every, progress, label)
    scratch = {}

    def ls(A, rhs, t):
        if not np.isfinite(A).all():  # finite parameters and inputs that overflow
            raise DivergenceError("LSGD", t, float("nan"))
        res = solver(A, rhs)
        rec.hist.ls_fallbacks += [(t, d, msg) for d, msg in res.fallbacks]
        return res.xi

    A, rhs, cache = problem._trainer_system(net, scratch)
    net.xi_L = ls(A, rhs, 0)
    flat = _FlatParams(net, with_head=False)
    try:
        for t in range(steps + 1):
            R = rec.observe(t, A, rhs)
            if t == steps:
                break
            with np.errstate(over="ignore", invalid="ignore"):
                dA = np.matmul(2.0 * R, net.xi_L.T, out=_scratch(scratch, "dA", A.shape))
                problem._trainer_backward(net, cache, dA, flat.grads, scratch)
                if not flat.step(opt):
                    raise DivergenceError("LSGD", t + 1, float("nan"))
            A, rhs, cache = problem._trainer_system(net, scratch)
            net.xi_L = ls(A, rhs, t + 1)
    finally:
        flat.release()
    return rec.hist.finalize()


def train_gd(net, problem, steps, lr, *, betas=(0.9, 0.999), adam_eps=1e-8, record_every=None,
             progress=None, label="GD") -> History:
    """Train ``net`` in place with Adam on all parameters (``xi_H`` and ``xi_L``) of the same J.

    The head starts from whatever ``net.xi_L`` holds (the network's head
    initialisation), as in an ordinary gradient-descent training loop.
    """
    steps, lr, record_every = _check_common(net, problem, steps, lr, record_every)
    opt = Adam(lr, *_check_betas(betas), eps=adam_eps)
    rec = _Recorder("gd", lr, net, problem, steps, record_every, progress, label)
    scratch = {}
    flat = _FlatParams(net, with_head=True)
    try:
        for t in range(steps + 1):
            A, rhs, cache = problem._trainer_system(net, scratch)
            R = rec.observe(t, A, rhs)
            if t == steps:
                break
            with np.errstate(over="ignore", invalid="ignore"):
                R2 = 2.0 * R
                dA = np.matmul(R2, net.xi_L.T, out=_scratch(scratch, "dA", A.shape))
                np.matmul(A.T, R2, out=flat.grads[-1])  # dJ/dxi_L = 2 A^T R
                problem._trainer_backward(net, cache, dA, flat.grads[:-1], scratch)
                if not flat.step(opt):
                    raise DivergenceError("GD", t + 1, float("nan"))
    finally:
        flat.release()
    return rec.hist.finalize()
