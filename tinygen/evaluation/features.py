"""The MNIST feature network: the eye that every sample-quality metric looks through.

FID as usually computed embeds images with an Inception network trained on
ImageNet photographs. That network needs a download this project cannot make,
and it is the wrong eye for 28x28 digits. tinygen ships its own: a small
convolutional classifier trained on MNIST with tinygen itself,

    x (1, 28, 28) -> conv 3x3 (32), ReLU, max-pool 2 -> conv 3x3 (64), ReLU, max-pool 2     (64, 7, 7)
                  -> flatten, linear 3136 -> 128, ReLU            = the features phi(x), 128 numbers
                  -> dropout 0.3 (training only), linear 128 -> 10 = the logits of p(y | x)

421,642 parameters; 98.0% accuracy on the 1,000 held-out digits of the
embedded subset (97.6% on them binarised), trained on its 4,000 training digits. Its penultimate layer phi(x) is the feature space of
the Frechet distance, KID and precision/recall; its class probabilities
p(y | x) serve the Inception Score and the class coverage. It was trained on
grey-level and binarised digits alike (``train_feature_network``), so it
scores the samples of binary models (NADE, PixelCNN) and of grey-level ones.

The weights ship inside the package (``mnist_features.npz``), checked by
SHA-256 on load: ``feature_network()`` needs no network and no training.
"""
import hashlib
import pathlib

import numpy

from .. import load, no_grad
from ..nn import Conv2d, Dropout, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential
from ..tensor import as_tensor

WEIGHTS_PATH = pathlib.Path(__file__).resolve().parent / "mnist_features.npz"
WEIGHTS_SHA256 = "567a2e0e3b18902465b72ec83d6293871e5ea80eff9af8a1424a33b90cc33dce"  # printed by train_feature_network
FEATURES = 128


class MNISTFeatureNet(Module):
    def __init__(self):
        super().__init__()
        self.features = Sequential(
            Conv2d(1, 32, 3, padding=1), ReLU(), MaxPool2d(2),
            Conv2d(32, 64, 3, padding=1), ReLU(), MaxPool2d(2),
            Flatten(), Linear(64 * 7 * 7, FEATURES), ReLU(),
        )  # fmt: skip
        self.classifier = Sequential(Dropout(0.3), Linear(FEATURES, 10))

    def forward(self, x):
        """Images (N, 1, 28, 28) in [0, 1] -> the logits of p(y | x), (N, 10)."""
        return self.classifier(self.features(x))


def feature_network(device="cpu"):
    """The trained network, in eval mode, from the weights shipped with tinygen (checked by SHA-256)."""
    data = WEIGHTS_PATH.read_bytes() if WEIGHTS_PATH.exists() else None
    if data is None or hashlib.sha256(data).hexdigest() != WEIGHTS_SHA256:
        problem = "is missing" if data is None else "does not match its SHA-256"
        raise RuntimeError(f"the MNIST feature network's weights {WEIGHTS_PATH} {problem}: reinstall tinygen, or "
                           "rebuild them with python -m tinygen.evaluation.train_feature_network")  # fmt: skip
    net = MNISTFeatureNet()
    net.load_state_dict(load(WEIGHTS_PATH))
    return net.to(device).eval()


def embed(net, images, batch_size=500):
    """-> (features phi(x) (N, 128), class probabilities p(y | x) (N, 10)) as float64 NumPy arrays.

    ``images``: (N, 1, 28, 28) or (N, 28, 28) values in [0, 1] (grey levels or binary), any array or Tensor.
    """
    images = numpy.asarray(images.numpy() if hasattr(images, "numpy") else images, dtype=numpy.float32)
    if images.ndim == 3:
        images = images[:, None]
    if images.shape[1:] != (1, 28, 28):
        raise ValueError(f"the MNIST feature network takes images of shape (N, 1, 28, 28), got {images.shape}")
    features, probabilities = [], []
    with no_grad():
        for start in range(0, len(images), batch_size):
            x = as_tensor(images[start : start + batch_size]).to(next(net.parameters()).device)
            phi = net.features(x)
            features.append(phi.double().numpy())
            probabilities.append(net.classifier(phi).double().softmax(-1).numpy())
    return numpy.concatenate(features), numpy.concatenate(probabilities)
