"""Train the MNIST feature network and write ``mnist_features.npz``, the weights shipped inside tinygen.

    python -m tinygen.evaluation.train_feature_network

It trains ``MNISTFeatureNet`` with tinygen itself, by minimising the cross-entropy
-log p(y | x) with Adam, on MNIST's training digits: full MNIST when it is in
the cache (``python -m tinygen.data``), else the 4,000 training digits of the
embedded subset. Two augmentations make its features describe digits rather
than one look of them: each image is shifted by up to 2 pixels in each
direction, and half of the images are binarised (each pixel 1 with probability
its grey level), since half of tinygen's models generate binary digits.

It prints the accuracy on the 1,000 held-out digits of the subset (grey and
binarised), writes the weights, and prints their SHA-256, which goes into
``WEIGHTS_SHA256`` in ``features.py`` so that every load checks it.
The run is seeded; a bit-for-bit repeat needs the same thread counts, since
parallel sums are added up in an order that depends on them. The shipped file
was made on the embedded subset with one thread each (about 2 minutes of CPU):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python -m tinygen.evaluation.train_feature_network
"""
import argparse
import hashlib

import numpy

from .. import manual_seed, no_grad, optim, save, tensor
from ..data import mnist
from ..data.pixels import static_binarize
from ..ops import cross_entropy
from .features import WEIGHTS_PATH, MNISTFeatureNet

MAX_SHIFT = 2


def augment(images, rng):
    """Shift each image by up to MAX_SHIFT pixels (zeros come in), and binarise a random half of them."""
    n, size = len(images), images.shape[-1]
    padded = numpy.pad(images, ((0, 0), (0, 0), (MAX_SHIFT, MAX_SHIFT), (MAX_SHIFT, MAX_SHIFT)))
    dy, dx = rng.integers(0, 2 * MAX_SHIFT + 1, size=(2, n))
    rows = dy[:, None] + numpy.arange(size)  # (n, size): the rows each shifted image takes from the padded one
    cols = dx[:, None] + numpy.arange(size)
    shifted = padded[numpy.arange(n)[:, None, None], 0, rows[:, :, None], cols[:, None, :]][:, None]
    binary = rng.random(n) < 0.5
    shifted[binary] = rng.random(shifted[binary].shape) < shifted[binary]
    return shifted.astype(numpy.float32)


def accuracy(net, images, labels):
    with no_grad():
        return float((net(tensor(images)).numpy().argmax(1) == labels).mean())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(WEIGHTS_PATH))
    args = parser.parse_args(argv)

    manual_seed(args.seed)
    rng = numpy.random.default_rng(args.seed)
    data = mnist()
    train_images, train_labels = data.train.arrays
    test_images, test_labels = data.test.arrays
    train_images = train_images.astype(numpy.float32) / 255  # (N, 1, 28, 28) grey levels in [0, 1]
    test_grey = test_images.astype(numpy.float32) / 255
    test_binary = static_binarize(test_images, seed=1).astype(numpy.float32) / 255

    net = MNISTFeatureNet()
    optimizer = optim.Adam(net.parameters(), lr=args.lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    for epoch in range(args.epochs):
        net.train()
        order = rng.permutation(len(train_images))
        for start in range(0, len(order), args.batch_size):
            batch = order[start : start + args.batch_size]
            loss = cross_entropy(net(tensor(augment(train_images[batch], rng))), tensor(train_labels[batch]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()
        net.eval()
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}, held-out accuracy {accuracy(net, test_grey, test_labels):.4f} "
              f"(grey), {accuracy(net, test_binary, test_labels):.4f} (binarised)", flush=True)  # fmt: skip
    save(net.state_dict(), args.out)
    with open(args.out, "rb") as file:
        print(f"{data.source}\nwrote {args.out}\nSHA-256 {hashlib.sha256(file.read()).hexdigest()}")


if __name__ == "__main__":
    main()
