"""The paper's experiments, one module each (see ``_common`` for the contract).

:data:`REGISTRY` maps the name used on the command line to the module that
implements it; modules are imported only when their experiment runs.
"""

from __future__ import annotations

import importlib

REGISTRY = {
    "collapse": "collapse",        # seed demo, Fig. 6, Fig. 8 (images)
    "basis": "basis",              # Figs. 16, 17
    "lsgd-vs-gd": "lsgd_vs_gd",    # Fig. 3
    "box-vs-he": "box_vs_he",      # Fig. 5
    "resnet-depth": "resnet_depth",  # Fig. 7
    "conditioning": "conditioning",  # Fig. 8 (right)
    "narrow": "narrow",            # Fig. 9
    "convergence": "convergence",  # Fig. 10
    "multi": "multi",              # Fig. 11
    "transport": "transport",      # Figs. 12, 13
    "toy": "toy",                  # Fig. 14
    "cost": "cost",                # Table 1
    "poisson": "poisson",          # extension: -Δu = f, 1D and 2D
}


def get(name):
    """The module of experiment ``name``."""
    if name not in REGISTRY:
        raise ValueError(f"unknown experiment {name!r}; expected one of {sorted(REGISTRY)}")
    return importlib.import_module(f"{__name__}.{REGISTRY[name]}")
