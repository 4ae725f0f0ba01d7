"""Sample quality, measured offline: how close generated digits (or 2-D points) come to the real ones.

Models without a likelihood (GANs), or with only a bound (VAEs, diffusion),
are judged by their samples. Everything here runs offline, on tinygen's own
MNIST classifier instead of a downloaded Inception network:

    features          the MNIST feature network (weights shipped, SHA-256 checked), ``feature_network()``, ``embed``
    image_metrics     FID and KID in its features, Inception Score, precision/recall, class coverage
    toy_metrics       modes captured, high-quality share and reverse KL on 2-D mixtures (VEEGAN, PacGAN)
    translation       translation between digit domains: label preservation (a judge of both domains),
                      FID/KID against the target beside floor and ceiling, cycle error
    captioned         text to image: digits generated from captions read as the named digit, measured as
                      the named thickness and slant
    part_to_whole     completions from a few patches: the source digit read back, the patches kept in place,
                      the mask's IoU, FID/KID, beside the patches pasted on the mean digit
    clustering        clusters as a classifier: accuracy after the best one-to-one matching to the labels
    score             all image metrics of a set of samples at once, the real-data floor, a run's samples.npz
    uses              what a density is for besides sampling: Bayes' rule over classes, AUROC of anomaly
                      scores, the linear probe of learned codes, outlier sets (rotated, inverted, shrunk, noise)
    train_feature_network   the script that trained the shipped weights

    python -m tinygen.evaluation RUN_DIR    # score RUN_DIR/samples.npz into RUN_DIR/metrics.json

Imports: ``nn``, ``data``, ``serialization`` and the core below them; never
``models`` or ``train``, which sit above it: any model's samples are scored
the same way, and the training loops score theirs at the end of a run.
"""
from .clustering import matched_accuracy
from .features import MNISTFeatureNet, embed, feature_network
from .image_metrics import class_coverage, fid, frechet_distance, inception_score, kid, label_accuracy, precision_recall
from .score import flat_figures, real_floor, score_images, score_run, score_samples, summary
from .toy_metrics import mode_metrics

__all__ = [
    "MNISTFeatureNet", "embed", "feature_network", "class_coverage", "fid", "frechet_distance", "inception_score",
    "kid", "label_accuracy", "precision_recall", "real_floor", "score_images", "score_run", "score_samples",
    "flat_figures", "summary", "mode_metrics", "matched_accuracy",
]  # fmt: skip
