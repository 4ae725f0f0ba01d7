"""Fit a mixture of Gaussians to 1-D data by maximum likelihood, on the autograd engine and the shared toolkit.

The model is an explicit density:

    p(x) = sum_k pi_k N(x; mu_k, sigma_k^2),   pi = softmax(logits),  sigma_k^2 = exp(log_var_k)

and training minimises the average negative log-likelihood of the data,

    NLL = -1/N sum_n log sum_k exp( log pi_k + log N(x_n; mu_k, sigma_k^2) ),

where the inner log-sum-exp is computed stably by ``logsumexp``. Adam on
minibatches of (logits, mu, log_var), with a learning rate that decays along
a half cosine so that the last steps settle on the maximum, is all it takes;
``backward()`` supplies the gradients.

    python examples/gmm_1d.py                 # CPU, a few seconds; results in runs/gmm_1d/
    python examples/gmm_1d.py --device gpu    # the same code on CuPy
    python examples/gmm_1d.py --resume        # go on from runs/gmm_1d/checkpoint.npz
"""
import numpy as np

import tinygen as tg
from tinygen import nn, train
from tinygen.data import ArrayDataset, DataLoader

TRUE_WEIGHTS = np.array([0.5, 0.3, 0.2])
TRUE_MEANS = np.array([-2.0, 0.5, 3.0])
TRUE_STDS = np.array([0.5, 0.7, 0.4])


def sample_data(count, rng):
    component = rng.choice(len(TRUE_WEIGHTS), size=count, p=TRUE_WEIGHTS)
    return rng.normal(TRUE_MEANS[component], TRUE_STDS[component]).astype(np.float32)


def negative_log_likelihood(x, logits, means, log_vars):
    log_weights = tg.log_softmax(logits, dim=0)  # log pi_k
    log_joint = log_weights + tg.gaussian_log_likelihood(x[:, None], means, log_vars)  # (N, K)
    return -tg.logsumexp(log_joint, dim=1).mean()


class GaussianMixture(nn.Module):
    def __init__(self, components):
        super().__init__()
        self.logits = nn.Parameter(tg.zeros(components))
        self.means = nn.Parameter(tg.linspace(-1, 1, components))
        self.log_vars = nn.Parameter(tg.zeros(components))

    def forward(self, x):
        return negative_log_likelihood(x, self.logits, self.means, self.log_vars)


def main(argv=None):
    parser = train.example_parser("gmm_1d", __doc__.split("\n")[0], epochs=20, batch_size=100, lr=0.1)
    parser.add_argument("--components", type=int, default=3, help="Gaussians in the fitted mixture")
    args = parser.parse_args(argv)
    run = train.Run(args)

    data = sample_data(2000, np.random.default_rng(args.seed))
    loader = DataLoader(ArrayDataset(data), batch_size=args.batch_size, shuffle=True, seed=args.seed, device=args.device)
    x = tg.tensor(data, device=args.device)
    model = GaussianMixture(args.components).to(args.device)
    optimizer = tg.optim.Adam(model.parameters(), lr=args.lr)
    schedule = tg.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    run.track(model=model, optimizer=optimizer, schedule=schedule)

    for _ in run.epochs():
        for (batch,) in run.progress(loader):
            loss = model(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            run.log(nll=loss)
        schedule.step()
        with tg.no_grad():
            run.log_epoch(nll_all_data=model(x))
    final_nll = run.finish()["nll_all_data"]

    truth = [tg.tensor(value, device=args.device) for value in (np.log(TRUE_WEIGHTS), TRUE_MEANS, 2 * np.log(TRUE_STDS))]
    nll_under_truth = negative_log_likelihood(x.double(), *truth).item()
    weights, means = tg.softmax(model.logits, 0).numpy(), model.means.numpy()
    stds, order = np.exp(0.5 * model.log_vars.numpy()), np.argsort(means)
    print(f"NLL of the data under the fitted mixture: {final_nll:.4f} nats, under the true one: {nll_under_truth:.4f}")
    print("fitted weights", np.round(weights[order], 3), "true", TRUE_WEIGHTS)
    print("fitted means  ", np.round(means[order], 3), "true", TRUE_MEANS)
    print("fitted stds   ", np.round(stds[order], 3), "true", TRUE_STDS)
    # Samples of the fitted mixture: a component k with probability w_k, then x ~ N(mu_k, sigma_k^2).
    rng = np.random.default_rng(args.seed)
    component = rng.choice(len(weights), size=len(data), p=weights / weights.sum())
    train.save_samples(run, {"gmm": rng.normal(means[component], stds[component])})
    return final_nll, nll_under_truth


if __name__ == "__main__":
    main()
