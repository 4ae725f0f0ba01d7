"""Translation between attribute domains, measured (StarGAN on MNIST): did the attribute change, did the digit stay?

The domains are the 2^k combinations of the binary attributes of
``tinygen.data.attributes`` (thin or thick, upright or slanted). Every test
digit x, with its label y, is translated to every domain c'; images in [0, 1],
(N, 1, 28, 28). The figures, over all (digit, domain) pairs:

    attribute_success         the share of translations whose *measured* attributes (the same functions
                              and training-median thresholds that labelled the training digits) are all c'
    attribute_success_<a>     the same for attribute a alone; ``_changed`` only over the pairs where c'
                              asks to change a (where doing nothing fails)
    label_preservation        the share of translations the MNIST feature network reads as y
    *_identity                the same figures for the untranslated digits: what doing nothing scores
                              (1/2^k of the joint success, by chance; the network's test accuracy)
    attribute_success_to_<d>  the joint success of the translations to domain d alone, and
    mean_<a>_to_<d>           their mean measurement of attribute a (against the threshold)

Realism, per domain c': FID and KID in MNIST features of n translated test
digits against the real *training* digits of c' (the reference), beside the
floor (n real test digits of c' against the same reference) and the ceiling
(the same n test digits untranslated). One n for all three: FID is biased by
the sample size. The figures' means over the domains are reported too.
"""
import numpy

from .features import embed, feature_network
from .image_metrics import fid, kid


def domain_key(split, c):
    """'thin_upright' for c = (0, 0): a domain's name as a metrics key."""
    return split.domain_name(c).replace(", ", "_")


def score_attribute_translation(translate, split, test_images, test_labels, train_images, n=200, net=None):
    """Every figure of the module docstring -> (figures {name: value}, translations (domains, N, 1, 28, 28)).

    ``translate(images, c)``: images (N, 1, 28, 28) in [0, 1] and targets (N, k) -> translations in [0, 1].
    ``n``: the images per domain in each FID/KID (the real test digits of the rarest domain must number n).
    """
    net = feature_network() if net is None else net
    domains = split.domains()
    source = split(test_images)
    translations = numpy.stack([translate(test_images, numpy.repeat(c[None], len(test_images), axis=0)) for c in domains])
    targets = numpy.repeat(domains[:, None], len(test_images), axis=1)  # (domains, N, k)
    flat_translations, flat_targets = translations.reshape(-1, *test_images.shape[1:]), targets.reshape(-1, domains.shape[1])
    flat_sources = numpy.tile(source, (len(domains), 1))
    figures = {}
    for suffix, shown, measured in (("", flat_translations, None), ("_identity", None, flat_sources)):
        hits = (split(shown) if measured is None else measured) == flat_targets
        changed = flat_sources != flat_targets
        figures[f"attribute_success{suffix}"] = float(hits.all(axis=1).mean())
        for i, name in enumerate(split.ATTRIBUTES):
            figures[f"attribute_success_{name}{suffix}"] = float(hits[:, i].mean())
            figures[f"attribute_success_changed_{name}{suffix}"] = float(hits[changed[:, i], i].mean())
    per_domain = split(flat_translations).reshape(len(domains), len(test_images), -1) == domains[:, None]
    measured = split.measure(flat_translations).reshape(len(domains), len(test_images), -1).mean(axis=1)
    for d, c in enumerate(domains):  # where the joint figure comes from: which targets are met, and how far off
        figures[f"attribute_success_to_{domain_key(split, c)}"] = float(per_domain[d].all(axis=1).mean())
        figures |= {f"mean_{name}_to_{domain_key(split, c)}": float(measured[d, i]) for i, name in enumerate(split.ATTRIBUTES)}
    _, probabilities = embed(net, flat_translations)
    labels = numpy.tile(numpy.asarray(test_labels), len(domains))
    figures["label_preservation"] = float((probabilities.argmax(axis=1) == labels).mean())
    _, probabilities = embed(net, test_images)
    figures["label_preservation_identity"] = float((probabilities.argmax(axis=1) == numpy.asarray(test_labels)).mean())

    train_domains, test_features = split(train_images), embed(net, test_images[:n])[0]
    for d, c in enumerate(domains):
        key = domain_key(split, c)
        reference = embed(net, train_images[(train_domains == c).all(axis=1)])[0]
        real_test = test_images[(source == c).all(axis=1)]
        if len(real_test) < n:
            raise ValueError(f"only {len(real_test)} test digits are {split.domain_name(c)}: pass n <= {len(real_test)}")
        for name, features in (("translated", embed(net, translations[d, :n])[0]),
                               ("floor", embed(net, real_test[:n])[0]), ("ceiling", test_features)):  # fmt: skip
            figures[f"fid_{key}_{name}"] = fid(reference, features)
            figures[f"kid_{key}_{name}"] = kid(reference, features)[0]
    for metric in ("fid", "kid"):
        for name in ("translated", "floor", "ceiling"):
            figures[f"{metric}_{name}"] = float(numpy.mean([figures[f"{metric}_{domain_key(split, c)}_{name}"] for c in domains]))
    return figures, translations
