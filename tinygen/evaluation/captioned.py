"""Text to image, measured: does a digit generated from a caption show what the caption says?

The captions (``tinygen.data.captions``) name a digit y and attribute values
c in {0, 1}^k (thin or thick, upright or slanted). For images generated from
them, in [0, 1], (N, 1, 28, 28):

    label_accuracy            the share the MNIST feature network reads as y
    attribute_agreement_<a>   the share whose measured attribute a (``AttributeSplit``, the training
                              digits' medians: the same measurement that wrote the training captions) is c_a
    attribute_agreement       the share with all k attributes as asked
    caption_agreement         the share with the digit and all attributes as asked: the whole caption holds

An image that ignores the attribute words agrees with each by chance about
half the time (the split is at the median), with both a quarter.
"""
import numpy

from .features import embed, feature_network


def score_captioned(images, labels, attributes, split, net=None):
    """The figures of the module docstring for ``images`` made from captions of ``labels`` (N,), ``attributes`` (N, k)."""
    labels, attributes = numpy.asarray(labels), numpy.asarray(attributes)
    if not len(images) == len(labels) == len(attributes):
        raise ValueError(f"one label and attribute row per image: got {len(images)}, {len(labels)}, {len(attributes)}")
    _, probabilities = embed(feature_network() if net is None else net, images)
    read = probabilities.argmax(axis=1) == labels
    agree = split(images) == attributes
    figures = {"label_accuracy": float(read.mean()), "attribute_agreement": float(agree.all(axis=1).mean()),
               "caption_agreement": float((read & agree.all(axis=1)).mean())}  # fmt: skip
    return figures | {f"attribute_agreement_{name}": float(agree[:, i].mean()) for i, name in enumerate(split.ATTRIBUTES)}
