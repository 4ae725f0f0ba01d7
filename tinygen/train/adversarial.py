"""Adversarial training: the alternating loop of every GAN, written out.

One step per batch of real data x (the model is first told the step's
number, ``model.progress(step)``, for a schedule of its own):

    1. the critic's step   fake = G(z);  L_D(x, fake.detach());  D's optimizer steps
                           (detach: L_D must not reach G's weights; G is a constant to D)
                           then the objective's rule for D (WGAN clips its weights)
    2. every n_critic-th step also the generator's step, on the same fake:
                           L_G(fake) flows back through D into G; only G's optimizer steps
                           (D's gradients from it are cleared by D's next zero_grad)

The objective (``loss`` terms, n_critic, the optimizers and their settings)
comes from the model (``tinygen.models.gan``): the loop is the same for the
GAN, WGAN, WGAN-GP and the conditional GAN, which also gets each batch's labels.

Logged every step: both losses, D(x) and D(G(z)) (the discriminator's mean
output on real and fake: near 1/2 each at the game's equilibrium; a critic's
mean scores for WGAN), and the objective's own terms (the Wasserstein
estimate, the gradient penalty).

Data-parallel (``run.data_parallel``): the generator and the discriminator
average their gradients over the ranks separately, each after its own
backward; only rank 0 draws the progress frames and the final samples.

Around it: a fixed noise batch is drawn once (from its own generator, so a
resumed run draws the same) and rendered at the end of every epoch, the
frames joined into progress.gif; with ``ema_decay`` an exponential moving
average of G's weights, theta_ema <- decay theta_ema + (1 - decay) theta,
updated after every generator step (``tinygen.optim.ExponentialMovingAverage``), draws the progress frames and the final
samples (averaging the oscillating iterates of a game gives a steadier
generator; Yazici et al., 2019). Checkpoints hold both networks, both
optimizers and the average, so --resume continues exactly.

The MNIST GAN examples share their options too (``gan_example_parser``):
--width, --latent, --ema and --samples; each example adds only its paper's.
"""
import numpy

from ..autograd.grad_mode import no_grad
from ..evaluation import flat_figures, score_samples
from ..evaluation.features import embed, feature_network
from ..evaluation.image_metrics import label_accuracy
from ..evaluation.score import summary as score_summary
from ..optim import ExponentialMovingAverage
from .arguments import example_parser, positive_int
from .images import save_gif, save_image_grid
from .report import save_samples

FIXED_NOISE = 64  # samples in each progress frame


def fit_adversarially(run, model, loader, lr=None, ema_decay=None, num_samples=1000,
                      show_progress=None, report=None):  # fmt: skip
    """Train ``model`` (a GAN of ``tinygen.models.gan``) on ``loader``'s (x, label) batches; -> the final metrics.

    ``lr`` None: the objective's published learning rate. ``show_progress(samples, path)``
    draws a frame of the fixed-noise samples (default: a grid of images in [-1, 1]);
    ``report(run, samples, labels)`` writes the final pictures and returns figures
    for metrics.json (default: ``report_digits``). Writes progress/epoch_NNN.png,
    progress.gif, samples.npz (``num_samples`` draws) and all that ``Run`` writes.
    """
    show_progress = show_progress or save_signed_image_grid
    report = report or report_digits
    run.data_parallel(model.generator, model.discriminator)  # before the average copies G
    d_optimizer, g_optimizer = model.optimizers() if lr is None else model.optimizers(lr)
    ema = ExponentialMovingAverage(model.generator, ema_decay) if ema_decay else None
    run.track(model=model, d_optimizer=d_optimizer, g_optimizer=g_optimizer, **({"ema": ema} if ema else {}))
    sampler = ema.module if ema else model.generator
    fixed_z, fixed_labels = fixed_noise(model, run.args.seed)
    frames = run.path("progress")
    if run.is_main:
        frames.mkdir(exist_ok=True)

    for epoch in run.epochs():
        for x, y in run.progress(loader):
            model.progress(run.step)  # a schedule of the model's own (Progressive GAN's growth)
            labels = y if model.conditional else None
            fake = model.generate(model.noise(x.shape[0]), labels)
            d_loss, terms = model.discriminator_loss(x, fake.detach(), labels)
            d_optimizer.zero_grad()
            d_loss.backward()
            d_optimizer.step()
            model.after_critic_step()
            if run.step % model.n_critic == 0:
                g_loss, g_terms = model.generator_loss(fake, labels)
                g_optimizer.zero_grad()
                g_loss.backward()
                g_optimizer.step()
                if ema:
                    ema.update(model.generator)
                terms |= g_terms
            run.log(**terms)
        if run.is_main:
            with evaluating(sampler), no_grad():
                show_progress(model.generate(fixed_z, fixed_labels, sampler), frames / f"epoch_{epoch + 1:03d}.png")
            save_gif(sorted(frames.glob("epoch_*.png")), run.path("progress.gif"))

    if not run.is_main:
        return run.finish()
    with evaluating(sampler):
        labels = model.cycled_labels(num_samples) if model.conditional else None
        samples = model.sample(num_samples, labels, sampler)
    return run.finish(**report(run, samples, labels))


def gan_example_parser(name, description, epochs, batch_size, lr, width=32, latent=64, ema=True,
                       samples_help="digits drawn at the end, scored and saved", distributed=False):  # fmt: skip
    """``example_parser`` plus the options of the MNIST GANs: --width, --latent, --ema DECAY and --samples.

    ``width`` and ``latent`` are the defaults of --width (feature maps of the DCGAN-shaped networks) and
    --latent (the dimension of z); None leaves the option out (an MLP GAN has no width; InfoGAN's z is more
    than noise). ``ema=False`` leaves out --ema (for ``fit_adversarially``'s ``ema_decay``).
    """
    parser = example_parser(name, description, epochs, batch_size, lr, distributed)
    if width is not None:
        parser.add_argument("--width", type=positive_int, default=width,
                            help="feature maps of the networks' outer layers")
    if latent is not None:
        parser.add_argument("--latent", type=positive_int, default=latent, help="dimension of the noise z")
    if ema:
        parser.add_argument("--ema", type=float, default=None, metavar="DECAY",
                            help="sample from a moving average of G's weights with this decay (e.g. 0.999)")
    parser.add_argument("--samples", type=positive_int, default=1000, help=samples_help)
    return parser


def fixed_noise(model, seed):
    """The progress frames' z (and labels 0..9 in turn, if conditional), from a generator of their own.

    The model draws it (``noise``): its latent may hold more than Gaussian noise (InfoGAN's codes).
    """
    z = model.noise(FIXED_NOISE, numpy.random.default_rng([seed, 1]))
    return z, model.cycled_labels(FIXED_NOISE) if model.conditional else None


class evaluating:
    """``with evaluating(module):`` eval mode (batch norm's running statistics) inside, the previous mode after."""

    def __init__(self, module):
        self.module = module

    def __enter__(self):
        self.was_training = self.module.training
        self.module.eval()

    def __exit__(self, *exc):
        self.module.train(self.was_training)


def save_signed_image_grid(images, path):
    """A grid of images in [-1, 1] (a tanh generator's range), 8 per row."""
    save_image_grid(images, path, nrow=8, value_range=(-1, 1), normalize=True)


def report_digits(run, samples, labels=None):
    """samples.npz and samples.png of generated digits in [-1, 1], and their scores in MNIST features.

    The digits are mapped to [0, 1] first, the range of the real digits they are compared with.
    For a conditional model also the label accuracy: how often the feature network reads the requested digit.
    """
    images = numpy.clip((samples.numpy() + 1) / 2, 0, 1).astype(numpy.float32)
    save_samples(run, {"gan": images})
    save_image_grid(samples[:100], run.path("samples.png"), nrow=10, value_range=(-1, 1), normalize=True)
    figures = score_samples({"gan": images}, run.args.data)
    if labels is not None:
        _, probabilities = embed(feature_network(), images)
        figures["gan"]["label_accuracy"] = label_accuracy(probabilities, labels.numpy())
    return flat_figures(figures)


def summary(final, name="gan"):
    """One line of the final sample-quality figures (``report_digits``'s) for the terminal."""
    prefix = f"quality_{name}_"
    figures = {key[len(prefix):]: value for key, value in final.items() if key.startswith(prefix)}
    line = score_summary(figures | {"samples": int(figures["samples"])})
    return line + (f", label accuracy {figures['label_accuracy']:.3f}" if "label_accuracy" in figures else "")
