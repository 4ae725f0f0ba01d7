"""Part-to-whole generation, measured (Puzzle-GAN on MNIST): is the completion the source's digit, does it keep
the patches where they were cut, does the mask find them, does it look real?

Every test digit y (label c) gives k = 1, 2, 3 key patches (``tinygen.data.patches.cut_patches``, seeded by
k); ``complete(patches, present)`` returns the whole y^ and the mask M^, images in [0, 1], (N, 1, 28, 28).
Per k:

    k<k>_accuracy        the share of completions the MNIST feature network reads as c: the patches
                         carried the digit's identity into the whole
    k<k>_patch_l1        mean |y^[r:r+s, c:c+s] - patch| per pixel over the patches, at their *true* positions
    k<k>_mask_iou        per image |{M^ >= 1/2} and {M = 1}| / |{M^ >= 1/2} or {M = 1}|, averaged
    k<k>_fid, _kid       in MNIST features, the completions against the reference (real training digits)

Two references beside them. The patches pasted at their true positions on the mean training digit
(``paste``): what the pieces say by themselves when placed right (``k<k>_paste_accuracy``, ``_paste_fid``,
``_paste_kid``), and ``k<k>_mean_patch_l1``, the patch error of the mean digit, which ignores the patches. And
the real test digits: ``real_accuracy``, ``real_fid``, ``real_kid``, the floor (the same number of images).
And ``k<k>_prior_mask_iou``, the IoU of a mask that ignores the patches: the share of test digits with a patch
on each pixel, thresholded at 1/2 (the best content-free guess, fitted on the test masks themselves).
"""
import numpy

from ..data.patches import cut_patches
from .features import embed, feature_network
from .image_metrics import fid, kid, label_accuracy

COUNTS = (1, 2, 3)


def paste(background, patches, positions):
    """``background`` (N, 1, H, W) with each present patch (N, K, s, s) copied in at its position (N, K, 2)."""
    images, size = numpy.array(background, dtype=numpy.float32, copy=True), patches.shape[-1]
    for i, j in numpy.argwhere(positions[..., 0] >= 0):
        r, c = positions[i, j]
        images[i, 0, r : r + size, c : c + size] = patches[i, j]
    return images


def patch_l1(images, patches, positions):
    """Mean |images[i, 0, r:r+s, c:c+s] - patches[i, j]| per pixel over every present patch (i, j)."""
    size = patches.shape[-1]
    errors = [numpy.abs(images[i, 0, r : r + size, c : c + size] - patches[i, j]).mean()
              for i, j in numpy.argwhere(positions[..., 0] >= 0) for r, c in [positions[i, j]]]  # fmt: skip
    return float(numpy.mean(errors))


def mask_iou(predicted, true, threshold=0.5):
    """The intersection over union of {predicted >= threshold} and {true > 0} per image (N, ...), averaged."""
    a = numpy.asarray(predicted).reshape(len(predicted), -1) >= threshold
    b = numpy.asarray(true).reshape(len(true), -1) > 0
    union = (a | b).sum(1)
    return float(numpy.mean(numpy.where(union > 0, (a & b).sum(1) / numpy.maximum(union, 1), 1.0)))


def score_part_to_whole(complete, images, labels, reference, size, max_patches=3, seed=0, net=None):
    """Every figure of the module docstring -> (figures {name: value}, {k: (Patches, completions, masks)}).

    ``complete(patches, present)``: patches (N, K, s, s) in [0, 1], present (N, K) bool -> (y^, M^) in [0, 1].
    ``images`` (N, 1, 28, 28) in [0, 1] and ``labels``: the test digits; ``reference``: real training digits,
    whose mean is the paste background and whose features FID and KID compare against.
    """
    net = feature_network() if net is None else net
    reference_features = embed(net, reference)[0]
    mean_digit = numpy.broadcast_to(reference.mean(0, keepdims=True), images.shape)

    def realism(shown, prefix):
        features, probabilities = embed(net, shown)
        return {f"{prefix}accuracy": label_accuracy(probabilities, labels),
                f"{prefix}fid": fid(reference_features, features), f"{prefix}kid": kid(reference_features, features)[0]}

    figures, completions = realism(images, "real_"), {}
    for k in COUNTS[:max_patches]:
        cut = cut_patches(images, k, size, numpy.random.default_rng([seed, k]), max_patches)
        generated, masks = complete(cut.patches, cut.present)
        figures |= realism(generated, f"k{k}_") | realism(paste(mean_digit, cut.patches, cut.positions), f"k{k}_paste_")
        figures |= {f"k{k}_patch_l1": patch_l1(generated, cut.patches, cut.positions),
                    f"k{k}_mean_patch_l1": patch_l1(mean_digit, cut.patches, cut.positions),
                    f"k{k}_mask_iou": mask_iou(masks, cut.masks.max(1)),
                    f"k{k}_prior_mask_iou": mask_iou(numpy.broadcast_to(cut.masks.max(1).mean(0), masks.shape),
                                                     cut.masks.max(1))}  # fmt: skip
        completions[k] = cut, generated, masks
    return figures, completions
