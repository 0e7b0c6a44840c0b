"""Bad-input fuzzing of the public API (issue 3, item 5).

Hypothesis draws one argument of a public function to corrupt (a wrong shape, NaN or
inf, an empty array, a zero or negative size, m, delta or learning rate, a wrong
type, an unknown name) while the others stay valid. Every call must fail at the
package's boundary with the documented exception type and a message naming the
argument -- never deep inside NumPy or SciPy (the raising frame must be in
adaptive_basis) -- and a call that succeeds must not return NaN.

Documented types: TypeError for a value of the wrong type; ValueError for a value of
the right type that is out of range, of the wrong shape, empty, non-finite or an
unknown name; FloatingPointError (DivergenceError in the trainers) for finite inputs
whose computation overflows.
"""

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import adaptive_basis
from adaptive_basis import (GD, Adam, DivergenceError, Network, Regression, get_activation, grid_1d,
                            legendre_targets, sin2pi, solve_ls, train_gd, train_lsgd, u1_discontinuous)
from adaptive_basis.diagnostics import basis_conditioning, covariance_eigen_ratios, extent, layer_images, unit_grid
from adaptive_basis.init import box_draws, box_uniform_layer, box_weights, hidden_layer_init

PACKAGE = Path(adaptive_basis.__file__).resolve().parent
FUZZ = settings(max_examples=60)
SEEDS = st.integers(0, 2**32 - 1)


def assert_refused(exc, name, fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` raises ``exc`` from adaptive_basis code, with ``name`` in the message."""
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    assert name in str(info.value), f"message {str(info.value)!r} does not name {name!r}"
    raised_in = Path(info.traceback[-1].path).resolve()
    assert PACKAGE in raised_in.parents, f"{exc.__name__} raised in {raised_in}, not at the package boundary"


def assert_finite(*arrays):
    for a in arrays:
        assert np.all(np.isfinite(np.asarray(a, dtype=np.float64))), "a call that succeeded returned NaN/inf"


# ------------------------------------------------------------------- bad scalar values
NOT_NUMBERS = st.sampled_from([None, "3", b"3", [1], (2,), {"a": 1}, object(), 1 + 2j])


def bad_int(minimum):
    """``(value, exception)`` for an integer argument that must be >= ``minimum``."""
    return st.one_of(
        st.tuples(st.integers(max_value=minimum - 1, min_value=-10**6), st.just(ValueError)),
        st.tuples(st.floats(allow_nan=True, allow_infinity=True), st.just(TypeError)),
        st.tuples(st.booleans(), st.just(TypeError)),
        st.tuples(NOT_NUMBERS, st.just(TypeError)),
    )


def bad_positive(allow_zero=False):
    """``(value, exception)`` for a real argument that must be finite and > 0 (or >= 0)."""
    top = -1e-300 if allow_zero else 0.0
    return st.one_of(
        st.tuples(st.floats(max_value=top, min_value=-1e300, allow_nan=False), st.just(ValueError)),
        st.tuples(st.sampled_from([math.nan, math.inf, -math.inf, np.float64("nan")]), st.just(ValueError)),
        st.tuples(st.booleans(), st.just(TypeError)),
        st.tuples(NOT_NUMBERS, st.just(TypeError)),
    )


def bad_name(valid):
    """``(value, exception)`` for a string argument that must be one of ``valid``."""
    return st.one_of(
        st.tuples(st.text(max_size=8).filter(lambda s: s not in valid), st.just(ValueError)),
        st.tuples(st.sampled_from([s.upper() + " " for s in valid]), st.just(ValueError)),
        st.tuples(st.one_of(st.integers(), st.none(), st.just(["relu"])), st.just(TypeError)),
    )


# -------------------------------------------------------------------- bad array values
@st.composite
def bad_matrix(draw, n_cols, n_rows=None):
    """``(value, exception)``: anything but a finite real ``(N, n_cols)`` array (``N = n_rows`` if given)."""
    seed = draw(SEEDS)
    rng = np.random.default_rng(seed)
    N = n_rows if n_rows is not None else draw(st.integers(1, 6))
    good = rng.random((N, n_cols))
    kind = draw(st.sampled_from(["nonfinite", "ndim1", "ndim3", "cols", "rows", "empty", "str", "complex",
                                 "bool", "object", "ragged", "none"]))
    if kind == "nonfinite":
        bad = good.copy()
        bad[draw(st.integers(0, N - 1)), draw(st.integers(0, n_cols - 1))] = draw(
            st.sampled_from([np.nan, np.inf, -np.inf]))
        return bad, ValueError
    if kind == "ndim1":
        return good.ravel(), ValueError
    if kind == "ndim3":
        return good[None], ValueError
    if kind == "cols":
        return rng.random((N, n_cols + draw(st.integers(1, 3)))), ValueError
    if kind == "rows":
        if n_rows is None:
            return rng.random((0, n_cols)), ValueError
        return rng.random((n_rows + draw(st.integers(1, 3)), n_cols)), ValueError
    if kind == "empty":
        return np.zeros((0, n_cols)), ValueError
    if kind == "str":
        return good.astype(str), TypeError
    if kind == "complex":
        return good + 1j, TypeError
    if kind == "bool":
        return good > 0.5, TypeError
    if kind == "object":
        bad = good.astype(object)
        bad[0, 0] = None
        return bad, TypeError
    if kind == "ragged":
        return [[0.5] * n_cols, [0.5] * (n_cols + 1)], ValueError
    return None, TypeError


# ================================================================ Network construction
VALID = dict(d_in=2, widths=[3, 3], n_out=2, activation="tanh", arch="resnet", init="box", rng=0,
             output_bias=True, domain=(-1.0, 1.0), resnet_variant="eq16")


@st.composite
def bad_network_arguments(draw):
    arg = draw(st.sampled_from(["d_in", "widths", "n_out", "activation", "arch", "init", "output_bias",
                                "resnet_variant", "domain", "rng", "params"]))
    if arg in ("d_in", "n_out"):
        value, exc = draw(bad_int(1))
        return arg, value, exc, arg
    if arg == "widths":
        kind = draw(st.sampled_from(["element", "empty", "int", "none", "resnet"]))
        if kind == "element":
            value, exc = draw(bad_int(1))
            i = draw(st.integers(0, 2))
            widths = [3, 3, 3]
            widths[i] = value
            return arg, widths, exc, f"widths[{i}]"
        if kind == "resnet":
            return arg, [3, 4], ValueError, "widths"
        return arg, {"empty": [], "int": 3, "none": None}[kind], (ValueError if kind == "empty" else TypeError), \
            "widths"
    if arg in ("activation", "arch", "resnet_variant", "init"):
        valid = {"activation": ["relu", "tanh"], "arch": ["plain", "resnet"], "resnet_variant": ["eq16", "alg3"],
                 "init": ["box", "he_uniform", "he_normal", "glorot_uniform", "glorot_normal", "kaiming_uniform",
                          "kaiming_normal", "xavier_uniform", "xavier_normal"]}[arg]
        value, exc = draw(bad_name(valid))
        return arg, value, exc, arg
    if arg == "output_bias":
        return arg, draw(st.one_of(st.integers(), st.none(), st.text(max_size=3), st.floats())), TypeError, arg
    if arg == "rng":
        value, exc = draw(st.one_of(st.tuples(st.integers(max_value=-1), st.just(ValueError)),
                                    st.tuples(st.one_of(st.floats(), st.none(), st.text(max_size=3)),
                                              st.just(TypeError))))
        return arg, value, exc, arg
    if arg == "domain":
        kind = draw(st.sampled_from(["order", "equal", "nan", "inf", "shape", "single", "str", "tiny", "huge"]))
        value = {"order": (1.0, -1.0), "equal": (0.5, 0.5), "nan": (0.0, math.nan), "inf": (-math.inf, 1.0),
                 "shape": ([0.0, 0.0, 0.0], 1.0), "single": 1.0, "str": ("0", "1"),
                 "tiny": (0.0, 1e-320), "huge": (-1e308, 1e308)}[kind]
        return arg, value, TypeError if kind == "str" else ValueError, "domain"
    # params: right keys, one array corrupted
    net = Network(**VALID)
    params = net.get_params()
    which = draw(st.sampled_from(["W", "b", "xi_L"]))
    kind = draw(st.sampled_from(["nan", "shape", "str"]))
    target = params[which][0] if which != "xi_L" else params["xi_L"]
    bad = {"nan": np.full_like(target, np.nan), "shape": np.ones(target.shape + (1,)),
           "str": target.astype(str)}[kind]
    if which == "xi_L":
        params["xi_L"] = bad
        name = "xi_L"
    else:
        params[which][0] = bad
        name = f"{which}_1"
    return arg, params, TypeError if kind == "str" else ValueError, name


@FUZZ
@given(bad=bad_network_arguments())
def test_network_constructor_refuses_each_bad_argument_by_name(bad):
    arg, value, exc, name = bad
    assert_refused(exc, name, Network, **dict(VALID, **{arg: value}))


@pytest.mark.parametrize("params, exc", [(3, TypeError), ([np.ones(2)], TypeError), ({"W": []}, ValueError),
                                         ({"W": [], "b": [], "xi_L": 1}, ValueError),
                                         ({"W": 1, "b": 1, "xi_L": 1}, TypeError)])
def test_network_refuses_malformed_params_by_name(params, exc):
    assert_refused(exc, "params", Network, **dict(VALID, params=params))


def test_a_refused_params_update_leaves_the_network_unchanged():
    net = Network(**VALID)
    before = net.get_params()
    bad = net.get_params()
    bad["b"][1] = np.full(3, np.nan)
    assert_refused(ValueError, "b_2", net.set_params, bad)
    for x, y in zip(before["W"] + before["b"] + [before["xi_L"]], net.W + net.b + [net.xi_L]):
        assert np.array_equal(x, y)


def test_network_built_from_params_does_not_share_the_callers_arrays():
    params = Network(**VALID).get_params()
    net = Network(**dict(VALID, params=params))
    params["W"][0][0, 0] = 123.0
    params["xi_L"][0, 0] = 123.0
    assert net.W[0][0, 0] != 123.0 and net.xi_L[0, 0] != 123.0


# =================================================================== evaluation
@FUZZ
@given(data=st.data(), method=st.sampled_from(["predict", "basis", "basis_forward", "hidden_states", "call",
                                               "layer_images", "basis_conditioning"]))
def test_evaluation_refuses_bad_inputs_naming_X(data, method):
    net = Network(**VALID)
    X, exc = data.draw(bad_matrix(net.d_in), label="X")
    fn = {"call": net, "layer_images": lambda X: layer_images(net, X),
          "basis_conditioning": lambda X: basis_conditioning(net, X)}.get(method) or getattr(net, method)
    assert_refused(exc, "X", fn, X)


@FUZZ
@given(seed=SEEDS, exponent=st.integers(0, 308), arch=st.sampled_from(["plain", "resnet"]),
       activation=st.sampled_from(["relu", "tanh"]))
def test_evaluation_of_huge_finite_inputs_is_finite_or_refused(seed, exponent, arch, activation):
    net = Network(2, [4, 4], 2, activation=activation, arch=arch, init="he_normal", rng=seed, output_bias=True)
    X = (np.random.default_rng(seed).random((5, 2)) - 0.5) * 10.0 ** exponent
    try:
        with np.errstate(all="ignore"):
            out = net.predict(X)
    except FloatingPointError as err:
        assert "X" in str(err) and "non-finite" in str(err)
    else:
        assert_finite(out)


@FUZZ
@given(data=st.data())
def test_basis_backward_refuses_a_dPhi_of_the_wrong_shape_or_nonfinite(data):
    net = Network(**VALID)
    X = np.random.default_rng(0).random((4, 2))
    Phi, cache = net.basis_forward(X)
    dPhi, exc = data.draw(bad_matrix(net.n_basis, n_rows=4), label="dPhi")
    assert_refused(exc, "dPhi", net.basis_backward, dPhi, cache)


@FUZZ
@given(data=st.data(), which=st.sampled_from(["set_head", "xi_H", "set_params"]))
def test_parameter_setters_refuse_bad_arrays_by_name(data, which):
    net = Network(**VALID)
    if which == "set_head":
        value, exc = data.draw(bad_matrix(net.n_out, n_rows=net.n_basis), label="xi_L")
        assert_refused(exc, "xi_L", net.set_head, value)
    elif which == "xi_H":
        value, exc = data.draw(bad_matrix(2, n_rows=3), label="W_1")
        arrays = [value] + net.xi_H[1:]

        def set_xi_H():
            net.xi_H = arrays
        assert_refused(exc, "W_1", set_xi_H)
    else:
        value, exc = data.draw(bad_matrix(net.n_out, n_rows=net.n_basis), label="xi_L")
        params = dict(net.get_params(), xi_L=value)
        assert_refused(exc, "xi_L", net.set_params, params)
    assert_finite(*net.xi_H, net.xi_L)  # a refused update leaves finite parameters


def test_xi_H_setter_refuses_a_non_sequence_and_a_wrong_count():
    net = Network(**VALID)

    def set_to(v):
        net.xi_H = v
    assert_refused(TypeError, "xi_H", set_to, 3)
    assert_refused(ValueError, "xi_H", set_to, net.xi_H[:-1])


# ====================================================================== Regression
@FUZZ
@given(data=st.data(), arg=st.sampled_from(["X", "Y", "X_eval", "Y_eval", "eps"]))
def test_regression_refuses_each_bad_argument_by_name(data, arg):
    rng = np.random.default_rng(1)
    kwargs = dict(X=rng.random((6, 2)), Y=rng.random((6, 3)), X_eval=rng.random((4, 2)), Y_eval=rng.random((4, 3)))
    if arg == "eps":
        kwargs["eps"], exc = data.draw(bad_positive(), label="eps")
    elif arg == "X":
        kwargs["X"], exc = data.draw(bad_matrix(2), label="X")
        if isinstance(kwargs["X"], np.ndarray) and kwargs["X"].ndim == 2 and kwargs["X"].shape[0] not in (0, 6) \
                and kwargs["X"].dtype.kind == "f" and np.all(np.isfinite(kwargs["X"])):
            arg = "Y"  # a finite X with another number of rows: Y does not match it
    elif arg == "Y":
        kwargs["Y"], exc = data.draw(bad_matrix(3, n_rows=6), label="Y")
        if isinstance(kwargs["Y"], np.ndarray) and kwargs["Y"].ndim == 1 and kwargs["Y"].size == 18:
            kwargs["Y"] = kwargs["Y"][:5]  # (18,) would not be refused... (6,) is a valid single output
    elif arg == "X_eval":
        kwargs["X_eval"], exc = data.draw(bad_matrix(2), label="X_eval")
        if kwargs["X_eval"] is None:
            exc = ValueError  # None is "no evaluation set", refused because Y_eval is given
        if exc is ValueError and isinstance(kwargs["X_eval"], np.ndarray) and kwargs["X_eval"].ndim == 2 \
                and kwargs["X_eval"].shape[1] == 2 and kwargs["X_eval"].shape[0] not in (0, 4) \
                and np.all(np.isfinite(kwargs["X_eval"])):
            arg = "Y_eval"
    else:
        kwargs["Y_eval"], exc = data.draw(bad_matrix(3, n_rows=4), label="Y_eval")
        if kwargs["Y_eval"] is None:
            exc = ValueError
    assert_refused(exc, arg, Regression, **kwargs)


def test_regression_needs_both_or_neither_evaluation_set():
    X = np.random.default_rng(0).random((5, 1))
    assert_refused(ValueError, "X_eval", Regression, X, X[:, 0], X_eval=X)


# ======================================================================= trainers
@st.composite
def bad_training_arguments(draw):
    arg = draw(st.sampled_from(["steps", "lr", "record_every", "driver", "ridge", "rcond", "betas", "adam_eps",
                                "net", "problem", "mismatch"]))
    if arg == "steps":
        value, exc = draw(bad_int(0))
        return arg, value, exc, "steps"
    if arg == "record_every":
        value, exc = draw(bad_int(1).filter(lambda v: v[0] is not None))
        return arg, value, exc, "record_every"
    if arg == "lr":
        value, exc = draw(bad_positive())
        return arg, value, exc, "lr"
    if arg == "adam_eps":
        value, exc = draw(bad_positive())
        return arg, value, exc, "eps"
    if arg == "ridge":
        value, exc = draw(bad_positive(allow_zero=True))
        return arg, value, exc, "ridge"
    if arg == "rcond":
        value, exc = draw(st.one_of(bad_positive(allow_zero=True).filter(lambda v: v[0] is not None),
                                    st.tuples(st.sampled_from(["Auto", "max", ""]), st.just(ValueError))))
        return arg, value, ValueError if isinstance(value, str) else exc, "rcond"
    if arg == "driver":
        value, exc = draw(bad_name(["gelsd", "gelss", "gelsy"]))
        return arg, value, exc, "driver"
    if arg == "betas":
        kind = draw(st.sampled_from(["range", "nan", "scalar", "length", "type"]))
        value, exc = {"range": ((0.9, 1.0), ValueError), "nan": ((math.nan, 0.999), ValueError),
                      "scalar": (0.9, TypeError), "length": ((0.9, 0.99, 0.999), ValueError),
                      "type": (("0.9", 0.999), TypeError)}[kind]
        if kind == "range":
            value = draw(st.sampled_from([(0.9, 1.0), (-0.1, 0.999), (1.5, 0.5)]))
        return arg, value, exc, "beta"
    if arg == "net":
        return arg, draw(st.sampled_from([None, "net", 3, np.zeros(3)])), TypeError, "net"
    if arg == "problem":
        return arg, draw(st.sampled_from([None, "problem", (np.zeros((3, 1)), np.zeros(3))])), TypeError, "problem"
    return arg, None, ValueError, "d_in"


@FUZZ
@given(bad=bad_training_arguments(), method=st.sampled_from(["lsgd", "gd"]))
def test_trainers_refuse_each_bad_argument_by_name(bad, method):
    arg, value, exc, name = bad
    if method == "gd" and arg in ("driver", "ridge", "rcond"):
        return
    net = Network(1, [4], rng=0)
    x = np.linspace(0, 1, 8)[:, None]
    problem = Regression(x, np.sin(x))
    kwargs = dict(steps=2, lr=1e-3)
    if arg == "net":
        net = value
    elif arg == "problem":
        problem = value
    elif arg == "mismatch":
        problem = Regression(np.hstack([x, x]), np.sin(x))
    else:
        kwargs[arg] = value
    train = train_lsgd if method == "lsgd" else train_gd
    assert_refused(exc, name, train, net, problem, **kwargs)


@settings(max_examples=40)
@given(lr=st.floats(1e-8, 1e300), method=st.sampled_from(["lsgd", "gd"]), activation=st.sampled_from(["relu", "tanh"]),
       seed=st.integers(0, 100))
def test_any_learning_rate_gives_a_finite_history_or_a_divergence_error(lr, method, activation, seed):
    net = Network(1, [6, 6], activation=activation, arch="resnet", init="he_uniform", rng=seed)
    x = np.linspace(0, 1, 10)[:, None]
    train = train_lsgd if method == "lsgd" else train_gd
    try:
        with np.errstate(all="ignore"):
            hist = train(net, Regression(x, np.sin(4 * x)), steps=4, lr=lr)
    except DivergenceError as err:
        assert "iteration" in str(err)
    else:
        assert_finite(hist.loss, *net.xi_H, net.xi_L)
        assert not np.any(np.isnan(hist.cond)), "cond may be inf (a singular basis), never NaN"


# ======================================================================= solve_ls
@FUZZ
@given(data=st.data(), arg=st.sampled_from(["A", "b", "driver", "ridge", "rcond"]))
def test_solve_ls_refuses_each_bad_argument_by_name(data, arg):
    rng = np.random.default_rng(2)
    kwargs = dict(A=rng.random((6, 3)), b=rng.random((6, 2)))
    if arg == "A":
        kwargs["A"], exc = data.draw(bad_matrix(3, n_rows=6), label="A")
        if exc is ValueError and isinstance(kwargs["A"], np.ndarray) and kwargs["A"].ndim == 2 \
                and kwargs["A"].shape[1] != 3 and kwargs["A"].shape[0] == 6 and np.all(np.isfinite(kwargs["A"])):
            return  # another number of columns is a valid system
    elif arg == "b":
        kwargs["b"], exc = data.draw(bad_matrix(2, n_rows=6), label="b")
        if exc is ValueError and isinstance(kwargs["b"], np.ndarray) and kwargs["b"].ndim == 2 \
                and kwargs["b"].shape[0] == 6 and np.all(np.isfinite(kwargs["b"])):
            return  # another number of right-hand sides is valid
    elif arg == "driver":
        kwargs["driver"], exc = data.draw(bad_name(["gelsd", "gelss", "gelsy"]), label="driver")
    elif arg == "ridge":
        kwargs["ridge"], exc = data.draw(bad_positive(allow_zero=True), label="ridge")
    else:
        kwargs["rcond"], exc = data.draw(bad_positive(allow_zero=True).filter(lambda v: v[0] is not None),
                                         label="rcond")
        if isinstance(kwargs["rcond"], str):
            exc = ValueError  # a string is of the right type ('auto'), just not a known one
    assert_refused(exc, arg, solve_ls, **kwargs)


# ================================================================ Adam, GD
@FUZZ
@given(data=st.data(), arg=st.sampled_from(["lr", "beta1", "beta2", "eps"]), opt=st.sampled_from(["adam", "gd"]))
def test_optimisers_refuse_bad_hyperparameters_by_name(data, arg, opt):
    if opt == "gd":
        value, exc = data.draw(bad_positive(), label="lr")
        assert_refused(exc, "lr", GD, value)
        return
    kwargs = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
    if arg in ("beta1", "beta2"):
        value, exc = data.draw(st.one_of(bad_positive(allow_zero=True),
                                         st.tuples(st.floats(1.0, 1e10), st.just(ValueError))), label=arg)
    else:
        value, exc = data.draw(bad_positive(), label=arg)
    kwargs[arg] = value
    assert_refused(exc, arg, Adam, **kwargs)


@FUZZ
@given(data=st.data(), opt=st.sampled_from(["adam", "gd"]))
def test_optimiser_step_refuses_mismatched_or_nonfinite_gradients_by_name(data, opt):
    params = [np.ones((3, 2)), np.zeros(3)]
    kind = data.draw(st.sampled_from(["count", "shape", "nan", "params_nan"]), label="kind")
    grads = [np.ones((3, 2)), np.ones(3)]
    name = "grad"
    if kind == "count":
        grads = grads[:1]
    elif kind == "shape":
        grads[1] = np.ones(4)
    elif kind == "nan":
        grads[data.draw(st.integers(0, 1))].flat[0] = data.draw(st.sampled_from([np.nan, np.inf]))
    else:
        params[0][0, 0] = np.nan
        name = "param"
    o = Adam(1e-3) if opt == "adam" else GD(1e-3)
    assert_refused(ValueError, name, o.step, params, grads)


# ============================================================== initializations
@FUZZ
@given(data=st.data(), arg=st.sampled_from(["m", "delta", "n_in", "n_out"]),
       fn=st.sampled_from(["box_draws", "box_uniform_layer", "box_weights"]))
def test_box_initialization_refuses_bad_m_delta_and_sizes_by_name(data, arg, fn):
    if fn == "box_draws" and arg == "delta":
        return
    if arg in ("m", "delta"):
        value, exc = data.draw(bad_positive(), label=arg)
    else:
        if fn == "box_weights":
            return
        value, exc = data.draw(bad_int(1), label=arg)
    if fn == "box_weights":
        p, n = np.full((2, 3), 0.25), np.ones((2, 3))
        assert_refused(exc, arg, box_weights, p, n, **{arg: value})
        return
    kwargs = dict(n_in=3, n_out=2, rng=0)
    kwargs[arg] = value
    func = box_draws if fn == "box_draws" else box_uniform_layer
    assert_refused(exc, arg, func, **kwargs)


@FUZZ
@given(data=st.data(), arg=st.sampled_from(["p", "n"]))
def test_box_weights_refuse_bad_draw_arrays_by_name(data, arg):
    good = {"p": np.full((2, 3), 0.25), "n": np.ones((2, 3))}
    good[arg], exc = data.draw(bad_matrix(3, n_rows=2), label=arg)
    assert_refused(exc, arg if arg == "p" else "n", box_weights, good["p"], good["n"])


@FUZZ
@given(data=st.data(), arg=st.sampled_from(["scheme", "activation", "arch", "resnet_variant"]))
def test_hidden_layer_init_refuses_unknown_names_by_name(data, arg):
    valid = {"scheme": ["box", "he_uniform"], "activation": ["relu", "tanh", "linear", "identity"],
             "arch": ["plain", "resnet"], "resnet_variant": ["eq16", "alg3"]}[arg]
    value, exc = data.draw(bad_name(valid + ["he_normal", "glorot_uniform", "glorot_normal", "kaiming_uniform",
                                             "kaiming_normal", "xavier_uniform", "xavier_normal"]), label=arg)
    kwargs = dict(scheme="box", layer_index=1, depth=2, n_in=2, n_out=2, rng=0)
    kwargs[arg] = value
    assert_refused(exc, arg, hidden_layer_init, **kwargs)


# ============================================================ small public helpers
@FUZZ
@given(value=bad_name(["relu", "tanh"]))
def test_get_activation_refuses_unknown_names(value):
    name, exc = value
    assert_refused(exc, "activation", get_activation, name)


@FUZZ
@given(value=bad_int(2), fn=st.sampled_from(["grid_1d", "unit_grid", "legendre_targets"]))
def test_grid_and_target_sizes_are_validated_by_name(value, fn):
    v, exc = value
    if fn == "grid_1d":
        assert_refused(exc, "n", grid_1d, v)
    elif fn == "unit_grid":
        assert_refused(exc, "n_per_side", unit_grid, v)
    elif exc is TypeError or v < 1:
        assert_refused(exc, "k", legendre_targets, np.linspace(0, 1, 5), v)


@FUZZ
@given(data=st.data(), fn=st.sampled_from(["sin2pi", "u1", "legendre", "extent", "covariance"]))
def test_functions_of_point_sets_refuse_nonfinite_or_non_numeric_input(data, fn):
    kind = data.draw(st.sampled_from(["nan", "inf", "str", "complex", "none"]), label="kind")
    P = np.random.default_rng(0).random((6, 2))
    bad = {"nan": np.where(P > 0.9, np.nan, P), "inf": np.where(P > 0.9, -np.inf, P), "str": P.astype(str),
           "complex": P + 1j, "none": None}[kind]
    if kind in ("nan", "inf") and np.all(np.isfinite(bad)):
        bad[0, 0] = np.nan
    exc = ValueError if kind in ("nan", "inf") else TypeError
    func, name = {"sin2pi": (sin2pi, "x"), "u1": (u1_discontinuous, "x"), "legendre": (legendre_targets, "x"),
                  "extent": (extent, "P"), "covariance": (covariance_eigen_ratios, "P")}[fn]
    assert_refused(exc, name, func, bad)


def test_covariance_ratios_need_two_points_of_dimension_two():
    assert_refused(ValueError, "P", covariance_eigen_ratios, np.ones((1, 3)))
    assert_refused(ValueError, "P", covariance_eigen_ratios, np.ones((5, 1)))
