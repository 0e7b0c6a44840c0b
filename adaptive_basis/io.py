"""Save and load a :class:`~adaptive_basis.network.Network` as a ``.npz`` file.

The file is a plain NumPy archive (no pickles; it is read with
``numpy.load(allow_pickle=False)``) holding:

==================  ==========================================================
key                 value
==================  ==========================================================
``format``          the string ``"adaptive_basis.network"``
``format_version``  integer, :data:`FORMAT_VERSION` (a reader refuses newer ones)
``d_in``            integer, the input dimension ``d``
``widths``          integer array ``(L,)``, the hidden widths
``n_out``           integer, the number of outputs
``activation``      ``"relu"`` or ``"tanh"``
``arch``            ``"plain"`` or ``"resnet"``
``output_bias``     boolean
``resnet_variant``  ``"eq16"`` or ``"alg3"``
``init``            the initializer's name (informational)
``lo``, ``hi``      float arrays ``(d,)``: the input domain ``[lo, hi]^d``
``W1`` .. ``WL``    float64 ``(n_out_l, n_in_l)`` (PyTorch's orientation)
``b1`` .. ``bL``    float64 ``(n_out_l,)``
``xi_L``            float64 ``(n_basis, n_out)``, the head
==================  ==========================================================

Every array is stored in float64 exactly, so a network round-trips bit for bit.
A file that is not a readable archive, lacks a key, has a key of the wrong kind or
shape, or comes from a newer format version raises :class:`ValueError` naming the
file and the problem.
"""

from __future__ import annotations

import os
import zipfile
import zlib

import numpy as np

from .network import Network

FORMAT = "adaptive_basis.network"
FORMAT_VERSION = 1

__all__ = ["FORMAT", "FORMAT_VERSION", "save_network", "load_network"]

_REQUIRED = ("format", "format_version", "d_in", "widths", "n_out", "activation", "arch",
             "output_bias", "resnet_variant", "lo", "hi", "xi_L")


def _check_path(path, name="path"):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or os.PathLike file name, got {path!r} ({type(path).__name__})")
    return os.fspath(path)


def save_network(net, path) -> None:
    """Write ``net`` (architecture, activation, input map and every parameter) to ``path``.

    The file is written under exactly the name given (no ``.npz`` is appended).

    Raises:
        TypeError: ``net`` is not a :class:`Network` or ``path`` is not a file name.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be an adaptive_basis Network, got {type(net).__name__}")
    path = _check_path(path)
    arrays = {
        "format": np.array(FORMAT),
        "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
        "d_in": np.array(net.d_in, dtype=np.int64),
        "widths": np.array(net.widths, dtype=np.int64),
        "n_out": np.array(net.n_out, dtype=np.int64),
        "activation": np.array(net.activation.name),
        "arch": np.array(net.arch),
        "output_bias": np.array(net.output_bias, dtype=bool),
        "resnet_variant": np.array(net.resnet_variant),
        "init": np.array(net.init if isinstance(net.init, str) else ""),
        "lo": np.asarray(net.lo, dtype=np.float64),
        "hi": np.asarray(net.hi, dtype=np.float64),
        "xi_L": np.asarray(net.xi_L, dtype=np.float64),
    }
    for l, (W, b) in enumerate(zip(net.W, net.b), start=1):
        arrays[f"W{l}"] = np.asarray(W, dtype=np.float64)
        arrays[f"b{l}"] = np.asarray(b, dtype=np.float64)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _read(path) -> dict:
    try:
        f = open(path, "rb")  # we own the handle, so it is closed whatever np.load makes of the bytes
    except FileNotFoundError:
        raise
    except OSError as err:
        raise ValueError(f"{path}: not a readable adaptive_basis network file ({err})") from None
    with f:
        try:
            z = np.load(f, allow_pickle=False)
        except (OSError, ValueError, EOFError, NotImplementedError, zipfile.BadZipFile) as err:
            raise ValueError(f"{path}: not a readable adaptive_basis network file ({err})") from None
        if not isinstance(z, np.lib.npyio.NpzFile):
            raise ValueError(f"{path}: not an adaptive_basis network file (a single .npy array, not an .npz archive)")
        return _members(z, path)


def _members(z, path) -> dict:
    with z:
        try:
            # numpy reads a member without reaching its end, so zip's CRC check would not run:
            # testzip reads every member in full and reports the first whose CRC is wrong.
            bad = z.zip.testzip()
            if bad is not None:
                raise ValueError(f"member {bad!r} fails its CRC check")
            return {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError, KeyError, NotImplementedError, zipfile.BadZipFile,
                zlib.error) as err:
            raise ValueError(f"{path}: corrupted adaptive_basis network file ({type(err).__name__}: {err})") \
                from None


def _scalar(data, key, kind, path):
    """The 0-d entry ``key`` of ``kind`` ('int', 'bool' or 'str')."""
    a = data[key]
    ok = a.ndim == 0 and {"int": a.dtype.kind in "iu", "bool": a.dtype.kind == "b",
                          "str": a.dtype.kind == "U"}[kind]
    if not ok:
        raise ValueError(f"{path}: entry {key!r} must be a single {kind}, got dtype {a.dtype} shape {a.shape}")
    return a.item()


def _floats(data, key, path):
    a = data[key]
    if a.dtype.kind != "f":
        raise ValueError(f"{path}: entry {key!r} must be a float array, got dtype {a.dtype}")
    return a.astype(np.float64, copy=False)


def load_network(path) -> Network:
    """Read a network written by :func:`save_network`.

    Raises:
        FileNotFoundError: there is no file ``path``.
        TypeError: ``path`` is not a file name.
        ValueError: the file is corrupted, is not a network file, lacks an entry, has
            an entry of the wrong kind or shape, or has a newer ``format_version``.
    """
    path = _check_path(path)
    data = _read(path)
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise ValueError(f"{path}: not an adaptive_basis network file; missing entries {missing}")
    if _scalar(data, "format", "str", path) != FORMAT:
        raise ValueError(f"{path}: entry 'format' is {data['format'].item()!r}, expected {FORMAT!r}")
    version = _scalar(data, "format_version", "int", path)
    if not 1 <= version <= FORMAT_VERSION:
        raise ValueError(f"{path}: format_version {version} is not supported by this version of "
                         f"adaptive_basis (it reads versions 1..{FORMAT_VERSION})")
    widths = data["widths"]
    if widths.ndim != 1 or widths.dtype.kind not in "iu" or widths.size == 0:
        raise ValueError(f"{path}: entry 'widths' must be a non-empty 1-D integer array, "
                         f"got dtype {widths.dtype} shape {widths.shape}")
    depth = widths.size
    missing = [k for l in range(1, depth + 1) for k in (f"W{l}", f"b{l}") if k not in data]
    if missing:
        raise ValueError(f"{path}: widths has {depth} layers but entries {missing} are missing")
    params = {"W": [_floats(data, f"W{l}", path) for l in range(1, depth + 1)],
              "b": [_floats(data, f"b{l}", path) for l in range(1, depth + 1)],
              "xi_L": _floats(data, "xi_L", path)}
    try:
        net = Network(_scalar(data, "d_in", "int", path), [int(w) for w in widths],
                      _scalar(data, "n_out", "int", path),
                      activation=_scalar(data, "activation", "str", path),
                      arch=_scalar(data, "arch", "str", path),
                      output_bias=_scalar(data, "output_bias", "bool", path),
                      resnet_variant=_scalar(data, "resnet_variant", "str", path),
                      domain=(_floats(data, "lo", path), _floats(data, "hi", path)),
                      params=params)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path}: inconsistent network file: {err}") from None
    if "init" in data:
        net.init = _scalar(data, "init", "str", path)
    return net
