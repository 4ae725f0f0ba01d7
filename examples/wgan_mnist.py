"""WGAN on MNIST: DCGAN's networks, the discriminator turned into a Wasserstein critic kept Lipschitz by clipping.

    min_G max_{||D||_L <= K}  E_data[ D(x) ] - E_z[ D(G(z)) ]

The critic's score has no sigmoid and no log; after each of its steps every
critic weight is clipped into [-c, c], c = 0.01; 5 critic steps per
generator step, RMSprop for both (Arjovsky, Chintala & Bottou, 2017; see
tinygen/models/gan/wgan.py). The logged ``wasserstein``, the critic's
estimate of W(p_data, p_g), falls as the digits improve, which a GAN's
losses do not show.

The critic is DCGAN's discriminator with its batch norm, as in the paper's
experiments: with clipping, unlike the gradient penalty, nothing is
computed per example that batch norm would mix (real and fake batches go
through it separately, so each is normalised by its own statistics). The
clipping reaches batch norm's scales too, as in the paper's code: from 1
down to c after the first step.

The default (width 32, lr 2e-4, 30 epochs of the 4,000 embedded digits:
378 generator steps) takes a few minutes on 2 CPU cores; the paper's lr
5e-5 needs more steps than that. --full is the paper's width and learning
rate (64, 5e-5) for 100 epochs.

    python examples/wgan_mnist.py                        # runs/wgan_mnist/: progress.gif, samples.png, metrics.json
"""
from tinygen import train
from tinygen.data import mnist
from tinygen.models.gan import WGAN, DCGANDiscriminator, DCGANGenerator, dcgan_init_
from tinygen.train.adversarial import fit_adversarially

FULL = {"width": 64, "lr": 5e-5, "epochs": 100}


def main(argv=None):
    parser = train.gan_example_parser("wgan_mnist", __doc__.split("\n")[0], epochs=30, batch_size=64, lr=2e-4)
    parser.add_argument("--clip", type=float, default=0.01, help="every critic weight is clipped into [-clip, clip]")
    args = train.parse_example_args(parser, argv, FULL)
    run = train.Run(args)

    data = mnist(args.data, signed=True)
    loader = run.loader(data.train)
    model = WGAN(dcgan_init_(DCGANGenerator(args.latent, width=args.width)),
                 dcgan_init_(DCGANDiscriminator(width=args.width)), args.latent, args.clip).to(args.device)  # fmt: skip
    final = fit_adversarially(run, model, loader, args.lr, args.ema, args.samples)
    print(train.adversarial.summary(final))
    return final


if __name__ == "__main__":
    main()
