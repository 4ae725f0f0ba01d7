"""The masks that keep each conditional of the chain rule from seeing its own value or later ones.

A network computes all D conditionals p(x_d | x_<d) in one pass only if its
output d depends on nothing at or after d. Masking its weights with fixed 0/1
arrays guarantees that by construction:

* FVSBN (``fvsbn_mask``): the logits b + x (W * M)^T, with M strictly lower
  triangular (M_dj = 1 for j < d): dimension d is regressed on x_<d only.
* PixelCNN (``pixelcnn_mask``): a convolution kernel keeps the rows above the
  centre and the pixels left of it, so its output at pixel i sees only pixels
  before i in raster order;

      mask type A (first layer): the centre pixel is hidden, so the prediction
          of x_i never sees x_i itself;
      mask type B (later layers): the centre is kept, since the features there
          already depend only on pixels before i.

  For colour images each pixel's channels are predicted in the order R, G, B:
  the channels are split into ``color_groups`` groups, and at the centre an
  output group may see an input group only if it comes earlier (type A) or is
  the same or earlier (type B).
* PixelRNN (``gate_mask``): mask B, repeated for each of the LSTM's four gates
  (and for each of the two halves of a gated PixelCNN's tanh * sigmoid unit).
* Gated PixelCNN (``vertical_mask``): the rows above the centre, every column
  (type A, on the image), and the centre row too (type B, on features that at
  row r have seen only the rows above r, so that their whole row is the past).

``pixelcnn_conv`` builds a masked convolution that keeps the image size, as the
pixel models use them.
"""
import numpy

from ...nn import MaskedConv2d
from ...ops.conv import pair


def fvsbn_mask(num_dims):
    """M (num_dims, num_dims) with M_dj = 1 for j < d, else 0: dimension d sees the dimensions before it."""
    return numpy.tril(numpy.ones((num_dims, num_dims), numpy.float32), k=-1)


def pixelcnn_mask(out_channels, in_channels, kernel_size, mask_type, color_groups=1):
    """The 0/1 mask (out_channels, in_channels, kh, kw) of a PixelCNN convolution (see the module docstring)."""
    if mask_type not in ("A", "B"):
        raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}")
    for channels, name in ((in_channels, "in_channels"), (out_channels, "out_channels")):
        if channels % color_groups:
            raise ValueError(f"{name}={channels} must be divisible by color_groups={color_groups}")
    kh, kw = pair(kernel_size, "kernel_size")
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(f"a PixelCNN kernel needs odd sides, so that it has a centre pixel (the one being predicted), "
                         f"got kernel_size {kernel_size}: use 3, 5, 7, ...")  # fmt: skip
    mask = numpy.zeros((out_channels, in_channels, kh, kw), numpy.float32)
    mask[:, :, : kh // 2, :] = 1  # every row above the centre
    mask[:, :, kh // 2, : kw // 2] = 1  # the centre row, left of the centre
    out_group = numpy.arange(out_channels) * color_groups // out_channels
    in_group = numpy.arange(in_channels) * color_groups // in_channels
    earlier = in_group[None, :] < out_group[:, None] if mask_type == "A" else in_group[None, :] <= out_group[:, None]
    mask[:, :, kh // 2, kw // 2] = earlier
    return mask


def gate_mask(in_channels, hidden_channels, kernel_size, color_groups, gates=4):
    """The mask-B mask of a convolution into ``gates`` blocks of h channels each: an LSTM's [i | f | g | o]
    (``lstm_gates``), a gated unit's [tanh | sigmoid] (gates=2). The colour groups of the h hidden units
    repeat in each block, so that unit j of every gate belongs to the same colour."""
    return numpy.tile(pixelcnn_mask(hidden_channels, in_channels, kernel_size, "B", color_groups), (gates, 1, 1, 1))


def vertical_mask(out_channels, in_channels, kernel_size, mask_type):
    """The 0/1 mask of a gated PixelCNN's vertical stack: every row above the centre, all columns, and with
    mask type B the centre row too.

    Type A reads the image: the rows above only. Type B reads the stack's own
    features, which at row r have seen only the image rows above r, so the
    whole centre row may be read, right of the centre too. No colour groups:
    nothing of the pixel being predicted is in what the stack reads."""
    if mask_type not in ("A", "B"):
        raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}")
    kh, kw = pair(kernel_size, "kernel_size")
    mask = pixelcnn_mask(out_channels, in_channels, (kh, kw), "A")
    mask[:, :, kh // 2, :] = mask_type == "B"
    return mask


def same_size_conv(mask, device=None, dtype=None):
    """A convolution whose kernel is masked by ``mask`` (out, in, kh, kw), padded by (kh // 2, kw // 2):
    the output is as large as the input, and its pixel i is centred on input pixel i."""
    out_channels, in_channels, kh, kw = mask.shape
    padding = (kh // 2, kw // 2)
    return MaskedConv2d(in_channels, out_channels, (kh, kw), mask, padding=padding, device=device, dtype=dtype)


def pixelcnn_conv(in_channels, out_channels, kernel_size, mask_type, color_groups=1, device=None, dtype=None):
    """A PixelCNN convolution, mask ``mask_type`` "A" or "B", that keeps the image size."""
    return same_size_conv(pixelcnn_mask(out_channels, in_channels, kernel_size, mask_type, color_groups), device, dtype)
