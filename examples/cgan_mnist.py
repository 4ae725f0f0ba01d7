"""The conditional GAN on MNIST: generator and discriminator both told which digit, so the label picks the sample.

    min_G max_D  E_{(x, y)}[ log D(x | y) ] + E_{z, y}[ log(1 - D(G(z | y) | y)) ]

The label enters each network as a learned embedding: concatenated to z in
G, and to the image as constant feature maps in D, which so learns to reject
a good 3 that was asked to be a 7 (Mirza & Osindero, 2014; see
tinygen/models/gan/cgan.py). The networks are DCGAN's (the paper's were
MLPs: the conditioning is what it adds), the generator's loss the
non-saturating one. samples.png has a row per requested digit, 0 to 9, and
metrics.json the label accuracy: how often the MNIST feature network reads
the digit that was asked for.

The default (width 32, 15 epochs of the 4,000 embedded digits) takes a few
minutes on 2 CPU cores; --full is width 64 for 25 epochs.

    python examples/cgan_mnist.py                        # runs/cgan_mnist/: progress.gif, samples.png, metrics.json
"""
import numpy

from tinygen import train
from tinygen.data import mnist
from tinygen.models.gan import ConditionalGAN, DCGANDiscriminator, DCGANGenerator, dcgan_init_
from tinygen.train.adversarial import fit_adversarially, report_digits
from tinygen.train.arguments import positive_int
from tinygen.train.images import save_image_grid

FULL = {"width": 64, "epochs": 25}
PER_ROW = 10


def report(run, samples, labels):
    """report_digits's files and figures, with samples.png redrawn: a row per digit, up to PER_ROW samples of each."""
    figures = report_digits(run, samples, labels)
    images, labels = samples.numpy(), labels.numpy()
    per_row = min(PER_ROW, len(images) // 10)
    rows = [images[labels == digit][:per_row] for digit in range(10)]
    save_image_grid(numpy.concatenate(rows), run.path("samples.png"), nrow=per_row, value_range=(-1, 1), normalize=True,
                    row_labels=[str(digit) for digit in range(10)])  # fmt: skip
    return figures


def main(argv=None):
    parser = train.gan_example_parser("cgan_mnist", __doc__.split("\n")[0], epochs=15, batch_size=64, lr=2e-4,
                                      samples_help="digits drawn at the end (0, 1, ..., 9 in turn), scored and saved")
    parser.add_argument("--embed", type=positive_int, default=10, help="dimension of the label's embedding")
    args = train.parse_example_args(parser, argv, FULL)
    if args.samples < 10:
        parser.error(f"--samples {args.samples}: samples.png has a row per digit, so at least 10")
    run = train.Run(args)

    data = mnist(args.data, signed=True)
    loader = run.loader(data.train)
    model = ConditionalGAN(dcgan_init_(DCGANGenerator(args.latent, width=args.width, condition_dim=args.embed)),
                           dcgan_init_(DCGANDiscriminator(width=args.width, condition_dim=args.embed)), args.latent,
                           embed_dim=args.embed).to(args.device)  # fmt: skip
    final = fit_adversarially(run, model, loader, args.lr, args.ema, args.samples, report=report)
    print(train.adversarial.summary(final))
    return final


if __name__ == "__main__":
    main()
