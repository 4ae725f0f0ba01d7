"""StarGAN on MNIST: one generator makes any digit thin or thick, upright or slanted, told which.

The domains are not labels anyone wrote down: two attributes measured on the
digits' ink (``tinygen/data/attributes.py``), stroke thickness (ink per unit
of stroke length) and slant (the ink's shear, mu_11 / mu_02), each split at
its median over the training digits. A digit's attribute vector
c = (thick, slanted) in {0, 1}^2 puts it in one of four domains.

StarGAN (Choi et al., 2018; ``tinygen/models/translation/stargan.py``): a
residual generator G(x, c') given the target c' as two constant feature
maps, a PatchGAN critic with a second head that classifies the attributes;
WGAN-GP's adversarial loss, the classification loss on real and translated
digits, and the reconstruction G(G(x, c'), c) ~ x in L1. Measured at the end
on the 1,000 test digits, each translated to all four domains
(``tinygen/evaluation/attributes.py``): attribute success (the measured
attributes of the translation are the target's), label preservation (the
MNIST feature network still reads the source digit), FID/KID against real
training digits of the target domain, each beside what the untranslated
digits score.

Settings: the paper's loss weights (lambda_cls 1, lambda_rec 10, lambda_gp 10)
and n_critic 5 with Adam (betas 0.5, 0.999); the default trains networks of
width 16 (CycleGAN's, scaled to digits) for 4 epochs (1,000 critic and 200
generator steps, about 2.5 CPU minutes) at lr 1e-3, ten times the paper's 1e-4,
for the few steps it gets (5e-4 met as many targets, 0.51 against 0.50, and
kept fewer digits, 0.12 against 0.19, in runs made before the gradient
penalty's fix; benchmarks/results/stargan-2026-12-02.md).
--full is the paper's lr for 50 epochs.

    python examples/stargan_digits.py           # runs/stargan_digits/: translations.png, metrics.json, samples.npz

translations.png: the first row holds test digits (one of each class), each
row below them the same digits translated to one domain.
"""
import numpy as np

import tinygen as tg
from tinygen import train
from tinygen.data import ArrayDataset, DataLoader, mnist
from tinygen.data.attributes import AttributeSplit
from tinygen.data.pixels import grey, signed_grey
from tinygen.evaluation.attributes import domain_key, score_attribute_translation
from tinygen.models.translation import AttributeDiscriminator, ResidualGenerator, StarGAN
from tinygen.train.arguments import positive_int

FULL = {"lr": 1e-4, "epochs": 50}
BATCH = 250  # test digits translated at once


def parser():
    arguments = train.example_parser("stargan_digits", __doc__.split("\n")[0], epochs=4, batch_size=16, lr=1e-3)
    arguments.add_argument("--width", type=positive_int, default=16, help="feature maps of both networks' first layer")
    arguments.add_argument("--blocks", type=positive_int, default=3, help="the generator's residual blocks")
    arguments.add_argument("--n-critic", type=positive_int, default=5, help="critic steps per generator step")
    arguments.add_argument("--cls-weight", type=float, default=1.0, help="lambda_cls")
    arguments.add_argument("--rec-weight", type=float, default=10.0, help="lambda_rec")
    arguments.add_argument("--penalty", type=float, default=10.0, help="lambda_gp")
    arguments.add_argument("--fid-n", type=positive_int, default=200, help="translations per domain in each FID/KID")
    return arguments


def main(argv=None):
    args = train.parse_example_args(parser(), argv, FULL)
    run = train.Run(args)
    data = mnist(args.data)
    (train_pixels, _), (test_pixels, test_labels) = data.train.arrays, data.test.arrays
    split = AttributeSplit.at_median(grey(train_pixels))
    train_set = ArrayDataset(train_pixels, split(grey(train_pixels)), transform=signed_grey)
    loader = DataLoader(train_set, args.batch_size, shuffle=True, seed=args.seed, device=args.device)
    k = len(split.ATTRIBUTES)
    model = StarGAN(ResidualGenerator(width=args.width, blocks=args.blocks, condition_dim=k, resize=True),
                    AttributeDiscriminator(k, width=args.width), k, args.cls_weight, args.rec_weight, args.penalty,
                    args.n_critic).to(args.device)  # fmt: skip
    train.fit_in_phases(run, model, loader, model.phases(args.lr))

    def translate(images, c):
        model.eval()
        with tg.no_grad():
            return np.concatenate([(model.translate(tg.tensor(images[i : i + BATCH] * 2 - 1, device=args.device),
                                                    tg.tensor(c[i : i + BATCH], device=args.device)).numpy() + 1) / 2
                                   for i in range(0, len(images), BATCH)]).clip(0, 1)  # fmt: skip

    test_images, reference = grey(test_pixels), grey(train_pixels)
    if args.quick:  # a smoke test: 100 test digits, FID of 10 per domain against a quarter of the training digits
        test_images, test_labels, reference, args.fid_n = test_images[:100], test_labels[:100], reference[:1000], 10
    figures, translations = score_attribute_translation(translate, split, test_images, test_labels, reference, args.fid_n)
    picture(run, split, test_images, test_labels, translations)
    train.save_samples(run, {domain_key(split, c): images for c, images in zip(split.domains(), translations)})
    final = run.finish(**figures, thresholds=split.thresholds.tolist())
    print(summary(final, split))
    return final


def picture(run, split, images, labels, translations):
    """translations.png: a row of test digits (one per class, as far as there are), a row per target domain below."""
    columns = [int(np.flatnonzero(labels == digit)[0]) for digit in range(10) if (labels == digit).any()]
    rows = np.concatenate([images[columns][None], translations[:, columns]])
    train.save_image_grid(rows.reshape(-1, *images.shape[1:]), run.path("translations.png"), nrow=len(columns),
                          row_labels=["input"] + [split.domain_name(c) for c in split.domains()])  # fmt: skip


def summary(final, split):
    names = list(split.ATTRIBUTES)
    return (f"attribute success {final['attribute_success']:.3f} (doing nothing: {final['attribute_success_identity']:.3f}); "
            + ", ".join(f"{name} {final[f'attribute_success_changed_{name}']:.3f} where changed" for name in names)
            + f"; label preservation {final['label_preservation']:.3f} (untranslated {final['label_preservation_identity']:.3f}); "
            f"FID {final['fid_translated']:.1f} (floor {final['fid_floor']:.1f}, untranslated {final['fid_ceiling']:.1f})")  # fmt: skip


if __name__ == "__main__":
    main()
