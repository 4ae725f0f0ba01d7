"""DCGAN on MNIST: a convolutional generator and discriminator playing the (non-saturating) GAN game.

    min_G max_D  E_data[ log D(x) ] + E_z[ log(1 - D(G(z))) ],   G trained on -log D(G(z))

with DCGAN's architecture (Radford, Metz & Chintala, 2016; see
tinygen/models/gan/networks.py): transposed convolutions with batch norm and
ReLU up to a tanh image, strided convolutions with LeakyReLU down to a
logit, every weight from N(0, 0.02), Adam with lr 2e-4 and beta1 0.5. The
digits are grey levels scaled to [-1, 1], the range of the tanh.

The default (width 32, 15 epochs of the 4,000 embedded digits) takes a few
minutes on 2 CPU cores; --full is the paper's width (64 feature maps at
the last layer) for 25 epochs.

    python examples/dcgan_mnist.py                       # runs/dcgan_mnist/: progress.gif, samples.png, metrics.json
    python examples/dcgan_mnist.py --full --device gpu
    mpiexec -n 2 python examples/dcgan_mnist.py          # data-parallel: each process on half of every batch
"""
from tinygen import train
from tinygen.data import mnist
from tinygen.models.gan import DCGANDiscriminator, DCGANGenerator, NonSaturatingGAN, dcgan_init_
from tinygen.train.adversarial import fit_adversarially

FULL = {"width": 64, "epochs": 25}


def main(argv=None):
    parser = train.gan_example_parser("dcgan_mnist", __doc__.split("\n")[0], epochs=15, batch_size=64, lr=2e-4,
                                      distributed=True)  # fmt: skip
    args = train.parse_example_args(parser, argv, FULL)
    run = train.Run(args)

    data = mnist(args.data, signed=True)
    loader = run.loader(data.train)
    model = NonSaturatingGAN(dcgan_init_(DCGANGenerator(args.latent, width=args.width)),
                             dcgan_init_(DCGANDiscriminator(width=args.width)), args.latent).to(args.device)  # fmt: skip
    final = fit_adversarially(run, model, loader, args.lr, args.ema, args.samples)
    if run.is_main:
        print(train.adversarial.summary(final))
    return final


if __name__ == "__main__":
    main()
