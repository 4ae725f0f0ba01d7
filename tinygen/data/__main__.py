"""``python -m tinygen.data``: download full MNIST into the cache, each file checked against its SHA-256."""
from .download import ChecksumError, DownloadError, download_mnist

try:
    print(f"full MNIST is in {download_mnist()}")
except (DownloadError, ChecksumError) as error:
    raise SystemExit(f"error: {error}") from None
