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
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.linalg

from ._validation import check_array, check_choice, check_positive_float

DRIVERS = ("gelsd", "gelss", "gelsy")


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
    if isinstance(rcond, str):
        if rcond != "auto":
            raise ValueError(f"rcond must be 'auto', None or a number in [0, 1), got {rcond!r}")
        rcond = max(A.shape) * np.finfo(np.float64).eps
    elif rcond is not None:
        rcond = check_positive_float(rcond, "rcond", allow_zero=True)
    order = [driver] + [d for d in DRIVERS if d != driver]
    fallbacks = []
    for drv in order:
        try:
            xi, _, rank, s = scipy.linalg.lstsq(A, b, cond=rcond, lapack_driver=drv, check_finite=False)
        except (np.linalg.LinAlgError, ValueError) as err:  # SciPy raises LinAlgError on non-convergence
            fallbacks.append((drv, str(err)))
            continue
        return LSResult(xi=xi, rank=int(rank), singular_values=None if s is None else np.asarray(s),
                        driver=drv, fallbacks=fallbacks)
    raise np.linalg.LinAlgError(f"every LAPACK driver failed on the least-squares system: {fallbacks}")


def singular_values(A) -> np.ndarray:
    """Singular values of ``A`` in decreasing order."""
    return scipy.linalg.svdvals(np.asarray(A, dtype=np.float64), check_finite=True)


def numerical_rank(s, shape, rtol=None) -> int:
    """Rank with the usual tolerance ``max(M, n) * eps * s_max`` (NumPy's ``matrix_rank``)."""
    if s.size == 0:
        return 0
    tol = (max(shape) * np.finfo(np.float64).eps if rtol is None else rtol) * s[0]
    return int(np.count_nonzero(s > tol))
