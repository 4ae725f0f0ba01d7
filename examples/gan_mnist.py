"""The GAN on MNIST: multilayer perceptrons playing the adversarial game, with either generator loss.

    min_G max_D  E_data[ log D(x) ] + E_z[ log(1 - D(G(z))) ]

G's loss is the non-saturating -log D(G(z)) by default, the paper's remedy
for the vanishing gradient of the minimax log(1 - D(G(z))) when D rejects
G's early samples with confidence; ``--loss minimax`` trains on the minimax
loss itself, to see the difference (Goodfellow et al., 2014; see
tinygen/models/gan/gan.py). Both networks are MLPs on the 784 pixels,
ReLU in G with a tanh image, LeakyReLU in D; the digits are grey levels
scaled to [-1, 1].

The default (G with two hidden layers of 256, D with two of 512, batches of
128, 60 epochs of the 4,000 embedded digits) takes a few minutes on 2 CPU
cores. On so few digits and steps these MLPs collapse onto a few digit
shapes, the lecture's mode collapse: a wider D than G, larger batches and
more steps helped, the convolutional networks of dcgan_mnist.py help more.
--full is the paper's size (1,200 units per layer) for 100 epochs.

    python examples/gan_mnist.py                         # runs/gan_mnist/: progress.gif, samples.png, metrics.json
    python examples/gan_mnist.py --loss minimax          # the saturating loss
"""
from tinygen import train
from tinygen.data import mnist
from tinygen.models.gan import GAN, MLPDiscriminator, MLPGenerator, NonSaturatingGAN
from tinygen.train.adversarial import fit_adversarially
from tinygen.train.arguments import positive_int

LOSSES = {"non-saturating": NonSaturatingGAN, "minimax": GAN}
FULL = {"g_hidden": [1200, 1200], "d_hidden": [1200, 1200], "epochs": 100}


def main(argv=None):
    parser = train.gan_example_parser("gan_mnist", __doc__.split("\n")[0], epochs=60, batch_size=128, lr=2e-4,
                                      width=None)
    parser.add_argument("--loss", choices=LOSSES, default="non-saturating", help="the generator's loss")
    parser.add_argument("--g-hidden", type=positive_int, nargs="+", default=[256, 256], help="G's hidden layer sizes")
    parser.add_argument("--d-hidden", type=positive_int, nargs="+", default=[512, 512], help="D's hidden layer sizes")
    args = train.parse_example_args(parser, argv, FULL)
    run = train.Run(args)

    data = mnist(args.data, signed=True)
    loader = run.loader(data.train)
    model = LOSSES[args.loss](MLPGenerator(args.latent, (1, 28, 28), args.g_hidden),
                              MLPDiscriminator((1, 28, 28), args.d_hidden), args.latent).to(args.device)  # fmt: skip
    final = fit_adversarially(run, model, loader, args.lr, args.ema, args.samples)
    print(train.adversarial.summary(final))
    return final


if __name__ == "__main__":
    main()
