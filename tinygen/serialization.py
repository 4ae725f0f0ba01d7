"""Checkpoints: ``save`` and ``load`` nested containers of tensors and arrays, as one .npz file.

    tinygen.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                  "epoch": 3, "rng": tinygen.random.get_rng_state()}, "checkpoint.npz")
    checkpoint = tinygen.load("checkpoint.npz", device="gpu")

What can be saved: dicts, lists and tuples, nested as deep as you like, whose
leaves are Tensors, NumPy or CuPy arrays, NumPy scalars, and Python ints,
floats, strings, bools and None. Dict keys may be strings, numbers, bools,
None or tuples of those. A Tensor keeps its values, dtype and requires_grad
(not its gradient or graph); a GPU tensor is copied to the host to be saved.

The file (format version 1) is a NumPy .npz archive, a zip of .npy files:

* each array (a Tensor's data, an array, a NumPy scalar) is one entry, under
  the flat key "0", "1", ... in the order met;
* the entry "__tinygen_manifest__" holds UTF-8 JSON (as a uint8 array) that
  describes the structure, one node per container or leaf:

    {"format": "tinygen-checkpoint", "version": 1, "root":
      {"type": "dict", "items": [
        [{"type": "str", "value": "epoch"}, {"type": "int", "value": 3}],
        [{"type": "str", "value": "w"},
         {"type": "tensor", "key": "0", "dtype": "float32", "shape": [3, 2], "requires_grad": true}]]}}

  Containers are {"type": "dict" | "list" | "tuple", "items": [...]}; a dict's
  items are [key node, value node] pairs, so an int key (an optimizer's
  state) comes back an int, not the string JSON would make of it. Python
  numbers live in the JSON itself; JSON integers have no size limit in Python,
  so the 128-bit numbers of a NumPy bit-generator state survive exactly.

Loading uses ``numpy.load(allow_pickle=False)``: nothing is unpickled, so
opening a checkpoint from elsewhere cannot run code.

Saving is atomic. The archive is written to a temporary file next to the
target, flushed and fsync'ed to the disk, then renamed onto the target with
``os.replace`` (one step for the file system). A crash or an error mid-save
leaves the previous checkpoint as it was and no temporary file behind.
"""
import contextlib
import json
import os
import secrets
import zipfile
import zlib

import numpy

from . import backend
from .tensor import Tensor

FORMAT = "tinygen-checkpoint"
VERSION = 1
MANIFEST_KEY = "__tinygen_manifest__"
_ARRAY_NODES = ("tensor", "array", "scalar")
_PYTHON_VALUES = (("bool", bool), ("int", int), ("float", float), ("str", str))  # bool before int: True is an int
_KEY_TYPES = (str, int, float, bool, type(None), tuple)
# What reading a damaged archive raises: zipfile's errors (an unknown compression method or zip version is a
# NotImplementedError, an encryption flag a RuntimeError), zlib's for a damaged compressed entry, NumPy's
# ValueError for a bad .npy header, MemoryError for a header that claims a huge array, and RecursionError
# (a RuntimeError) for a manifest nested too deeply to parse.
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError, EOFError, ValueError,
                MemoryError)
_DAMAGED = "the file is damaged: load an earlier checkpoint, or save this one again"


class CheckpointError(ValueError):
    """The file is not a tinygen checkpoint, is damaged, or was written by a newer tinygen."""


def save(obj, path):
    """Write ``obj`` to ``path`` as a checkpoint, atomically (see the module docstring)."""
    arrays = {}
    manifest = {"format": FORMAT, "version": VERSION, "root": _encode(obj, arrays, "obj")}
    arrays[MANIFEST_KEY] = numpy.frombuffer(json.dumps(manifest).encode("utf-8"), dtype=numpy.uint8)

    with atomic_write(path) as file:
        numpy.savez(file, **arrays)


@contextlib.contextmanager
def atomic_write(path):
    """A binary file to write that becomes ``path`` in one step, or not at all.

    The bytes go to a temporary file next to ``path``; when the ``with`` block
    ends without an error they are fsync'ed and the file is renamed onto
    ``path``. An error (or Ctrl-C) in the block leaves ``path`` as it was and
    no temporary file behind. ``save`` and the MNIST downloader write this way.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    # Same directory as the target: os.replace is atomic only within one file system.
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "xb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())  # the bytes are on the disk before the rename makes them the file
        os.replace(temporary, path)
    except BaseException:  # KeyboardInterrupt too: never leave the temporary file behind
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory):
    """Make the rename itself durable (POSIX; other systems have no directory handles to sync)."""
    if os.name == "posix":
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def load(path, device=None):
    """Read a checkpoint written by ``save``; its tensors and arrays go to ``device`` ('cpu' by default)."""
    device = backend.normalize_device(device or backend.CPU)
    backend.array_module_for(device)  # fail now, before reading, if the GPU is asked for but missing
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no checkpoint at {path!r}: the file does not exist")
    with _open_archive(path) as archive:
        manifest = _read_manifest(archive, path)
        try:
            return _decode(manifest["root"], archive, device)
        except (KeyError, TypeError, IndexError, *_READ_ERRORS) as error:
            raise CheckpointError(f"{path!r} is a corrupt tinygen checkpoint: {error}; {_DAMAGED}") from None


def _open_archive(path):
    with open(path, "rb") as file:
        is_zip = file.read(4) == b"PK\x03\x04"
    if not is_zip:
        raise CheckpointError(f"{path!r} is not a tinygen checkpoint: it is not an .npz (zip) archive")
    try:
        return numpy.load(path, allow_pickle=False)
    except _READ_ERRORS as error:
        raise CheckpointError(f"{path!r} is a corrupt checkpoint (truncated or damaged zip archive: {error}); "
                              f"{_DAMAGED}") from None


def _read_manifest(archive, path):
    if MANIFEST_KEY not in archive.files:
        raise CheckpointError(
            f"{path!r} is not a tinygen checkpoint: an .npz archive without a tinygen manifest "
            "(written by numpy.savez? open it with numpy.load)"
        )
    try:
        manifest = json.loads(_entry(archive, MANIFEST_KEY).tobytes().decode("utf-8"))
    except _READ_ERRORS as error:
        raise CheckpointError(f"{path!r} is a corrupt tinygen checkpoint: unreadable manifest ({error}); "
                              f"{_DAMAGED}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CheckpointError(f"{path!r} is not a tinygen checkpoint: its manifest names no tinygen format")
    version = manifest.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise CheckpointError(f"{path!r} has an unknown checkpoint format version {version!r}")
    if version > VERSION:
        raise CheckpointError(
            f"{path!r} was written by a newer tinygen (checkpoint format version {version}; this tinygen "
            f"reads versions up to {VERSION}): upgrade tinygen to load it"
        )
    return manifest


def _entry(archive, key):
    """The array stored under ``key``; NumPy hands back raw bytes for an entry that is no .npy file."""
    entry = archive[key]
    if not isinstance(entry, numpy.ndarray):
        raise ValueError(f"entry {key!r} is not a NumPy array")
    return entry


def _encode(obj, arrays, where):
    """The manifest node of ``obj``; its arrays are added to ``arrays``. ``where`` names it in errors."""
    if isinstance(obj, Tensor):
        return {"type": "tensor", **_store(obj.data, arrays, where), "requires_grad": obj.requires_grad}
    if isinstance(obj, numpy.ndarray) or backend.is_gpu_array(obj):
        return {"type": "array", **_store(obj, arrays, where)}
    if isinstance(obj, numpy.generic):
        return {"type": "scalar", **_store(numpy.asarray(obj), arrays, where)}
    if obj is None:
        return {"type": "none"}
    for name, kind in _PYTHON_VALUES:
        if isinstance(obj, kind):
            return {"type": name, "value": kind(obj)}
    if isinstance(obj, (list, tuple)):
        items = [_encode(item, arrays, f"{where}[{index}]") for index, item in enumerate(obj)]
        return {"type": "tuple" if isinstance(obj, tuple) else "list", "items": items}
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if not isinstance(key, _KEY_TYPES):
                raise TypeError(f"cannot save {where}: dict key {key!r} has type {type(key).__name__!r}; "
                    "keys may be str, int, float, bool, None or tuples of those")
            items.append([_encode(key, arrays, f"{where} key"), _encode(value, arrays, f"{where}[{key!r}]")])
        return {"type": "dict", "items": items}
    raise TypeError(
        f"cannot save {where}: type {type(obj).__name__!r} is none of Tensor, array, number, str, bool, None, "
        "list, tuple or dict (save its state_dict() instead of the object)"
    )


def _store(array, arrays, where):
    host = backend.to_host(array)
    if host.dtype.hasobject:
        raise TypeError(f"cannot save {where}: an array of Python objects could only be stored by pickling")
    key = str(len(arrays))
    arrays[key] = host
    return {"key": key, "dtype": host.dtype.name, "shape": list(host.shape)}


def _decode(node, archive, device):
    kind = node["type"]
    if kind in _ARRAY_NODES:
        array = _entry(archive, node["key"])
        if array.dtype.name != node["dtype"] or list(array.shape) != node["shape"]:
            raise ValueError(
                f"entry {node['key']!r} is {array.dtype.name} {list(array.shape)}, but the manifest says "
                f"{node['dtype']} {node['shape']}"
            )
        if kind == "scalar":
            return array[()]
        array = backend.to_device(array, device)
        return Tensor(array, requires_grad=node["requires_grad"]) if kind == "tensor" else array
    if kind == "none":
        return None
    if kind in dict(_PYTHON_VALUES):
        return node["value"]
    if kind in ("list", "tuple"):
        items = [_decode(item, archive, device) for item in node["items"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {_decode(key, archive, device): _decode(value, archive, device) for key, value in node["items"]}
    raise ValueError(f"unknown node type {kind!r} in the manifest")
