"""Anomaly detection by likelihood: does a density trained on MNIST find other images unlikely?

    score(x) = -log p(x)       (high: unlike the training digits)

Each explicit model is trained on MNIST's training digits (binarised afresh
each time they are seen), then scores 500 held-out MNIST digits (the
inliers) and 500 images of each other kind, all statically binarised (one
fixed draw per pixel):

    mnist      500 other held-out MNIST digits: the contrast, where AUROC should be 0.5
    optical    the UCI optical digits (tinygen.data.optical_digits): the same ten digits, drawn
               from 8x8 blocks, thick and soft
    rotated, inverted, shrunk, noise     held-out MNIST digits turned a quarter turn, inverted,
               halved in size, or replaced by uniform noise (tinygen/evaluation/uses.py)

AUROC (tinygen/evaluation/uses.py) is the probability that an outlier scores
above an inlier: 1 finds every outlier, 0.5 is chance, below 0.5 the model
finds the outliers *more* likely than digits like its training data. That is
the known failure (Nalisnick et al., 2019, "Do deep generative models know
what they don't know?"): likelihood rewards simple images, few strokes or
smooth ones, whatever their kind, since they are cheap to predict pixel by
pixel. (Bits per dimension, -log p(x) / (D ln 2), rank the images of one
size exactly as -log p(x) does: the same AUROC.)

One remedy from the literature is a likelihood ratio (Ren et al., 2019;
Serra et al., 2020): subtract what a simple background model already
explains, so that only what the model knows about digits counts,

    score(x) = -[log p(x) - log p_background(x)],

with the background here the independent-pixel model fitted to the same
training digits in closed form (tinygen/models/autoregressive/independent.py):
it knows how much ink digits have and where, nothing about strokes. A
second remedy asks for typical, not high, likelihood (Nalisnick et al.,
2019b, one example at a time): score(x) = |log p(x) - mean log p(training
digits)|, which flags images too likely as well as too unlikely.

The models: NADE, PixelCNN, PixelRNN (Row LSTM), and the VAE scored by its
importance-weighted bound on log p(x) (K samples; a lower bound, so its
scores are a little pessimistic). The diffusion model's bound is left out:
tinygen's DDPM models grey levels, not binary pixels, so its numbers would
not compare. Defaults: a few epochs each, minutes on 2 CPU cores.

Written to --out: metrics.json (per model and set: mean bits/dim, AUROC of
-log p(x), of the typicality score and of the likelihood ratio), scores.npz (every log p(x)),
scores.png (the bits/dim of each set, per model), sets.png (ten images of
each set as the models see them), and one folder per model with its run.

    python examples/anomaly_detection.py          # runs/anomaly_detection/
    python examples/anomaly_detection.py --models nade vae --epochs 10
"""
import json
import math
import pathlib
from argparse import Namespace

import numpy
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from tinygen import float64, optim, tensor, train
from tinygen.autograd.grad_mode import no_grad
from tinygen.data import DataLoader, mnist, optical_digits
from tinygen.distributions import bits_per_dim
from tinygen.evaluation.uses import OUT_OF_DISTRIBUTION, auroc, out_of_distribution
from tinygen.models.autoregressive import NADE, IndependentBernoulli, PixelCNN, RowLSTM
from tinygen.models.base import Phase
from tinygen.models.vae import mlp_vae
from tinygen.train.arguments import positive_int
from tinygen.train.images import save_image_grid

SHAPE = (1, 28, 28)
MODELS = ("nade", "pixelcnn", "pixelrnn", "vae")
SETS = ("mnist", "optical", *OUT_OF_DISTRIBUTION)
PER_SET = 500  # images in each set, and held-out inliers


def build(name, args):
    if name == "nade":
        return NADE(SHAPE, args.nade_hidden)
    if name == "pixelcnn":
        return PixelCNN(hidden_channels=args.pixel_hidden, num_blocks=args.pixelcnn_blocks)
    if name == "pixelrnn":
        return RowLSTM(hidden_channels=args.pixel_hidden, num_layers=2)
    return mlp_vae(args.vae_latent, SHAPE, hidden_sizes=(args.vae_hidden,))


def main(argv=None):
    parser = train.example_parser("anomaly_detection", __doc__.split("\n")[0], epochs=3, batch_size=64, lr=2e-3)
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS), help="the densities to score with")
    parser.add_argument("--nade-hidden", type=positive_int, default=100, help="NADE's hidden units")
    parser.add_argument("--pixel-hidden", type=positive_int, default=16, help="h of the PixelCNN and the Row LSTM")
    parser.add_argument("--pixelcnn-blocks", type=positive_int, default=3, help="the PixelCNN's residual blocks")
    parser.add_argument("--vae-latent", type=positive_int, default=16, help="the VAE's latent dimensions")
    parser.add_argument("--vae-hidden", type=positive_int, default=256, help="the VAE's hidden units (one layer)")
    parser.add_argument("--importance-samples", type=positive_int, default=100,
                        help="K of the VAE's importance-weighted bound")  # fmt: skip
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    per_set = 20 if args.quick else PER_SET
    k = min(args.importance_samples, 5) if args.quick else args.importance_samples

    data = mnist(args.data, binarize="dynamic")
    loader = DataLoader(data.train, args.batch_size, shuffle=True, seed=args.seed, device=args.device)
    images = evaluation_sets(data, per_set, numpy.random.default_rng([args.seed, 1]))
    background = IndependentBernoulli(SHAPE, dtype=float64).fit_closed_form(data.train.arrays[0] / 255.0)
    log_p_background = {name: log_likelihoods(background, x, args.device) for name, x in images.items()}

    results, log_p = {}, {"background": log_p_background}
    for name in args.models:
        run = train.Run(Namespace(**{**vars(args), "out": out / name}))
        model = build(name, args).to(args.device)
        train.fit_in_phases(run, model, loader, {"nll": Phase(lambda x, _: model.loss(x),
                                                              optim.Adam(model.parameters(), lr=args.lr))})  # fmt: skip
        log_p[name] = {s: log_likelihoods(model, x, args.device, k) for s, x in images.items()}
        results[name] = figures(log_p[name], log_p_background)
        run.finish(**{f"{s}_{key}": value for s, row in results[name].items() for key, value in row.items()})
    results["background"] = figures(log_p_background)

    report(out, results, log_p, images)
    return results


def evaluation_sets(data, per_set, rng):
    """{set: statically binarised images (per_set, 1, 28, 28)}: the sets, the 'inliers' (held-out MNIST) and
    'train', training digits (where the typical log p(x) is read)."""
    test = data.test.arrays[0] / numpy.float32(255)
    train_digits = data.train.arrays[0][rng.permutation(len(data.train))[:per_set]] / numpy.float32(255)
    chosen = rng.permutation(len(test))[: 2 * per_set]
    reference, others = test[chosen[:per_set]], test[chosen[per_set:]]
    optical = numpy.concatenate([split.arrays[0] for split in (optical_digits().train, optical_digits().test)])
    grey = {"train": train_digits, "inliers": reference, "mnist": others,
            "optical": optical[rng.permutation(len(optical))[:per_set]] / numpy.float32(255),
            **{kind: out_of_distribution(others, kind, rng) for kind in OUT_OF_DISTRIBUTION}}  # fmt: skip
    binary = {name: (rng.random(x.shape, dtype=numpy.float32) < x).astype(numpy.float32) for name, x in grey.items()}
    return binary


def log_likelihoods(model, images, device, importance_samples=None, batch=100):
    """log p(x) in nats of each image (N,), float64; the VAE's importance-weighted bound with K samples."""
    values = []
    with no_grad():
        for start in range(0, len(images), batch):
            x = tensor(images[start : start + batch], dtype=model.dtype, device=device)
            if hasattr(model, "importance_weighted_log_likelihood"):
                values.append(model.importance_weighted_log_likelihood(x, importance_samples).numpy())
            else:
                values.append(model.log_prob(x).double().numpy())
    return numpy.concatenate(values)


def figures(log_p, log_p_background=None):
    """Per set: mean bits/dim, and the AUROC against the inliers of -log p(x), of the distance to the typical
    log p(x) of training digits, and (given the background's log-likelihoods) of the likelihood ratio."""
    typical = log_p["train"].mean()
    rows = {}
    for name in SETS:
        atypical = {s: abs(log_p[s] - typical) for s in ("inliers", name)}
        rows[name] = {"bits_per_dim": float(bits_per_dim(-log_p[name].mean(), math.prod(SHAPE))),
                      "auroc": auroc(-log_p["inliers"], -log_p[name]),
                      "auroc_typicality": auroc(atypical["inliers"], atypical[name])}  # fmt: skip
        if log_p_background is not None:
            ratio = {s: log_p[s] - log_p_background[s] for s in ("inliers", name)}
            rows[name]["auroc_ratio"] = auroc(-ratio["inliers"], -ratio[name])
    for name in ("train", "inliers"):
        rows[name] = {"bits_per_dim": float(bits_per_dim(-log_p[name].mean(), math.prod(SHAPE)))}
    return rows


def report(out, results, log_p, images):
    (out / "metrics.json").write_text(json.dumps(results, indent=2) + "\n")
    numpy.savez(out / "scores.npz", **{f"{model}_{s}": v for model, sets in log_p.items() for s, v in sets.items()})
    save_image_grid(numpy.concatenate([images[name][:10] for name in ("train", "inliers", *SETS)]),
                    out / "sets.png", nrow=10, row_labels=["train", "inliers", *SETS])  # fmt: skip
    columns = min(3, len(log_p))
    figure = Figure(figsize=(4.5 * columns, 3.5 * math.ceil(len(log_p) / columns)), layout="constrained")
    panels = list(figure.subplots(math.ceil(len(log_p) / columns), columns, squeeze=False).flat)
    for axes, (model, sets) in zip(panels, log_p.items()):
        for name in ("inliers", *SETS):
            axes.hist(bits_per_dim(-sets[name], math.prod(SHAPE)), bins=40, histtype="step", label=name)
        axes.set(title=model, xlabel="bits/dim (low: likely)", xscale="log")
        axes.xaxis.set_minor_formatter(NullFormatter())  # label the decades only
    for unused in panels[len(log_p) :]:
        unused.set_axis_off()
    figure.legend(*panels[0].get_legend_handles_labels(), loc="outside right upper")
    figure.savefig(out / "scores.png", dpi=100)
    for score, key in (("-log p(x) (< 0.5: outliers found likelier than digits)", "auroc"),
                       ("|log p(x) - typical|", "auroc_typicality"),
                       ("the likelihood ratio against independent pixels", "auroc_ratio")):
        print(f"\nAUROC of {score}; 0.5 is chance")
        print(f"{'model':>10s}" + "".join(f"{name:>10s}" for name in SETS))
        for model, rows in results.items():
            if key in rows["mnist"]:
                print(f"{model:>10s}" + "".join(f"{rows[s][key]:10.3f}" for s in SETS))
    print(f"\nmean bits/dim\n{'model':>10s}" + "".join(f"{name:>10s}" for name in ("train", "inliers", *SETS)))
    for model, rows in results.items():
        print(f"{model:>10s}" + "".join(f"{rows[s]['bits_per_dim']:10.3f}" for s in ("train", "inliers", *SETS)))


if __name__ == "__main__":
    main()
