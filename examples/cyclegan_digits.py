"""CycleGAN or DiscoGAN between two looks of the ten digits, MNIST (A) and the UCI optical digits (B), unpaired.

MNIST's digits are pen strokes, the UCI digits blocky 8x8 bitmaps scaled up
(``tinygen.data.optical_digits``); the models learn from the two sets alone.

    --model cyclegan   least-squares GAN losses, lambda ( |F(G(a)) - a|_1 + |G(F(b)) - b|_1 ), lambda = 10,
                       a history of 50 past translations for the discriminators (--cycle sets lambda:
                       0 leaves the GAN losses alone, and nothing ties G(a) to a); --identity adds
                       w ( |G(b) - b|_1 + |F(a) - a|_1 )            (tinygen/models/translation/cyclegan.py)
    --model discogan   cross-entropy GAN losses, squared-error reconstructions weighted 1
                                                                    (tinygen/models/translation/discogan.py)

Both on the same residual generators and 7x7 PatchGAN discriminators
(``--width``, ``--blocks``). Each step takes one batch of A's 4,000 training
digits and one of B's 1,497, shuffled separately (an epoch: B's digits once);
the labels are never shown to the model. Measured at the end on held-out
digits of both domains (``tinygen.evaluation.translation``):

    label preservation   the share of G(a) (and F(b)) read as a's (b's) digit by a linear classifier on MNIST
                         features fitted to the labelled training digits of both domains
    realism              FID/KID (MNIST features) of 300 translations against the target domain's training
                         digits, beside the floor (300 real held-out target digits) and the ceiling (the 300
                         untranslated sources)
    cycle error          mean |F(G(a)) - a| per pixel in [0, 1]

    python examples/cyclegan_digits.py                    # runs/cyclegan_digits/: translations.png, metrics.json
    python examples/cyclegan_digits.py --model discogan   # runs/discogan_digits/

translations.png: for each direction, source digits, their translations and
the reconstructions, one labelled row each. samples.npz: the translations
"ab" (of A's held-out digits) and "ba" (of B's), in [0, 1]. The default
(width 16, 3 residual blocks, batches of 16, 3 epochs: 282 steps) takes a
few minutes on 2 CPU cores; --full is the paper's width 64 and 6 residual
blocks (its 128x128 network), batches of 1 for 200 epochs at a constant lr
(the paper decays it linearly to 0 over the last 100).
"""
import numpy as np

import tinygen as tg
from tinygen import train
from tinygen.data import DataLoader, UnpairedLoader, mnist, optical_digits
from tinygen.evaluation import feature_network
from tinygen.evaluation.translation import DomainJudge, digit_domains, score_translation
from tinygen.models.translation import CycleGAN, DiscoGAN, PatchDiscriminator, ResidualGenerator
from tinygen.train.arguments import positive_int

FULL = {"width": 64, "blocks": 6, "batch_size": 1, "epochs": 200}
COLUMNS = 10


def build(args):
    generators = [ResidualGenerator(width=args.width, blocks=args.blocks) for _ in range(2)]
    discriminators = [PatchDiscriminator(width=args.width) for _ in range(2)]
    if args.model == "discogan":
        return DiscoGAN(*generators, *discriminators)
    return CycleGAN(*generators, *discriminators, cycle_weight=args.cycle, identity_weight=args.identity,
                    history=args.history)  # fmt: skip


def main(argv=None):
    parser = train.example_parser("cyclegan_digits", __doc__.split("\n")[0], epochs=3, batch_size=16, lr=2e-4)
    parser.add_argument("--model", choices=("cyclegan", "discogan"), default="cyclegan", help="the objective")
    parser.add_argument("--width", type=positive_int, default=16, help="feature maps of the networks' first layers")
    parser.add_argument("--blocks", type=positive_int, default=3, help="residual blocks in each generator")
    parser.add_argument("--cycle", type=float, default=10.0, help="CycleGAN's lambda; 0: adversarial losses alone")
    parser.add_argument("--identity", type=float, default=0.0, help="CycleGAN's identity loss weight (paper: 5)")
    parser.add_argument("--history", type=int, default=50, help="CycleGAN's history of past translations (0: none)")
    args = train.parse_example_args(parser, argv, FULL)
    if args.model == "discogan" and args.out == "runs/cyclegan_digits":
        args.out = "runs/discogan_digits"
    run = train.Run(args)

    loaders = [DataLoader(data.train, args.batch_size, shuffle=True, seed=args.seed + offset, device=args.device)
               for offset, data in enumerate((mnist(args.data, signed=True), optical_digits(signed=True)))]  # fmt: skip
    model = build(args).to(args.device)
    train.fit_in_phases(run, model, UnpairedLoader(*loaders), model.phases(args.lr))

    def translate(images, direction):
        """Images in [0, 1] of one domain -> the other's, in [0, 1], in batches."""
        generator = model.g_ab if direction == "ab" else model.g_ba
        with tg.no_grad():
            out = [generator(tg.tensor(2 * images[i : i + 100] - 1, device=args.device)).numpy()
                   for i in range(0, len(images), 100)]  # fmt: skip
        return np.clip((np.concatenate(out) + 1) / 2, 0, 1).astype(np.float32)

    domains = digit_domains(args.data)
    if args.quick:  # the smoke test's figures on a few digits
        domains = {name: tuple(tuple(array[:size] for array in split) for split, size in zip(splits, (500, 20)))
                   for name, splits in domains.items()}  # fmt: skip
    net = feature_network(args.device)
    training = {name: domains[name][0] for name in ("a", "b")}
    judge = DomainJudge(np.concatenate([training["a"][0], training["b"][0]]),
                        np.concatenate([training["a"][1], training["b"][1]]), net)  # fmt: skip
    figures = score_translation(translate, domains, judge, net)
    train.save_samples(run, {direction: translate(domains[source][1][0], direction)
                             for direction, source in (("ab", "a"), ("ba", "b"))})  # fmt: skip
    save_translations(run, translate, domains)
    final = run.finish(**figures)
    for direction in ("ab", "ba"):
        print(f"{direction.upper()[0]} -> {direction.upper()[1]}: label preservation "
              f"{final[f'{direction}_label_preservation']:.3f}, FID {final[f'{direction}_fid_translated']:.1f} "
              f"(floor {final[f'{direction}_fid_floor']:.1f}, ceiling {final[f'{direction}_fid_ceiling']:.1f}), "
              f"cycle error {final[f'{direction}_cycle_error']:.3f}")  # fmt: skip
    return final


def save_translations(run, translate, domains):
    """translations.png: per direction, source digits, their translations, the reconstructions."""
    rows, labels = [], []
    for source, target in (("a", "b"), ("b", "a")):
        images = domains[source][1][0][:COLUMNS]
        translated = translate(images, source + target)
        rows += [images, translated, translate(translated, target + source)]
        labels += [f"{source.upper()} digits", f"-> {target.upper()}", f"-> back to {source.upper()}"]
    train.save_image_grid(tg.tensor(np.concatenate(rows)), run.path("translations.png"), nrow=COLUMNS,
                          row_labels=labels)  # fmt: skip


if __name__ == "__main__":
    main()
