"""Puzzle-GAN on MNIST: the whole digit, and where its pieces go, from one to three 8x8 patches of it.

Each training digit gives 1 to 3 key patches of 8x8 pixels with ink in them
(``tinygen/data/patches.py``), cut afresh every batch and handed over in a
random order, without their positions. Puzzle-GAN (Lee et al., 2018;
``tinygen/models/part_to_whole/puzzle.py``): a shared part encoder, the
codes summed, one DCGAN decoder for the digit and the mask of where the
patches belong; the spatial loss (the mask's cross-entropy) and the
appearance loss (the patches in place, under the true mask) beside a
non-saturating GAN loss whose discriminator also rejects real parts on
another digit's background.

Measured at the end on the test digits for k = 1, 2, 3 patches
(``tinygen/evaluation/part_to_whole.py``): the MNIST feature network's
accuracy on the completions against the source digit's label, the L1 error
of the completion under each patch at its true position, the IoU of the
predicted mask, FID/KID against the training digits; beside the patches
pasted at their true positions on the mean digit, a mask that ignores the
patches, and the real digits.

Settings: Adam (1e-3, betas 0.5, 0.999) for both networks, lambda_M =
lambda_A = 100 (pix2pix's weight of the reconstruction against the GAN
loss), networks of width 32, z of 16; the default trains 32 epochs of the
4,000 embedded training digits at batch 64 (2,000 steps of each player,
~5 minutes of one core). --full: 25 epochs (the authors' count) at width
64. The completions follow the patches (seeds 0-2): the classifier names the
source digit 19% / 23% / 26% of the time from 1 / 2 / 3 patches (chance
10%; the patches pasted in place on the mean digit 31% / 53% / 69%), and
the mask finds the patches better than a content-free guess
(benchmarks/results/puzzle-gan-2026-12-02.md: the figures, and the variants
that failed, the paper's own losses among them).

    python examples/puzzle_gan_mnist.py         # runs/puzzle_gan_mnist/: puzzle.png, metrics.json, samples.npz

puzzle.png: per test digit (columns), its 3 patches, the completions from 1,
2 and 3 of them with the predicted mask of the 3-patch completion, and the
real digit with the patches' true squares.
"""
import numpy as np

import tinygen as tg
from tinygen import train
from tinygen.data import ArrayDataset, DataLoader, mnist
from tinygen.data.patches import PatchLoader
from tinygen.data.pixels import grey
from tinygen.evaluation.part_to_whole import COUNTS, score_part_to_whole
from tinygen.models.gan import DCGANDiscriminator
from tinygen.models.part_to_whole import PuzzleGAN, PuzzleGenerator
from tinygen.train.arguments import positive_int

FULL = {"epochs": 25, "width": 64}
BATCH = 250  # test digits completed at once
SHOWN = 10  # test digits in puzzle.png


def parser():
    arguments = train.gan_example_parser(
        "puzzle_gan_mnist", __doc__.split("\n")[0], epochs=32, batch_size=64, lr=1e-3, width=32, latent=16, ema=False,
        samples_help="test digits completed for each number of patches, scored and saved")  # fmt: skip
    arguments.add_argument("--patch-size", type=positive_int, default=8, help="side of the square patches")
    arguments.add_argument("--mask-weight", type=float, default=100.0, help="lambda_M, the spatial loss's weight")
    arguments.add_argument("--appearance-weight", type=float, default=100.0, help="lambda_A, the appearance weight")
    return arguments


def main(argv=None):
    args = train.parse_example_args(parser(), argv, FULL)
    run = train.Run(args)
    data = mnist(args.data)
    (train_pixels, train_labels), (test_pixels, test_labels) = data.train.arrays, data.test.arrays
    digits = DataLoader(ArrayDataset(grey(train_pixels), train_labels), args.batch_size, shuffle=True, seed=args.seed,
                        device=args.device)  # fmt: skip
    loader = PatchLoader(digits, args.patch_size, max(COUNTS), seed=args.seed)
    model = PuzzleGAN(PuzzleGenerator(args.patch_size, latent_dim=args.latent, width=args.width),
                      DCGANDiscriminator(width=args.width), args.latent, args.mask_weight,
                      args.appearance_weight).to(args.device)  # fmt: skip
    train.fit_in_phases(run, model, loader, model.phases(args.lr))

    def complete(patches, present):
        model.eval()
        with tg.no_grad():
            parts = [model.complete(tg.tensor(patches[i : i + BATCH] * 2 - 1, device=args.device),
                                    tg.tensor(present[i : i + BATCH], device=args.device))
                     for i in range(0, len(patches), BATCH)]  # fmt: skip
        return (np.concatenate([(image.numpy() + 1) / 2 for image, _ in parts]).clip(0, 1),
                np.concatenate([mask.numpy() for _, mask in parts]))  # fmt: skip

    n = min(100 if args.quick else args.samples, len(test_pixels))
    test_images, reference = grey(test_pixels[:n]), grey(train_pixels[: 300 if args.quick else None])
    figures, completions = score_part_to_whole(complete, test_images, test_labels[:n], reference, args.patch_size,
                                               seed=args.seed)  # fmt: skip
    picture(run, test_images, completions)
    train.save_samples(run, {f"k{k}": generated for k, (_, generated, _) in completions.items()}
                       | {f"k{k}_masks": masks for k, (_, _, masks) in completions.items()})  # fmt: skip
    final = run.finish(**figures, patch_size=args.patch_size)
    print(summary(final))
    return final


def picture(run, images, completions):
    """puzzle.png: a column per test digit; its patches, the completions from k = 1, 2, 3, the mask, the real digit."""
    k = max(completions)
    cut, _, masks = completions[k]
    canvases = np.zeros((k, SHOWN, 1, *images.shape[2:]), np.float32)
    size = cut.patches.shape[-1]
    for j in range(k):  # each patch drawn at the canvas's top-left corner: its position is not shown
        canvases[j, :, 0, :size, :size] = cut.patches[:SHOWN, j]
    real_with_squares = np.maximum(images[:SHOWN], 0.35 * cut.masks[:SHOWN].max(1, keepdims=True))
    rows = [*canvases, *(completions[count][1][:SHOWN] for count in sorted(completions)), masks[:SHOWN],
            real_with_squares]  # fmt: skip
    labels = [f"patch {j + 1}" for j in range(k)] + [f"from {count}" for count in sorted(completions)]
    labels += ["mask", "real"]
    train.save_image_grid(np.concatenate(rows), run.path("puzzle.png"), nrow=SHOWN, row_labels=labels)


def summary(final):
    return "; ".join(f"k={k}: accuracy {final[f'k{k}_accuracy']:.3f} (pasted {final[f'k{k}_paste_accuracy']:.3f}), "
                     f"patch L1 {final[f'k{k}_patch_l1']:.3f} (mean digit {final[f'k{k}_mean_patch_l1']:.3f}), "
                     f"mask IoU {final[f'k{k}_mask_iou']:.3f} (blind {final[f'k{k}_prior_mask_iou']:.3f}), "
                     f"FID {final[f'k{k}_fid']:.1f}" for k in COUNTS) + (
        f"; real digits: accuracy {final['real_accuracy']:.3f}, FID {final['real_fid']:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
