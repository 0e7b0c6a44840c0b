"""The least-squares solve of the head (SPEC §4, paper Alg. 1 line "xi_L = LS(xi_H)").

For fixed hidden parameters the loss ``J = |A xi_L - b|_F^2`` is a linear least
squares problem in the head. We solve it with :func:`scipy.linalg.lstsq`, whose
default LAPACK driver ``gelsd`` (SVD, divide and conquer) returns the minimum-norm
solution when ``A`` is rank-deficient -- dead ReLU neurons give zero columns, so
this case is routine, not exotic.

An optional ridge (Tikhonov) term ``ridge * |xi_L|^2`` is solved exactly by
appending ``sqrt(ridge) * I`` rows to ``A``; the paper uses none and neither do we
by default.

If LAPACK fails to converge with the requested driver we try the others in the
order of :data:`DRIVERS` and record the failure in :attr:`LSResult.fallbacks`;
nothing is swallowed silently.

Choice of driver (measured by ``benchmarks/run.py``, see ``benchmarks/RESULTS.md``).
All three drivers return the minimum-norm solution of a rank-deficient problem;
they differ in how they decide the rank and in speed:

* ``gelsd`` (the default): SVD by divide and conquer after a QR factorization
  when ``M >> n``. The rank is the number of singular values above
  ``rcond * s_max``, and the singular values come for free (the diagnostics of
  SPEC §4). The fastest SVD-based driver at every size we measured (``gelss``
  is as fast for ``n = 32``, 5-10x slower for ``n = 256``).
* ``gelsy``: complete orthogonal factorization (QR with column pivoting). The
  rank comes from an incremental condition estimate of the pivoted ``R``, which
  agrees with the SVD rank when there is a clear gap in the singular values (dead
  or duplicated neurons) but may truncate at a different index when they decay
  smoothly (tanh bases: measured differences up to O(1) there). No singular
  values. 1.2-2.6x faster than ``gelsd`` at ``N = 256``, as fast at ``N = 2048``,
  1.5-2x slower at ``N = 16384`` (``n = 32, 256``). Offered as an option
  (``driver='gelsy'``), not the default: the default keeps SVD's rank decision
  and the singular values.
* ``gelss``: SVD by QR iteration, the slowest; kept as a fallback.

A QR factorization, pivoted or not, followed by a triangular solve gives the
*basic* solution, not the minimum-norm one, for a rank-deficient ``A`` (measured
O(1) away from it), and is no faster than ``gelsd`` beyond ``N = 256``; it is not
offered.

The trainers solve the same-shaped system at every iteration; they use
:class:`_Solver`, which calls the LAPACK routine directly with the workspace size
looked up once, and skips the argument checks: the same LAPACK call as
:func:`scipy.linalg.lstsq` (hence the same numbers) without its per-call overhead
(tens of microseconds, which matter next to a 100-microsecond solve).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.linalg

from ._validation import check_array, check_choice, check_positive_float

DRIVERS = ("gelsd", "gelss", "gelsy")
_EPS = np.finfo(np.float64).eps


@dataclass
class LSResult:
    """A least-squares solution of ``min |A xi - b|^2 (+ ridge |xi|^2)`` and its diagnostics."""

    xi: np.ndarray                    # (n_basis, n_out)
    rank: int                         # effective rank of A as LAPACK determined it
    singular_values: np.ndarray | None  # of A (gelsd/gelss give them for free; gelsy does not)
    driver: str                       # the driver that produced xi
    fallbacks: list = field(default_factory=list)  # [(driver, error message)] that failed first

    @property
    def cond(self) -> float:
        """2-norm condition number ``s_max / s_min`` of A (inf if singular, nan if unknown)."""
        s = self.singular_values
        if s is None or s.size == 0:
            return float("nan")
        return float(s[0] / s[-1]) if s[-1] > 0 else float("inf")


def solve_ls(A, b, *, driver="gelsd", ridge=0.0, rcond="auto") -> LSResult:
    """Minimum-norm least-squares solution of ``A xi = b`` with :func:`scipy.linalg.lstsq`.

    Parameters
    ----------
    A : (M, n) array, finite
    b : (M, k) array, finite
    driver : {'gelsd', 'gelss', 'gelsy'}
        LAPACK driver tried first; on a LAPACK failure the others are tried in turn.
    ridge : float >= 0
        Tikhonov weight; ``0`` (default, as in the paper) solves the plain problem.
    rcond : 'auto', float or None
        Passed to ``lstsq`` as ``cond``: singular values below ``rcond * s_max`` are
        treated as zero. ``'auto'`` (default) is ``max(M, n) * eps``, NumPy's
        ``lstsq``/``matrix_rank`` tolerance; ``None`` is SciPy's default, plain
        ``eps``, which keeps singular values that are pure round-off (an exactly
        duplicated basis function then gets coefficients of order 1e15 instead of
        the minimum-norm split).

    Raises
    ------
    TypeError
        ``A`` or ``b`` is not a real numeric array, ``driver`` not a string, ``ridge``
        or ``rcond`` not a number.
    ValueError
        ``A`` or ``b`` is not 2-D, is empty, has NaN/inf, or their row counts differ;
        unknown ``driver``; ``ridge`` or ``rcond`` negative or not finite.
    numpy.linalg.LinAlgError
        every LAPACK driver failed (the failures are listed).
    """
    driver = check_choice(driver, "driver", DRIVERS)
    ridge = check_positive_float(ridge, "ridge", allow_zero=True)
    A = check_array(A, "A", ndim=2)
    b = check_array(b, "b", ndim=2)
    if A.shape[0] != b.shape[0]:
        raise ValueError(f"A must be (M, n) and b (M, k) with the same M, got {A.shape} and {b.shape}")
    if ridge > 0:
        n = A.shape[1]
        A = np.vstack([A, np.sqrt(ridge) * np.eye(n)])
        b = np.vstack([b, np.zeros((n, b.shape[1]))])
    _check_rcond(rcond)
    return _solve(A, b, driver, _rcond_value(rcond, A.shape), None)


def _check_rcond(rcond):
    """``rcond`` must be ``'auto'``, ``None`` or a number ``>= 0``."""
    if isinstance(rcond, str):
        if rcond != "auto":
            raise ValueError(f"rcond must be 'auto', None or a number in [0, 1), got {rcond!r}")
    elif rcond is not None:
        check_positive_float(rcond, "rcond", allow_zero=True)
    return rcond


def _rcond_value(rcond, shape):
    """The number LAPACK receives: ``'auto'`` is ``max(M, n) * eps``, ``None`` SciPy's default ``eps``."""
    if isinstance(rcond, str):
        return max(shape) * _EPS
    return _EPS if rcond is None else float(rcond)


def _solve(A, b, driver, cond, work) -> LSResult:
    """Try ``driver``, then the others, on finite float64 ``A`` (M, n) and ``b`` (M, k).

    With ``work=None`` through :func:`scipy.linalg.lstsq`; with a dict (the trainers)
    through :func:`_lapack_lstsq`, the same LAPACK call without SciPy's per-call
    overhead -- unless ``scipy.linalg.lstsq`` has been replaced (the tests inject
    LAPACK failures that way), in which case the replacement is honoured.
    """
    direct = work is not None and scipy.linalg.lstsq is _SCIPY_LSTSQ
    fallbacks = []
    for drv in [driver] + [d for d in DRIVERS if d != driver]:
        try:
            if direct:
                xi, rank, s = _lapack_lstsq(A, b, drv, cond, work)
            else:
                xi, _, rank, s = scipy.linalg.lstsq(A, b, cond=cond, lapack_driver=drv, check_finite=False)
        except (np.linalg.LinAlgError, ValueError) as err:  # SciPy raises LinAlgError on non-convergence
            fallbacks.append((drv, str(err)))
            continue
        return LSResult(xi=xi, rank=int(rank), singular_values=None if s is None else np.asarray(s),
                        driver=drv, fallbacks=fallbacks)
    raise np.linalg.LinAlgError(f"every LAPACK driver failed on the least-squares system: {fallbacks}")


_SCIPY_LSTSQ = scipy.linalg.lstsq
_ROUTINES = {}


def _lapack_lstsq(A, b, driver, cond, work):
    """What :func:`scipy.linalg.lstsq` does for float64 2-D ``A``, ``b``: the same LAPACK call
    with the same workspace, minus the argument handling. ``work`` caches the workspace
    sizes per shape (a dict). Returns ``(xi (n, k), rank, singular values or None)``."""
    if driver not in _ROUTINES:
        _ROUTINES[driver] = scipy.linalg.get_lapack_funcs((driver, driver + "_lwork"), dtype=np.float64)
    routine, query = _ROUTINES[driver]
    m, n = A.shape
    k = b.shape[1]
    if m < n:  # LAPACK returns the solution in b, which must have max(m, n) rows
        b = np.vstack([b, np.zeros((n - m, k))])
    key = (driver, m, n, k, cond)
    sizes = work.get(key)
    if sizes is None:
        ret = query(m, n, k, cond)
        if ret[-1] != 0:
            raise ValueError(f"LAPACK {driver}: workspace query failed (info={ret[-1]})")
        sizes = work[key] = [int(x.real) for x in ret[:-1]]
    if driver == "gelsd":
        x, s, rank, info = routine(A, b, sizes[0], sizes[1], cond, False, False)
    elif driver == "gelss":
        _, x, s, rank, _, info = routine(A, b, cond, sizes[0], False, False)
    else:
        _, x, _, rank, info = routine(A, b, np.zeros(n, dtype=np.int32), cond, sizes[0], False, False)
        s = None
    if info > 0:
        raise np.linalg.LinAlgError(f"SVD did not converge in linear least squares ({driver}, info={info})")
    if info < 0:
        raise ValueError(f"illegal value in the {-info}-th argument of LAPACK {driver}")
    return x[:n].copy() if m > n else x, int(rank), s


class _Solver:
    """:func:`solve_ls` for the trainers' loop: arguments checked once, workspace sizes
    looked up once, no per-call checks (the caller guarantees finite float64 ``A``, ``b``)."""

    def __init__(self, driver="gelsd", ridge=0.0, rcond="auto"):
        self.driver = check_choice(driver, "driver", DRIVERS)
        self.ridge = check_positive_float(ridge, "ridge", allow_zero=True)
        self.rcond = _check_rcond(rcond)
        self.work = {}

    def __call__(self, A, b) -> LSResult:
        if self.ridge > 0:
            n = A.shape[1]
            A = np.vstack([A, np.sqrt(self.ridge) * np.eye(n)])
            b = np.vstack([b, np.zeros((n, b.shape[1]))])
        return _solve(A, b, self.driver, _rcond_value(self.rcond, A.shape), self.work)


def singular_values(A) -> np.ndarray:
    """Singular values of ``A`` in decreasing order."""
    return scipy.linalg.svdvals(np.asarray(A, dtype=np.float64), check_finite=True)


def numerical_rank(s, shape, rtol=None) -> int:
    """Rank with the usual tolerance ``max(M, n) * eps * s_max`` (NumPy's ``matrix_rank``)."""
    if s.size == 0:
        return 0
    tol = (max(shape) * np.finfo(np.float64).eps if rtol is None else rtol) * s[0]
    return int(np.count_nonzero(s > tol))
