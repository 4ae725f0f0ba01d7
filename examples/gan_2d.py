"""GANs on toy 2-D data: which objective collapses onto a few modes, and which covers them all.

A generator G(z) (an MLP from noise to the plane) and a discriminator or
critic D(x) (an MLP from the plane to one number) play the game of the
chosen objective (see tinygen/models/gan/):

    gan      min_G max_D E_data[log D(x)] + E_z[log(1 - D(G(z)))]      (the minimax loss)
    nsgan    the same D, G trained on -log D(G(z))                     (non-saturating)
    wgan     max_D E_data[D(x)] - E_z[D(G(z))], weights clipped to [-0.01, 0.01]
    wgan-gp  the same, with the gradient penalty 10 (||grad D(x_hat)|| - 1)^2

each with its paper's optimizer and learning rate (--lr overrides the rate). With ``--unroll K``
the GAN's or non-saturating GAN's generator plays against D unrolled K differentiable steps ahead
(the Unrolled GAN, Metz et al. 2017; tinygen/models/gan/unrolled.py): steps of D's own Adam from
its current moments, as in the paper, or with --unroll-lr plain SGD steps at that rate.
Each unrolled step is a forward and a double backward pass of D: a step of D and G took 4, 11, 46 and
101 ms at K = 0, 1, 5 and 10 (batch 250, one idle thread; benchmarks/results/cpu-unrolled-gan-adam-*).
The data are mixtures
with known modes (``ring``: 8 Gaussians of std 0.02 on a circle of radius 2;
``grid``: 25 of std 0.05), so collapse can be counted the way the literature
counts it (tinygen/evaluation/toy_metrics.py): of 2,500 samples, the high
quality ones lie within 3 stds of a mode's centre, and a mode is captured
when one of them is nearest to it.

Networks: G is z (16-d) -> 128 -> 128 -> 2 with ReLU, D is 2 -> 128 -> 128
-> 1 with LeakyReLU(0.2). The default run is 20 epochs of 50,000 points in
batches of 250: 4,000 critic steps (4,000 generator steps for the GANs, 800
for the WGANs, which take 5 critic steps per generator step), a couple of
minutes on one CPU core.

Written to --out: progress.gif (the fixed-noise samples over the data after
every epoch), samples.png (2,500 samples over the data and the modes),
surface.png (D(x) over the plane for the GANs, the critic's score for the
WGANs), samples.npz and metrics.json (modes captured, high-quality fraction,
reverse KL; modes covered by at least a fifth of their fair share).

    python examples/gan_2d.py --dataset ring --loss nsgan     # runs/gan_2d/
    python examples/gan_2d.py --dataset grid --loss wgan-gp --seed 1
    python examples/gan_2d.py --dataset grid --unroll 5                # the Unrolled GAN, K = 5
"""
import numpy

from tinygen import tensor, train
from tinygen.autograd.grad_mode import no_grad
from tinygen.data import TOY_DATASETS, DataLoader, toy_dataset
from tinygen.data.toy import GaussianMixture2D
from tinygen.evaluation.toy_metrics import SAMPLES, mode_metrics
from tinygen.models.gan import (GAN, WGAN, WGANGP, MLPDiscriminator, MLPGenerator, NonSaturatingGAN, UnrolledGAN,
                                UnrolledNonSaturatingGAN)  # fmt: skip
from tinygen.ops import sigmoid
from tinygen.train.adversarial import fit_adversarially
from tinygen.train.arguments import positive_int
from tinygen.train.report import save_samples

LOSSES = {"gan": GAN, "nsgan": NonSaturatingGAN, "wgan": WGAN, "wgan-gp": WGANGP}
UNROLLED = {"gan": UnrolledGAN, "nsgan": UnrolledNonSaturatingGAN}  # --unroll K > 0
SHOWN = 2000  # data points drawn under the samples in each picture


def main(argv=None):
    parser = train.example_parser("gan_2d", __doc__.split("\n")[0], epochs=20, batch_size=250, lr=None)
    parser.add_argument("--dataset", choices=TOY_DATASETS, default="ring", help="the toy distribution")
    parser.add_argument("--loss", choices=LOSSES, default="nsgan", help="the adversarial objective")
    parser.add_argument("--hidden", type=positive_int, default=128, help="units in each of the two hidden layers of G and D")
    parser.add_argument("--latent", type=positive_int, default=16, help="dimension of the noise z")
    parser.add_argument("--points", type=positive_int, default=50_000, help="training points, drawn with the seed")
    parser.add_argument("--unroll", type=int, default=0, metavar="K",
                        help="the Unrolled GAN: G's loss against D unrolled K steps ahead (gan and nsgan; 0: plain)")
    parser.add_argument("--unroll-lr", type=float, default=None,
                        help="unroll SGD steps at this rate instead of D's own Adam steps")
    args = parser.parse_args(argv)
    if args.unroll < 0 or (args.unroll and args.loss not in UNROLLED):
        parser.error(f"--unroll K needs K >= 0 and --loss {' or '.join(UNROLLED)} (got K = {args.unroll}, --loss {args.loss})")
    run = train.Run(args)

    toy = toy_dataset(args.dataset)
    data = toy.dataset(args.points, seed=args.seed)
    shown, _ = toy.sample(SHOWN, seed=args.seed + 1)
    limit = 1.25 * float(numpy.abs(toy.centres).max()) + 0.5
    loader = DataLoader(data, args.batch_size, shuffle=True, seed=args.seed, device=args.device)
    hidden = (args.hidden, args.hidden)
    networks = MLPGenerator(args.latent, (2,), hidden, tanh=False), MLPDiscriminator((2,), hidden), args.latent
    unrolled = {"unroll_steps": args.unroll, "unroll_lr": args.unroll_lr} if args.unroll else {}
    model = (UNROLLED if args.unroll else LOSSES)[args.loss](*networks, **unrolled).to(args.device)
    if args.lr is None:  # the objective's published rate, recorded in config.json
        args.lr = model.optimizers()[0].defaults["lr"]
    title = f"{type(model).__name__}{f' (K = {args.unroll})' if args.unroll else ''} on {args.dataset}"

    def show_progress(samples, path):
        train.save_scatter(samples, path, reference=shown, centres=toy.centres, title=f"{title}, {path.stem}", limit=limit)

    def surface(points):
        """D(x) = sigmoid(logit) for a GAN; a Wasserstein critic's score is unbounded and only its differences count."""
        with no_grad():
            scores = model.critic(tensor(points, dtype=model.dtype, device=model.device))
            return (scores if isinstance(model, WGAN) else sigmoid(scores)).numpy()

    def report(run, samples, labels):
        points = samples.numpy().astype(numpy.float64)
        save_samples(run, {"gan": points})
        train.save_scatter(points, run.path("samples.png"), reference=shown, centres=toy.centres, limit=limit,
                           title=f"{title}: {len(points):,} samples")  # fmt: skip
        train.save_surface(surface, run.path("surface.png"), reference=shown, limit=limit,
                           title=f"{title}: the {'critic' if isinstance(model, WGAN) else 'discriminator'}",
                           label="critic score" if isinstance(model, WGAN) else "D(x)")  # fmt: skip
        coverage = toy.coverage(points)
        figures = {"modes": coverage.modes, "modes_covered": coverage.covered, "on_mode": coverage.quality}
        if isinstance(toy, GaussianMixture2D):  # the literature's figures need Gaussian modes
            figures |= mode_metrics(points, toy)
        return figures

    final = fit_adversarially(run, model, loader, args.lr, num_samples=SAMPLES, show_progress=show_progress, report=report)
    print(summary(final))
    return final


def summary(final):
    line = f"modes covered {final['modes_covered']:.0f}/{final['modes']:.0f}, on a mode {100 * final['on_mode']:.1f}%"
    if "modes_captured" in final:
        line += (f"; modes captured {final['modes_captured']:.0f}, high quality {100 * final['high_quality']:.1f}%, "
                 f"reverse KL {final['reverse_kl']:.3f}")  # fmt: skip
    return line


if __name__ == "__main__":
    main()
