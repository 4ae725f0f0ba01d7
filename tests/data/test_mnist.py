"""MNIST's IDX files, the checked download, the embedded subset, and the pixel forms (binarised, dequantised)."""
import gzip
import hashlib
import os
import shutil
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygen as tg
from tinygen.data import (
    ChecksumError,
    DownloadError,
    IDXError,
    download,
    mnist,
    mnist_sources,
    pixels,
    read_idx,
    write_idx,
)

IDX_DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


# ---- the IDX format ---------------------------------------------------------------
def test_a_hand_written_idx_file_is_read_as_the_spec_says(tmp_path):
    # magic 0 0, type 0x0B (int16), 2 dimensions (2, 3), then six big-endian int16s
    raw = bytes([0, 0, 0x0B, 2]) + (2).to_bytes(4, "big") + (3).to_bytes(4, "big")
    raw += b"".join(v.to_bytes(2, "big", signed=True) for v in [1, -2, 300, 4, 5, -32768])
    (tmp_path / "a.idx").write_bytes(raw)
    (tmp_path / "a.idx.gz").write_bytes(gzip.compress(raw))
    for name in ("a.idx", "a.idx.gz"):
        array = read_idx(tmp_path / name)
        assert array.dtype == np.int16 and array.dtype.isnative
        np.testing.assert_array_equal(array, [[1, -2, 300], [4, 5, -32768]])


@given(array=st.sampled_from(IDX_DTYPES).flatmap(
    lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=1, max_dims=4, max_side=5))), compress=st.booleans())
def test_write_then_read_gives_back_the_array(array, compress, tmp_path_factory):
    path = tmp_path_factory.mktemp("idx") / "array.idx"
    write_idx(array, path, compress=compress)
    back = read_idx(path)
    assert back.dtype == array.dtype and back.shape == array.shape
    np.testing.assert_array_equal(back, array)


@pytest.mark.parametrize("raw, message", [
    (b"\x01\x00\x08\x01\x00\x00\x00\x01\x07", "does not start with two zero bytes"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x07", "unknown IDX type code 0x07"),
    (b"\x00\x00\x08\x02\x00\x00\x00\x01", "ends inside its header"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x03\x07\x07", r"has 10 bytes, but its header \(shape \(3,\), uint8\) needs 11"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x01\x07\x07", "has 10 bytes, but its header .* needs 9"),
    (b"\x1f\x8b\x08\x00garbage", "damaged gzip file"),
])  # fmt: skip
def test_malformed_idx_files_are_rejected_with_what_is_wrong(raw, message, tmp_path):
    (tmp_path / "bad").write_bytes(raw)
    with pytest.raises(IDXError, match=message):
        read_idx(tmp_path / "bad")


def test_writing_an_unsupported_dtype_is_an_error(tmp_path):
    with pytest.raises(TypeError, match="not int64"):
        write_idx(np.zeros(2, dtype=np.int64), tmp_path / "x.idx")


# ---- downloads checked by SHA-256 ------------------------------------------------
def sha256(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def mirrors(tmp_path):
    """Two local 'mirrors' (file:// URLs): the first lacks the file, the second has it."""
    empty, full = tmp_path / "empty", tmp_path / "full"
    empty.mkdir()
    full.mkdir()
    (full / "digits.gz").write_bytes(b"the right bytes")
    return [empty.as_uri() + "/", full.as_uri() + "/"]


def test_fetch_takes_the_first_mirror_that_has_the_file_and_leaves_no_temporary_file(mirrors, tmp_path):
    target = download.fetch("digits.gz", sha256(b"the right bytes"), mirrors, tmp_path / "cache")
    assert target.read_bytes() == b"the right bytes"
    assert os.listdir(tmp_path / "cache") == ["digits.gz"]


def test_a_download_with_the_wrong_hash_is_refused_and_not_written(mirrors, tmp_path):
    with pytest.raises(DownloadError, match=f"SHA-256 {sha256(b'the right bytes')}, expected {'0' * 64}"):
        download.fetch("digits.gz", "0" * 64, mirrors, tmp_path / "cache")
    assert os.listdir(tmp_path / "cache") == []


def test_a_corrupt_cached_file_names_itself_and_both_hashes(tmp_path):
    (tmp_path / "digits.gz").write_bytes(b"damaged")
    expected = sha256(b"the right bytes")
    with pytest.raises(ChecksumError, match=rf"digits\.gz' has SHA-256 {sha256(b'damaged')}, expected {expected}"):
        download.fetch("digits.gz", expected, ["file:///nowhere/"], tmp_path)


def test_offline_fails_fast_saying_the_embedded_subset_is_used_and_where_to_put_the_files(tmp_path):
    started = time.perf_counter()
    with pytest.raises(DownloadError, match=r"(?s)Offline\?.*embedded 5,000-digit MNIST subset.*train-images-idx3"):
        download.fetch("digits.gz", "0" * 64, ["http://127.0.0.1:9/"], tmp_path)  # the discard port: refused
    assert time.perf_counter() - started < download.TIMEOUT_SECONDS


def test_the_cache_is_tinygen_data_when_set(monkeypatch, tmp_path):
    monkeypatch.setenv("TINYGEN_DATA", str(tmp_path))
    assert download.cache_dir() == tmp_path
    monkeypatch.delenv("TINYGEN_DATA")
    assert str(download.cache_dir()).endswith(os.path.join(".cache", "tinygen"))


# ---- where the digits come from ----------------------------------------------------
def write_mnist_folder(folder, train=6, test=4, compress=True):
    """A tiny MNIST in the official file layout: images (N, 28, 28) uint8 and labels (N,) uint8."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    suffix = ".gz" if compress else ""
    for stem, count in (("train", train), ("t10k", test)):
        write_idx(rng.integers(0, 256, (count, 28, 28), dtype=np.uint8), folder / f"{stem}-images-idx3-ubyte{suffix}")
        write_idx(np.arange(count, dtype=np.uint8) % 10, folder / f"{stem}-labels-idx1-ubyte{suffix}")
    return folder


@pytest.fixture
def empty_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("TINYGEN_DATA", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_without_full_mnist_the_embedded_subset_loads_with_a_one_line_notice(empty_cache, capsys):
    data = mnist()
    notice = capsys.readouterr().err
    assert notice.count("\n") == 1 and "embedded subset" in notice and "python -m tinygen.data" in notice
    assert data.source == "the embedded MNIST subset"
    for split, size in (("train", 4000), ("test", 1000)):
        images, labels = getattr(data, split).arrays
        assert images.shape == (size, 1, 28, 28) and images.dtype == np.uint8 and labels.dtype == np.int64
        assert np.bincount(labels).tolist() == [size // 10] * 10  # the seeded split is stratified
    x, _ = data.train[0]
    assert x.dtype == np.float32 and x.shape == (1, 28, 28) and 0 <= x.min() and x.max() <= 1 and x.max() > 0.9


def test_the_embedded_train_and_test_digits_are_disjoint(empty_cache):
    data = mnist()
    train, test = ({image.tobytes() for image in d.arrays[0]} for d in (data.train, data.test))
    assert len(train) == 4000 and len(test) == 1000 and not train & test


def test_a_corrupt_embedded_subset_is_refused(empty_cache, monkeypatch, tmp_path):
    damaged = tmp_path / "subset.npz"
    data = bytearray(mnist_sources.SUBSET_PATH.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte
    damaged.write_bytes(bytes(data))
    monkeypatch.setattr(mnist_sources, "SUBSET_PATH", damaged)
    with pytest.raises(ChecksumError, match=f"subset.npz' has SHA-256 .*, expected {mnist_sources.SUBSET_SHA256}"):
        mnist()


@pytest.mark.parametrize("compress", [True, False])
def test_data_path_reads_any_folder_of_idx_files(tmp_path, compress):
    data = mnist(write_mnist_folder(tmp_path / "digits", compress=compress))
    assert len(data.train) == 6 and len(data.test) == 4 and "digits" in data.source
    np.testing.assert_array_equal(data.test.arrays[1], [0, 1, 2, 3])


def test_a_folder_missing_a_file_says_which(tmp_path):
    folder = write_mnist_folder(tmp_path / "digits")
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="has no t10k-labels-idx1-ubyte.gz .*holds: .*t10k-images"):
        mnist(folder)
    with pytest.raises(FileNotFoundError, match="no MNIST folder at"):
        mnist(tmp_path / "nowhere")


def test_full_mnist_in_the_cache_is_preferred_and_checked(empty_cache, monkeypatch, capsys):
    folder = write_mnist_folder(empty_cache / "mnist")
    for name in download.MNIST_FILES:  # our tiny files stand in for the official ones
        monkeypatch.setitem(download.MNIST_FILES, name, sha256((folder / name).read_bytes()))
    data = mnist()
    assert len(data.train) == 6 and data.source.startswith("full MNIST") and capsys.readouterr().err == ""
    shutil.copy(folder / "train-images-idx3-ubyte.gz", folder / "train-labels-idx1-ubyte.gz")
    with pytest.raises(ChecksumError, match="train-labels-idx1-ubyte.gz' has SHA-256 .*, expected"):
        mnist()


def test_contradictory_or_unknown_pixel_forms_are_refused():
    with pytest.raises(ValueError, match="binarize must be one of"):
        mnist(binarize="yes")
    with pytest.raises(ValueError, match="binarize and dequantize exclude each other"):
        mnist(binarize="static", dequantize=True)


# ---- binarised and dequantised pixels ----------------------------------------------------
LEVELS = np.arange(256, dtype=np.uint8)


def test_grey_maps_0_and_255_to_0_and_1():
    x = pixels.grey(LEVELS)
    assert x.dtype == np.float32 and x[0] == 0 and x[-1] == 1 and np.all(np.diff(x) > 0)


def test_dynamic_binarization_is_bernoulli_of_the_grey_level_and_fresh_each_time():
    tg.manual_seed(0)
    draws = pixels.dynamic_binarize(np.broadcast_to(LEVELS, (4000, 256)))
    assert draws.dtype == np.float32 and set(np.unique(draws)) <= {0.0, 1.0}
    p = LEVELS / 255
    # Each column's mean is a Binomial(4000, p) / 4000: within 5 standard errors (plus a hair for p = 0, 1).
    assert np.all(np.abs(draws.mean(axis=0) - p) <= 5 * np.sqrt(p * (1 - p) / 4000) + 1e-9)
    assert not np.array_equal(pixels.dynamic_binarize(LEVELS), pixels.dynamic_binarize(LEVELS))


def test_static_binarization_is_one_seeded_draw():
    many = np.broadcast_to(LEVELS, (4000, 256))
    first = pixels.static_binarize(many, seed=1)
    assert np.array_equal(first, pixels.static_binarize(many, seed=1))
    assert not np.array_equal(first, pixels.static_binarize(many, seed=2))
    assert set(np.unique(first)) == {0, 255}
    p = LEVELS / 255
    assert np.all(np.abs((first == 255).mean(axis=0) - p) <= 5 * np.sqrt(p * (1 - p) / 4000) + 1e-9)


def test_mnist_static_images_repeat_and_dynamic_ones_do_not(empty_cache):
    static, dynamic = mnist(binarize="static"), mnist(binarize="dynamic")
    indices = np.arange(64)
    assert np.array_equal(static.train.batch(indices)[0], static.train.batch(indices)[0])
    assert not np.array_equal(dynamic.train.batch(indices)[0], dynamic.train.batch(indices)[0])
    assert set(np.unique(static.train.batch(indices)[0])) == {0.0, 1.0}
    # Both are draws of the same grey images: their means agree with the grey mean.
    grey_mean = mnist().train.batch(np.arange(4000))[0].mean()
    assert abs(static.train.batch(np.arange(4000))[0].mean() - grey_mean) < 0.002


def test_dequantized_pixels_lie_uniformly_inside_their_grey_levels_bin():
    tg.manual_seed(0)
    x = pixels.dequantize(np.broadcast_to(LEVELS, (400, 256)))
    assert x.dtype == np.float32
    np.testing.assert_array_equal(np.floor(x * 256), np.broadcast_to(LEVELS, x.shape))
    offset = x * 256 - LEVELS  # u ~ U[0, 1): mean 1/2, variance 1/12
    assert abs(offset.mean() - 0.5) < 0.01 and abs(offset.var() - 1 / 12) < 0.005
