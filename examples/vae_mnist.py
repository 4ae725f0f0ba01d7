"""A variational autoencoder on binarised MNIST, trained by maximising the evidence lower bound.

The model (``tinygen/models/vae/``): a latent z ~ p(z) = N(0, I) and a
decoder that turns it into one Bernoulli per pixel, p(x | z). Its likelihood
p(x) = integral of p(x | z) p(z) dz has no closed form, so an encoder proposes
q(z | x) = N(mu(x), diag sigma^2(x)) and training maximises, over both
networks, the evidence lower bound

    log p(x) >= ELBO(x) = E_q[ log p(x | z) ] - KL( q(z | x) || p(z) )
                        =   reconstruction   -      prior fitting,

averaged over a minibatch (the loss is -1/B sum_b ELBO(x_b)), with its terms
computed as

    reconstruction   log p(x | z) at one z = mu + sigma * eps, eps ~ N(0, I): the
                     reparameterisation trick, so that gradients flow through z
    prior fitting    KL = 1/2 sum_j ( sigma_j^2 + mu_j^2 - 1 - log sigma_j^2 ),
                     in closed form for a diagonal Gaussian against N(0, I).

The held-out negative log-likelihood is estimated at the end by importance
weighting (Burda et al., 2016), with K samples z_k ~ q(z | x) per test digit:

    log p(x) ~ log 1/K sum_k p(x | z_k) p(z_k) / q(z_k | x),

a bound tighter than the ELBO that tends to log p(x) as K grows. K is
``--iw-samples``: 1000 by default, so that the whole run takes at most about
3 minutes on 2 CPU cores (a minute of CPU time); the literature uses K = 5000
(``--full``). For scale: Burda et al. (2016) report 86.76 nats for a
one-stochastic-layer VAE (200-200 tanh MLPs, 50 latents) trained for 3,280
epochs on all 60,000 digits of full MNIST and tested on its 10,000; the
default run here (512-512 ReLU MLPs, 16 latents) trains for 50 epochs on the
4,000 digits of the embedded subset and scores about 105.5 nats on its 1,000
test digits, as PyTorch does with the same settings
(``benchmarks/train_vae_torch.py``; numbers in ``benchmarks/results/``).

Data: training digits are binarised afresh each time they are seen (dynamic
binarisation); test digits are binarised once with a fixed seed, so every
evaluation, and ``benchmarks/train_vae_torch.py``, scores the same images.

    python examples/vae_mnist.py                                # 1-3 min on 2 CPU cores; runs/vae_mnist/
    python examples/vae_mnist.py --full                         # 100 epochs and K = 5000: the longer reference run
    python examples/vae_mnist.py --latent-dim 2                 # and a picture of the 2-D latent manifold
    python examples/vae_mnist.py --arch conv --device gpu       # the convolutional VAE, on CuPy
    python examples/vae_mnist.py --resume                       # go on from runs/vae_mnist/checkpoint.npz

It writes samples.png (decoded draws from the prior, as pixel probabilities),
reconstructions.png (rows of test digits, each above its reconstruction),
latent_traversal.png (or latent_manifold.png with --latent-dim 2),
curves.png, metrics.jsonl, metrics.json, checkpoint.npz, and samples.npz:
--samples draws, both binary (x ~ p(x | z)) and as pixel probabilities, each
scored at the end by tinygen.evaluation (FID and KID in MNIST features,
Inception Score, precision/recall, class coverage).
"""
import math
import statistics

import numpy as np

import tinygen as tg
from tinygen import evaluation, train
from tinygen.data import ArrayDataset, DataLoader, grey, mnist, static_binarize
from tinygen.distributions import bits_per_dim, kl_divergence
from tinygen.models.vae import conv_vae, mlp_vae
from tinygen.train.arguments import positive_int

FULL = {"epochs": 100, "iw_samples": 5000}  # the longer reference run, with the literature's K
TEST_SEED = 1  # the one binarisation of the test digits
TEST_BATCH = 100
ARCHITECTURES = {"mlp": mlp_vae, "conv": conv_vae}  # --arch: the encoder and decoder networks


def parser():
    """The example's command line: the shared flags, with this example's defaults, and its own."""
    arguments = train.example_parser("vae_mnist", __doc__.split("\n")[0], epochs=50, batch_size=64, lr=1e-3)
    arguments.add_argument("--arch", choices=ARCHITECTURES, default="mlp", help="encoder and decoder networks")
    arguments.add_argument("--latent-dim", type=positive_int, default=16, help="dimensions of z (2 draws the latent manifold)")
    arguments.add_argument("--samples", type=positive_int, default=1000,
                           help="digits drawn from the model at the end, written to samples.npz and scored")
    arguments.add_argument("--iw-samples", type=positive_int, default=1000, metavar="K",
                           help="importance samples per test digit for the final NLL (the literature uses 5000)")
    return arguments


def load_data(args):
    """The training loader (dynamic binarisation, shuffled by --seed), the test loader (digits binarised
    once) and a line saying where the digits came from."""
    data = mnist(args.data, binarize="dynamic")
    grey_levels, labels = data.test.arrays
    test_set = ArrayDataset(static_binarize(grey_levels, TEST_SEED), labels, transform=grey)
    train_loader = DataLoader(data.train, args.batch_size, shuffle=True, seed=args.seed, device=args.device)
    return train_loader, DataLoader(test_set, TEST_BATCH, device=args.device), data.source


def main(argv=None):
    args = train.parse_example_args(parser(), argv, FULL)
    run = train.Run(args)
    train_loader, test_loader, source = load_data(args)
    model = ARCHITECTURES[args.arch](latent_dim=args.latent_dim).to(args.device)
    optimizer = tg.optim.Adam(model.parameters(), lr=args.lr)
    run.track(model=model, optimizer=optimizer)

    def elbo_terms(x):
        return {f"test_{name}": values for name, values in model.elbo(x)._asdict().items()}

    def negative_log_likelihood(x):
        return {"nll": -model.importance_weighted_log_likelihood(x, args.iw_samples)}

    for _ in run.epochs():
        for x, _ in run.progress(train_loader):
            # -1/B sum_b ELBO(x_b); per digit, log p(x | z) at z = mu + sigma * eps minus the closed-form KL.
            loss, terms = model.loss(x)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            run.log(**{f"train_{name}": value for name, value in terms.items()})
        run.log_epoch(**train.held_out_means(run, test_loader, "test ELBO", elbo_terms))

    nll = train.held_out_means(run, test_loader, f"test NLL, K={args.iw_samples}", negative_log_likelihood)["nll"]
    save_pictures(run, model, next(test_loader.batches())[0])
    samples = draw_samples(model, args.samples)
    train.save_samples(run, samples)
    quality = evaluation.score_samples(samples, args.data)
    final = run.finish(test_nll=nll, test_bits_per_dim=bits_per_dim(nll, math.prod(model.image_shape)),
                       iw_samples=args.iw_samples, **evaluation.flat_figures(quality))  # fmt: skip
    print(f"\n{source}: test ELBO {final['test_elbo']:.2f} nats (reconstruction {final['test_reconstruction']:.2f}, "
          f"KL {final['test_kl']:.2f}); importance-weighted test NLL, K = {args.iw_samples}: "
          f"{nll:.2f} nats = {final['test_bits_per_dim']:.4f} bits/dim")
    for name, figures in quality.items():
        print(f"{name}: {evaluation.summary(figures)}")
    return final


def draw_samples(model, count):
    """z ~ p(z), then both what the model generates, x ~ p(x | z) (binary, scored against binarised digits),
    and the usual picture of it, the mean of p(x | z) (pixel probabilities, scored against grey digits)."""
    with tg.no_grad():
        likelihood = model.likelihood(model.prior().sample((count,)))
        return {"vae": likelihood.sample().numpy(), "vae_means": likelihood.mean.numpy()}


# ---- pictures --------------------------------------------------------------------------------------------
def normal_quantiles(count):
    """``count`` points that split N(0, 1) into equal masses: where the prior puts its latents."""
    return np.array([statistics.NormalDist().inv_cdf((i + 0.5) / count) for i in range(count)])


def decode(model, z):
    """The pixel probabilities of p(x | z) for latents ``z``, a NumPy array (N, latent_dim)."""
    with tg.no_grad():
        return model.likelihood(tg.tensor(z, dtype=model.dtype, device=model.device)).mean


def save_pictures(run, model, test_digits, columns=10):
    train.save_image_grid(model.sample(64), run.path("samples.png"), nrow=8)

    # Three pairs of rows: ten test digits, and below them their reconstructions.
    digits = test_digits[: 3 * columns]
    pairs = np.stack([digits.numpy(), model.reconstruct(digits).numpy()], axis=1)  # (30, 2, 1, 28, 28)
    pairs = pairs.reshape(3, columns, 2, *digits.shape[1:]).transpose(0, 2, 1, 3, 4, 5).reshape(-1, *digits.shape[1:])
    train.save_image_grid(pairs, run.path("reconstructions.png"), nrow=columns)

    if model.latent_dim == 2:
        save_manifold(model, run.path("latent_manifold.png"))
    else:
        save_traversal(model, test_digits, run.path("latent_traversal.png"))


def save_manifold(model, path, size=20):
    """The decoder over the 2-D latent space: z1 along the columns, z2 up the rows, both at N(0, 1)'s quantiles
    (Kingma and Welling's figure 4): similar digits lie close together."""
    z1, z2 = np.meshgrid(normal_quantiles(size), normal_quantiles(size)[::-1])
    train.save_image_grid(decode(model, np.stack([z1.ravel(), z2.ravel()], axis=1)), path, nrow=size)


def save_traversal(model, test_digits, path, max_rows=16, steps=11):
    """One row per latent dimension j: the first test digit's code mu(x), with z_j swept across N(0, 1)'s
    quantiles. Rows are ordered by KL(q(z_j | x) || p(z_j)) on the test digits, most informative first, and
    labelled with j and that KL in nats; a dimension the encoder does not use (KL near 0) leaves its row unchanged."""
    with tg.no_grad():
        posterior = model.posterior(test_digits)
        kl_per_dimension = kl_divergence(posterior, model.prior()).mean(0).numpy()
    code = posterior.mean.numpy()[0]
    rows = np.argsort(-kl_per_dimension)[:max_rows]
    z = np.tile(code, (len(rows), steps, 1))
    z[np.arange(len(rows)), :, rows] = normal_quantiles(steps)
    labels = [f"z{j}  KL {kl_per_dimension[j]:.2f}" for j in rows]
    train.save_image_grid(decode(model, z.reshape(-1, model.latent_dim)), path, nrow=steps, row_labels=labels)


if __name__ == "__main__":
    main()
