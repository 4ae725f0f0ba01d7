"""Adversarial and Wasserstein autoencoders on binarised MNIST: codes matched to a prior without a per-digit KL.

The models (``tinygen/models/hybrid/``), each an MLP encoder and decoder (the
VAE's, ``--hidden``) around codes z with a prior p(z), and the cost
c(x, z) = -log p(x | z), the binary cross-entropy of the decoder's pixels:

    aae       (Makhzani et al. 2016) per batch: a reconstruction step on E c(x, z), z ~ q(z | x);
              a discriminator step telling z ~ p(z) from codes; an encoder step fooling it
    wae_gan   (Tolstikhin et al. 2018) the same adversary, a deterministic encoder z = Q(x), and
              one step of encoder and decoder on E c(x, Q(x)) - lambda E log D(Q(x))
    wae_mmd   one step on E c(x, Q(x)) + lambda MMD^2_U(codes, prior draws), inverse multiquadratic kernel

``--prior``: gaussian (N(0, I), any --latent-dim), ring (10 Gaussians, std
0.5, on a circle of radius 4) or swiss_roll (10 stretches); the last two are
2-D, where a VAE's closed-form KL cannot go. ``--conditional`` (aae, ring or
swiss roll) shows the discriminator each digit's label and draws its real
codes from that label's mode, so each digit gets a mode of its own.

Measured at the end on the 1,000 test digits (codes = the encoder's means):

    test_reconstruction   c(x, z) at z = mu(x), nats per digit (the VAE's reconstruction term, same units)
    code_mmd              MMD^2_U(test codes, 1,000 prior draws) with the kernel stated in code_mmd_kernel
                          (inverse multiquadratic, C = 2 d sigma^2 of the prior); 0 in expectation when q(z) = p(z)
    code_*                for ring and swiss roll: modes covered (Toy2D.coverage: a fifth of a fair share) and the
                          share of codes on a mode; for the ring also the literature's mode metrics
                          (tinygen.evaluation.toy_metrics: modes captured, high-quality share, reverse KL);
                          with --conditional, the share of codes on their own label's mode
    quality_<model>_*     decoded prior draws (pixel probabilities) scored by tinygen.evaluation: FID/KID in
                          MNIST features, precision/recall, class coverage

    python examples/aae_mnist.py                                      # AAE, 2-D ring prior: runs/aae_mnist/
    python examples/aae_mnist.py --prior swiss_roll --conditional
    python examples/aae_mnist.py --model wae_mmd --prior gaussian --latent-dim 8

Writes codes.png (2-D codes only: test digits coloured by label over the
prior's density), samples.png, reconstructions.png, curves.png,
metrics.jsonl, metrics.json, samples.npz, checkpoint.npz.
"""
import numpy as np

import tinygen as tg
from tinygen import evaluation, train
from tinygen.data import ArrayDataset, DataLoader, GaussianMixture2D, grey, mnist, static_binarize
from tinygen.models.gan import MLPDiscriminator
from tinygen.models.hybrid import (WAEGAN, WAEMMD, AdversarialAutoencoder, StandardGaussian, mmd_unbiased,
                                   prior_kernel, ring_of_gaussians, swiss_roll_prior)  # fmt: skip
from tinygen.models.vae import MLPDecoder, MLPEncoder
from tinygen.train.arguments import positive_int

IMAGE = (1, 28, 28)
TEST_SEED, TEST_BATCH = 1, 100  # the test digits' one binarisation, as in vae_mnist.py
PRIORS = {"gaussian": StandardGaussian, "ring": lambda dim: ring_of_gaussians(), "swiss_roll": lambda dim: swiss_roll_prior()}
# The WAE paper's lambdas are 1 (GAN) and 10 (MMD) for its cost 0.05 |x - y|^2; this cost, the cross-entropy, is
# about 100 times larger, and lambda = 10 left the MMD too weak to pull q(z) onto p(z) (FID 367, code MMD 0.047,
# against 199 and 0.002 at lambda = 100; benchmarks/results/hybrids-2026-12-02.md).
PENALTY = {"aae": None, "wae_gan": 1.0, "wae_mmd": 100.0}
PRIOR_DRAWS = 1000  # against the test codes, for code_mmd


def parser():
    arguments = train.example_parser("aae_mnist", __doc__.split("\n")[0], epochs=30, batch_size=100, lr=1e-3)
    arguments.add_argument("--model", choices=PENALTY, default="aae", help="which autoencoder")
    arguments.add_argument("--prior", choices=PRIORS, default="ring", help="p(z); ring and swiss_roll are 2-D")
    arguments.add_argument("--latent-dim", type=positive_int, default=2, help="code dimensions (gaussian prior only)")
    arguments.add_argument("--conditional", action="store_true", help="aae: each digit's codes to its own mode")
    arguments.add_argument("--penalty-weight", type=float, default=None, metavar="LAMBDA",
                           help="the WAE's lambda (default: 1 for wae_gan, the paper's; 100 for wae_mmd, "
                                "the paper's 10 scaled to this cost)")
    arguments.add_argument("--hidden", type=positive_int, nargs="+", default=[512, 512], help="encoder/decoder widths")
    arguments.add_argument("--d-hidden", type=positive_int, nargs="+", default=[256, 256], help="discriminator widths")
    arguments.add_argument("--samples", type=positive_int, default=1000, help="digits decoded from p(z), scored")
    return arguments


def build(args):
    prior = PRIORS[args.prior](args.latent_dim)
    if args.prior != "gaussian" and args.latent_dim != 2:
        raise SystemExit(f"--prior {args.prior} is 2-D: drop --latent-dim {args.latent_dim} (or use --prior gaussian)")
    if args.conditional and (args.model != "aae" or args.prior == "gaussian"):
        raise SystemExit("--conditional needs --model aae and a prior with 10 modes (--prior ring or swiss_roll)")
    encoder, decoder = MLPEncoder(IMAGE, prior.dim, args.hidden), MLPDecoder(IMAGE, prior.dim, args.hidden)
    if args.model == "wae_mmd":
        return WAEMMD(encoder, decoder, prior, IMAGE, penalty_weight=args.penalty_weight or PENALTY["wae_mmd"])
    num_classes = 10 if args.conditional else 0
    discriminator = MLPDiscriminator((prior.dim,), args.d_hidden, condition_dim=num_classes)
    if args.model == "wae_gan":
        return WAEGAN(encoder, decoder, discriminator, prior, IMAGE, penalty_weight=args.penalty_weight or PENALTY["wae_gan"])
    return AdversarialAutoencoder(encoder, decoder, discriminator, prior, IMAGE, num_classes=num_classes)


def main(argv=None):
    args = train.parse_example_args(parser(), argv)
    run = train.Run(args)
    data = mnist(args.data, binarize="dynamic")
    grey_levels, labels = data.test.arrays
    test_set = ArrayDataset(static_binarize(grey_levels, TEST_SEED), labels, transform=grey)
    train_loader = DataLoader(data.train, args.batch_size, shuffle=True, seed=args.seed, device=args.device)
    test_loader = DataLoader(test_set, TEST_BATCH, device=args.device)
    model = build(args).to(args.device)

    def evaluate(epoch):
        return train.held_out_means(run, test_loader, "test reconstruction",
                                    lambda x: {"test_reconstruction": model.reconstruction_cost(x, model.codes(x))})  # fmt: skip

    train.fit_in_phases(run, model, train_loader, model.phases(args.lr), evaluate)

    codes, digits = encode_all(model, test_loader)
    figures = code_figures(model, codes, digits)
    pictures(run, model, codes, digits, next(test_loader.batches())[0])
    with tg.no_grad():
        samples = {args.model: model.sample(args.samples).numpy()}
    train.save_samples(run, samples)
    quality = evaluation.score_samples(samples, args.data)
    final = run.finish(**figures, **evaluation.flat_figures(quality))
    print(f"\n{args.model}, prior {model.prior}: test reconstruction {final['test_reconstruction']:.2f} nats; "
          + ", ".join(f"{key} {value:.4g}" if isinstance(value, float) else f"{key} {value}"
                      for key, value in figures.items()))  # fmt: skip
    print(f"{args.model}: {evaluation.summary(quality[args.model])}")
    return final


def encode_all(model, loader):
    """Every test digit's code mu(x) (N, dim) and its label (N,), as NumPy arrays."""
    codes, labels = zip(*((model.codes(x).numpy(), y.numpy()) for x, y in loader.batches()))
    return np.concatenate(codes), np.concatenate(labels)


def code_figures(model, codes, labels):
    """How well the test codes' distribution q(z) matches p(z): MMD, and mode metrics for a prior with modes."""
    kernel = prior_kernel(model.prior)
    draws = model.prior.sample(PRIOR_DRAWS, seed=np.random.default_rng([TEST_SEED, 2]))
    mmd = mmd_unbiased(tg.tensor(codes, dtype=tg.float64), tg.tensor(draws, dtype=tg.float64), kernel).item()
    figures = {"code_mmd": mmd, "code_mmd_kernel": repr(kernel)}
    toy = getattr(model.prior, "toy", None)
    if toy is not None:
        coverage = toy.coverage(codes)
        figures |= {"code_modes_covered": coverage.covered, "code_on_mode": coverage.quality}
        if isinstance(toy, GaussianMixture2D):
            figures |= {f"code_{name}": value for name, value in evaluation.mode_metrics(codes, toy).items()}
        if model.conditional:
            figures["code_on_own_label_mode"] = float((toy.assign(codes.astype(np.float64)) == labels).mean())
    return figures


def pictures(run, model, codes, labels, test_digits, columns=10):
    train.save_image_grid(model.sample(100), run.path("samples.png"), nrow=10)
    digits = test_digits[: 3 * columns]
    pairs = np.stack([digits.numpy(), model.reconstruct(digits).numpy()], axis=1)  # three pairs of rows
    pairs = pairs.reshape(3, columns, 2, *IMAGE).transpose(0, 2, 1, 3, 4, 5).reshape(-1, *IMAGE)
    train.save_image_grid(pairs, run.path("reconstructions.png"), nrow=columns)
    if model.latent_dim == 2:
        background = model.prior.sample(100_000, seed=0)
        limit = float(np.abs(background).max()) * 1.2
        train.save_labelled_scatter(codes, labels, run.path("codes.png"), background=background, limit=limit,
                                    title=f"test codes over p(z): {model.prior}")  # fmt: skip


if __name__ == "__main__":
    main()
