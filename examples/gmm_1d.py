"""Fit a mixture of Gaussians to 1-D data by maximum likelihood, with nothing but the autograd engine.

The model is an explicit density:

    p(x) = sum_k pi_k N(x; mu_k, sigma_k^2),   pi = softmax(logits),  sigma_k^2 = exp(log_var_k)

and training minimises the average negative log-likelihood of the data,

    NLL = -1/N sum_n log sum_k exp( log pi_k + log N(x_n; mu_k, sigma_k^2) ),

where the inner log-sum-exp is computed stably by ``logsumexp``. Gradient
descent on (logits, mu, log_var) is all it takes; ``backward()`` supplies the
gradients.

    python examples/gmm_1d.py                 # CPU, a few seconds
    python examples/gmm_1d.py --device gpu    # the same code on CuPy
"""
import argparse
import math
import sys

import numpy as np

import tinygen as tg

TRUE_WEIGHTS = np.array([0.5, 0.3, 0.2])
TRUE_MEANS = np.array([-2.0, 0.5, 3.0])
TRUE_STDS = np.array([0.5, 0.7, 0.4])


def sample_data(count, rng):
    component = rng.choice(len(TRUE_WEIGHTS), size=count, p=TRUE_WEIGHTS)
    return rng.normal(TRUE_MEANS[component], TRUE_STDS[component])


def negative_log_likelihood(x, logits, means, log_vars):
    log_weights = tg.log_softmax(logits, dim=0)  # log pi_k
    log_joint = log_weights + tg.gaussian_log_likelihood(x[:, None], means, log_vars)  # (N, K)
    return -tg.logsumexp(log_joint, dim=1).mean()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--components", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    try:
        tg.zeros(1, device=args.device)
    except tg.DeviceError as error:
        sys.exit(f"error: {error}")

    tg.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x = tg.tensor(sample_data(2000, rng), dtype=tg.float32, device=args.device)
    k = args.components
    logits = tg.zeros(k, device=args.device, requires_grad=True)
    means = tg.tensor(np.linspace(-1, 1, k), dtype=tg.float32, device=args.device, requires_grad=True)
    log_vars = tg.zeros(k, device=args.device, requires_grad=True)
    parameters = [logits, means, log_vars]

    for step in range(args.steps + 1):
        loss = negative_log_likelihood(x, logits, means, log_vars)
        loss.backward()
        with tg.no_grad():
            for p in parameters:
                p.data -= args.lr * p.grad.data
                p.grad = None
        if step % max(args.steps // 5, 1) == 0:
            print(f"step {step:5d}   NLL {loss.item():.4f} nats")

    nll_under_truth = -np.mean(np.log(sum(
        w * np.exp(-0.5 * ((x.numpy() - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))
        for w, m, s in zip(TRUE_WEIGHTS, TRUE_MEANS, TRUE_STDS))))  # fmt: skip
    order = np.argsort(means.numpy())
    print(f"NLL of the data under the true mixture: {nll_under_truth:.4f} nats")
    print("fitted weights", np.round(tg.softmax(logits, 0).numpy()[order], 3), "true", TRUE_WEIGHTS)
    print("fitted means  ", np.round(means.numpy()[order], 3), "true", TRUE_MEANS)
    print("fitted stds   ", np.round(np.exp(0.5 * log_vars.numpy())[order], 3), "true", TRUE_STDS)
    return loss.item(), nll_under_truth


if __name__ == "__main__":
    main()
