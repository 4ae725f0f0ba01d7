"""Representations learned without labels: how much of the digit a linear classifier reads off each code.

A generative model trained on images alone must encode what varies among
them, and the digit's class is the largest part of that. The linear probe
measures it: the codes are frozen, and a logistic regression
(tinygen/evaluation/uses.py) is fitted to the codes of a few labelled
training digits (--labels per class, stratified) and tested on the 1,000
held-out digits. The codes:

    pixels    the raw grey levels: the baseline a code must beat to have learned anything
    vae       the VAE's posterior mean mu(x) (tinygen/models/vae)
    aae       the adversarial autoencoder's code mu(x), matched to a Gaussian prior (tinygen/models/hybrid/aae.py)
    infogan   InfoGAN's discriminator features, the 2w x 7 x 7 maps its Q head reads (tinygen/models/gan/infogan.py)

Each model is trained here, unlabelled, for a few epochs (minutes on 2 CPU
cores); a longer-trained model may read better. codes.png draws the test
codes of each, projected on their two principal axes (of the centred, unscaled
codes), coloured by digit.

Written to --out: metrics.json (probe accuracy of each code at each number
of labels, the code dimensions), codes.png, and one folder per model with its run.

    python examples/representations.py                     # runs/representations/
    python examples/representations.py --labels 10 50 100 --epochs 10
"""
import json
import math
import pathlib
from argparse import Namespace

import numpy
from matplotlib.figure import Figure

from tinygen import optim, tensor, train
from tinygen.autograd.grad_mode import no_grad
from tinygen.data import DataLoader, mnist
from tinygen.evaluation.uses import linear_probe, stratified_indices
from tinygen.models.gan import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, dcgan_init_
from tinygen.models.gan.infogan import InfoGAN, q_head
from tinygen.models.hybrid import AdversarialAutoencoder, StandardGaussian
from tinygen.models.vae import MLPDecoder, MLPEncoder, mlp_vae
from tinygen.train.arguments import positive_int

SHAPE = (1, 28, 28)
MODELS = ("vae", "aae", "infogan")


def main(argv=None):
    parser = train.example_parser("representations", __doc__.split("\n")[0], epochs=5, batch_size=64, lr=1e-3)
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS), help="the codes to probe")
    parser.add_argument("--labels", nargs="+", type=positive_int, default=[10, 50],
                        help="labelled training digits per class the probe sees (one probe each)")
    parser.add_argument("--latent-dim", type=positive_int, default=16, help="code dimensions of the VAE and the AAE")
    parser.add_argument("--hidden", type=positive_int, default=512, help="encoder and decoder widths (one layer)")
    parser.add_argument("--gan-width", type=positive_int, default=32, help="InfoGAN's DCGAN width w")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)

    binary, grey = mnist(args.data, binarize="dynamic"), mnist(args.data)
    train_grey, train_labels = (numpy.asarray(a) for a in grey.train.batch(numpy.arange(len(grey.train))))
    test_grey, test_labels = (numpy.asarray(a) for a in grey.test.batch(numpy.arange(len(grey.test))))
    if args.quick:
        test_grey, test_labels = test_grey[:200], test_labels[:200]

    labelled = {n: stratified_indices(train_labels, n, numpy.random.default_rng([args.seed, n])) for n in args.labels}
    needed = numpy.unique(numpy.concatenate(list(labelled.values())))  # only these training digits are encoded
    codes = {"pixels": (train_grey[needed], test_grey)}
    for name in args.models:
        run = train.Run(Namespace(**{**vars(args), "out": out / name}))
        encode = TRAIN[name](run, args, binary)
        codes[name] = (encode(train_grey[needed], args.device), encode(test_grey, args.device))

    results = {}
    for name, (train_codes, test_codes) in codes.items():
        results[name] = {"dimensions": int(math.prod(train_codes.shape[1:]))}
        for per_class, chosen in labelled.items():
            rows = numpy.searchsorted(needed, chosen)
            results[name][f"probe_accuracy_{per_class}_per_class"] = linear_probe(
                train_codes[rows], train_labels[chosen], test_codes, test_labels)  # fmt: skip
    report(out, args, results, {name: test for name, (_, test) in codes.items()}, test_labels)
    return results


def train_vae(run, args, data):
    model = mlp_vae(args.latent_dim, SHAPE, hidden_sizes=(args.hidden,)).to(args.device)
    fit(run, model, data, {"elbo": (lambda x, _: model.loss(x), adam(model, args.lr))}, args)
    return encoder_means(model.encoder)


def train_aae(run, args, data):
    prior, hidden = StandardGaussian(args.latent_dim), (args.hidden,)
    model = AdversarialAutoencoder(MLPEncoder(SHAPE, prior.dim, hidden), MLPDecoder(SHAPE, prior.dim, hidden),
                                   MLPDiscriminator((prior.dim,), (256, 256)), prior, SHAPE).to(args.device)  # fmt: skip
    fit(run, model, data, model.phases(args.lr), args)
    return encoder_means(model.encoder)


def train_infogan(run, args, data):
    signed = mnist(args.data, signed=True)
    loader = DataLoader(signed.train, args.batch_size, shuffle=True, seed=args.seed, device=args.device)
    width, noise = args.gan_width, 62
    model = InfoGAN(dcgan_init_(DCGANGenerator(noise + 12, width=width)), dcgan_init_(DCGANDiscriminator(width=width)),
                    dcgan_init_(q_head(2 * width * 7 * 7)), noise).to(args.device)  # fmt: skip
    train.fit_adversarially(run, model, loader, num_samples=16, report=lambda run, samples, labels: {})

    def encode(grey, device):
        with no_grad(), train.adversarial.evaluating(model):
            return in_batches(lambda x: model.discriminator.features(x).flatten(1), grey * 2 - 1, device)

    return encode


TRAIN = {"vae": train_vae, "aae": train_aae, "infogan": train_infogan}


def adam(model, lr):
    return optim.Adam(model.parameters(), lr=lr)


def fit(run, model, data, phases, args):
    loader = DataLoader(data.train, args.batch_size, shuffle=True, seed=args.seed, device=args.device)
    train.fit_in_phases(run, model, loader, phases)
    run.finish()


def encoder_means(encoder):
    """grey images -> mu(x), the mean of q(z | x), as NumPy. (The encoders saw binary pixels; grey levels are
    their expected value.)"""

    def encode(grey, device):
        with no_grad():
            return in_batches(lambda x: encoder(x)[0], grey, device)

    return encode


def in_batches(function, images, device, batch=500):
    return numpy.concatenate([function(tensor(images[i : i + batch], device=device)).numpy()
                              for i in range(0, len(images), batch)])  # fmt: skip


def report(out, args, results, test_codes, labels):
    """metrics.json, the probe table, and codes.png: each code's test points on its two principal axes."""
    (out / "metrics.json").write_text(json.dumps(results, indent=2) + "\n")
    figure = Figure(figsize=(4 * len(test_codes), 4), layout="constrained")
    for axes, (name, codes) in zip(figure.subplots(1, len(test_codes), squeeze=False)[0], test_codes.items()):
        centred = codes.reshape(len(codes), -1) - codes.reshape(len(codes), -1).mean(0)  # not scaled: a pixel
        _, _, axes_of_variance = numpy.linalg.svd(centred, full_matrices=False)  # inked once would dominate
        points = centred @ axes_of_variance[:2].T
        for digit in range(10):
            chosen = labels == digit
            axes.scatter(points[chosen, 0], points[chosen, 1], s=3, color=f"C{digit}", label=str(digit))
        axes.set(title=f"{name} ({results[name]['dimensions']}-D)", xticks=[], yticks=[])
    axes.legend(loc="center left", bbox_to_anchor=(1, 0.5), markerscale=4, frameon=False)
    figure.savefig(out / "codes.png", dpi=100)
    print(f"\nlinear probe, test accuracy on {len(labels)} held-out digits")
    print(f"{'code':>10s}{'dims':>7s}" + "".join(f"{f'{n} labels/class':>18s}" for n in args.labels))
    for name, row in results.items():
        print(f"{name:>10s}{row['dimensions']:7d}"
              + "".join(f"{row[f'probe_accuracy_{n}_per_class']:18.3f}" for n in args.labels))  # fmt: skip


if __name__ == "__main__":
    main()
