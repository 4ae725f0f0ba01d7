"""A generative classifier on MNIST: ten densities p(x | y) and Bayes' rule, against a discriminative MLP.

    p(y | x) = p(x | y) p(y) / sum_k p(x | k) p(k)

An explicit density of each digit class, p(x | y) (a NADE or a PixelCNN per
class, tinygen/models/class_conditional.py), and the class frequencies p(y)
classify by Bayes' rule (tinygen/evaluation/uses.py): the digit whose model
finds x likeliest, weighted by how common the digit is. The discriminative
rival models p(y | x) directly: an MLP with about as many parameters as the
ten NADEs, trained by cross-entropy on the same digits.

The classic trade-off (Ng & Jordan, 2002): a generative classifier spends
its parameters on modelling x, which a discriminative one need not, so with
plenty of data the discriminative one wins; with little data the generative
one can, since every pixel of every digit is a training signal for it, not
one label per digit. Each model is trained on stratified subsets of the
training digits (--sizes, the same for all) for the same number of Adam
steps (--steps), and tested on the 1,000 held-out digits, statically
binarised (one fixed draw per pixel) so that every model sees the same
pixels. The cost of a generative classification is K = 10 density passes
per digit (one per candidate class), each covering all D = 784 conditionals;
the MLP takes one pass.

Written to --out: metrics.json (the accuracy of each model at each size, the
mean held-out log p(x | y) of the true class, parameter counts, the seconds
each classification of the test set took), accuracy.png (accuracy against
training-set size), samples.png and samples.npz (ten digits of each class
from each generative model trained on the largest set; not with --quick), and one folder per
(model, size) with that run's curves and checkpoint.

    python examples/generative_classifier.py                                   # runs/generative_classifier/
    python examples/generative_classifier.py --models nade mlp --sizes 4000 100
"""
import json
import math
import pathlib
import time
from argparse import Namespace

import numpy
from matplotlib.figure import Figure

from tinygen import optim, train
from tinygen.autograd.grad_mode import no_grad
from tinygen.data import ArrayDataset, DataLoader, mnist
from tinygen.evaluation.uses import bayes_posterior, stratified_indices
from tinygen.models.autoregressive import NADE, PixelCNN
from tinygen.models.base import Phase
from tinygen.models.class_conditional import ClassConditional
from tinygen.nn import Linear, Module, ReLU, Sequential
from tinygen.ops import cross_entropy
from tinygen.train.arguments import positive_int
from tinygen.train.images import save_image_grid

SHAPE, CLASSES = (1, 28, 28), 10
MODELS = ("nade", "pixelcnn", "mlp")


class MLPClassifier(Module):
    """The discriminative rival: p(y | x) = softmax(W2 relu(W1 x + b1) + b2), trained by cross-entropy."""

    conditional = True  # train.fit_in_phases passes the labels

    def __init__(self, hidden):
        super().__init__()
        self.net = Sequential(Linear(math.prod(SHAPE), hidden), ReLU(), Linear(hidden, CLASSES))

    def loss(self, x, labels):
        loss = cross_entropy(self.net(x.flatten(1)), labels)
        return loss, {"cross_entropy": loss}

    def class_scores(self, x):
        """The logits, which the softmax of ``bayes_posterior`` (no prior) turns into p(y | x)."""
        return self.net(x.flatten(1))

    def phases(self, lr):
        return {"cross_entropy": Phase(self.loss, optim.Adam(self.parameters(), lr=lr))}


def build(name, args, class_counts):
    if name == "mlp":
        return MLPClassifier(args.mlp_hidden)
    if name == "nade":
        densities = [NADE(SHAPE, args.nade_hidden) for _ in range(CLASSES)]
    else:
        densities = [PixelCNN(hidden_channels=args.pixelcnn_hidden, num_blocks=args.pixelcnn_blocks)
                     for _ in range(CLASSES)]  # fmt: skip
    return ClassConditional(densities, class_counts)


def main(argv=None):
    parser = train.example_parser("generative_classifier", __doc__.split("\n")[0], epochs=1, batch_size=64, lr=2e-3)
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS), help="the classifiers to compare")
    parser.add_argument("--sizes", nargs="+", type=positive_int, default=[4000, 1000, 250, 100],
                        help="training digits (stratified, a tenth of each class): one run per size and model")
    parser.add_argument("--steps", type=positive_int, default=500, help="Adam steps of every run, whatever its size")
    parser.add_argument("--nade-hidden", type=positive_int, default=50, help="hidden units of each class's NADE")
    parser.add_argument("--pixelcnn-hidden", type=positive_int, default=16, help="h of each class's PixelCNN")
    parser.add_argument("--pixelcnn-blocks", type=positive_int, default=2, help="residual blocks of each PixelCNN")
    parser.add_argument("--mlp-hidden", type=positive_int, default=1000,
                        help="hidden units of the MLP (1,000: about the parameters of ten NADEs of 50)")
    parser.set_defaults(epochs=None)
    args = parser.parse_args(argv)
    if args.epochs is not None:
        parser.error("--epochs: every run here takes --steps Adam steps, however many epochs its size makes")
    if any(size % CLASSES for size in args.sizes):
        parser.error(f"--sizes {args.sizes}: each size must be a multiple of {CLASSES} (a tenth of each digit)")
    out = pathlib.Path(args.out)

    data = mnist(args.data, binarize="static", seed=args.seed)
    (train_images, train_labels), test = data.train.arrays, data.test
    if max(args.sizes) > len(train_images):
        parser.error(f"--sizes: at most {len(train_images)} training digits here, asked {max(args.sizes)}")
    test_batches = list(DataLoader(test, 100, device=args.device).batches())
    test_labels = numpy.concatenate([y.numpy() for _, y in test_batches])
    if args.quick:
        test_batches, test_labels = test_batches[:1], test_labels[:100]

    results, samples = {}, {}
    for size in sorted(args.sizes, reverse=True):
        chosen = stratified_indices(train_labels, size // CLASSES, numpy.random.default_rng([args.seed, size]))
        subset = ArrayDataset(train_images[chosen], train_labels[chosen], transform=data.train.transform)
        loader = DataLoader(subset, min(args.batch_size, size), shuffle=True, seed=args.seed, device=args.device)
        for name in args.models:
            epochs = 1 if args.quick else math.ceil(args.steps / len(loader))  # --steps, not --epochs, sets the budget
            run = train.Run(Namespace(**{**vars(args), "epochs": epochs, "out": out / f"{name}_{size}"}))
            model = build(name, args, numpy.bincount(train_labels[chosen], minlength=CLASSES)).to(args.device)
            train.fit_in_phases(run, model, loader, model.phases(args.lr))
            figures = evaluate(model, test_batches, test_labels)
            figures["parameters"] = sum(p.numel() for p in model.parameters())
            results[f"{name}_{size}"] = figures
            run.finish(**figures)
            print(f"{name:>9s} on {size:5d} digits: test accuracy {figures['accuracy']:.3f}"
                  f"  ({figures['classify_seconds']:.1f} s to classify {len(test_labels)} digits)")  # fmt: skip
            if name != "mlp" and size == max(args.sizes) and not args.quick:  # 784 steps a class: not a smoke test's
                with no_grad():
                    samples[name] = model.sample(10 * CLASSES, labels=numpy.repeat(numpy.arange(CLASSES), 10)).numpy()

    report(out, args, results, samples)
    return results


def evaluate(model, batches, labels):
    """Test accuracy, and for a generative classifier the mean log p(x | true y) in nats; with the time taken."""
    generative = isinstance(model, ClassConditional)
    started, scores = time.perf_counter(), []
    with no_grad():
        for x, _ in batches:
            scores.append((model.class_log_likelihoods(x) if generative else model.class_scores(x)).numpy())
    seconds, scores = time.perf_counter() - started, numpy.concatenate(scores)
    posterior = bayes_posterior(scores, model.log_prior if generative else None)
    figures = {"accuracy": float((posterior.argmax(1) == labels).mean()), "classify_seconds": seconds}
    if generative:
        figures["test_log_likelihood_true_class"] = float(scores[numpy.arange(len(labels)), labels].mean())
    return figures


def report(out, args, results, samples):
    """metrics.json, accuracy.png, and the class-conditional samples (rows: digits 0-9)."""
    (out / "metrics.json").write_text(json.dumps(results, indent=2) + "\n")
    figure = Figure(figsize=(6, 4), layout="constrained")
    axes = figure.add_subplot()
    sizes = sorted(args.sizes)
    for name in args.models:
        axes.plot(sizes, [results[f"{name}_{size}"]["accuracy"] for size in sizes], "o-", label=name)
    axes.set(xscale="log", xlabel="training digits", ylabel="test accuracy", title="generative vs discriminative")
    axes.legend()
    figure.savefig(out / "accuracy.png", dpi=100)
    if samples:
        numpy.savez(out / "samples.npz", **samples)
        rows = [f"{name} {digit}" for name in samples for digit in range(CLASSES)]
        save_image_grid(numpy.concatenate(list(samples.values())), out / "samples.png", nrow=10, row_labels=rows)
    print(f"\n{'digits':>8s}" + "".join(f"{name:>10s}" for name in args.models))
    for size in sorted(args.sizes, reverse=True):
        print(f"{size:8d}" + "".join(f"{results[f'{name}_{size}']['accuracy']:10.3f}" for name in args.models))


if __name__ == "__main__":
    main()
