"""InfoGAN on MNIST: a categorical code that finds the digits, and continuous codes for their style, without labels.

    min_{G, Q} max_D  V(D, G) - lambda L_I(G, Q),    L_I = E[ log Q(c | G(z, c)) ] + H(c)  <=  I(c; G(z, c))

(Chen et al., 2016; tinygen/models/gan/infogan.py): G takes noise z (62-d)
and a code c (one 10-way categorical, two continuous uniform on [-1, 1]);
Q reads c back from the discriminator's features. DCGAN's networks
(networks.py) with Q's small head on the 7x7 feature maps; the digits are
grey levels in [-1, 1]. No label is ever shown to the model.

Results written to --out, beside what every GAN example writes (progress.gif,
samples.png, samples.npz, metrics.json with the sample-quality figures):

- code_sweep.png, the paper's figure 2: one row per value of the categorical
  code; the columns sweep c_2, then c_3, from -2 to 2 (the training range is
  [-1, 1]: the outer columns extrapolate), z fixed for the whole picture;
- metrics.json's unsupervised_accuracy: Q's categorical code read as a
  classifier of the held-out test digits, after the best one-to-one matching
  of the 10 code values to the 10 labels (tinygen/evaluation/clustering.py),
  and code_to_digit, that matching (the digit of each code value). The paper reports about 5% error on MNIST
  (with a larger network, full MNIST and more training); a code that found no
  digits scores about 0.1-0.2, chance with the best matching.

The default (width 32, 45 epochs of the 4,000 embedded digits, 2,835 steps)
takes about 4.5 minutes of one idle core; --full is width 64 for 50 epochs.
Three times the old default's 15 epochs took FID from 178 to 107 but the
code's accuracy only from 0.31 to 0.35 (3 seeds; benchmarks/results/infogan-2026-12-02.md):
Q reads the code back perfectly from early on, so the code does mean
something, but not always the digit.

    python examples/infogan_mnist.py                 # runs/infogan_mnist/
    python examples/infogan_mnist.py --seed 1 --full
"""
import numpy

from tinygen import tensor, train
from tinygen.autograd.grad_mode import no_grad
from tinygen.data import DataLoader, mnist
from tinygen.evaluation.clustering import matched_accuracy
from tinygen.models.gan import DCGANDiscriminator, DCGANGenerator, dcgan_init_
from tinygen.models.gan.infogan import InfoGAN, q_head
from tinygen.ops import cat
from tinygen.train.adversarial import evaluating, fit_adversarially, report_digits
from tinygen.train.arguments import positive_int
from tinygen.train.images import save_image_grid

FULL = {"width": 64, "epochs": 50}
SWEEP = numpy.linspace(-2, 2, 7)  # the continuous codes' values in code_sweep.png's columns


def main(argv=None):
    parser = train.gan_example_parser("infogan_mnist", __doc__.split("\n")[0], epochs=45, batch_size=64, lr=2e-4,
                                      latent=None, ema=False)
    parser.add_argument("--noise", type=positive_int, default=62, help="dimension of the noise z (the paper's 62)")
    parser.add_argument("--info-weight", type=float, default=1.0, help="lambda, the weight of the information bound")
    args = train.parse_example_args(parser, argv, FULL)
    run = train.Run(args)

    data = mnist(args.data, signed=True)
    loader = run.loader(data.train)
    discriminator = dcgan_init_(DCGANDiscriminator(width=args.width))
    model = InfoGAN(dcgan_init_(DCGANGenerator(args.noise + 12, width=args.width)), discriminator,
                    dcgan_init_(q_head(2 * args.width * 7 * 7)), args.noise, info_weight=args.info_weight)  # fmt: skip
    model = model.to(args.device)

    def report(run, samples, labels):
        figures = report_digits(run, samples, labels)
        with evaluating(model), no_grad():
            save_image_grid(code_sweep(model, args.seed), run.path("code_sweep.png"), nrow=2 * len(SWEEP),
                            value_range=(-1, 1), normalize=True,
                            row_labels=[f"c1={k}" for k in range(model.categories)])  # fmt: skip
            x, y = zip(*((model.classify(x), y.numpy()) for x, y in DataLoader(data.test, 500, device=args.device)))
        accuracy, matching = matched_accuracy(numpy.concatenate(x), numpy.concatenate(y))
        return figures | {"unsupervised_accuracy": accuracy, "code_to_digit": [matching[k] for k in sorted(matching)]}

    final = fit_adversarially(run, model, loader, args.lr, num_samples=args.samples, report=report)
    print(train.adversarial.summary(final) + f"; the categorical code as a classifier: {final['unsupervised_accuracy']:.3f}")
    return final


def code_sweep(model, seed):
    """G's digits for each categorical value (rows) as c_2, then c_3, sweep SWEEP (columns); one z, other codes 0."""
    rows, columns = model.categories, 2 * len(SWEEP)
    continuous = numpy.zeros((rows, columns, model.continuous))
    continuous[:, : len(SWEEP), 0] = SWEEP
    continuous[:, len(SWEEP) :, 1] = SWEEP
    categorical = numpy.repeat(numpy.arange(rows), columns)
    z = numpy.random.default_rng([seed, 2]).standard_normal((1, model.noise_dim)).repeat(rows * columns, 0)
    codes = model.codes(categorical, continuous.reshape(rows * columns, -1))
    return model.generate(cat([tensor(z, dtype=model.dtype, device=model.device), codes], dim=1))


if __name__ == "__main__":
    main()
