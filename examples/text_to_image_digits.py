"""Text to image on MNIST: GAN-INT-CLS draws the digit a sentence describes ("a thick seven leaning right").

The captions are written from each digit's label and two attributes measured
on its ink, stroke thickness and slant, split at the training medians
(``tinygen/data/captions.py``): five templates, synonyms, a vocabulary of 49
words. Two combinations never appear in training, every thin zero and every
upright seven, to test composition: thin digits, zeros, upright digits and
sevens are all there, only not together.

1. A text encoder phi(t) (word embeddings, an LSTM, the mean over words) is
   trained with an image encoder on a symmetric matching loss, each caption
   to pick its image out of the batch (``tinygen/models/text_to_image/encoder.py``).
2. With phi fixed, GAN-INT-CLS (Reed et al., 2016;
   ``tinygen/models/text_to_image/gan_cls.py``): DCGAN's networks conditioned
   on a projection of phi(t), a discriminator that must also reject real
   digits with another digit's caption, and a generator also trained on
   embeddings halfway between two captions. ``--no-interpolation`` is
   GAN-CLS alone, the paper's ablation.

Measured at the end (``tinygen/evaluation/captioned.py``), on captions of the
test digits (training-like) and on captions of the held-out combinations:
how often the MNIST feature network reads the named digit, how often the
measured thickness and slant agree with the words; FID/KID and the other
sample-quality figures of the training-like images against the 1,000 test
digits (``tinygen.evaluation.score_samples``, as for every GAN here).

The default (width 32, 4 matching epochs, 15 GAN epochs of the 3,660 training
digits whose captions are not held out; the other 340 are 111 thin zeros and
229 upright sevens) takes about 4.5 CPU minutes on one thread; --full is
width 64 for 25 epochs.

    python examples/text_to_image_digits.py     # runs/text_to_image_digits/: captions.png, metrics.json, samples.npz

captions.png: a row per caption (the last two held out), a column per noise draw.
"""
import itertools

import numpy as np

import tinygen as tg
from tinygen import optim, train
from tinygen.data import DataLoader, grey, mnist, signed_grey
from tinygen.data.attributes import AttributeSplit
from tinygen.data.captions import HELD_OUT, CaptionedDigits, Vocabulary, caption, held_out_name, is_held_out
from tinygen.evaluation import feature_network, flat_figures, score_samples
from tinygen.evaluation.captioned import score_captioned
from tinygen.models.gan import DCGANDiscriminator, DCGANGenerator, dcgan_init_
from tinygen.models.text_to_image import GANCLS, GANINTCLS, ImageEncoder, JointEmbedding, TextEncoder
from tinygen.train.adversarial import fit_adversarially
from tinygen.train.arguments import positive_int

FULL = {"width": 64, "epochs": 25}
PICTURE = ["a thick seven leaning right", "the number 3 , with thin strokes , standing straight",
           "a thin one tilted right", "the digit two , upright , in heavy ink", "eight written lightly and slanted to the right",
           "a bold zero upright", "a thin zero leaning right", "an upright thick seven"]  # fmt: skip
COLUMNS = 8  # noise draws per caption in the picture


def parser():
    arguments = train.gan_example_parser("text_to_image_digits", __doc__.split("\n")[0], epochs=15, batch_size=64,
                                         lr=2e-4, samples_help="captions generated for at the end, of each kind "
                                         "(training-like, held out), scored and saved")  # fmt: skip
    arguments.add_argument("--match-epochs", type=positive_int, default=4, help="epochs of the text encoder's matching loss")
    arguments.add_argument("--text-dim", type=positive_int, default=32, help="dimension of phi(t)")
    arguments.add_argument("--embed", type=positive_int, default=16, help="dimension of each player's projection of phi(t)")
    arguments.add_argument("--no-interpolation", action="store_true", help="GAN-CLS alone, without GAN-INT's term")
    return arguments


def main(argv=None):
    args = train.parse_example_args(parser(), argv, FULL)
    run = train.Run(args)
    data = mnist(args.data)
    (train_pixels, train_labels), (test_pixels, test_labels) = data.train.arrays, data.test.arrays
    split = AttributeSplit.at_median(grey(train_pixels))
    train_attributes, test_attributes = split(grey(train_pixels)), split(grey(test_pixels))
    keep = ~is_held_out(train_labels, train_attributes)
    vocabulary = Vocabulary.of_captions()
    train_set = CaptionedDigits(train_pixels[keep], train_labels[keep], train_attributes[keep], vocabulary, signed_grey)
    loader = DataLoader(train_set, args.batch_size, shuffle=True, seed=args.seed, drop_last=True, device=args.device)

    text_encoder = TextEncoder(len(vocabulary), args.text_dim).to(args.device)
    matching = pretrain(JointEmbedding(text_encoder, ImageEncoder(args.text_dim).to(args.device)), loader, args)
    requests = Requests(test_labels, test_attributes, ~is_held_out(test_labels, test_attributes), args)
    prompts = tg.tensor(vocabulary.encode([sentence for sentence in PICTURE for _ in range(COLUMNS)] + requests.sentences))
    model = (GANCLS if args.no_interpolation else GANINTCLS)(
        dcgan_init_(DCGANGenerator(args.latent, width=args.width, condition_dim=args.embed)),
        dcgan_init_(DCGANDiscriminator(width=args.width, condition_dim=args.embed)), args.latent, text_encoder,
        prompts, args.embed).to(args.device)  # fmt: skip

    def report(run, samples, _):
        images = np.clip((samples.numpy() + 1) / 2, 0, 1).astype(np.float32)
        picture, images = images[: len(PICTURE) * COLUMNS], images[len(PICTURE) * COLUMNS :]
        train.save_image_grid(picture, run.path("captions.png"), nrow=COLUMNS, row_labels=PICTURE)
        samples = {"training_like": images[: requests.n], "held_out": images[requests.n :]}
        train.save_samples(run, samples)
        quality = flat_figures(score_samples({"gan": samples["training_like"]}, args.data))  # against the test digits
        return requests.score(images, split) | quality | matching

    final = fit_adversarially(run, model, loader, args.lr, args.ema, len(prompts), report=report)
    print(summary(final))
    return final


def pretrain(joint, loader, args):
    """The text and image encoders on the matching loss, Adam at 1e-3; -> the last epoch's mean figures."""
    optimizer = optim.Adam(joint.parameters(), lr=1e-3)
    for epoch in range(1 if args.quick else args.match_epochs):
        sums = {}
        batches = itertools.islice(loader.batches(epoch), train.QUICK_BATCHES if args.quick else None)
        for count, (images, words) in enumerate(batches, 1):
            loss, terms = joint.loss(images, words)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            sums = {name: sums.get(name, 0.0) + float(value) for name, value in terms.items()}
        figures = {name: value / count for name, value in sums.items()}
        if not args.quiet:
            print(f"matching epoch {epoch + 1}: loss {figures['matching']:.3f}, accuracy {figures['matching_accuracy']:.3f}")
    return figures


class Requests:
    """The captions asked for at the end: of test digits whose description is not held out (training-like), then
    ``--samples`` / 2 of each held-out combination, the other attribute alternating; their meanings and scores."""

    def __init__(self, test_labels, test_attributes, keep, args):
        rng = np.random.default_rng([args.seed, 2])
        chosen = np.arange(args.samples) % keep.sum()
        labels, attributes = [test_labels[keep][chosen]], [test_attributes[keep][chosen]]
        self.n, self.each = args.samples, max(1, args.samples // 2)
        for combination in HELD_OUT:
            values = np.zeros((self.each, test_attributes.shape[1]), dtype=np.float32)
            values[:, 1 - combination.attribute] = np.arange(self.each) % 2  # the other of the two attributes
            values[:, combination.attribute] = combination.value
            labels.append(np.full(self.each, combination.digit))
            attributes.append(values)
        self.labels, self.attributes = np.concatenate(labels), np.concatenate(attributes)
        self.sentences = [caption(y, c, rng) for y, c in zip(self.labels, self.attributes)]

    def score(self, images, split):
        """Agreement with the captions on each kind of request and on each held-out combination."""
        net, figures = feature_network(), {}
        parts = {"training_like": slice(0, self.n), "held_out": slice(self.n, None)}
        parts |= {held_out_name(c).replace(" ", "_"): slice(self.n + i * self.each, self.n + (i + 1) * self.each)
                  for i, c in enumerate(HELD_OUT)}  # fmt: skip
        for name, part in parts.items():
            scores = score_captioned(images[part], self.labels[part], self.attributes[part], split, net)
            figures |= {f"{name}_{key}": value for key, value in scores.items()}
        return figures


def summary(final):
    line = ", ".join(f"{name.replace('_', ' ')}: digit {final[f'{name}_label_accuracy']:.3f}, "
                     f"attributes {final[f'{name}_attribute_agreement']:.3f}"
                     for name in ("training_like", "held_out", *(held_out_name(c).replace(" ", "_") for c in HELD_OUT)))  # fmt: skip
    return f"{line}; FID (MNIST features) {final['quality_gan_fid_mnist']:.1f} of the training-like"


if __name__ == "__main__":
    main()
