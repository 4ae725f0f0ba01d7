"""VAE/GAN against the plain VAE on MNIST: the same encoder and decoder, reconstructions judged in a
discriminator's features instead of pixels.

Both models (``tinygen/models/vae/``, ``tinygen/models/hybrid/vaegan.py``)
have the VAE's MLP encoder and decoder (``--hidden``, ``--latent-dim``) and
are trained side by side on the same batches of grey digits in [0, 1], each
with Adam at its own learning rate (``--vae-lr`` as vae_mnist.py; ``--lr``
with beta1 0.5 for VAE/GAN's three networks):

    vae      -ELBO = E_q[ -log p(x | z) ] + KL( q(z|x) || p(z) ), the pixels' cross-entropy
    vaegan   encoder:        KL( q(z|x) || p(z) ) + 1/2 | Dis_l(x) - Dis_l(x~) |^2
             decoder:        gamma 1/2 | Dis_l(x) - Dis_l(x~) |^2 - log Dis(x~) - log Dis(x_p)
             discriminator:  -log Dis(x) - log(1 - Dis(x~)) - log(1 - Dis(x_p))
             with x~ = Dec(z), z ~ q(z | x), and x_p = Dec(z_p), z_p ~ p(z); Dis_l the
             7x7 feature maps of DCGAN's convolutional discriminator (``--d-width``
             channels, then twice that), without batch norm, as the paper's Dis_l

The lecture's claim to check: VAE/GAN samples are sharper. Measured at the
end for each: samples decoded from p(z) scored by tinygen.evaluation (FID/KID
in MNIST features, precision/recall, class coverage), and the pixels' mean
squared reconstruction error of the 1,000 test digits at z = mu(x) (the VAE
optimises pixels, VAE/GAN does not: it should lose there).

    python examples/vaegan_mnist.py            # runs/vaegan_mnist/: comparison.png, metrics.json, ...

comparison.png: test digits, the VAE's and VAE/GAN's reconstructions, then
each model's samples, one labelled row each.
"""
import numpy as np

import tinygen as tg
from tinygen import evaluation, nn, train
from tinygen.data import DataLoader, mnist
from tinygen.models.gan import DCGANDiscriminator
from tinygen.models.hybrid import VAEGAN, Phase
from tinygen.models.vae import VAE, MLPDecoder, MLPEncoder
from tinygen.train.arguments import positive_int

IMAGE = (1, 28, 28)


class SideBySide(nn.Module):
    """The two models as one module, so that one checkpoint holds both."""

    def __init__(self, vae, vaegan):
        super().__init__()
        self.vae, self.vaegan = vae, vaegan


def parser():
    arguments = train.example_parser("vaegan_mnist", __doc__.split("\n")[0], epochs=20, batch_size=64, lr=2e-4)
    arguments.add_argument("--vae-lr", type=float, default=1e-3, help="the VAE's learning rate (vae_mnist.py's)")
    arguments.add_argument("--latent-dim", type=positive_int, default=16, help="dimensions of z")
    arguments.add_argument("--hidden", type=positive_int, nargs="+", default=[512, 512], help="encoder/decoder widths")
    arguments.add_argument("--d-width", type=positive_int, default=64,
                           help="channels of the discriminator's first convolution; Dis_l has twice as many")
    arguments.add_argument("--gamma", type=float, default=1e-2, help="weight of the feature reconstruction for the decoder")
    arguments.add_argument("--samples", type=positive_int, default=1000, help="digits decoded from p(z) per model, scored")
    return arguments


def networks(args):
    return MLPEncoder(IMAGE, args.latent_dim, args.hidden), MLPDecoder(IMAGE, args.latent_dim, args.hidden)


def renamed(loss_of, prefix):
    """A phase's loss with its logged terms under ``prefix``: both models log a "kl"."""
    def loss(x, labels):
        value, terms = loss_of(x)
        return value, {f"{prefix}_{name}": term for name, term in terms.items()}
    return loss


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
    phases = {"vae": Phase(renamed(vae.loss, "vae"), tg.optim.Adam(vae.parameters(), lr=args.vae_lr)),
              **{f"vaegan_{name}": Phase(renamed(loss, "vaegan"), optimizer)
                 for name, (loss, optimizer) in vaegan.phases(args.lr).items()}}  # fmt: skip

    def squared_errors(x):
        return {f"test_pixel_mse_{name}": ((model.reconstruct(x) - x) ** 2).flatten(1).sum(1)
                for name, model in (("vae", vae), ("vaegan", vaegan))}  # fmt: skip

    train.fit_in_phases(run, models, train_loader, phases,
                        lambda epoch: train.held_out_means(run, test_loader, "test reconstruction", squared_errors))
    with tg.no_grad():
        samples = {name: model.sample(args.samples).numpy() for name, model in (("vae", vae), ("vaegan", vaegan))}
    train.save_samples(run, samples)
    save_comparison(run, vae, vaegan, next(test_loader.batches())[0][:10], samples)
    quality = evaluation.score_samples(samples, args.data)
    final = run.finish(**evaluation.flat_figures(quality))
    for name in samples:
        print(f"{name}: test pixel squared error {final[f'test_pixel_mse_{name}']:.2f} per digit; "
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
