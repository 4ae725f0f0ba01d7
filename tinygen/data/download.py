"""Fetch a file from a list of mirrors into the cache, check its SHA-256, and write it atomically.

A download is trusted only if its SHA-256 digest equals the one published for
it: the hash is computed while the bytes stream into a temporary file, and
the file becomes ``<cache>/<name>`` (in one rename) only when they match.
Files already in the cache are checked the same way before each use.

The cache is ``$TINYGEN_DATA`` when set, else ``~/.cache/tinygen``. To fetch
full MNIST there (11.6 MB):

    python -m tinygen.data
"""
import hashlib
import os
import pathlib
import urllib.request

from ..serialization import atomic_write

TIMEOUT_SECONDS = 10
_CHUNK = 1 << 20

MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
# The SHA-256 of the four official files, as published by TensorFlow Datasets' MNIST checksums.
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}


class ChecksumError(ValueError):
    """A file's SHA-256 differs from the published one: it is damaged, or not the file we asked for."""


class DownloadError(OSError):
    """No mirror could deliver the file (offline, or every mirror failed)."""


def cache_dir():
    """Where downloaded data lives: ``$TINYGEN_DATA``, or ``~/.cache/tinygen``."""
    return pathlib.Path(os.environ.get("TINYGEN_DATA") or pathlib.Path.home() / ".cache" / "tinygen")


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path, expected_sha256):
    """Raise ``ChecksumError``, naming the file and both hashes, unless ``path`` has the expected SHA-256."""
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise ChecksumError(
            f"{os.fspath(path)!r} has SHA-256 {actual}, expected {expected_sha256}: the file is damaged or "
            "not the official one; delete it and download it again"
        )


def fetch(name, sha256, mirrors, directory):
    """``directory/name``, downloaded from the first mirror that delivers bytes with the given SHA-256.

    A file already there is checked and kept. Each mirror gets one try with a
    short timeout; a mirror whose bytes have the wrong hash counts as failed.
    """
    directory = pathlib.Path(directory)
    target = directory / name
    if target.exists():
        verify(target, sha256)
        return target
    directory.mkdir(parents=True, exist_ok=True)
    failures = []
    for mirror in mirrors:
        url = mirror + name
        try:
            _download(url, target, sha256)
            return target
        except (OSError, ChecksumError) as error:  # urllib's URLError and timeouts are OSErrors
            failures.append(f"{url}: {getattr(error, 'reason', error)}")
    raise DownloadError(
        f"could not download {name} from any mirror:\n  " + "\n  ".join(failures) + "\n"
        "Offline? tinygen uses its embedded 5,000-digit MNIST subset when full MNIST is not in the cache. "
        f"To use full MNIST, copy the four official files ({', '.join(MNIST_FILES)}) into {directory} by hand."
    )


def _download(url, target, sha256):
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response, atomic_write(target) as file:
        for chunk in iter(lambda: response.read(_CHUNK), b""):
            digest.update(chunk)
            file.write(chunk)
        if digest.hexdigest() != sha256:  # raising inside atomic_write discards the temporary file
            raise ChecksumError(f"SHA-256 {digest.hexdigest()}, expected {sha256}")


def download_mnist(directory=None):
    """Fetch the four MNIST files into ``<cache>/mnist`` (checked against their SHA-256); returns the folder."""
    directory = pathlib.Path(directory) if directory else cache_dir() / "mnist"
    for name, sha256 in MNIST_FILES.items():
        fetch(name, sha256, MNIST_MIRRORS, directory)
    return directory
