"""From MNIST's grey levels to the numbers a model sees: grey, binarised, or dequantised.

A pixel is stored as a grey level g in {0, ..., 255}. Models want one of:

    grey          x = g / 255                           in [0, 1]
    signed grey   x = 2 g / 255 - 1                     in [-1, 1], the range of a tanh output (GANs)
    dynamic       x ~ Bernoulli(g / 255)                a fresh draw each time the image is seen
    static        x ~ Bernoulli(g / 255)                drawn once with a fixed seed, then frozen
    dequantised   x = (g + u) / 256,  u ~ U[0, 1)       a continuous value inside g's bin
                                                        (u on a grid of 2^16 steps, exact in float32)

Binary images suit Bernoulli likelihoods (VAEs, PixelCNN, FVSBN). Dynamic
binarisation draws a new binary image every epoch, a data augmentation that
reduces over-fitting; static binarisation is the fixed benchmark of Larochelle
and Murray (2011). Dequantisation serves continuous densities (flows,
diffusion): a density on [0, 1] can put unbounded mass on the 256 grey levels
themselves, but not on their bins. A continuous log-density log p(x) then
bounds the discrete log-likelihood, log P(g) >= E_u[log p((g + u)/256)] - D log 256
for D pixels: subtract log 256 per pixel to report bits or nats per grey level.

Each function maps a batch of grey levels (uint8, any shape) to float32. The
random ones draw from tinygen's CPU generator (``tinygen.manual_seed``), whose
state a checkpoint saves, so that a resumed run draws the same images.
"""
import numpy

from ..random import generator

GREY_LEVELS = 256


def grey(pixels):
    return (pixels / numpy.float32(GREY_LEVELS - 1)).astype(numpy.float32)


def signed_grey(pixels):
    return grey(pixels) * numpy.float32(2) - numpy.float32(1)


def dynamic_binarize(pixels):
    return (generator().random(pixels.shape, dtype=numpy.float32) < grey(pixels)).astype(numpy.float32)


def static_binarize(pixels, seed):
    """Grey levels 0 or 255, one Bernoulli draw per pixel from a generator of its own seeded with ``seed``.

    Done once, when the data set is loaded; ``grey`` then maps them to 0.0 and 1.0.
    """
    uniform = numpy.random.default_rng(seed).random(pixels.shape, dtype=numpy.float32)
    return numpy.where(uniform < grey(pixels), numpy.uint8(GREY_LEVELS - 1), numpy.uint8(0))


def dequantize(pixels):
    # u on a grid of 2^16 steps: 2^16 g + k then has at most 24 significant bits, so float32 holds
    # x = (2^16 g + k) / 2^24 exactly, and rounding can never push it into the next grey level's bin.
    steps = generator().integers(0, 2**16, size=pixels.shape)
    return ((pixels.astype(numpy.int64) * 2**16 + steps) / 2**24).astype(numpy.float32)
