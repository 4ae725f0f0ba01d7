"""WGAN-GP on MNIST: the Wasserstein critic kept Lipschitz by a gradient penalty instead of clipping.

    L_D = E[ D(G(z)) ] - E[ D(x) ] + lambda E[ (||grad_x D(x_hat)||_2 - 1)^2 ],
    x_hat = eps x + (1 - eps) G(z),  eps ~ U[0, 1] per example

(Gulrajani et al., 2017; see tinygen/models/gan/wgan_gp.py). The penalty is
a gradient of a gradient: the critic's input gradient is taken with
``tinygen.grad(..., create_graph=True)`` and the penalty on it is
differentiated again for the critic's step. The critic is DCGAN's
discriminator without batch norm: the penalty is on each example's own
input gradient, which batch norm would tie to the rest of the batch.
5 critic steps per generator step, Adam (betas (0, 0.9)), lambda 10.

The default (width 32, lr 5e-4, 20 epochs of the 4,000 embedded digits:
250 generator steps) takes a few minutes on 2 CPU cores; the paper's lr
1e-4 needs more steps than that (at 20 epochs its samples are still grey
blobs). --full is width 64 and lr 1e-4 for 100 epochs.

    python examples/wgan_gp_mnist.py                     # runs/wgan_gp_mnist/: progress.gif, samples.png, metrics.json
"""
from tinygen import train
from tinygen.data import mnist
from tinygen.models.gan import WGANGP, DCGANDiscriminator, DCGANGenerator, dcgan_init_
from tinygen.train.adversarial import fit_adversarially

FULL = {"width": 64, "lr": 1e-4, "epochs": 100}


def main(argv=None):
    parser = train.gan_example_parser("wgan_gp_mnist", __doc__.split("\n")[0], epochs=20, batch_size=64, lr=5e-4)
    parser.add_argument("--penalty", type=float, default=10.0, help="lambda, the gradient penalty's weight")
    args = train.parse_example_args(parser, argv, FULL)
    run = train.Run(args)

    data = mnist(args.data, signed=True)
    loader = run.loader(data.train)
    model = WGANGP(dcgan_init_(DCGANGenerator(args.latent, width=args.width)),
                   dcgan_init_(DCGANDiscriminator(width=args.width, batch_norm=False)), args.latent,
                   args.penalty).to(args.device)  # fmt: skip
    final = fit_adversarially(run, model, loader, args.lr, args.ema, args.samples)
    print(train.adversarial.summary(final))
    return final


if __name__ == "__main__":
    main()
