"""BEGAN on MNIST: an autoencoder discriminator held in balance with the generator by a controller k_t.

    L_D = L(x) - k_t L(G(z)),   L_G = L(G(z)),   k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1)

with L(v) = mean |v - D(v)| (Berthelot, Schumm & Metz, 2017;
tinygen/models/gan/began.py). The controller seeks E[L(G(z))] = gamma E[L(x)];
the paper's convergence measure is M_global = L(x) + |gamma L(x) - L(G(z))|.
DCGAN's generator; the autoencoder of networks.AutoencoderDiscriminator at its
default initialisation (``build_model`` says why). Adam at lr 5e-4 by default,
5 times the paper's 1e-4, for a budget of minutes (at 1e-4 the generator was
still grey after 150 steps; --lr 1e-4 for the paper's). Digits are grey levels
in [-1, 1].

gamma = 1 and lambda_k = 0.03 by default, against the paper's 0.5 and 0.001.
L1 error grows with a digit's ink and a 1 has 0.58 of the average's: at gamma
0.5 a generator of ones is already in balance, k stays near 0, and G drew one
or two kinds of image (models/gan/began.py); at 0.7 k crept to 0.06 in 7
epochs and G drew only ones. At gamma = 1 a generator of ones is far from
balance, and k grows until D rejects what G repeats. The gain is for 945 steps: at
0.001 k moves at most about 0.05 in a run; at 0.01 it was still climbing at
the end (FID 422); at 0.03 the ratio holds near gamma for the second half of
the run (FID 358 +- 61 over 3 seeds, 7-9 classes, against 1557 and 1 class
before; benchmarks/results/ebgan-began-fixed-2026-12-02.md).

The lecture's claims, measured. Beside what every GAN example writes
(progress.gif, samples.png, samples.npz, metrics.json with the sample-quality
figures at the end):

- balance.png: k_t, the ratio L(G(z)) / L(x) against gamma, and M_global
  over training (per step, and its mean per epoch) beside FID and KID in
  MNIST features of 500 samples drawn at every epoch's end (checkpoints.jsonl);
- metrics.json: m_global_fid_spearman and m_global_kid_spearman, the rank
  correlation between the epoch's mean M_global and the checkpoint's FID and
  KID (does the measure track quality? from 3 checkpoints on), the final k
  and the mean ratio of the last epoch;
- --gamma sets the diversity ratio; the paper's trade-off, quality (precision)
  against diversity (recall), is measured at gamma 0.7 and 1 in the results.

The default (width 32, 15 epochs of the 4,000 embedded digits, 945 steps)
takes about 6 minutes of one core, 500 samples scored at each epoch's end
included; --full is width 64 for 50 epochs.

    python examples/began_mnist.py                   # runs/began_mnist/
    python examples/began_mnist.py --gamma 0.7 --out runs/began_gamma07
"""
import json

import numpy
from matplotlib.figure import Figure

from tinygen import train
from tinygen.data import mnist
from tinygen.evaluation import feature_network, score_images
from tinygen.models.gan import BEGAN, AutoencoderDiscriminator, DCGANGenerator, dcgan_init_
from tinygen.train.adversarial import fit_adversarially, report_digits, save_signed_image_grid
from tinygen.train.arguments import positive_int

FULL = {"width": 64, "epochs": 50}
FIGURES = ("fid_mnist", "kid_mnist", "precision", "recall")


def parse_args(argv=None):
    parser = train.gan_example_parser("began_mnist", __doc__.split("\n")[0], epochs=15, batch_size=64, lr=5e-4,
                                      ema=False)
    parser.add_argument("--code", type=positive_int, default=64, help="the autoencoder's code size")
    parser.add_argument("--gamma", type=float, default=1.0, help="the diversity ratio E[L(G(z))] / E[L(x)] to keep")
    parser.add_argument("--lambda-k", type=float, default=0.03, help="the gain of k_t's controller")
    parser.add_argument("--checkpoint-samples", type=positive_int, default=500,
                        help="samples scored at every epoch's end (FID/KID beside M_global)")
    return train.parse_example_args(parser, argv, FULL)


def main(argv=None):
    args = parse_args(argv)
    run = train.Run(args)

    data = mnist(args.data, signed=True)
    loader = run.loader(data.train)
    model = build_model(args)
    scores, net = run.path("checkpoints.jsonl"), feature_network()
    if not args.resume:
        scores.unlink(missing_ok=True)

    def show_progress(samples, path):
        """The progress frame, and the quality of fresh samples at this checkpoint (one line of checkpoints.jsonl)."""
        save_signed_image_grid(samples, path)
        images = numpy.clip((model.sample(args.checkpoint_samples).numpy() + 1) / 2, 0, 1)
        figures = score_images(images, net=net, data_path=args.data)
        with scores.open("a") as file:
            file.write(json.dumps({"epoch": int(path.stem.split("_")[1])} | {k: figures[k] for k in FIGURES}) + "\n")

    def report(run, samples, labels):
        steps = [r for r in map(json.loads, run.path("metrics.jsonl").read_text().splitlines()) if r["kind"] == "step"]
        checkpoints = [json.loads(line) for line in scores.read_text().splitlines()]
        save_balance(steps, checkpoints, args.gamma, run.path("balance.png"))
        per_epoch = epoch_means(steps, "m_global")
        m_global = [per_epoch[c["epoch"] - 1] for c in checkpoints]
        last = [r["ratio"] for r in steps if r["epoch"] == steps[-1]["epoch"]]
        figures = report_digits(run, samples, labels) | {"final_k": model.k.item(), "last_epoch_ratio": numpy.mean(last)}
        if len(checkpoints) >= 3:  # a rank correlation of two points says nothing
            for name in ("fid", "kid"):
                figures[f"m_global_{name}_spearman"] = spearman(m_global, [c[f"{name}_mnist"] for c in checkpoints])
        return figures

    final = fit_adversarially(run, model, loader, args.lr, num_samples=args.samples, show_progress=show_progress,
                              report=report)  # fmt: skip
    print(train.adversarial.summary(final) + f"; k {final['final_k']:.4f}, ratio {final['last_epoch_ratio']:.3f} "
          f"(gamma {args.gamma}); M_global vs FID rank correlation {final.get('m_global_fid_spearman', '-')}")  # fmt: skip
    return final


def build_model(args):
    """DCGAN's generator with its N(0, 0.02) weights; the autoencoder keeps its default initialisation
    (under N(0, 0.02) it passes almost nothing of its input on: ``tinygen/models/gan/networks.py`` says why)."""
    return BEGAN(dcgan_init_(DCGANGenerator(args.latent, width=args.width)),
                 AutoencoderDiscriminator(width=args.width, code_dim=args.code), args.latent,
                 gamma=args.gamma, lambda_k=args.lambda_k).to(args.device)  # fmt: skip


def epoch_means(steps, name):
    """The mean of ``name`` over each epoch's steps, epochs 0, 1, ..."""
    epochs = numpy.array([r["epoch"] for r in steps])
    values = numpy.array([r[name] for r in steps])
    return [float(values[epochs == e].mean()) for e in range(epochs.max() + 1)]


def spearman(a, b):
    """The rank correlation of a and b (no ties expected in real-valued measurements)."""
    ranks = [numpy.argsort(numpy.argsort(v)) for v in (a, b)]
    return float(numpy.corrcoef(*ranks)[0, 1])


def save_balance(steps, checkpoints, gamma, path):
    """k_t, the ratio against gamma, and M_global (per step, and per epoch beside FID and KID at the checkpoints)."""
    step = [r["step"] for r in steps]
    figure = Figure(figsize=(15, 3.6), layout="constrained")
    k, ratio, measure = (figure.add_subplot(1, 3, i) for i in (1, 2, 3))
    k.plot(step, [r["k"] for r in steps], linewidth=1)
    k.set(title="k_t", xlabel="step", ylim=(0, max(1e-3, 1.1 * max(r["k"] for r in steps))))
    ratio.plot(step, [r["ratio"] for r in steps], linewidth=0.5, alpha=0.5, label="L(G(z)) / L(x)")
    ratio.axhline(gamma, color="black", linestyle="--", label=f"gamma = {gamma}")
    ratio.set(title="the balance", xlabel="step", ylim=(0, 2))
    ratio.legend()
    measure.plot(step, [r["m_global"] for r in steps], linewidth=0.5, alpha=0.4, label="M_global per step")
    ends = [max(s for s, r in zip(step, steps) if r["epoch"] == c["epoch"] - 1) for c in checkpoints]
    per_epoch = epoch_means(steps, "m_global")
    measure.plot(ends, [per_epoch[c["epoch"] - 1] for c in checkpoints], "o-", label="M_global, epoch mean")
    measure.set(title="M_global and quality at each epoch's end", xlabel="step")
    quality = measure.twinx()
    quality.plot(ends, [c["fid_mnist"] for c in checkpoints], "s-", color="tab:red", label="FID (MNIST features)")
    quality.set_ylabel("FID", color="tab:red")
    measure.legend(loc="upper right")
    figure.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
