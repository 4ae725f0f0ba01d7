"""Progressive GAN on MNIST: generator and critic grown together from 7x7 to 14x14 to 28x28.

Training is five phases of equal length (Karras et al., 2018; see
tinygen/models/gan/progressive.py):

    stable 7x7 | fade in 14x14 | stable 14x14 | fade in 28x28 | stable 28x28

each new block faded in with alpha going from 0 to 1, the real digits
average-pooled to the resolution being trained. The paper's stabilisers:
equalised learning rate, pixelwise feature normalisation in the generator,
minibatch standard deviation in the critic, WGAN-GP with the drift term
(lambda 10, eps_drift 0.001), Adam lr 1e-3 betas (0, 0.99), one critic step
per generator step.

At the end of each stage (its stable phase) its samples are scored against
the held-out digits pooled to the same resolution: both are upsampled
(nearest) back to 28x28, the size the MNIST feature network reads, and
compared by FID and KID (stage_<r>x<r>_* in metrics.json, stage_<r>x<r>.png).
The progress frames are upsampled the same way, so progress.gif shows the
growth.

The default (channels 32, 32, 16 at 7x7, 14x14, 28x28: --width 16; 10 epochs
of the 4,000 embedded digits, two per phase) takes a few minutes on 2 CPU
cores. Where it differs from the paper, for the small budget: 8,000 images
per phase instead of 600,000 to 800,000; 16 to 32 channels instead of 512;
batches of 64 at every resolution; the minibatch standard deviation over the
whole batch (the paper's text; its code takes groups of 4); G's weights not
averaged unless --ema is given (the paper samples from an average, decay
0.999). --full is --width 64 for 50 epochs.

    python examples/progan_mnist.py       # runs/progan_mnist/: progress.gif, stage_*.png, samples.png, metrics.json
"""
import numpy

from tinygen import train
from tinygen.autograd.grad_mode import no_grad
from tinygen.data import mnist
from tinygen.evaluation import feature_network, score_images
from tinygen.evaluation.score import real_digits
from tinygen.models.gan import ProgressiveDiscriminator, ProgressiveGAN, ProgressiveGenerator
from tinygen.nn import functional as F
from tinygen.train.adversarial import evaluating, fit_adversarially, report_digits, save_signed_image_grid

FULL = {"width": 64, "epochs": 50}
STAGE_FIGURES = ("fid_mnist", "kid_mnist", "kid_mnist_se")
FULL_SIZE = 28


def main(argv=None):
    parser = train.gan_example_parser("progan_mnist", __doc__.split("\n")[0], epochs=10, batch_size=64, lr=1e-3,
                                      width=16)  # fmt: skip
    parser.add_argument("--penalty", type=float, default=10.0, help="lambda, the gradient penalty's weight")
    parser.add_argument("--drift", type=float, default=1e-3, help="eps_drift, the weight of E[D(x)^2]")
    args = train.parse_example_args(parser, argv, FULL)
    run = train.Run(args)

    data = mnist(args.data, signed=True)
    loader = run.loader(data.train)
    steps_per_epoch = min(len(loader), train.QUICK_BATCHES) if args.quick else len(loader)
    channels = (2 * args.width, 2 * args.width, args.width)
    model = ProgressiveGAN(ProgressiveGenerator(args.latent, channels), ProgressiveDiscriminator(channels),
                           args.latent, phase_steps=max(1, run.num_epochs * steps_per_epoch // 5),
                           penalty_weight=args.penalty, drift_weight=args.drift).to(args.device)  # fmt: skip
    stages = StageScores(run, model, steps_per_epoch)
    final = fit_adversarially(run, model, loader, args.lr, args.ema, args.samples, show_progress=stages.show_progress,
                              report=stages.report)  # fmt: skip
    print(train.adversarial.summary(final))
    print("; ".join(f"{r}x{r}: FID {final[f'stage_{r}x{r}_fid_mnist']:.2f}" for r in model.resolutions
                    if f"stage_{r}x{r}_fid_mnist" in final) + "  (each stage against the digits at its resolution)")
    return final


class StageScores:
    """The progress frames at 28x28, and at the end of each stage its samples' picture and scores."""

    def __init__(self, run, model, steps_per_epoch):
        self.run, self.model, self.steps_per_epoch = run, model, steps_per_epoch
        self.net, self.real = feature_network(), real_digits(binary=False, data_path=run.args.data)

    def show_progress(self, samples, path):
        """The fixed noise's frame, upsampled to full size; then the stages that ended in this epoch."""
        save_signed_image_grid(upsampled(samples), path)
        for stage, resolution in enumerate(self.model.resolutions):
            if self.run.step - self.steps_per_epoch < self.model.stage_end(stage) <= self.run.step:
                self.score_stage(stage, resolution)

    def score_stage(self, stage, resolution):
        """Samples of ``stage`` (fully faded in) against the held-out digits pooled to its resolution."""
        tracked = self.run.tracked
        sampler = tracked["ema"].module if "ema" in tracked else self.model.generator
        model, current = self.model, (self.model.stage, self.model.alpha)
        model.stage, model.alpha = stage, 1.0
        with evaluating(sampler), no_grad():
            samples = model.generate(model.noise(self.run.args.samples), generator=sampler)
        model.stage, model.alpha = current
        name = f"stage_{resolution}x{resolution}"
        save_signed_image_grid(upsampled(samples[:64]), self.run.path(f"{name}.png"))
        images = numpy.clip((upsampled(samples).numpy() + 1) / 2, 0, 1)
        figures = score_images(images, real=pooled(self.real, resolution), net=self.net)
        self.run.log_epoch(**{f"{name}_{key}": figures[key] for key in STAGE_FIGURES})

    def report(self, run, samples, labels):
        """The final samples' figures (``report_digits``), and each stage's, from the epoch records."""
        stage_figures = {key: value for record in run.metrics.records if record["kind"] == "epoch"
                         for key, value in record.items() if key.startswith("stage_")}  # fmt: skip
        return report_digits(run, samples, labels) | stage_figures


def upsampled(images):
    """Images (N, C, r, r), r dividing 28, repeated (nearest neighbour) up to 28x28."""
    return F.interpolate(images, scale_factor=FULL_SIZE // images.shape[-1])


def pooled(images, resolution):
    """Images (N, C, 28, 28) as numpy, average-pooled to ``resolution`` and repeated back up to 28x28."""
    n, c, k = len(images), images.shape[1], FULL_SIZE // resolution
    blocks = images.reshape(n, c, resolution, k, resolution, k).mean(axis=(3, 5))
    return blocks.repeat(k, axis=2).repeat(k, axis=3)


if __name__ == "__main__":
    main()
