"""Raw-kernel microbenchmark: conv2d and an LSTM layer built from tinygen.kernels + NumPy matmul vs PyTorch.

    python benchmarks/kernels_bench.py [--rounds 3] [--repeats 15] [--threads 2] [--compare]

Each framework runs in its own fresh subprocess, alternating, ``--rounds`` times:
Numba's and PyTorch's thread pools spin and steal the 2 cores from each other
when they share a process (shared/perf-notes.md). Every figure is the median
over rounds of the median of ``--repeats`` timed runs after warm-up, float32,
batch 64. The table's ratio is tinygen / torch (below 1: tinygen is faster).

How the tinygen side is built, which is how the layers should be built:

* conv forward: per chunk of 8 images, ``cols = im2col(x)`` (C*T, B*OH*OW) and
  ``W (C_out, C*T) @ cols`` as a batched matmul over per-image views of cols,
  written straight into the NCHW output (no transpose copy). The chunk's cols
  stay in cache for the matmul and are kept for the backward pass.
* conv backward: dW = sum over images of dy_n @ cols_n.T (batched, no copy of
  dy); the input gradient is col2im(W.T @ dy) for few input channels, and for
  >= 32 the convolution of dy with the flipped, transposed kernel, which
  ``--compare`` measured faster there (as shared/perf-notes.md found).
* masked conv: im2col keeps only the taps the mask lets through.
* LSTM: the input projection of all steps in one matmul, the fused gate
  kernel per step into preallocated buffers, and the weight gradients as one
  matmul over all steps after the backward time loop.

Both subprocesses get glibc malloc thresholds that keep large temporaries in
the heap instead of mmap'ing and page-faulting them afresh on every call; the
tinygen one also gets OPENBLAS_CORETYPE=SkylakeX on AVX-512 CPUs (OpenBLAS
otherwise picks its AVX2 kernels on AMD Zen 4/5). tinygen.kernels itself picks
Numba's 'workqueue' threading layer. The machine this was written on is noisy
(and shared): compare ratios from the same run, never absolute times.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy

BATCH = 64
CONV_CASES = {  # name: (C_in, C_out, size, kernel, padding, mask)
    "conv 1->32 28x28 3x3": (1, 32, 28, 3, 1, None),
    "conv 32->32 28x28 3x3": (32, 32, 28, 3, 1, None),
    "conv 64->64 14x14 3x3": (64, 64, 14, 3, 1, None),
    "masked 7x7 1->64 28x28 (mask A)": (1, 64, 28, 7, 3, "A"),
}
LSTM_CASE = "LSTM hidden 128, 28 steps"
LSTM_INPUT, LSTM_HIDDEN, LSTM_STEPS = 28, 128, 28
CHUNK = 8  # images per im2col chunk: 32 channels * 9 taps * 8 * 784 floats = 7 MiB of cols, fits in L3


def median_ms(fn, repeats):
    fn()
    fn()  # warm-up: compilation, caches, allocator
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(numpy.median(times)) * 1e3


def pixelcnn_mask(k, kind):
    """1 above the centre row and left of the centre; mask B also keeps the centre."""
    mask = numpy.zeros((k, k), numpy.float32)
    mask[: k // 2] = 1
    mask[k // 2, : k // 2 + (kind == "B")] = 1
    return mask


def inputs(c_in, c_out, size, k, mask):
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((BATCH, c_in, size, size), dtype=numpy.float32)
    w = rng.standard_normal((c_out, c_in, k, k), dtype=numpy.float32) / k
    if mask:
        w *= pixelcnn_mask(k, mask)
    return x, w, rng.standard_normal((BATCH, c_out, size, size), dtype=numpy.float32)


# ---------------------------------------------------------------- tinygen side
class TinygenConv:
    """conv2d (stride 1, 'same' padding) forward and backward from im2col/col2im + matmul."""

    def __init__(self, w, padding, mask):
        self.c_out, self.c_in, self.k, _ = w.shape
        self.padding = padding
        self.taps = None if mask is None else numpy.flatnonzero(pixelcnn_mask(self.k, mask))
        keep = slice(None) if self.taps is None else self.taps
        self.w_rows = numpy.ascontiguousarray(w.reshape(self.c_out, self.c_in, -1)[:, :, keep].reshape(self.c_out, -1))
        # dx = conv(dy, W flipped in space, in/out channels swapped), padding k-1-p
        self.w_flipped = numpy.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(self.c_in, -1))

    def _cols(self, x):
        from tinygen.kernels import im2col

        return im2col(x, self.k, 1, self.padding, 1, self.taps)

    def forward(self, x):
        """-> (y, saved cols of every chunk for the backward pass)."""
        n, _, h, w = x.shape
        y = numpy.empty((n, self.c_out, h * w), x.dtype)
        saved = []
        for i in range(0, n, CHUNK):
            saved.append(self._cols(x[i:i + CHUNK]))
            cols = saved[-1].reshape(saved[-1].shape[0], -1, h * w).transpose(1, 0, 2)  # per-image views
            numpy.matmul(self.w_rows, cols, out=y[i:i + CHUNK])
        return y.reshape(n, self.c_out, h, w), saved

    def backward(self, saved, x_shape, dy, dx_by_conv):
        from tinygen.kernels import col2im, im2col

        n, _, h, w = x_shape
        dw = numpy.zeros_like(self.w_rows)
        dx = numpy.empty(x_shape, dy.dtype)
        for i, cols in zip(range(0, n, CHUNK), saved):
            dyc = dy[i:i + CHUNK].reshape(-1, self.c_out, h * w)
            # dW = sum over images of dy_n (C_out, HW) @ cols_n.T (HW, C*T): batched, no copy of dy
            dw += numpy.matmul(dyc, cols.reshape(cols.shape[0], -1, h * w).transpose(1, 2, 0)).sum(0)
            if dx_by_conv:
                dcols = im2col(dy[i:i + CHUNK], self.k, 1, self.k - 1 - self.padding)
                numpy.matmul(self.w_flipped, dcols.reshape(dcols.shape[0], -1, h * w).transpose(1, 0, 2),
                             out=dx[i:i + CHUNK].reshape(-1, self.c_in, h * w))
            else:
                dy_rows = dyc.transpose(1, 0, 2).reshape(self.c_out, -1)  # (C_out, B*H*W): one copy
                dx[i:i + CHUNK] = col2im(self.w_rows.T @ dy_rows, (len(dyc),) + x_shape[1:], self.k, 1,
                                         self.padding, 1, self.taps)
        return dx, dw


class TinygenLSTM:
    """One LSTM layer over a (T, N, I) sequence, state starting at zero, gates in PyTorch's i, f, g, o order."""

    def __init__(self, w_ih, w_hh, bias, steps, batch):
        self.w_ih, self.w_hh, self.bias = w_ih, w_hh, bias
        self.w_hh_t = numpy.ascontiguousarray(w_hh.T)
        t_, n, h_ = steps, batch, w_hh.shape[1]
        # per-step state kept for the backward pass; hs[0] and cs[0] are the zero initial state
        self.hs, self.cs = numpy.zeros((t_ + 1, n, h_), numpy.float32), numpy.zeros((t_ + 1, n, h_), numpy.float32)
        self.gates, self.tanh_c = numpy.empty((t_, n, 4 * h_), numpy.float32), numpy.empty((t_, n, h_), numpy.float32)
        self.preact = numpy.empty((t_, n, 4 * h_), numpy.float32)
        self.dh, self.dc = numpy.empty((n, h_), numpy.float32), numpy.empty((n, h_), numpy.float32)

    def forward(self, x):
        from tinygen.kernels import lstm_gates_forward

        self.x = x
        pre = self.preact
        numpy.matmul(x.reshape(-1, x.shape[2]), self.w_ih.T, out=pre.reshape(-1, pre.shape[2]))  # all steps at once
        pre += self.bias
        for t in range(len(x)):
            pre[t] += self.hs[t] @ self.w_hh_t
            lstm_gates_forward(pre[t], self.cs[t], out=(self.hs[t + 1], self.cs[t + 1], self.gates[t], self.tanh_c[t]))
        return self.hs[1:]

    def backward(self, dout):
        """dout (T, N, H) at every output -> (dx, (dW_ih, dW_hh, dbias))."""
        from tinygen.kernels import lstm_gates_backward

        dpre = numpy.empty_like(self.preact)
        self.dc[:] = 0
        dh_next = numpy.zeros_like(self.dh)
        for t in reversed(range(len(dout))):
            numpy.add(dout[t], dh_next, out=self.dh)
            lstm_gates_backward(self.dh, self.dc, (self.gates[t], self.tanh_c[t]), self.cs[t],
                                out=(dpre[t], self.dc))  # dc is updated in place
            numpy.matmul(dpre[t], self.w_hh, out=dh_next)
        d_flat = dpre.reshape(-1, dpre.shape[2])
        h_prev = self.hs[:-1].reshape(-1, self.hs.shape[2])
        # weight gradients: one matmul over all steps, hoisted out of the time loop
        grads = (d_flat.T @ self.x.reshape(-1, self.x.shape[2]), d_flat.T @ h_prev, d_flat.sum(0))
        return (d_flat @ self.w_ih).reshape(self.x.shape), grads


def lstm_inputs():
    rng = numpy.random.default_rng(0)
    h_ = LSTM_HIDDEN
    x = rng.standard_normal((LSTM_STEPS, BATCH, LSTM_INPUT), dtype=numpy.float32)
    weights = (rng.standard_normal((4 * h_, LSTM_INPUT), dtype=numpy.float32) * 0.1,
               rng.standard_normal((4 * h_, h_), dtype=numpy.float32) * 0.1,
               rng.standard_normal(4 * h_, dtype=numpy.float32) * 0.1)
    return x, weights, rng.standard_normal((LSTM_STEPS, BATCH, h_), dtype=numpy.float32)


def tinygen_lstm(repeats):
    x, weights, dout = lstm_inputs()
    lstm = TinygenLSTM(*weights, LSTM_STEPS, BATCH)
    return median_ms(lambda: lstm.forward(x), repeats), median_ms(lambda: (lstm.forward(x), lstm.backward(dout)),
                                                                   repeats)


def run_tinygen(repeats, compare):
    results = {}
    for name, (c_in, c_out, size, k, padding, mask) in CONV_CASES.items():
        x, w, dy = inputs(c_in, c_out, size, k, mask)
        conv = TinygenConv(w, padding, mask)
        by_conv = c_in >= 32  # perf-notes: col2im with many channels loses to a convolution
        results[name] = (median_ms(lambda: conv.forward(x), repeats),
                         median_ms(lambda: conv.backward(conv.forward(x)[1], x.shape, dy, by_conv), repeats))
        if compare and mask is None:
            results[name + f" [dx by {'col2im' if by_conv else 'conv'}]"] = (
                results[name][0], median_ms(lambda: conv.backward(conv.forward(x)[1], x.shape, dy, not by_conv),
                                            repeats))
    results[LSTM_CASE] = tinygen_lstm(repeats)
    return results


# ---------------------------------------------------------------- torch side
def run_torch(repeats, compare):
    import torch

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    results = {}
    for name, (c_in, c_out, size, k, padding, mask) in CONV_CASES.items():
        x, w, dy = (torch.from_numpy(a) for a in inputs(c_in, c_out, size, k, mask))
        x.requires_grad_(True)
        w.requires_grad_(True)
        conv = torch.nn.functional.conv2d

        def forward_backward():
            conv(x, w, padding=padding).backward(dy)

        with torch.no_grad():
            fwd = median_ms(lambda: conv(x, w, padding=padding), repeats)
        results[name] = (fwd, median_ms(forward_backward, repeats))
    lstm = torch.nn.LSTM(LSTM_INPUT, LSTM_HIDDEN)
    x, _, dout = lstm_inputs()
    x, dout = torch.from_numpy(x).requires_grad_(True), torch.from_numpy(dout)
    with torch.no_grad():
        fwd = median_ms(lambda: lstm(x), repeats)
    results[LSTM_CASE] = (fwd, median_ms(lambda: lstm(x)[0].backward(dout), repeats))
    return results


# ---------------------------------------------------------------- driver
def subprocess_env(side, threads):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_=str(1 << 30), MALLOC_TRIM_THRESHOLD_=str(1 << 30),
               PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    for pool in ("OMP", "OPENBLAS", "MKL", "NUMBA"):
        env[f"{pool}_NUM_THREADS"] = str(threads)
    if side == "tinygen" and os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as info:
            if " avx512f" in info.read():
                env.setdefault("OPENBLAS_CORETYPE", "SkylakeX")
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="fresh subprocesses per framework")
    parser.add_argument("--repeats", type=int, default=15, help="timed runs per measurement")
    parser.add_argument("--threads", type=int, default=2, help="threads for every pool, both frameworks")
    parser.add_argument("--compare", action="store_true", help="also time the other input-gradient method")
    parser.add_argument("--side", choices=["tinygen", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        run = run_tinygen if args.side == "tinygen" else run_torch
        print(json.dumps(run(args.repeats, args.compare)))
        return

    runs = {"tinygen": [], "torch": []}
    for _ in range(args.rounds):
        for side in runs:
            command = [sys.executable, __file__, "--side", side, "--repeats", str(args.repeats)]
            out = subprocess.run(command + ["--compare"] * args.compare, env=subprocess_env(side, args.threads),
                                 check=True, capture_output=True, text=True).stdout
            runs[side].append(json.loads(out.splitlines()[-1]))
    ms = {side: {name: numpy.median([r[name] for r in rs], axis=0) for name in rs[0]} for side, rs in runs.items()}
    print("| case | torch fwd / fwd+bwd ms | tinygen fwd / fwd+bwd ms | ratio fwd | ratio fwd+bwd |")
    print("| --- | --- | --- | --- | --- |")
    for name, (fwd, both) in ms["tinygen"].items():
        t_fwd, t_both = ms["torch"][name.split(" [")[0]]
        print(f"| {name} | {t_fwd:.2f} / {t_both:.2f} | {fwd:.2f} / {both:.2f} "
              f"| {fwd / t_fwd:.2f} | {both / t_both:.2f} |")


if __name__ == "__main__":
    main()
