"""DDPM on MNIST: a U-Net trained to predict the noise, sampled with DDIM, judged by its bound in bits/dim.

The digits' grey levels are scaled to [-1, 1], x = 2 g / 255 - 1; the forward
process has T = 1000 steps of DDPM's linear schedule, and a U-Net (residual
blocks with GroupNorm and SiLU, the sinusoidal time embedding in every
block, 28 -> 14 -> 7 and back with skips; tinygen/models/diffusion/networks.py)
learns eps_theta(x_t, t) by the simple loss. A moving average of its weights
draws the samples, with DDIM (tinygen/models/diffusion/ddim.py): S network
evaluations instead of T.

The test bound. L_vlb with the discretised Gaussian decoder bounds -log p(x)
of the 8-bit grey levels, in bits per dimension: comparable with other models
of the same grey levels, not with the binarised likelihoods of the
autoregressive examples (a different data set). The sum over steps is
estimated from --bound-steps of them, one per stratum (``DDPM.nll_bound``).

What the run writes (runs/diffusion_mnist/): samples.png and samples.npz
(DDIM, --ddim-steps and --eta), reverse.gif (one reverse trajectory of 16
digits), metrics.json (the test bound in bits/dim, the sample-quality figures
in MNIST features); with --ddim-table, ddim_table.json: FID/KID and seconds
for S = 10, 20, 50, 100 and T steps at eta = 0 and 1, the shape of Table 1 of
the DDIM paper (../shared/anchors.md has its CIFAR-10 numbers).

The default is a run of minutes on 2 CPU cores (about 14 minutes of CPU
time on one thread, training, bound and sampling together): 16 channels, 16
epochs of the embedded 4,000 digits in batches of 32 (2,000 steps) at a
learning rate of 2e-3 (DDPM's 2e-4 is for 800,000 steps), the average warmed
up towards 0.999, T = 200 steps (the linear schedule scaled to keep abar_T
near 4e-5; the sampler's cost is S, not T, but the DDIM table's last row
costs T), and DDIM with S = 50 at eta = 1. Its samples are mostly digits
(benchmarks/results/ddim-2026-12-02.md: FID 103 in MNIST features, all ten
classes); 500 steps drew clean strokes, few of them digits, and 4,000
(--epochs 32) draw better digits still. At these budgets the stochastic
sampler draws the better digits: eta = 0 follows the network's remaining
errors deterministically (the DDIM table shows both). --full is DDPM's own
setting at MNIST's size (hours on a CPU).

Classifier-free guidance (--guidance W; tinygen/models/diffusion/guidance.py):
the same U-Net is also told the digit's label, dropped to "no label" for one
training example in ten, and samples of the digits 0..9 in turn follow
(1 + W) eps(x, y) - W eps(x, no label). The run then also reports the label
accuracy (how often the MNIST feature network reads the digit asked for), and
the bound is the unconditional predictor's (no label, W = 0).

    python examples/diffusion_mnist.py
    python examples/diffusion_mnist.py --full --device gpu --ddim-table
    python examples/diffusion_mnist.py --guidance 2          # digits 0..9 asked for, classifier-free guidance
    mpiexec -n 2 python examples/diffusion_mnist.py      # data-parallel: each process on half of every batch
"""
import contextlib
import json
import time

import numpy

from tinygen import train
from tinygen.autograd import no_grad
from tinygen.creation import full
from tinygen.dtypes import int64
from tinygen.data import ArrayDataset, DataLoader, mnist
from tinygen.distributions import bits_per_dim
from tinygen.evaluation import embed, feature_network, flat_figures, label_accuracy, score_samples
from tinygen.evaluation.score import summary
from tinygen.models.diffusion import DDIM, DDPM, GuidedDDPM, UNet, linear_schedule
from tinygen.train.arguments import positive_int

FULL = {"channels": 32, "attention": True, "epochs": 30, "batch_size": 128, "lr": 2e-4, "steps": 1000,
        "ema_decay": 0.9999, "eta": 0.0, "samples": 1000, "test_digits": 1000}  # fmt: skip
TABLE_STEPS = (10, 20, 50, 100)


def main(argv=None):
    parser = train.example_parser("diffusion_mnist", __doc__.split("\n")[0], epochs=16, batch_size=32, lr=2e-3,
                                  distributed=True)  # fmt: skip
    parser.add_argument("--channels", type=positive_int, default=16, help="U-Net channels at 28x28 (twice that below)")
    parser.add_argument("--attention", action="store_true", help="self-attention at 7x7")
    parser.add_argument("--steps", type=positive_int, default=200, help="T, the steps of the forward process")
    # Warmed up: min(decay, (1 + n) / (10 + n)) at the n-th update, so 0.999 is reached only in long runs.
    parser.add_argument("--ema-decay", type=float, default=0.999, help="decay of the weights' moving average")
    parser.add_argument("--ddim-steps", type=positive_int, default=50, help="S, DDIM's network evaluations per sample")
    parser.add_argument("--eta", type=float, default=1.0, help="DDIM's noise: 0 deterministic, 1 DDPM's variance")
    parser.add_argument("--samples", type=positive_int, default=100, help="digits drawn at the end, scored and saved")
    parser.add_argument("--test-digits", type=positive_int, default=200, help="held-out digits the bound is taken on")
    parser.add_argument("--bound-steps", type=positive_int, default=50, help="steps the bound's sum is estimated from")
    parser.add_argument("--ddim-table", action="store_true", help="FID/KID and time for S = 10 .. T, eta = 0 and 1")
    parser.add_argument("--guidance", type=float, metavar="W", help="label-conditioned, sampled with classifier-free "
                        "guidance at scale W (0: conditional, unguided); default: unconditional")  # fmt: skip
    args = train.parse_example_args(parser, argv, FULL)
    run = train.Run(args)

    data = mnist(args.data, signed=True)
    loader = run.loader(data.train)
    test_digits = ArrayDataset(*(array[: args.test_digits] for array in data.test.arrays), transform=data.test.transform)
    test_loader = DataLoader(test_digits, 100, device=args.device)
    options = {"schedule": linear_schedule(args.steps), "clip_denoised": True}
    if args.guidance is None:
        network = UNet(channels=args.channels, groups=min(8, args.channels), attention=args.attention)
        model = DDPM(network, (1, 28, 28), **options)
    else:
        network = UNet(channels=args.channels, groups=min(8, args.channels), attention=args.attention, num_classes=10)
        model = GuidedDDPM(network, (1, 28, 28), num_classes=10, guidance_scale=args.guidance, **options)
    model = model.to(args.device)

    average = train.fit_diffusion(run, model, loader, args.lr, args.ema_decay)
    if not run.is_main:  # the other processes of a data-parallel run only train
        return run.finish()
    average.eval()

    def bound(x):
        with unconditional(average, x.shape[0]):
            return {"nll": average.nll_bound(x, args.bound_steps)}

    nats = train.held_out_means(run, test_loader, "test bound", bound)
    figures = {"test_nll_bound": nats["nll"], "test_bits_per_dim_bound": bits_per_dim(nats["nll"], 784)}
    sampler = DDIM(average, args.ddim_steps, args.eta)
    save_trajectory(run, sampler)
    with asked_digits(average, args.samples) as labels:
        images = sampler.sample(args.samples)
    train.save_image_grid(images[:100], run.path("samples.png"), nrow=10, value_range=(-1, 1), normalize=True)
    digits = to_unit_range(images)
    train.save_samples(run, {"ddpm": digits})
    quality = score_samples({"ddpm": digits}, args.data)
    if labels is not None:
        quality["ddpm"]["label_accuracy"] = label_accuracy(embed(feature_network(), digits)[1], labels.numpy())
    figures |= flat_figures(quality)
    if args.ddim_table:
        figures["ddim_table"] = ddim_table(run, average, args.samples, args.data)
    final = run.finish(**figures)
    print(f"\ntest bound: {final['test_nll_bound']:.1f} nats, {final['test_bits_per_dim_bound']:.3f} bits/dim "
          f"(8-bit grey levels, {args.test_digits} digits)")  # fmt: skip
    if "quality_ddpm_fid_mnist" in final:
        quality = {key[len("quality_ddpm_"):]: value for key, value in final.items() if key.startswith("quality_ddpm_")}
        print(f"DDIM S = {args.ddim_steps}, eta = {args.eta}: " + summary(quality | {"samples": int(quality["samples"])}))
    if "quality_ddpm_label_accuracy" in final:
        print(f"guidance W = {args.guidance}: the feature network reads the digit asked for in "
              f"{final['quality_ddpm_label_accuracy']:.1%} of the samples")  # fmt: skip
    return final


@contextlib.contextmanager
def asked_digits(model, n):
    """Within the block a guided model draws the digits 0..9 in turn (n of them; ``as labels``); a plain one, as it is."""
    if not isinstance(model, GuidedDDPM):
        yield None
        return
    labels = model.cycled_labels(n)
    with model.given(labels):
        yield labels


def unconditional(model, n):
    """A guided model's unconditional predictor (no label, W = 0), whose bound compares with the plain model's."""
    if not isinstance(model, GuidedDDPM):
        return contextlib.nullcontext()
    return model.given(full((n,), model.null_label, dtype=int64, device=model.device), guidance_scale=0.0)


def to_unit_range(images):
    """Samples in [-1, 1] -> grey levels in [0, 1], float32: the range of the real digits they are scored against."""
    return numpy.clip((images.numpy() + 1) / 2, 0, 1).astype(numpy.float32)


@no_grad()
def save_trajectory(run, sampler, n=16):
    """reverse.gif: n digits from x_T ~ N(0, I) to x_0, one frame per jump of the sampler."""
    frames = [sampler.model.noise(n)]
    with asked_digits(sampler.model, n):
        frames += [x for _, x in sampler.reverse(frames[0])]
    pictures = [train.image_grid(x.clamp(-1, 1), nrow=4, value_range=(-1, 1), normalize=True) for x in frames]
    train.save_gif(pictures + pictures[-1:] * 5, run.path("reverse.gif"), seconds_per_frame=0.1)


def ddim_table(run, model, n, data_path):
    """[{steps, eta, seconds, fid_mnist, kid_mnist}] for S in TABLE_STEPS (those below T) and T, eta 0 and 1;
    also written to ddim_table.json."""
    rows = []
    for steps in [s for s in TABLE_STEPS if s < model.num_steps] + [model.num_steps]:
        for eta in (0.0, 1.0):
            started = time.perf_counter()
            with asked_digits(model, n):
                digits = to_unit_range(DDIM(model, steps, eta).sample(n))
            seconds = time.perf_counter() - started
            quality = score_samples({"ddim": digits}, data_path)["ddim"]
            rows.append({"steps": steps, "eta": eta, "seconds": seconds, "fid_mnist": quality["fid_mnist"],
                         "kid_mnist": quality["kid_mnist"]})  # fmt: skip
            print(f"S = {steps:5d}, eta = {eta:.0f}: FID {quality['fid_mnist']:8.2f}, KID {quality['kid_mnist']:.4f}, "
                  f"{seconds:.1f} s")  # fmt: skip
    run.path("ddim_table.json").write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()
