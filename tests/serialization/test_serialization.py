"""Checkpoints: exact round trips, the RNG and optimizer resuming, atomic writes, clear errors.

A round trip must give back the same structure with the same types: a tuple
stays a tuple, an int dict key stays an int, a float32 array stays float32, a
Tensor keeps requires_grad, and the 128-bit integers of NumPy's bit-generator
state survive. Atomicity is shown by making the writer crash half-way: the
previous checkpoint must still load, and no temporary file may be left.
"""
import io
import json
import os
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygen as tg
import tinygen.optim as optim
from tinygen import serialization
from tinygen.serialization import CheckpointError, load, save


def assert_same(actual, expected, where="obj"):
    """Equal values *and* equal types, all the way down (0 == 0.0 == False would not do)."""
    assert type(actual) is type(expected), f"{where}: {type(actual).__name__} != {type(expected).__name__}"
    if isinstance(expected, tg.Tensor):
        assert actual.requires_grad == expected.requires_grad, where
        assert_same(actual.data, expected.data, f"{where}.data")
    elif isinstance(expected, (np.ndarray, np.generic)):
        assert actual.dtype == expected.dtype and actual.shape == expected.shape, where
        np.testing.assert_array_equal(actual, expected, err_msg=where)
    elif isinstance(expected, dict):
        assert list(actual) == list(expected), where
        for key in expected:
            assert_same(actual[key], expected[key], f"{where}[{key!r}]")
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected), where
        for index, (a, e) in enumerate(zip(actual, expected)):
            assert_same(a, e, f"{where}[{index}]")
    elif isinstance(expected, float) and np.isnan(expected):
        assert np.isnan(actual), where
    else:
        assert actual == expected, where


def round_trip(obj, tmp_path, **load_options):
    path = tmp_path / "checkpoint.npz"
    save(obj, path)
    return load(path, **load_options)


def test_round_trip_of_a_nested_structure(tmp_path):
    obj = {
        "float32": np.arange(6, dtype=np.float32).reshape(2, 3),
        "float64": np.linspace(-1, 1, 5),
        "int64": np.array([-(2**62), 0, 2**62]),
        "uint8": np.array([0, 255], dtype=np.uint8),
        "bool": np.array([True, False]),
        "zero-d": np.array(3.5),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "non-contiguous": np.arange(12.0).reshape(3, 4).T,
        "numpy scalars": [np.float32(1.5), np.int64(-7), np.bool_(True)],
        "tensors": (tg.tensor([1.0, 2.0], requires_grad=True), tg.zeros(2, 2, dtype=tg.float64), tg.tensor(4.0)),
        "strings": ["", "épsilon ε", "with \"quotes\" and \n newline"],
        "numbers": [0, -1, 2**200, -(2**100), 0.1, -0.0, float("inf"), float("nan"), 1e-310],
        "flags": (True, False, None),
        3: "an int key",
        2.5: "a float key",
        None: "a None key",
        ("a", 1): "a tuple key",
        "empty containers": [[], (), {}],
        "deep": {"a": [{"b": ({"c": [np.ones(1)]},)}]},
    }
    loaded = round_trip(obj, tmp_path)
    assert_same(loaded, obj)
    assert loaded["tensors"][0].grad is None and loaded["tensors"][0].is_leaf


def test_parameter_like_tensor_subclasses_come_back_as_tensors(tmp_path):
    class Parameter(tg.Tensor):
        __slots__ = ()

    loaded = round_trip({"w": Parameter(np.ones(2, dtype=np.float32), requires_grad=True)}, tmp_path)
    assert type(loaded["w"]) is tg.Tensor and loaded["w"].requires_grad


DTYPES = st.sampled_from([np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_, np.complex128])
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
ARRAYS = DTYPES.flatmap(lambda dtype: hnp.arrays(dtype, SHAPES))
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(-(2**130), 2**130)
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | ARRAYS
    | ARRAYS.filter(lambda a: a.dtype.kind == "f").map(lambda a: tg.Tensor(a, requires_grad=a.size % 2 == 1))
)
KEYS = st.text(max_size=5) | st.integers(-5, 5) | st.tuples(st.integers(0, 3), st.text(max_size=2))
STRUCTURES = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.lists(inner, max_size=3).map(tuple) | st.dictionaries(KEYS, inner, max_size=4)
    ),
    max_leaves=12,
)


@given(obj=STRUCTURES)
def test_round_trip_of_drawn_structures(obj, tmp_path_factory):
    assert_same(round_trip(obj, tmp_path_factory.mktemp("drawn")), obj)


def test_restoring_the_rng_state_repeats_the_draws(tmp_path):
    tg.manual_seed(1234)
    tg.randn(10)  # move the generator along first: a fresh state would prove little
    save({"rng": tg.random.get_rng_state()}, tmp_path / "rng.npz")
    expected = [tg.randn(5).numpy(), tg.rand(3, 2).numpy(), tg.randint(0, 100, (4,)).numpy()]
    state = load(tmp_path / "rng.npz")["rng"]
    assert state["state"]["state"] > 2**64  # a 128-bit PCG64 state, saved exactly
    tg.manual_seed(0)
    tg.random.set_rng_state(state)
    for draw, values in zip((tg.randn(5), tg.rand(3, 2), tg.randint(0, 100, (4,))), expected):
        np.testing.assert_array_equal(draw.numpy(), values)


def test_a_training_checkpoint_resumes_the_optimizer_and_scheduler_exactly(tmp_path):
    rng = np.random.default_rng(0)
    initial = [rng.standard_normal((3, 2)), rng.standard_normal(2)]
    gradients = [[rng.standard_normal(p.shape) for p in initial] for _ in range(8)]

    def make(values):
        params = [tg.tensor(v.copy(), requires_grad=True) for v in values]
        optimizer = optim.Adam(params, lr=0.1, amsgrad=True)
        return params, optimizer, optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)

    def train(params, optimizer, scheduler, steps):
        for step_gradients in steps:
            for p, g in zip(params, step_gradients):
                p.grad = tg.tensor(g)
            optimizer.step()
            scheduler.step()

    params, optimizer, scheduler = make(initial)
    train(params, optimizer, scheduler, gradients)
    expected = [p.numpy() for p in params]

    params, optimizer, scheduler = make(initial)
    train(params, optimizer, scheduler, gradients[:5])
    save(
        {"params": params, "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "epoch": 5},
        tmp_path / "train.ckpt",
    )
    checkpoint = load(tmp_path / "train.ckpt")
    params, optimizer, scheduler = make([p.numpy() for p in checkpoint["params"]])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    train(params, optimizer, scheduler, gradients[checkpoint["epoch"] :])
    for p, e in zip(params, expected):
        np.testing.assert_array_equal(p.numpy(), e)


def test_the_file_is_a_plain_npz_at_exactly_the_given_path(tmp_path):
    path = tmp_path / "model.ckpt"  # no .npz appended, unlike numpy.savez(path)
    save({"w": tg.ones(2), "n": 3}, path)
    assert os.listdir(tmp_path) == ["model.ckpt"]
    with np.load(path, allow_pickle=False) as archive:
        manifest = json.loads(archive[serialization.MANIFEST_KEY].tobytes())
        assert manifest["format"] == "tinygen-checkpoint" and manifest["version"] == serialization.VERSION
        assert sorted(archive.files) == ["0", serialization.MANIFEST_KEY]
        np.testing.assert_array_equal(archive["0"], [1.0, 1.0])


# ---- atomic writes ---------------------------------------------------------------------


@pytest.mark.parametrize("error", [OSError, KeyboardInterrupt])
def test_a_crash_mid_write_keeps_the_old_checkpoint_and_leaves_no_temporary_file(tmp_path, monkeypatch, error):
    path = tmp_path / "checkpoint.npz"
    save({"epoch": 1, "w": np.arange(3.0)}, path)

    def crash(file, *args, **arrays):
        file.write(b"PK\x03\x04 half of an archive")
        raise error("simulated crash")

    monkeypatch.setattr(serialization.numpy, "savez", crash)
    with pytest.raises(error, match="simulated crash"):
        save({"epoch": 2, "w": np.zeros(3)}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["checkpoint.npz"]
    assert_same(load(path), {"epoch": 1, "w": np.arange(3.0)})


def test_a_failed_rename_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.npz"
    save([1], path)
    monkeypatch.setattr(serialization.os, "replace", lambda *a: (_ for _ in ()).throw(PermissionError("locked")))
    with pytest.raises(PermissionError):
        save([2], path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["checkpoint.npz"] and load(path) == [1]


def test_the_data_is_fsynced_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(serialization.os, "fsync", lambda fd: events.append("fsync") or real_fsync(fd))
    monkeypatch.setattr(serialization.os, "replace", lambda a, b: events.append("replace") or real_replace(a, b))
    save({"x": 1}, tmp_path / "c.npz")
    assert events[:2] == ["fsync", "replace"]


def test_an_unsavable_object_fails_before_touching_the_file(tmp_path):
    path = tmp_path / "checkpoint.npz"
    save({"epoch": 1}, path)
    with pytest.raises(TypeError, match=r"cannot save obj\['model'\]\[0\]: type 'object' is none of"):
        save({"model": [object()]}, path)
    with pytest.raises(TypeError, match="could only be stored by pickling"):
        save({"a": np.array([1, "x", None], dtype=object)}, path)
    with pytest.raises(TypeError, match="dict key"):
        save({frozenset(): 1}, path)
    assert os.listdir(tmp_path) == ["checkpoint.npz"] and load(path) == {"epoch": 1}


# ---- errors on load ------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at .*nothing.npz"):
        load(tmp_path / "nothing.npz")


def test_files_that_are_not_checkpoints(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(CheckpointError, match=r"not a tinygen checkpoint: it is not an \.npz"):
        load(tmp_path / "notes.txt")
    np.save(tmp_path / "array.npy", np.ones(3))
    with pytest.raises(CheckpointError, match="not an .npz"):
        load(tmp_path / "array.npy")
    np.savez(tmp_path / "plain.npz", a=np.ones(3))
    with pytest.raises(CheckpointError, match="without a tinygen manifest"):
        load(tmp_path / "plain.npz")


def _write_manifest(path, manifest_bytes, **arrays):
    np.savez(path, **{serialization.MANIFEST_KEY: np.frombuffer(manifest_bytes, dtype=np.uint8)}, **arrays)


def test_newer_and_unknown_format_versions_are_refused(tmp_path):
    manifest = {"format": "tinygen-checkpoint", "version": serialization.VERSION + 1, "root": {"type": "none"}}
    _write_manifest(tmp_path / "newer.npz", json.dumps(manifest).encode())
    with pytest.raises(CheckpointError, match="written by a newer tinygen .*upgrade tinygen"):
        load(tmp_path / "newer.npz")
    _write_manifest(tmp_path / "zero.npz", json.dumps({**manifest, "version": 0}).encode())
    with pytest.raises(CheckpointError, match="unknown checkpoint format version 0"):
        load(tmp_path / "zero.npz")
    _write_manifest(tmp_path / "other.npz", json.dumps({**manifest, "format": "other"}).encode())
    with pytest.raises(CheckpointError, match="names no tinygen format"):
        load(tmp_path / "other.npz")


def test_corrupt_files_are_reported_as_corrupt(tmp_path):
    path = tmp_path / "checkpoint.npz"
    save({"w": np.full(1000, 7, dtype=np.uint8)}, path)
    content = path.read_bytes()

    path.write_bytes(content[: len(content) // 2])  # truncated
    with pytest.raises(CheckpointError, match="corrupt"):
        load(path)

    position = content.index(bytes([7]) * 1000) + 500
    path.write_bytes(content[:position] + b"\x08" + content[position + 1 :])  # one flipped byte in the data
    with pytest.raises(CheckpointError, match="corrupt tinygen checkpoint: .*CRC"):
        load(path)

    _write_manifest(path, b"{not json")
    with pytest.raises(CheckpointError, match="unreadable manifest"):
        load(path)

    root = {"type": "array", "key": "0", "dtype": "float32", "shape": [2]}
    manifest = {"format": "tinygen-checkpoint", "version": 1, "root": root}
    _write_manifest(path, json.dumps(manifest).encode(), **{"0": np.zeros(3)})
    with pytest.raises(CheckpointError, match=r"is float64 \[3\], but the manifest says float32 \[2\]"):
        load(path)
    _write_manifest(path, json.dumps({**manifest, "root": {"type": "array", "key": "9"}}).encode())
    with pytest.raises(CheckpointError, match="corrupt"):
        load(path)


def _rewritten(content, change, compression=zipfile.ZIP_STORED):
    """The archive ``content`` with ``change(entries)`` applied to its {name: bytes} entries."""
    with zipfile.ZipFile(io.BytesIO(content)) as original:
        entries = {name: original.read(name) for name in original.namelist()}
    change(entries)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def _npy(array):
    out = io.BytesIO()
    np.lib.format.write_array(out, array, allow_pickle=True)
    return out.getvalue()


def _set_entry(name, data):
    return lambda entries: entries.__setitem__(name, data)


def _flag_encrypted(content):
    """Set the 'encrypted' bit of every central-directory record."""
    content = bytearray(content)
    record = content.find(b"PK\x01\x02")
    while record >= 0:
        content[record + 8] |= 1
        record = content.find(b"PK\x01\x02", record + 1)
    return bytes(content)


def _unknown_compression(content):
    """Name compression method 99 in every central-directory record."""
    content = bytearray(content)
    record = content.find(b"PK\x01\x02")
    while record >= 0:
        content[record + 10 : record + 12] = (99).to_bytes(2, "little")
        record = content.find(b"PK\x01\x02", record + 1)
    return bytes(content)


def _damaged_deflate(content):
    """Compressed entries, the first one's deflate stream starting with the reserved block type 11."""
    compressed = _rewritten(content, lambda entries: None, zipfile.ZIP_DEFLATED)
    start = 30 + len("0.npy")  # after the first entry's local header (30 bytes and its name)
    return compressed[:start] + bytes([compressed[start] | 0b110]) + compressed[start + 1 :]


_MANIFEST_ENTRY = serialization.MANIFEST_KEY + ".npy"
_DEEP = b'{"format": "tinygen-checkpoint", "version": 1, "root": ' + b'{"type": "list", "items": [' * 5000 \
    + b"]}" * 5000 + b"}"
DAMAGE = {  # name -> what it does to the bytes of a good checkpoint; each once escaped as another exception
    "unknown compression method (NotImplementedError)": _unknown_compression,
    "encryption flag set (RuntimeError)": _flag_encrypted,
    "damaged compressed data (zlib.error)": _damaged_deflate,
    "an entry that is not .npy (AttributeError)": lambda c: _rewritten(c, _set_entry("0.npy", b"garbage")),
    "a header claiming a huge array (MemoryError)": lambda c: _rewritten(
        c, _set_entry("0.npy", _npy(np.zeros(1, np.float32)).replace(b"(1,)", b"(10000000000000,)"))),
    "a manifest nested too deeply (RecursionError)": lambda c: _rewritten(
        c, _set_entry(_MANIFEST_ENTRY, _npy(np.frombuffer(_DEEP, np.uint8)))),
    "truncated": lambda c: c[: len(c) * 2 // 3],
    "bad JSON": lambda c: _rewritten(c, _set_entry(_MANIFEST_ENTRY, _npy(np.frombuffer(b"{not", np.uint8)))),
    "an object array entry": lambda c: _rewritten(c, _set_entry("0.npy", _npy(np.array([None], dtype=object)))),
    "an entry missing": lambda c: _rewritten(c, lambda entries: entries.pop("0.npy")),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_every_kind_of_damage_is_a_checkpoint_error_that_says_what_to_do(tmp_path, damage):
    path = tmp_path / "checkpoint.npz"
    save({"w": tg.ones(3, 2), "step": 7}, path)
    path.write_bytes(DAMAGE[damage](path.read_bytes()))
    with pytest.raises(CheckpointError, match="corrupt .*load an earlier checkpoint, or save this one again"):
        load(path)


def test_unknown_device(tmp_path):
    save([1], tmp_path / "c.npz")
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        load(tmp_path / "c.npz", device="tpu")


# ---- on the GPU ----------------------------------------------------------------------


@pytest.mark.gpu
def test_gpu_tensors_are_saved_from_the_host_and_loaded_where_asked(tmp_path):
    obj = {"w": tg.randn(3, 2, device="gpu", requires_grad=True), "state": {0: tg.ones(2, device="gpu").data}}
    path = tmp_path / "gpu.npz"
    save(obj, path)
    on_cpu = load(path)
    assert on_cpu["w"].device == "cpu" and isinstance(on_cpu["state"][0], np.ndarray)
    on_gpu = load(path, device="gpu")
    assert on_gpu["w"].device == "gpu" and on_gpu["w"].requires_grad
    assert tg.backend.is_gpu_array(on_gpu["state"][0])
    np.testing.assert_array_equal(on_gpu["w"].numpy(), obj["w"].numpy())
    np.testing.assert_array_equal(on_cpu["w"].numpy(), obj["w"].numpy())
