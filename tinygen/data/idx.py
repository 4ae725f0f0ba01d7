"""The IDX file format of MNIST: an n-dimensional array of numbers, big-endian, with a tiny header.

    bytes 0-1   0x00 0x00
    byte  2     the type of the numbers: 0x08 uint8, 0x09 int8, 0x0B int16,
                0x0C int32, 0x0D float32, 0x0E float64
    byte  3     n, the number of dimensions
    then        n sizes, each a big-endian uint32 (MNIST images: 60000, 28, 28)
    then        prod(sizes) numbers, big-endian, in C order (the last index fastest)

The MNIST files are gzip-compressed IDX files; ``read_idx`` opens either
kind, telling them apart by gzip's first two bytes (0x1f 0x8b).
"""
import gzip
import os

import numpy

_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {numpy.dtype(dtype).newbyteorder("="): code for code, dtype in _TYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """The file is not a well-formed IDX file."""


def read_idx(path):
    """The array stored in the IDX file at ``path`` (gzip-compressed or not), in native byte order."""
    with open(path, "rb") as file:
        raw = file.read()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise IDXError(f"{os.fspath(path)!r} is a damaged gzip file ({error}): download it again") from None
    return parse_idx(raw, os.fspath(path))


def parse_idx(raw, name="<bytes>"):
    """The array held by the bytes ``raw`` of an IDX file; ``name`` says which file in errors."""
    if len(raw) < 4 or raw[:2] != b"\x00\x00":
        raise IDXError(f"{name!r} is not an IDX file: it does not start with two zero bytes")
    type_code, ndim = raw[2], raw[3]
    if type_code not in _TYPES:
        raise IDXError(f"{name!r} has the unknown IDX type code {type_code:#04x}; known: "
                       + ", ".join(f"{code:#04x}" for code in _TYPES))
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise IDXError(f"{name!r} ends inside its header: {ndim} dimensions need {header_size} bytes, it has {len(raw)}")
    shape = tuple(int(size) for size in numpy.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = numpy.dtype(_TYPES[type_code])
    expected = header_size + int(numpy.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise IDXError(f"{name!r} has {len(raw)} bytes, but its header (shape {shape}, {dtype.name}) "
                       f"needs {expected}: the file is truncated or damaged")
    values = numpy.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return values.astype(dtype.newbyteorder("="))  # a native-order, writable copy


def write_idx(array, path, compress=None):
    """Write ``array`` as an IDX file (gzip-compressed when ``compress``, or when ``path`` ends in .gz)."""
    array = numpy.asarray(array)
    code = _CODES.get(array.dtype)
    if code is None:
        raise TypeError(f"IDX files hold uint8, int8, int16, int32, float32 or float64, not {array.dtype}")
    header = bytes([0, 0, code, array.ndim]) + numpy.asarray(array.shape, dtype=">u4").tobytes()
    raw = header + array.astype(_TYPES[code]).tobytes()
    if compress if compress is not None else os.fspath(path).endswith(".gz"):
        raw = gzip.compress(raw, mtime=0)
    with open(path, "wb") as file:
        file.write(raw)
