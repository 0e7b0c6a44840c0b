"""adaptive_basis: deep networks as an adaptive basis, Box initialization and LSGD.

A NumPy-only, autograd-free reference implementation of Cyr, Gulian, Patel, Perego
and Trask, "Robust Training and Initialization of Deep Neural Networks: An Adaptive
Basis Viewpoint", MSML 2020 (PMLR 107:512-536), arXiv:1912.04862.
"""

from .activations import RELU, TANH, get_activation
from .io import load_network, save_network
from .lstsq import LSResult, solve_ls
from .network import Network
from .optim import GD, Adam
from .problems import Problem, Regression, grid_1d, legendre_targets, sin2pi, u1_discontinuous
from .train import DivergenceError, History, train_gd, train_lsgd

__version__ = "0.1.0"

__all__ = [
    "RELU", "TANH", "get_activation", "LSResult", "solve_ls", "Network", "GD", "Adam",
    "Problem", "Regression", "grid_1d", "legendre_targets", "sin2pi", "u1_discontinuous",
    "DivergenceError", "History", "train_gd", "train_lsgd", "save_network", "load_network", "__version__",
]
