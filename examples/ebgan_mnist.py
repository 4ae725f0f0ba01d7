"""EBGAN on MNIST: an autoencoder as the discriminator, its reconstruction error as the energy.

    L_D = D(x) + [m - D(G(z))]^+,    L_G = D(G(z)) + lambda_PT f_PT(Enc(G(z))),    D(x) = ||Dec(Enc(x)) - x||^2 / P

(Zhao, Mathieu & LeCun, 2017; tinygen/models/gan/ebgan.py): D reconstructs
digits and pushes the energy of G's samples up to the margin m = 0.3; G makes
samples D reconstructs well, kept apart by the pulling-away term f_PT, the
mean squared cosine between the encoder's codes of different samples in a
batch (weight 0.1). DCGAN's generator; the autoencoder is DCGAN's two strided
convolutions to a 64-number code and transposed convolutions back
(networks.AutoencoderDiscriminator), at its default initialisation
(``build_model``). Digits are grey levels in [-1, 1]. The margin is in the
energy's units: m = 1, the default before 2026-12-02, is above the energy of an
all-zero reconstruction (0.92), and D reconstructed digits worse than the mean
digit does (models/gan/ebgan.py): FID 1047, 5 classes; now FID 239 +- 17,
10 classes, over 3 seeds (benchmarks/results/ebgan-began-fixed-2026-12-02.md).

Beside what every GAN example writes (progress.gif, samples.png, samples.npz,
metrics.json with the sample-quality figures), metrics.json and curves.png
have the energies of real and fake batches and the pulling-away term.
--pull-away 0 trains without the regulariser, to compare.

The default (width 32, 15 epochs of the 4,000 embedded digits, 945 steps)
takes about 6 minutes of one core; --full is width 64 for 25 epochs.

    python examples/ebgan_mnist.py                   # runs/ebgan_mnist/
    python examples/ebgan_mnist.py --pull-away 0 --out runs/ebgan_no_pt
"""
from tinygen import train
from tinygen.data import mnist
from tinygen.models.gan import EBGAN, AutoencoderDiscriminator, DCGANGenerator, dcgan_init_
from tinygen.train.adversarial import fit_adversarially
from tinygen.train.arguments import positive_int

FULL = {"width": 64, "epochs": 25}


def parse_args(argv=None):
    parser = train.gan_example_parser("ebgan_mnist", __doc__.split("\n")[0], epochs=15, batch_size=64, lr=2e-4,
                                      ema=False)
    parser.add_argument("--code", type=positive_int, default=64, help="the autoencoder's code size")
    parser.add_argument("--margin", type=float, default=0.3, help="m: how far D pushes the energy of samples")
    parser.add_argument("--pull-away", type=float, default=0.1, help="lambda_PT, the weight of the pulling-away term")
    return train.parse_example_args(parser, argv, FULL)


def main(argv=None):
    args = parse_args(argv)
    run = train.Run(args)

    data = mnist(args.data, signed=True)
    loader = run.loader(data.train)
    model = build_model(args)
    final = fit_adversarially(run, model, loader, args.lr, num_samples=args.samples)
    print(train.adversarial.summary(final))
    return final


def build_model(args):
    """DCGAN's generator with its N(0, 0.02) weights; the autoencoder keeps its default initialisation
    (under N(0, 0.02) it passes almost nothing of its input on: ``tinygen/models/gan/networks.py`` says why)."""
    return EBGAN(dcgan_init_(DCGANGenerator(args.latent, width=args.width)),
                 AutoencoderDiscriminator(width=args.width, code_dim=args.code), args.latent,
                 margin=args.margin, pull_away_weight=args.pull_away).to(args.device)  # fmt: skip


if __name__ == "__main__":
    main()
