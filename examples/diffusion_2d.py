"""DDPM on a toy 2-D distribution: Gaussian noise carried onto the data by a learned reverse process.

The forward process blurs the points of the plane into N(0, I) in T steps,
x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps; an MLP eps_theta(x_t, t)
learns to predict the noise (DDPM's simple loss, tinygen/models/diffusion/ddpm.py),

    L_simple = E_{t, x_0, eps} || eps - eps_theta(x_t, t) ||^2,

and samples run the reverse process from x_T ~ N(0, I): T network
evaluations (ancestral sampling), or S of them with DDIM's deterministic
sampler (eta = 0). Both draw from the exponential moving average of the
weights.

What the run writes (runs/diffusion_2d/):

    reverse.gif        the reverse process carrying noise onto the data, frame by frame
    samples.png        ancestral samples over the test data;  density.png their histogram
    ddim.png           DDIM samples with S = 20 steps
    loss_per_t.png     the simple loss of the trained model at each step t, and L_vlb's weight lambda_t
    metrics.json       the test bound -log p(x) <= L_vlb in nats per point (a Gaussian decoder: a
                       differential NLL, comparable with rnade_2d's test NLL), and mode coverage
                       (Toy2D.coverage; for the ring also the mode-collapse literature's figures)

    python examples/diffusion_2d.py                         # a few minutes on 2 CPU cores
    python examples/diffusion_2d.py --dataset ring          # eight sharp blobs
    python examples/diffusion_2d.py --full                  # T = 1000 as in DDPM, trained longer
"""
import numpy
from matplotlib.figure import Figure

from tinygen import tensor, train
from tinygen.autograd import no_grad
from tinygen.data import TOY_DATASETS, DataLoader, toy_dataset
from tinygen.data.toy import GaussianMixture2D
from tinygen.evaluation.toy_metrics import mode_metrics
from tinygen.models.diffusion import DDIM, DDPM, Gaussian, MLPDenoiser, linear_schedule, vlb_weights
from tinygen.train.arguments import positive_int

FRAMES = 20  # pictures of the reverse process in reverse.gif
DDIM_STEPS = 20


def main(argv=None):
    parser = train.example_parser("diffusion_2d", __doc__.split("\n")[0], epochs=60, batch_size=256, lr=1e-3)
    parser.add_argument("--dataset", choices=TOY_DATASETS, default="swiss_roll", help="the toy distribution")
    parser.add_argument("--steps", type=positive_int, default=200, help="T, the steps of the forward process")
    parser.add_argument("--hidden", type=positive_int, default=128, help="units in each hidden layer of the MLP")
    parser.add_argument("--layers", type=positive_int, default=3, help="hidden layers of the MLP")
    parser.add_argument("--ema-decay", type=float, default=0.995, help="decay of the weights' moving average")
    parser.add_argument("--points", type=positive_int, default=20_000, help="training points (test: a quarter as many)")
    parser.add_argument("--samples", type=positive_int, default=2_000, help="samples drawn for the pictures and metrics")
    args = train.parse_example_args(parser, argv, full={"steps": 1000, "epochs": 300})
    run = train.Run(args)

    toy = toy_dataset(args.dataset)
    train_set, test_set = toy.dataset(args.points, seed=args.seed), toy.dataset(args.points // 4, seed=args.seed + 1)
    train_loader = DataLoader(train_set, args.batch_size, shuffle=True, seed=args.seed, device=args.device)
    test_loader = DataLoader(test_set, 1000, device=args.device)
    network = MLPDenoiser(2, args.hidden, args.layers)
    model = DDPM(network, (2,), linear_schedule(args.steps), decoder=Gaussian()).to(args.device)

    average = train.fit_diffusion(run, model, train_loader, args.lr, args.ema_decay)
    average.eval()

    bound = train.held_out_means(run, test_loader, "test bound", lambda x: {"nll": average.nll_bound(x)})["nll"]
    data = test_set.arrays[0]
    samples = reverse_process_gif(run, average, args.samples, data, args.dataset)
    ddim_samples = DDIM(average, DDIM_STEPS).sample(args.samples).numpy()
    title = f"DDPM on {args.dataset}"
    train.save_scatter(samples, run.path("samples.png"), reference=data, title=f"{title}: {args.steps} steps")
    train.save_density(samples, run.path("density.png"), title=f"{title}: density of {len(samples):,} samples")
    train.save_scatter(ddim_samples, run.path("ddim.png"), reference=data, title=f"{title}: DDIM, {DDIM_STEPS} steps")
    save_loss_per_step(run, average, data[:1000])
    train.save_samples(run, {"ddpm": samples, f"ddim_{DDIM_STEPS}": ddim_samples})

    figures = {"test_nll_bound": bound}
    for name, points in (("ddpm", samples), (f"ddim_{DDIM_STEPS}", ddim_samples)):
        coverage = toy.coverage(points)
        figures |= {f"{name}_modes_covered": coverage.covered, f"{name}_quality": coverage.quality}
        if isinstance(toy, GaussianMixture2D):
            figures |= {f"{name}_{key}": value for key, value in mode_metrics(points, toy).items()}
    final = run.finish(modes=toy.num_modes, **figures)
    print(f"\ntest NLL bound (L_vlb): {bound:.3f} nats per point")
    for name in ("ddpm", f"ddim_{DDIM_STEPS}"):
        print(f"{name:>8s}: {int(final[f'{name}_modes_covered'])}/{toy.num_modes} modes covered, "
              f"{final[f'{name}_quality']:.1%} of the samples on a mode")  # fmt: skip
    return final


@no_grad()
def reverse_process_gif(run, model, n, data, dataset):
    """reverse.gif: ``n`` points of x_T ~ N(0, I) carried by the reverse process to x_0, ``FRAMES`` + 1 pictures."""
    frames = run.path("reverse")
    frames.mkdir(exist_ok=True)
    every = max(model.num_steps // FRAMES, 1)
    x = model.noise(n)
    paths = [frames / f"t_{model.num_steps:04d}.png"]
    train.save_scatter(x.numpy(), paths[0], reference=data, title=f"{dataset}: x_T, pure noise")
    for t, x in model.reverse(x):  # after undoing step t, x is the paper's x_t
        if t % every == 0:
            paths.append(frames / f"t_{t:04d}.png")
            train.save_scatter(x.numpy(), paths[-1], reference=data, title=f"{dataset}: x_{t}")
    train.save_gif(paths + [paths[-1]] * 5, run.path("reverse.gif"))  # linger on the data
    return x.numpy()


@no_grad()
def save_loss_per_step(run, model, points, num_steps=50):
    """loss_per_t.png: the simple loss at ``num_steps`` steps t over ``points``, and the bound's weight lambda_t there."""
    x_0 = tensor(points, dtype=model.dtype, device=model.device)
    steps = numpy.unique(numpy.linspace(0, model.num_steps - 1, num_steps).round().astype(int))
    losses = [model.simple_loss(x_0, int(t)).mean().item() for t in steps]
    figure = Figure(figsize=(9, 3.2), layout="constrained")
    left, right = figure.add_subplot(1, 2, 1), figure.add_subplot(1, 2, 2)
    left.plot(steps, losses, marker="o")
    left.set(title="L_simple at step t (test points)", xlabel="t", yscale="log")
    right.plot(numpy.arange(1, model.num_steps), vlb_weights(model.schedule)[1:])
    right.set(title="lambda_t, the bound's weight on that loss", xlabel="t", yscale="log")
    for axes in (left, right):
        axes.grid(alpha=0.3)
    figure.savefig(run.path("loss_per_t.png"), dpi=100)
    return dict(zip(steps.tolist(), losses))


if __name__ == "__main__":
    main()
