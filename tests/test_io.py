"""Save and load of networks (adaptive_basis.io): exact round trip, clear errors on bad files."""

import os
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adaptive_basis import Network, Regression, train_lsgd
from adaptive_basis.io import FORMAT_VERSION, load_network, save_network
from _verification_helpers import SEEDS, make_network, network_specs, sample_inputs

TMP = settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])


def assert_same_network(a, b):
    assert (a.d_in, a.widths, a.n_out, a.activation.name, a.arch, a.output_bias, a.resnet_variant) == \
        (b.d_in, b.widths, b.n_out, b.activation.name, b.arch, b.output_bias, b.resnet_variant)
    for x, y in zip(a.xi_H + [a.xi_L, a.lo, a.hi, a.scale], b.xi_H + [b.xi_L, b.lo, b.hi, b.scale]):
        assert x.dtype == y.dtype == np.float64 and np.array_equal(x, y)


@TMP
@given(spec=network_specs(), seed=SEEDS)
def test_network_round_trips_through_npz_bit_for_bit(tmp_path, spec, seed):
    net = make_network(spec)
    path = tmp_path / "net.npz"
    save_network(net, path)
    loaded = load_network(path)
    assert_same_network(net, loaded)
    assert loaded.init == net.init
    X = sample_inputs(net, 7, np.random.default_rng(seed))
    assert np.array_equal(loaded.predict(X), net.predict(X))


def test_trained_network_round_trips_and_keeps_predicting_the_same(tmp_path):
    net = Network(1, [6, 6], activation="tanh", arch="resnet", init="box", rng=4, domain=(-1.0, 3.0))
    x = np.linspace(-1, 3, 30)[:, None]
    train_lsgd(net, Regression(x, np.cos(x)), steps=10, lr=5e-3)
    path = os.path.join(tmp_path, "trained")  # no suffix: the file gets exactly this name
    save_network(net, path)
    assert os.path.exists(path) and not os.path.exists(path + ".npz")
    loaded = load_network(path)
    assert_same_network(net, loaded)
    assert np.array_equal(loaded(x), net(x))


def test_saved_file_is_plain_npz_readable_without_pickle(tmp_path):
    net = Network(2, [3], 2, init="he_normal", rng=0, output_bias=True)
    save_network(net, tmp_path / "n.npz")
    with np.load(tmp_path / "n.npz", allow_pickle=False) as z:
        assert int(z["format_version"]) == FORMAT_VERSION
        assert str(z["format"]) == "adaptive_basis.network"
        assert z["W1"].shape == (3, 2) and z["xi_L"].shape == (4, 2)  # (out, in); head (n_basis, n_out)
        assert list(z["widths"]) == [3] and bool(z["output_bias"])


# ------------------------------------------------------------------- bad files
def saved(tmp_path, **overrides):
    """Save a network, rewrite some entries of the archive, return the path."""
    net = Network(2, [3, 3], init="box", arch="resnet", rng=1)
    path = tmp_path / "net.npz"
    save_network(net, path)
    with np.load(path) as z:
        data = dict(z)
    for k, v in overrides.items():
        if v is None:
            data.pop(k)
        else:
            data[k] = v
    np.savez(path, **data)
    return path


@pytest.mark.parametrize("overrides, words", [
    ({"format_version": np.array(FORMAT_VERSION + 1)}, "format_version"),
    ({"format_version": np.array(0)}, "format_version"),
    ({"format_version": np.array("1")}, "format_version"),
    ({"format": np.array("something.else")}, "format"),
    ({"W2": None}, "W2"),
    ({"xi_L": None}, "xi_L"),
    ({"widths": np.array([3.0, 3.0])}, "widths"),
    ({"widths": np.array([3, 3, 3])}, "W3"),
    ({"W1": np.ones((2, 3))}, "W_1"),
    ({"W1": np.array([[1, 2], [3, 4], [5, 6]])}, "W1"),             # integer weights: not what we wrote
    ({"b2": np.array([np.nan, 0.0, 0.0])}, "b_2"),
    ({"activation": np.array("sigmoid")}, "activation"),
    ({"arch": np.array(1)}, "arch"),
    ({"output_bias": np.array(1)}, "output_bias"),
    ({"lo": np.array([0.0, 2.0]), "hi": np.array([1.0, 1.0])}, "domain"),
    ({"xi_L": np.ones((3, 2))}, "xi_L"),
])
def test_incompatible_file_raises_valueerror_naming_the_entry(tmp_path, overrides, words):
    path = saved(tmp_path, **overrides)
    with pytest.raises(ValueError, match=words) as info:
        load_network(path)
    assert str(path) in str(info.value)


@settings(max_examples=40)
@given(position=st.floats(0.0, 1.0, allow_nan=False), flip=st.integers(1, 255))
def test_any_single_corrupted_byte_gives_valueerror_or_the_identical_network(position, flip):
    import tempfile
    net = Network(2, [3, 3], 2, init="box", arch="resnet", rng=1, output_bias=True, domain=(-1.0, 2.0))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "net.npz")
        save_network(net, path)
        raw = bytearray(open(path, "rb").read())
        raw[min(int(position * len(raw)), len(raw) - 1)] ^= flip
        open(path, "wb").write(bytes(raw))
        try:
            loaded = load_network(path)
        except ValueError as err:
            assert path in str(err)
        else:  # the byte was in zip metadata that does not affect the content
            assert_same_network(net, loaded)


@pytest.mark.parametrize("content", [b"", b"not a zip file at all", b"PK\x03\x04truncated"])
def test_garbage_file_raises_valueerror(tmp_path, content):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a readable"):
        load_network(path)


def test_truncated_file_raises_valueerror(tmp_path):
    path = tmp_path / "net.npz"
    save_network(Network(1, [4], rng=0), path)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match=str(path)):
        load_network(path)


def test_single_npy_array_and_pickled_objects_are_refused(tmp_path):
    np.save(tmp_path / "a.npy", np.ones(3))
    with pytest.raises(ValueError, match="single .npy array"):
        load_network(tmp_path / "a.npy")
    np.savez(tmp_path / "obj.npz", format=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="obj.npz"):
        load_network(tmp_path / "obj.npz")


def test_zip_with_a_bad_crc_is_refused(tmp_path):
    path = tmp_path / "net.npz"
    save_network(Network(1, [4], rng=0), path)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("W1.npy")
        offset = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.file_size - 1
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0x01  # the last byte of W1's data: a silently wrong weight without the CRC check
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="CRC"):
        load_network(path)


def test_missing_file_and_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_network(tmp_path / "nope.npz")
    with pytest.raises(TypeError, match="path"):
        load_network(3)
    with pytest.raises(TypeError, match="net"):
        save_network("not a network", tmp_path / "x.npz")
    with pytest.raises(TypeError, match="path"):
        save_network(Network(1, [2], rng=0), None)
