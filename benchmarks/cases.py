"""Benchmark cases, each written once against the API tinygen shares with PyTorch.

A case receives ``fw``, a small adapter around one framework (``fw.F`` is its
``nn.functional``, ``fw.tensor`` makes a tensor on the benchmark's device), and
returns ``step`` (the work to time) and ``results`` (arrays to compare across
frameworks after one step, so that a fast wrong kernel cannot win).
"""
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass
class Case:
    name: str
    flops: float  # floating-point operations of one step, for GFLOP/s
    build: Callable  # (fw, rng) -> (step, results)
    tolerance: float = 1e-3  # relative to the largest magnitude of each compared array


def _conv_flops(n, cin, cout, size, k, taps=None, backward=False):
    forward = 2.0 * n * cout * cin * (taps or k * k) * size * size
    return forward * (3 if backward else 1)  # backward: one product for dx and one for dw


def _step_and_results(fw, forward, inputs, backward, upstream=None):
    """Time forward (and backward from ``upstream``, default ones); compare the output and the inputs' gradients."""

    def step():
        y = forward()
        if backward:
            fw.clear_grads(*inputs)
            y.backward(fw.ones_like(y) if upstream is None else upstream)
        return y

    def results():
        y = step()
        return [fw.numpy(y)] + ([fw.numpy(t.grad) for t in inputs] if backward else [])

    return step, results


def conv_case(n, cin, cout, size, k, backward, taps=None, label="", stride=1):
    padding = k // 2 if stride == 1 else (k - stride) // 2  # same size, or size / stride (DCGAN's 4x4 stride 2)

    def build(fw, rng):
        x = fw.tensor(rng.standard_normal((n, cin, size, size)), requires_grad=backward)
        w = fw.tensor(rng.standard_normal((cout, cin, k, k)) / np.sqrt(cin * k * k), requires_grad=backward)
        if taps is None:
            return _step_and_results(fw, lambda: fw.F.conv2d(x, w, stride=stride, padding=padding), [x, w], backward)
        keep = np.zeros(k * k, np.float32)  # PixelCNN mask A: the rows above and the pixels left of the centre
        keep[:taps] = 1
        mask = fw.tensor(keep.reshape(1, 1, k, k))
        return _step_and_results(fw, lambda: fw.masked_conv2d(x, w, mask, padding), [x, w], backward)

    kind = "fwd+bwd" if backward else "fwd"
    flops = _conv_flops(n, cin, cout, size // stride, k, taps, backward)
    strided = f" s{stride}" if stride > 1 else ""
    return Case(f"conv2d {label or f'{cin}->{cout}'} {size}x{size} k{k}{strided} {kind}", flops, build)


def conv_transpose_case(n, cin, cout, size, k, stride, backward, output_padding=None):
    """Output padding stride - 1 by default; DCGAN's exact doubling (4x4, stride 2, padding 1) is output_padding=0."""
    extra = stride - 1 if output_padding is None else output_padding

    def build(fw, rng):
        x = fw.tensor(rng.standard_normal((n, cin, size, size)), requires_grad=backward)
        w = fw.tensor(rng.standard_normal((cin, cout, k, k)) / np.sqrt(cin * k * k), requires_grad=backward)
        forward = lambda: fw.F.conv_transpose2d(x, w, stride=stride, padding=1, output_padding=extra)
        return _step_and_results(fw, forward, [x, w], backward)

    kind = "fwd+bwd" if backward else "fwd"
    flops = 2.0 * n * cin * cout * k * k * size * size * (3 if backward else 1)
    kernel = "" if output_padding is None else f" k{k}"
    return Case(f"conv_transpose2d {cin}->{cout} {size}x{size}{kernel} s{stride} {kind}", flops, build)


def lstm_case(n, steps, features, hidden):
    def build(fw, rng):
        layer = fw.nn.LSTM(features, hidden, batch_first=True)
        for p in layer.parameters():
            fw.assign(p, rng.uniform(-1, 1, p.shape) / np.sqrt(hidden))
        x = fw.tensor(rng.standard_normal((n, steps, features)), requires_grad=True)

        def step():
            out, _ = layer(x)
            fw.clear_grads(x, *layer.parameters())
            out.backward(fw.ones_like(out))
            return out

        def results():
            out = step()
            return [fw.numpy(out), fw.numpy(x.grad)] + [fw.numpy(p.grad) for p in layer.parameters()]

        return step, results

    flops = 2.0 * n * steps * 4 * hidden * (features + hidden) * 3
    return Case(f"LSTM {features}->{hidden}, {steps} steps fwd+bwd", flops, build)


def matmul_case(size):
    def build(fw, rng):
        a, b = fw.tensor(rng.standard_normal((size, size))), fw.tensor(rng.standard_normal((size, size)))

        def step():
            return a @ b

        return step, lambda: [fw.numpy(step())]

    return Case(f"matmul {size}x{size}", 2.0 * size**3, build)


def pointwise_case(label, shape, forward, flops_per_element):
    """An op without a matrix product (pooling, normalisation, softmax), forward and backward.

    The upstream gradient is random: for softmax and batch norm a gradient of ones gives zero input gradients.
    """

    def build(fw, rng):
        x = fw.tensor(rng.standard_normal(shape), requires_grad=True)
        upstream = fw.tensor(rng.standard_normal(forward(fw, x).shape))
        return _step_and_results(fw, lambda: forward(fw, x), [x], True, upstream)

    return Case(f"{label} {'x'.join(map(str, shape))} fwd+bwd", flops_per_element * float(np.prod(shape)), build)


def _batch_norm(fw, x):
    channels = x.shape[1]
    mean, var = fw.tensor(np.zeros(channels)), fw.tensor(np.ones(channels))
    return fw.F.batch_norm(x, mean, var, training=True)


# ---- the networks GANs and diffusion models are made of (issue 21): DCGAN's stride-2 4x4 convolutions and their
# transposes at 28 -> 14 -> 7, a U-Net residual block, and WGAN-GP's penalty, a double backward through the critic
def network_case(label, x_shape, weight_shapes, forward, input_gradient=True):
    """forward(fw, x, *weights) on a random batch, backward from a random upstream gradient to the weights (and x)."""

    def build(fw, rng):
        x = fw.tensor(rng.standard_normal(x_shape), requires_grad=True)
        weights = [fw.tensor(rng.standard_normal(shape) / np.sqrt(np.prod(shape[1:])), requires_grad=True)
                   for shape in weight_shapes]  # fmt: skip
        upstream = fw.tensor(rng.standard_normal(forward(fw, x, *weights).shape))
        compared = [x, *weights] if input_gradient else weights
        return _step_and_results(fw, lambda: forward(fw, x, *weights), compared, True, upstream)

    return Case(f"{label} fwd+bwd", 0.0, build)


def _dcgan_critic(fw, x, w1, w2, w3):
    h = fw.F.leaky_relu(fw.F.conv2d(x, w1, stride=2, padding=1), 0.2)  # 28 -> 14
    h = fw.F.leaky_relu(fw.F.conv2d(h, w2, stride=2, padding=1), 0.2)  # 14 -> 7
    return fw.F.linear(h.flatten(1), w3)


def _dcgan_generator_tail(fw, h, w1, w2):
    # SiLU where DCGAN has ReLU: at ReLU's kink, one value that PyTorch's float32 (oneDNN) rounds to the other side
    # of zero moves the input gradient by 4% of its largest entry (results/conv-speed-2026-12-02.md)
    h = fw.F.silu(_batch_norm(fw, fw.F.conv_transpose2d(h, w1, stride=2, padding=1)))  # 7 -> 14
    return fw.F.tanh(fw.F.conv_transpose2d(h, w2, stride=2, padding=1))  # 14 -> 28


def _unet_residual_block(fw, x, w1, w2):
    h = fw.F.conv2d(fw.F.silu(fw.F.group_norm(x, 8)), w1, padding=1)
    return x + fw.F.conv2d(fw.F.silu(fw.F.group_norm(h, 8)), w2, padding=1)


def _gradient_penalty(fw, x, *weights):
    (gradient,) = fw.grad(_dcgan_critic(fw, x, *weights).sum(), x, create_graph=True)
    return ((gradient.flatten(1).norm(dim=1) - 1) ** 2).mean()


def gan_diffusion_cases():
    critic = [(64, 1, 4, 4), (128, 64, 4, 4), (1, 128 * 7 * 7)]
    cases = []
    for backward in (False, True):
        cases += [
            conv_case(64, 1, 64, 28, 4, backward, stride=2),
            conv_case(64, 64, 128, 14, 4, backward, stride=2),
            conv_transpose_case(64, 128, 64, 7, 4, 2, backward, output_padding=0),
            conv_transpose_case(64, 64, 1, 14, 4, 2, backward, output_padding=0),
        ]
    return cases + [
        network_case("DCGAN critic 1-64-128, 28x28", (64, 1, 28, 28), critic, _dcgan_critic),
        network_case("DCGAN generator tail 128-64-1, 7x7", (64, 128, 7, 7), [(128, 64, 4, 4), (64, 1, 4, 4)],
                     _dcgan_generator_tail),  # fmt: skip
        network_case("U-Net residual block 64, 14x14", (64, 64, 14, 14), [(64, 64, 3, 3)] * 2, _unet_residual_block),
        # the critic's input gradient is piecewise linear in x, so the penalty's gradient in x is zero (None in tinygen)
        network_case("WGAN-GP penalty through the DCGAN critic", (64, 1, 28, 28), critic, _gradient_penalty,
                     input_gradient=False),
    ]


def ops_suite():
    """The shapes the MNIST generative models use (batch 64)."""
    cases = [matmul_case(1024)]
    for backward in (False, True):
        cases += [
            conv_case(64, 1, 32, 28, 3, backward),
            conv_case(64, 32, 32, 28, 3, backward),
            conv_case(64, 64, 64, 14, 3, backward),
            conv_case(64, 1, 64, 28, 7, backward, taps=24, label="masked 7x7 (A) 1->64"),
            conv_transpose_case(64, 64, 32, 7, 4, 2, backward),
        ]
    cases += [
        lstm_case(64, 28, 28, 128),
        pointwise_case("max_pool2d 2x2", (64, 32, 28, 28), lambda fw, x: fw.F.max_pool2d(x, 2), 1),
        pointwise_case("avg_pool2d 2x2", (64, 32, 28, 28), lambda fw, x: fw.F.avg_pool2d(x, 2), 1),
        pointwise_case("batch_norm (training)", (64, 32, 28, 28), _batch_norm, 8),
        pointwise_case("group_norm 8 groups", (64, 64, 14, 14), lambda fw, x: fw.F.group_norm(x, 8), 8),
        pointwise_case("layer_norm", (4096, 512), lambda fw, x: fw.F.layer_norm(x, (512,)), 8),
        # PixelCNN's 256-way output for 16 colour images of 28x28: one softmax per subpixel
        pointwise_case("log_softmax", (16 * 28 * 28 * 3, 256), lambda fw, x: fw.F.log_softmax(x, dim=1), 5),
        pointwise_case("softmax", (16 * 28 * 28 * 3, 256), lambda fw, x: fw.F.softmax(x, dim=1), 5),
    ]
    return cases + gan_diffusion_cases()

