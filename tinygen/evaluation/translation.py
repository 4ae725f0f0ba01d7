"""Translation between two digit domains, measured: does a translation keep its digit, look like the target
domain, and map back?

Domain A is MNIST, domain B the UCI optical-recognition digits
(``tinygen.data.optical_digits``). Images in [0, 1], (N, 1, 28, 28).

Label preservation. The MNIST feature network reads real B digits poorly
(73% of them right, against 98% of MNIST's: it never saw their blocky
blur), so it cannot judge translations into B. The judge here sees both
domains: a least-squares linear classifier on the feature network's
features phi(x), fitted to the labelled *training* digits of A and B
together (ridge regression onto one-hot labels, closed form):

    W = argmin_W || [phi(X) 1] W - Y ||^2 + ridge || W ||^2

It scores 97.2% of A's and 92.0% of B's held-out digits (``judge_accuracy``
says so on every run). Fair because it is trained on real images of both
domains and on no translation, so it rewards a translation for looking like
a real digit of the source's class in either look, and the translation model
never sees a label. ``label_preservation``: the share of translations G(a)
whose judged digit is a's digit; a translation that turns a 3 into a
convincing 8 fails it.

Realism in the target domain: FID and KID in MNIST features of N translated
test images against the target domain's training digits, beside the floor
(N real held-out target digits against the same reference) and the ceiling
(the N untranslated source digits against it). The same N everywhere: FID is
biased by the sample size.

Cycle error: mean |F(G(a)) - a| per pixel, in [0, 1] units.
"""
import numpy

from ..data import mnist, optical_digits
from .features import embed, feature_network
from .image_metrics import fid, kid

RIDGE = 1.0


def digit_domains(data_path=None):
    """{"a": (train, test), "b": (train, test)}, each split (images (N, 1, 28, 28) float32 in [0, 1], labels)."""
    domains = {"a": mnist(data_path), "b": optical_digits()}
    return {name: tuple(tuple(split.batch(numpy.arange(len(split)))) for split in (data.train, data.test))
            for name, data in domains.items()}  # fmt: skip


class DomainJudge:
    """The linear classifier on MNIST features of both domains' labelled training digits (module docstring)."""

    def __init__(self, images, labels, net=None, ridge=RIDGE):
        self.net = feature_network() if net is None else net
        features = self._design(images)
        targets = numpy.eye(10)[numpy.asarray(labels)]
        self.weights = numpy.linalg.solve(features.T @ features + ridge * numpy.eye(features.shape[1]),
                                          features.T @ targets)  # fmt: skip

    def _design(self, images):
        features, _ = embed(self.net, images)
        return numpy.hstack([features, numpy.ones((len(features), 1))])

    def predict(self, images):
        """The judged digit of each image, (N,)."""
        return numpy.argmax(self._design(images) @ self.weights, axis=1)

    def accuracy(self, images, labels):
        return float(numpy.mean(self.predict(images) == numpy.asarray(labels)))


def label_preservation(judge, translations, source_labels):
    """The share of translations the judge reads as their source image's digit."""
    return judge.accuracy(translations, source_labels)


def realism(images, reference_features, net):
    """{fid, kid} of ``images`` against the reference's MNIST features."""
    features, _ = embed(net, images)
    return {"fid": fid(reference_features, features), "kid": kid(reference_features, features)[0]}


def cycle_error(reconstructions, originals):
    """Mean absolute difference per pixel."""
    return float(numpy.mean(numpy.abs(numpy.asarray(reconstructions) - numpy.asarray(originals))))


def score_translation(translate, domains, judge, net, n=300):
    """Every figure of both directions. ``translate(images, "ab" | "ba")`` maps images in [0, 1] of one domain
    to the other's; ``domains``: ``digit_domains()``. -> {name: value} (flat, for metrics.json)."""
    figures = {f"judge_accuracy_{name}": judge.accuracy(*domains[name][1]) for name in ("a", "b")}
    for source, target in (("a", "b"), ("b", "a")):
        direction, inverse = source + target, target + source
        images, labels = (array[:n] for array in domains[source][1])
        translated = translate(images, direction)
        reconstructed = translate(translated, inverse)
        reference, _ = embed(net, domains[target][0][0])
        figures |= {f"{direction}_label_preservation": label_preservation(judge, translated, labels),
                    f"{direction}_cycle_label_preservation": label_preservation(judge, reconstructed, labels),
                    f"{direction}_cycle_error": cycle_error(reconstructed, images)}  # fmt: skip
        for name, shown in (("translated", translated), ("floor", domains[target][1][0][:n]), ("ceiling", images)):
            figures |= {f"{direction}_{key}_{name}": value for key, value in realism(shown, reference, net).items()}
    return figures
