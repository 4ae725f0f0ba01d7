"""The VAE example trained in PyTorch with the same settings, and judged by the same held-out NLL.

    python benchmarks/train_vae_torch.py                                 # the example's defaults
    python benchmarks/train_vae_torch.py --full                          # the longer reference run
    python benchmarks/train_vae_torch.py --compare runs/vae_mnist/metrics.json   # then a table: tinygen vs PyTorch

What is shared with ``examples/vae_mnist.py``: its command line and defaults
(the example's own parser), its data (tinygen's loaders: the same batches in
the same order, binarised by tinygen's generator, and the same fixed
binarisation of the test digits), the initial weights (copied from the tinygen
VAE built with the same seed), the optimizer (Adam, same learning rate) and
the objective, -1/B sum_b ELBO(x_b), in the PyTorch twin
``benchmarks/torch_models/vae.py``. What is not: the noise eps of the
reparameterisation trick and of the importance samples, which PyTorch draws
from its own generator. The two runs therefore agree in distribution, not
step for step (tests/test_vae.py checks the step-for-step agreement on fed noise).

The held-out NLL is the same importance-weighted estimate as tinygen's
``VAE.importance_weighted_log_likelihood``, written here with ``torch.distributions``:

    log p(x) ~ logsumexp_k [ log p(x | z_k) + log p(z_k) - log q(z_k | x) ] - log K,   z_k ~ q(z | x).

Writes metrics.json (the example's keys), metrics.jsonl and curves.png to runs/vae_mnist_torch/.
"""
import json
import math
import pathlib
import sys

import torch
from torch.distributions import Normal

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "examples")]

import vae_mnist  # the example: its parser, data and evaluation loop

from benchmarks.torch_models import copy_weights
from benchmarks.torch_models import vae as torch_vae
from tinygen import train
from tinygen.distributions import bits_per_dim

TWINS = {"mlp": torch_vae.mlp_vae, "conv": torch_vae.conv_vae}  # the example's --arch choices, in PyTorch


def importance_weighted_log_likelihood(model, x, num_samples, chunk_size=100):
    """log p(x) estimated with ``num_samples`` importance samples, one value per example, in float64."""
    posterior = model.posterior(x)
    prior = Normal(torch.zeros_like(posterior.loc), 1.0)
    chunk_totals = []
    for start in range(0, num_samples, chunk_size):
        z = posterior.sample((min(chunk_size, num_samples - start),))  # (k, N, latent_dim)
        log_weights = (model.likelihood(z).log_prob(x).sum((-3, -2, -1))
                       + prior.log_prob(z).sum(-1) - posterior.log_prob(z).sum(-1))  # fmt: skip
        chunk_totals.append(log_weights.double().logsumexp(0))
    return torch.stack(chunk_totals).logsumexp(0) - math.log(num_samples)


def to_torch(x):
    return torch.from_numpy(x.numpy())


def main(argv=None):
    parser = vae_mnist.parser()
    parser.set_defaults(example="vae_mnist_torch", out="runs/vae_mnist_torch")
    parser.add_argument("--compare", metavar="METRICS_JSON", help="a tinygen run's metrics.json to tabulate against")
    args = train.parse_example_args(parser, argv, vae_mnist.FULL)
    if args.device != "cpu":
        parser.error("this script trains PyTorch on the CPU only (--device cpu)")
    if args.compare and not pathlib.Path(args.compare).is_file():
        parser.error(f"--compare: there is no {args.compare}; run examples/vae_mnist.py with the same flags first")
    reference = json.loads(pathlib.Path(args.compare).read_text()) if args.compare else None
    if reference and reference["iw_samples"] != args.iw_samples:
        parser.error(f"{args.compare} was measured with K = {reference['iw_samples']:.0f} importance samples: "
                     f"pass --iw-samples {reference['iw_samples']:.0f} to compare like with like")
    run = train.Run(args)  # seeds tinygen's generator: the example's initial weights and binarisations
    train_loader, test_loader, source = vae_mnist.load_data(args)
    model = copy_weights(vae_mnist.ARCHITECTURES[args.arch](args.latent_dim), TWINS[args.arch](args.latent_dim))
    torch.manual_seed(args.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    def elbo_terms(x):
        elbo, reconstruction, kl = model.elbo(to_torch(x))
        return {"test_elbo": elbo, "test_reconstruction": reconstruction, "test_kl": kl}

    def negative_log_likelihood(x):
        return {"nll": -importance_weighted_log_likelihood(model, to_torch(x), args.iw_samples)}

    for _ in run.epochs():
        for x, _ in run.progress(train_loader):
            elbo, reconstruction, kl = model.elbo(to_torch(x))
            loss = -elbo.mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            run.log(train_elbo=elbo.mean(), train_reconstruction=reconstruction.mean(), train_kl=kl.mean())
        with torch.no_grad():
            run.log_epoch(**train.held_out_means(run, test_loader, "test ELBO", elbo_terms))
    with torch.no_grad():
        nll = train.held_out_means(run, test_loader, f"test NLL, K={args.iw_samples}", negative_log_likelihood)["nll"]
    final = run.finish(test_nll=nll, test_bits_per_dim=bits_per_dim(nll, 784), iw_samples=args.iw_samples)
    print(f"\nPyTorch on {source}: test ELBO {final['test_elbo']:.2f} nats, importance-weighted test NLL, "
          f"K = {args.iw_samples}: {nll:.2f} nats = {final['test_bits_per_dim']:.4f} bits/dim")
    if reference:
        print(comparison_table(reference, final))
    return final


def comparison_table(tinygen_metrics, torch_metrics):
    """A Markdown table of the two runs' held-out numbers, and their differences."""
    rows = [("test ELBO (nats)", "test_elbo"), ("test KL (nats)", "test_kl"),
            (f"test NLL, K = {torch_metrics['iw_samples']:.0f} (nats)", "test_nll"), ("bits/dim", "test_bits_per_dim")]  # fmt: skip
    lines = ["| | tinygen | PyTorch | tinygen - PyTorch |", "| --- | ---: | ---: | ---: |"]
    for label, key in rows:
        ours, theirs = tinygen_metrics[key], torch_metrics[key]
        lines.append(f"| {label} | {ours:.4g} | {theirs:.4g} | {ours - theirs:+.3g} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
