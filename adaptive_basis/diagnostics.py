"""Diagnostics of the basis at initialisation (paper Sec. 4, Figs. 6, 8, 16, 17).

* :func:`layer_images` -- the image ``P_L`` of a point set of the unit box after each
  of the first L hidden layers;
* :func:`extent` -- the size ``H`` of such an image, as annotated in Figs. 6 and 8;
* :func:`covariance_eigen_ratios` -- eigenvalue ratios of the covariance of an image
  (Fig. 8, right), small ratios meaning the image has collapsed onto a subspace;
* :func:`basis_conditioning` -- rank and condition number of the basis on the data.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_array, check_int
from .lstsq import numerical_rank, singular_values


def unit_grid(n_per_side=10, d=2):
    """A tensor grid of ``n_per_side^d`` points of ``[0, 1]^d``, shape ``(n^d, d)``."""
    n = check_int(n_per_side, "n_per_side", minimum=2)
    d = check_int(d, "d")
    axes = np.meshgrid(*[np.linspace(0.0, 1.0, n)] * d, indexing="ij")
    return np.stack([a.reshape(-1) for a in axes], axis=1)


def layer_images(net, X) -> list:
    """``[P_0, P_1, ..., P_L]``: ``X`` mapped to the unit box, then through each hidden layer."""
    return net.hidden_states(X)


def extent(P) -> float:
    """``H = max |P_ij|``: the largest coordinate of the image (its bounding box for ReLU)."""
    P = check_array(P, "P", allow_empty=True)
    return float(np.max(np.abs(P))) if P.size else 0.0


def covariance_eigen_ratios(P) -> dict:
    """Eigenvalues ``lambda_1 >= ... >= lambda_d`` of ``cov(P)`` and the ratios of Fig. 8.

    Returns ``{'eigenvalues', 'ratio_second_smallest'= lambda_{d-1}/lambda_d,
    'ratio_largest' = lambda_1/lambda_d}`` (inf when ``lambda_d`` is 0, i.e. the image
    lies in a hyperplane).
    """
    P = check_array(P, "P", ndim=2)
    if P.shape[0] < 2 or P.shape[1] < 2:
        raise ValueError(f"P must hold at least 2 points of dimension >= 2, got shape {P.shape}")
    lam = np.sort(np.clip(np.linalg.eigvalsh(np.cov(P, rowvar=False)), 0.0, None))[::-1]
    def ratio(a, b):
        return float(a / b) if b > 0 else float("inf")
    return {"eigenvalues": lam, "ratio_second_smallest": ratio(lam[-2], lam[-1]),
            "ratio_largest": ratio(lam[0], lam[-1])}


def basis_conditioning(net, X) -> dict:
    """Singular values, numerical rank and 2-norm condition number of ``Phi(X)``."""
    Phi = net.basis(X)
    s = singular_values(Phi)
    return {"singular_values": s, "rank": numerical_rank(s, Phi.shape),
            "cond": float(s[0] / s[-1]) if s[-1] > 0 else float("inf")}
