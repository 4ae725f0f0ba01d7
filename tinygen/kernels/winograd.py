"""Winograd's F(2x2, 3x3): a 3x3 stride-1 convolution with 16 multiplications per 2x2 outputs instead of 36.

Lavin and Gray (2016). Cut the output into 2x2 tiles; the tile at (ty, tx) reads the 4x4 input patch d at rows
2*ty - p .. 2*ty - p + 3 and columns 2*tx - p .. 2*tx - p + 3 (zeros outside the image: the padding). For one
input channel and one 3x3 kernel g,

    Y = A^T [ (G g G^T) * (B^T d B) ] A                      (* elementwise, on 4x4 matrices)

with
          | 1  0 -1  0 |          | 1    0    0  |
    B^T = | 0  1  1  0 |      G = | 1/2  1/2  1/2 |      A^T = | 1  1  1  0 |
          | 0 -1  1  0 |          | 1/2 -1/2  1/2 |            | 0  1 -1 -1 |
          | 0  1  0 -1 |          | 0    0    1  |

Summing over input channels happens between the transforms, where it is a matrix product: with
U[xi] = (G g G^T)[xi] as an (F, C) matrix and V[xi] = (B^T d B)[xi] as a (C, tiles) matrix for each of the
16 positions xi of the 4x4 transform,

    M[xi] = U[xi] @ V[xi]           16 products (F, C) @ (C, tiles): y = output_transform(M)

16 multiplications for 4 outputs where im2col's one product (F, 9C) @ (9C, pixels) makes 36: 4/9 of the work.
The transforms are additions only, but they read and write every tile, so their loops decide the speed.

The map is linear in g and in d, so each gradient is its adjoint. The input gradient of a stride-1 convolution is
itself a stride-1 convolution with the kernel flipped, which ops/conv.py takes for 32 channels or more, so it comes
through the same three steps. The weight
gradient runs the chain backwards in g: the output transform's adjoint on the upstream gradient, dM = A dY A^T,
the products summed over tiles, dU[xi] = dM[xi] @ V[xi]^T, and the weight transform's adjoint, dg = G^T dU G.

The CPU loops run one (channel, image) plane per job, 16 values of V or M per tile; ``ops/conv.py`` calls them
for chunks of images, so that V and M are still in the cache when the products read them. Each transform has a
serial kernel and a parallel one over the same per-plane body: planes write disjoint tiles, so the two give the
same bits. The parallel one runs only for chunks large enough to be worth a second thread
(``threads.kernel_threads``: 4 million values), which the 2 MiB chunks of ops/conv.py reach only when one image
alone is that large (64 channels at 128x128); on two idle cores the parallel transforms of a 0.5M-value chunk
took 1.2-1.7x the serial time. GPU arrays keep to im2col (ops/conv.py asks ``applies`` first).
"""
import numpy
from numba import prange
from numba.extending import register_jitable

from .. import threads
from .jit import cpu_kernel

B_T = numpy.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], numpy.float64)
G = numpy.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], numpy.float64)
A_T = numpy.array([[1, 1, 1, 0], [0, 1, -1, -1]], numpy.float64)


def applies(geometry, x):
    """Whether the convolution is 3x3, stride 1, undilated, unmasked and ungrouped, of float32 or float64 on the CPU."""
    g = geometry
    plain_3x3 = g.kernel_size == (3, 3) and g.stride == (1, 1) and g.dilation == (1, 1) and len(g.taps) == 9
    return plain_3x3 and g.groups == 1 and isinstance(x, numpy.ndarray) and x.dtype in (numpy.float32, numpy.float64)


def tiles(geometry):
    """(TH, TW): 2x2 output tiles per image, the last row or column cut off where the output size is odd."""
    oh, ow = geometry.output_size
    return (oh + 1) // 2, (ow + 1) // 2


def weight_transform(w):
    """U = G g G^T for every (F, C) pair of 3x3 kernels: (F, C, 3, 3) -> (16, F, C)."""
    u = numpy.einsum("ai,fcij,bj->abfc", G, w, G, optimize=True)
    return u.reshape(16, *w.shape[:2]).astype(w.dtype)


def weight_transform_adjoint(du):
    """dg = G^T dU G: (16, F, C) -> (F, C, 3, 3), the weight gradient from the gradient of U."""
    return numpy.einsum("ai,abfc,bj->fcij", G, du.reshape(4, 4, *du.shape[1:]), G, optimize=True).astype(du.dtype)


@register_jitable
def _padded_plane(x, n, c, padding, rows, columns):
    """x[n, c] inside a rows x columns plane of zeros, at (ph, pw): the padding, and zeros past the last tile."""
    plane = numpy.zeros((rows, columns), x.dtype)
    plane[padding[0]:padding[0] + x.shape[2], padding[1]:padding[1] + x.shape[3]] = x[n, c]
    return plane


def input_transform(x, padding, v):
    """V[:, c, tile] = B^T d B for every 4x4 patch d of x (B, C, H, W); v is (16, C, B * TH * TW)."""
    if threads.kernel_threads(v.size) > 1:
        _input_transform_parallel(x, padding, v)
    else:
        _input_transform(x, padding, v)


@register_jitable
def _input_plane(x, padding, v, job):
    """The tiles of plane ``job`` = (channel, image). B^T mixes the patch's 4 rows, done for a whole row of tiles
    at once (a loop the compiler vectorises); then B mixes each tile's 4 columns, taken two apart along that row."""
    n_img, channels, height, width = x.shape
    th, tw = (height + 2 * padding[0] - 1) // 2, (width + 2 * padding[1] - 1) // 2  # OH = H + 2p - 2, halved up
    c, n = job // n_img, job % n_img
    plane = _padded_plane(x, n, c, padding, 2 * th + 2, 2 * tw + 2)
    bt_d = numpy.empty((4, 2 * tw + 2), x.dtype)
    for ty in range(th):
        d0, d1, d2, d3 = plane[2 * ty], plane[2 * ty + 1], plane[2 * ty + 2], plane[2 * ty + 3]
        for j in range(2 * tw + 2):  # B^T d
            bt_d[0, j], bt_d[1, j] = d0[j] - d2[j], d1[j] + d2[j]
            bt_d[2, j], bt_d[3, j] = d2[j] - d1[j], d1[j] - d3[j]
        first = (n * th + ty) * tw
        for i in range(4):  # (B^T d) B
            row, v0, v1, v2, v3 = bt_d[i], v[4 * i, c], v[4 * i + 1, c], v[4 * i + 2, c], v[4 * i + 3, c]
            for tx in range(tw):
                e0, e1, e2, e3 = row[2 * tx], row[2 * tx + 1], row[2 * tx + 2], row[2 * tx + 3]
                t = first + tx
                v0[t], v1[t], v2[t], v3[t] = e0 - e2, e1 + e2, e2 - e1, e1 - e3


@cpu_kernel()
def _input_transform(x, padding, v):
    for job in range(x.shape[1] * x.shape[0]):
        _input_plane(x, padding, v, job)


@cpu_kernel(parallel=True)
def _input_transform_parallel(x, padding, v):
    """The same, the planes shared among Numba's threads; only for large chunks, since the call then waits for the
    slowest thread (``threads.kernel_threads``)."""
    for job in prange(x.shape[1] * x.shape[0]):
        _input_plane(x, padding, v, job)


@register_jitable
def _a_t(m0, m1, m2, m3):
    """A^T times a column of 4 (or a row of 4 times A): the output transform along one axis."""
    return m0 + m1 + m2, m1 - m2 - m3


def output_transform(m, y):
    """y[:, :, 2ty + i, 2tx + j] = (A^T M A)[i, j] for every tile; m is (16, F, B * TH * TW), y (F, B, OH, OW)."""
    if threads.kernel_threads(m.size) > 1:
        _output_transform_parallel(m, y)
    else:
        _output_transform(m, y)


@register_jitable
def _output_plane(m, y, job):
    """Plane ``job`` = (channel, image), written whole tiles at a time, without a bounds test, into a buffer cut
    to OH x OW at the end."""
    channels, n_img, oh, ow = y.shape
    th, tw = (oh + 1) // 2, (ow + 1) // 2
    f, n = job // n_img, job % n_img
    plane = numpy.empty((2 * th, 2 * tw), y.dtype)
    for ty in range(th):
        top, bottom, first = plane[2 * ty], plane[2 * ty + 1], (n * th + ty) * tw
        for tx in range(tw):
            t = first + tx
            c0 = _a_t(m[0, f, t], m[4, f, t], m[8, f, t], m[12, f, t])  # A^T M, column by column
            c1 = _a_t(m[1, f, t], m[5, f, t], m[9, f, t], m[13, f, t])
            c2 = _a_t(m[2, f, t], m[6, f, t], m[10, f, t], m[14, f, t])
            c3 = _a_t(m[3, f, t], m[7, f, t], m[11, f, t], m[15, f, t])
            top[2 * tx], top[2 * tx + 1] = _a_t(c0[0], c1[0], c2[0], c3[0])  # (A^T M) A, row by row
            bottom[2 * tx], bottom[2 * tx + 1] = _a_t(c0[1], c1[1], c2[1], c3[1])
    y[f, n] = plane[:oh, :ow]


@cpu_kernel()
def _output_transform(m, y):
    for job in range(y.shape[0] * y.shape[1]):
        _output_plane(m, y, job)


@cpu_kernel(parallel=True)
def _output_transform_parallel(m, y):
    """The same, the planes shared among Numba's threads; only for large chunks, since the call then waits for the
    slowest thread (``threads.kernel_threads``)."""
    for job in prange(y.shape[0] * y.shape[1]):
        _output_plane(m, y, job)


def output_transform_adjoint(gy, dm):
    """dM[:, f, tile] = A dY A^T for every 2x2 tile dY of gy (B, F, OH, OW) (zeros past an odd edge);
    dm is (16, F, tiles)."""
    if threads.kernel_threads(dm.size) > 1:
        _output_transform_adjoint_parallel(gy, dm)
    else:
        _output_transform_adjoint(gy, dm)


@register_jitable
def _output_adjoint_plane(gy, dm, job):
    """The tiles of plane ``job`` = (channel, image). A u = (u0, u0 + u1, u0 - u1, -u1): down the rows of a row of
    tiles at once, then along each tile's columns."""
    n_img, channels, oh, ow = gy.shape
    th, tw = (oh + 1) // 2, (ow + 1) // 2
    f, n = job // n_img, job % n_img
    plane = numpy.zeros((2 * th, 2 * tw), gy.dtype)
    plane[:oh, :ow] = gy[n, f]
    a_dy = numpy.empty((4, 2 * tw), gy.dtype)
    for ty in range(th):
        u0, u1 = plane[2 * ty], plane[2 * ty + 1]
        for j in range(2 * tw):  # A dY
            a_dy[0, j], a_dy[1, j], a_dy[2, j], a_dy[3, j] = u0[j], u0[j] + u1[j], u0[j] - u1[j], -u1[j]
        first = (n * th + ty) * tw
        for i in range(4):  # (A dY) A^T
            row, m0, m1, m2, m3 = a_dy[i], dm[4 * i, f], dm[4 * i + 1, f], dm[4 * i + 2, f], dm[4 * i + 3, f]
            for tx in range(tw):
                e0, e1 = row[2 * tx], row[2 * tx + 1]
                t = first + tx
                m0[t], m1[t], m2[t], m3[t] = e0, e0 + e1, e0 - e1, -e1


@cpu_kernel()
def _output_transform_adjoint(gy, dm):
    for job in range(gy.shape[1] * gy.shape[0]):
        _output_adjoint_plane(gy, dm, job)


@cpu_kernel(parallel=True)
def _output_transform_adjoint_parallel(gy, dm):
    """The same, the planes shared among Numba's threads; only for large chunks, since the call then waits for the
    slowest thread (``threads.kernel_threads``)."""
    for job in prange(gy.shape[1] * gy.shape[0]):
        _output_adjoint_plane(gy, dm, job)
