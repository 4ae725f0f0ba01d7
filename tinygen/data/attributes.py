"""Attributes of handwriting measured on the digits themselves: stroke thickness and slant.

StarGAN translates between domains given by attribute labels (CelebA's hair
colour, gender, age). MNIST has no such labels, so we measure two attributes
of each digit from its ink, with functions simple enough to check by hand;
the evaluation reuses the same functions to ask whether a translated digit
has the attribute it was asked for.

Both take grey levels g in [0, 1] (1 = ink), of shape (N, 28, 28) or (N, 1, 28, 28).

    thickness   ink per unit of stroke length,   w = sum_pixels g / (P / 2)
                P, the perimeter, counts the pixel edges between ink (g > 1/2) and background.
                A stroke is a ribbon of width w and length L: its outline runs along both
                sides, P ~ 2 L, and its ink is ~ w L, so the ratio is the width w in pixels.
                (A straight bar w x L gives w L / (L + w); along a diagonal the stair-step
                outline is ~ 4/pi too long. Both biases are the same for every digit, and only
                the order of the digits matters for a median split.) Holes count: the inside of
                an 0 is the other side of its stroke.
    slant       the shear of the ink, from its second moments about the centroid (x right, y up):
                s = mu_11 / mu_02 = sum g (x - x_bar)(y - y_bar) / sum g (y - y_bar)^2,
                the least-squares slope dx/dy of the ink: how many pixels the strokes move to
                the right per pixel up. s > 0 leans right ( / ), s < 0 leans left ( \\ ).
                (The shear x' = x - s (y - y_bar) makes mu_11 zero: deskewing.)

A digit with no ink gets thickness 0 and slant 0.

``AttributeSplit.at_median(train_images)`` turns the measurements into binary
attributes by splitting each at its median over the training digits: thick
(above the median thickness, 1.92 pixels on the embedded subset) or thin,
slanted (above the median slant) or upright. The median MNIST digit already
leans right (s = 0.14), so "upright" gathers the upright and the
left-leaning digits, "slanted" those leaning further right. Half the training
digits have each attribute; the labels are a multi-label vector c in
{0, 1}^2, as StarGAN's CelebA attributes are. The two are nearly
independent (correlation -0.07 over the training digits) and every digit
class has both values of both.
"""
import numpy

INK_THRESHOLD = 0.5  # a pixel is ink, for the outline, when g > 1/2


def _grey_levels(images):
    images = numpy.asarray(images.numpy() if hasattr(images, "numpy") else images, dtype=numpy.float64)
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3:
        raise ValueError(f"attributes are measured on images of shape (N, H, W) or (N, 1, H, W), got {images.shape}")
    if images.size and (images.min() < -1e-6 or images.max() > 1 + 1e-6):
        raise ValueError(f"attributes are measured on grey levels in [0, 1], got values in [{images.min():.3g}, "
                         f"{images.max():.3g}]: map signed images in [-1, 1] with (x + 1) / 2 first")  # fmt: skip
    return images


def _ratio(numerator, denominator):
    return numpy.divide(numerator, denominator, out=numpy.zeros_like(numerator), where=denominator > 0)


def perimeter(images):
    """The number of pixel edges between ink (g > 1/2) and background, including the image border, (N,)."""
    ink = numpy.pad(_grey_levels(images) > INK_THRESHOLD, ((0, 0), (1, 1), (1, 1)))
    across = (ink[:, :, 1:] != ink[:, :, :-1]).sum(axis=(1, 2))  # vertical edges, between horizontal neighbours
    down = (ink[:, 1:, :] != ink[:, :-1, :]).sum(axis=(1, 2))
    return (across + down).astype(numpy.float64)


def thickness(images):
    """Ink per unit of stroke length, sum g / (perimeter / 2): the stroke width in pixels, (N,) float64."""
    return _ratio(_grey_levels(images).sum(axis=(1, 2)), perimeter(images) / 2)


def slant(images):
    """mu_11 / mu_02 of the ink (x right, y up): the strokes' rightward shift per pixel up, (N,) float64."""
    g = _grey_levels(images)
    rows, columns = numpy.indices(g.shape[1:], dtype=numpy.float64)
    x, y = columns, -rows  # y up, so that a digit leaning right has s > 0
    mass = g.sum(axis=(1, 2))
    x_bar, y_bar = (_ratio((g * a).sum(axis=(1, 2)), mass)[:, None, None] for a in (x, y))
    mu_11 = (g * (x - x_bar) * (y - y_bar)).sum(axis=(1, 2))
    mu_02 = (g * (y - y_bar) ** 2).sum(axis=(1, 2))
    return _ratio(mu_11, mu_02)


class AttributeSplit:
    """Binary attributes: each measurement above its threshold (the training digits' median) or not.

    split(images) -> (N, k) float32 of 0/1, one column per attribute, in the order of ``ATTRIBUTES``.
    """

    # name: (measure, (what 0 means, what 1 means))
    ATTRIBUTES = {"thickness": (thickness, ("thin", "thick")), "slant": (slant, ("upright", "slanted"))}

    def __init__(self, thresholds):
        self.thresholds = numpy.asarray(thresholds, dtype=numpy.float64)
        if self.thresholds.shape != (len(self.ATTRIBUTES),):
            raise ValueError(f"one threshold per attribute {list(self.ATTRIBUTES)}, got shape {self.thresholds.shape}")

    @classmethod
    def at_median(cls, train_images):
        """The split at each attribute's median over ``train_images`` (the training digits: never the test set)."""
        return cls([numpy.median(measure(train_images)) for measure, _ in cls.ATTRIBUTES.values()])

    def measure(self, images):
        """Every attribute's measurement, (N, k) float64."""
        return numpy.stack([measure(images) for measure, _ in self.ATTRIBUTES.values()], axis=1)

    def __call__(self, images):
        return (self.measure(images) > self.thresholds).astype(numpy.float32)

    @classmethod
    def domains(cls):
        """Every combination of the k binary attributes, (2^k, k) float32, the first attribute varying slowest."""
        k = len(cls.ATTRIBUTES)
        return numpy.array([[(d >> (k - 1 - i)) & 1 for i in range(k)] for d in range(2**k)], dtype=numpy.float32)

    @classmethod
    def domain_name(cls, c):
        """The attribute vector in words: 'thin, upright' for c = (0, 0)."""
        return ", ".join(words[int(value)] for (_, words), value in zip(cls.ATTRIBUTES.values(), c))

    def __repr__(self):
        return "AttributeSplit(" + ", ".join(f"{name} > {t:.4g}" for name, t in zip(self.ATTRIBUTES, self.thresholds)) + ")"
