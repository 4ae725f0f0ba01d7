"""The second digit domain: the UCI optical-recognition digits shipped inside tinygen, checked on load."""
import numpy as np
import pytest

from tinygen.data import ChecksumError, optical_digits
from tinygen.data import uci_digits as module
from tinygen.data.make_optical_digits import bilinear_matrix, to_mnist_look


def test_the_shipped_digits_load_split_per_class_and_labelled():
    data = optical_digits()
    for split, size in (("train", 1497), ("test", 300)):
        images, labels = getattr(data, split).arrays
        assert images.shape == (size, 1, 28, 28) and images.dtype == np.uint8 and labels.dtype == np.int64
    assert np.bincount(data.test.arrays[1]).tolist() == [30] * 10
    assert np.bincount(data.train.arrays[1], minlength=10).min() >= 144
    train, test = ({image.tobytes() for image in d.arrays[0]} for d in (data.train, data.test))
    assert not train & test


def test_digits_sit_in_a_20x20_box_like_mnists_and_signed_maps_to_minus_one_one():
    images = optical_digits().train.arrays[0][:, 0]
    border = np.ones((28, 28), bool)
    border[4:24, 4:24] = False
    assert images[:, border].max() == 0 and images[:, 4:24, 4:24].max() == 255
    x, _ = optical_digits(signed=True).train[0]
    assert x.dtype == np.float32 and x.min() == -1 and x.max() <= 1


def test_a_corrupt_file_is_refused(monkeypatch, tmp_path):
    damaged = tmp_path / "digits.npz"
    data = bytearray(module.OPTICAL_DIGITS_PATH.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    monkeypatch.setattr(module, "OPTICAL_DIGITS_PATH", damaged)
    with pytest.raises(ChecksumError, match=f"digits.npz' has SHA-256 .*, expected {module.OPTICAL_DIGITS_SHA256}"):
        optical_digits()


def test_the_resampling_is_pytorchs_bilinear_with_half_pixel_centres():
    torch = pytest.importorskip("torch")
    counts = np.random.default_rng(0).integers(0, 17, (3, 8, 8)).astype(float)
    expected = torch.nn.functional.interpolate(torch.tensor(counts)[:, None], size=(20, 20), mode="bilinear",
                                               align_corners=False)[:, 0].numpy()  # fmt: skip
    m = bilinear_matrix(8, 20)
    np.testing.assert_allclose(m @ counts @ m.T, expected, rtol=0, atol=1e-12)
    box = to_mnist_look(counts)[:, 4:24, 4:24].astype(float)
    assert np.abs(box - expected * 255 / 16).max() <= 0.5 + 1e-9  # then rounded to grey levels
