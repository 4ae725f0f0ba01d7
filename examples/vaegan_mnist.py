"""VAE/GAN against the plain VAE on MNIST: the same encoder and decoder, reconstructions judged in a
discriminator's features instead of pixels.

Both models (``tinygen/models/vae/``, ``tinygen/models/hybrid/vaegan.py``)
have the same networks: a convolutional encoder (two strided convolutions,
``--channels``) and DCGAN's generator as decoder (7x7 -> 14x14 -> 28x28, batch
norm and ReLU between, ``--width``; one logit per pixel, its sigmoid the
image). They are trained side by side on the same batches of grey digits in
[0, 1], each with Adam at its own learning rate (``--vae-lr`` as
vae_mnist.py; ``--lr`` with beta1 0.5 for VAE/GAN's three networks):

    vae      -ELBO = E_q[ -log p(x | z) ] + KL( q(z|x) || p(z) ), the pixels' cross-entropy
    vaegan   encoder:        KL( q(z|x) || p(z) ) + 1/2 | Dis_l(x) - Dis_l(x~) |^2
             decoder:        gamma 1/2 | Dis_l(x) - Dis_l(x~) |^2 - log Dis(x~) - log Dis(x_p)
             discriminator:  -log Dis(x) - log(1 - Dis(x~)) - log(1 - Dis(x_p))
             with x~ = Dec(z), z ~ q(z | x), and x_p = Dec(z_p), z_p ~ p(z), all three
             losses from one forward pass (the paper's algorithm 1); Dis_l the 7x7
             feature maps of DCGAN's convolutional discriminator (``--d-width``
             channels, then twice that)

The discriminator has no batch norm: with it (the paper's has) Dis_l's
standardised features made L_llike some 20 times larger (930 against 50 nats
after 50 steps) and it rejected every sample outright (mean D(x_p) 0.0002
after 100 steps). An MLP encoder and decoder (the VAE's) made VAE/GAN draw
one image for every z (``benchmarks/results/hybrids-2026-12-02.md``).

The lecture's claim to check: VAE/GAN samples are sharper. Measured at the
end for each: samples decoded from p(z) scored by tinygen.evaluation (FID/KID
in MNIST features, precision/recall, class coverage), their sharpness (the
mean squared image gradient, beside the test digits'), and the pixels' mean
squared reconstruction error of the 1,000 test digits at z = mu(x) (the VAE
optimises pixels, VAE/GAN does not: it should lose there).

The default, 9 epochs (567 steps of 64 of the 4,000 embedded digits), takes
about 5.5 minutes of one core for both models. Over seeds 0-2 VAE/GAN's
samples were about twice as sharp as the VAE's (0.064 against 0.031; the test
digits' 0.078) and scored FID 260 +- 25 against 297 +- 1, at three times the
pixel error (32.5 against 10.8) and lower recall (0.31 against 0.52;
``benchmarks/results/hybrids-2026-12-02.md``).

    python examples/vaegan_mnist.py            # runs/vaegan_mnist/: comparison.png, metrics.json, ...

comparison.png: test digits, the VAE's and VAE/GAN's reconstructions, then
each model's samples, one labelled row each.
"""
import numpy as np

import tinygen as tg
from tinygen import evaluation, nn, train
from tinygen.data import DataLoader, mnist
from tinygen.models.base import JointPhase
from tinygen.models.gan import DCGANDiscriminator, DCGANGenerator
from tinygen.models.hybrid import VAEGAN, Phase
from tinygen.models.vae import VAE, ConvEncoder
from tinygen.train.adversarial import evaluating
from tinygen.train.arguments import positive_int

IMAGE = (1, 28, 28)


class SideBySide(nn.Module):
    """The two models as one module, so that one checkpoint holds both."""

    def __init__(self, vae, vaegan):
        super().__init__()
        self.vae, self.vaegan = vae, vaegan


def parser():
    arguments = train.example_parser("vaegan_mnist", __doc__.split("\n")[0], epochs=9, batch_size=64, lr=2e-4)
    arguments.add_argument("--vae-lr", type=float, default=1e-3, help="the VAE's learning rate (vae_mnist.py's)")
    arguments.add_argument("--latent-dim", type=positive_int, default=16, help="dimensions of z")
    arguments.add_argument("--channels", type=positive_int, nargs=2, default=[32, 64],
                           help="the encoder's two strided convolutions")
    arguments.add_argument("--width", type=positive_int, default=32,
                           help="feature maps of the decoder's 14x14 layer; its 7x7 layer has twice as many")
    arguments.add_argument("--d-width", type=positive_int, default=32,
                           help="channels of the discriminator's first convolution; Dis_l has twice as many")
    arguments.add_argument("--gamma", type=float, default=3e-2,
                           help="weight of the feature reconstruction for the decoder (see the model's docstring)")
    arguments.add_argument("--samples", type=positive_int, default=1000, help="digits decoded from p(z) per model, scored")
    return arguments


class DCGANDecoder(nn.Module):
    """DCGAN's generator without its tanh: z -> 7x7 -> 14x14 -> 28x28, batch norm and ReLU between, one logit per
    pixel at the end (the Bernoulli decoder's output; its mean, the sigmoid, is the image)."""

    def __init__(self, latent_dim, width):
        super().__init__()
        self.net = DCGANGenerator(latent_dim, width=width).net[:-1]

    def forward(self, z):
        return self.net(z.reshape(*z.shape, 1, 1))


def networks(args):
    return ConvEncoder(IMAGE, args.latent_dim, args.channels), DCGANDecoder(args.latent_dim, args.width)


def renamed(loss_of, prefix):
    """A phase's loss (or losses) with its logged terms under ``prefix``: both models log a "kl"."""
    def loss(x, labels):
        value, terms = loss_of(x)
        return value, {f"{prefix}_{name}": term for name, term in terms.items()}
    return loss


def sharpness(images):
    """The mean squared gradient of images (N, C, H, W), dx^2 + dy^2 of neighbouring pixels' differences: blur
    spreads an edge's rise over more pixels and lowers it (a rise of 1 in one step gives 1, in two steps of 1/2
    gives 1/2), where the mean gradient magnitude would not change."""
    dx, dy = np.diff(images, axis=-1)[..., :-1, :], np.diff(images, axis=-2)[..., :, :-1]
    return float((dx**2 + dy**2).mean())


def main(argv=None):
    args = train.parse_example_args(parser(), argv)
    run = train.Run(args)
    data = mnist(args.data)  # grey levels in [0, 1]
    train_loader = DataLoader(data.train, args.batch_size, shuffle=True, seed=args.seed, device=args.device)
    test_loader = DataLoader(data.test, 100, device=args.device)
    vae = VAE(*networks(args), IMAGE, args.latent_dim)
    discriminator = DCGANDiscriminator(width=args.d_width, batch_norm=False)
    vaegan = VAEGAN(*networks(args), discriminator, IMAGE, args.latent_dim, gamma=args.gamma)
    models = SideBySide(vae, vaegan).to(args.device)
    joint = vaegan.phases(args.lr)["vaegan"]
    phases = {"vae": Phase(renamed(vae.loss, "vae"), tg.optim.Adam(vae.parameters(), lr=args.vae_lr)),
              "vaegan": JointPhase(renamed(joint.losses, "vaegan"), joint.optimizers)}

    def squared_errors(x):
        return {f"test_pixel_mse_{name}": ((model.reconstruct(x) - x) ** 2).flatten(1).sum(1)
                for name, model in (("vae", vae), ("vaegan", vaegan))}  # fmt: skip

    def evaluate(epoch):
        with evaluating(models):  # batch norm's running statistics, left as they are
            return train.held_out_means(run, test_loader, "test reconstruction", squared_errors)

    train.fit_in_phases(run, models, train_loader, phases, evaluate)
    models.eval()
    with tg.no_grad():
        samples = {name: model.sample(args.samples).numpy() for name, model in (("vae", vae), ("vaegan", vaegan))}
    train.save_samples(run, samples)
    save_comparison(run, vae, vaegan, next(test_loader.batches())[0][:10], samples)
    quality = evaluation.score_samples(samples, args.data)
    test_digits = np.concatenate([x.numpy() for x, _ in test_loader.batches()])
    final = run.finish(**evaluation.flat_figures(quality), sharpness_test_digits=sharpness(test_digits),
                       **{f"sharpness_{name}": sharpness(images) for name, images in samples.items()})  # fmt: skip
    for name in samples:
        print(f"{name}: test pixel squared error {final[f'test_pixel_mse_{name}']:.2f} per digit; sharpness "
              f"{final[f'sharpness_{name}']:.4f} (test digits {final['sharpness_test_digits']:.4f}); "
              f"{evaluation.summary(quality[name])}")
    return final


def save_comparison(run, vae, vaegan, digits, samples, columns=10):
    rows = [digits.numpy(), vae.reconstruct(digits).numpy(), vaegan.reconstruct(digits).numpy(),
            samples["vae"][:columns], samples["vae"][columns : 2 * columns],
            samples["vaegan"][:columns], samples["vaegan"][columns : 2 * columns]]  # fmt: skip
    labels = ["test digits", "VAE reconstructions", "VAE/GAN reconstructions", "VAE samples", "", "VAE/GAN samples", ""]
    train.save_image_grid(np.concatenate(rows), run.path("comparison.png"), nrow=columns, row_labels=labels)


if __name__ == "__main__":
    main()
