"""RNADE on a toy 2-D distribution: NADE for real values, each conditional a mixture of Gaussians.

A point x = (x_1, x_2) of the plane has the exact factorisation

    p(x) = p(x_1) p(x_2 | x_1),

and RNADE (Uria, Murray & Larochelle, 2013) makes each factor a mixture of
K Gaussians whose weights, means and scales are read out of NADE's shared
hidden layer (see tinygen/models/autoregressive/rnade.py):

    h_d = sigmoid(c + W[:, <d] x_<d),   [logits, mu, log sigma]_d = V_d h_d + b_d
    p(x_d | x_<d) = sum_k softmax(logits_d)_k N(x_d; mu_dk, sigma_dk^2).

p(x_1) is a fixed mixture (h_1 sees nothing); p(x_2 | x_1) moves with x_1,
which is how two interleaved half circles (``moons``, the default) come out
of ten Gaussians per conditional: at each x_1, a component on each arc. The held-out NLL
is in nats per point; it can be negative, as a density can exceed 1.
samples.png shows samples over the data, density.png a histogram of many
samples: the learned density.

    python examples/rnade_2d.py                    # under a minute on 2 CPU cores; runs/rnade_2d/
    python examples/rnade_2d.py --dataset ring     # eight sharp blobs (std 0.02): harder
"""
from tinygen import train
from tinygen.data import TOY_DATASETS, DataLoader, toy_dataset
from tinygen.models.autoregressive import RNADE
from tinygen.train.arguments import positive_int


def main(argv=None):
    parser = train.example_parser("rnade_2d", __doc__.split("\n")[0], epochs=30, batch_size=256, lr=3e-3)
    parser.add_argument("--dataset", choices=TOY_DATASETS, default="moons", help="the toy distribution (default: moons)")
    parser.add_argument("--hidden", type=positive_int, default=64, help="hidden units H shared by the two conditionals")
    parser.add_argument("--components", type=positive_int, default=10, help="Gaussians K in each conditional's mixture")
    parser.add_argument("--points", type=positive_int, default=20_000, help="training points (test: a quarter as many)")
    parser.add_argument("--samples", type=positive_int, default=20_000, help="samples drawn for the pictures")
    args = parser.parse_args(argv)
    run = train.Run(args)

    toy = toy_dataset(args.dataset)
    # Seeds of their own, so that the test points are never training points.
    train_set, test_set = toy.dataset(args.points, seed=args.seed), toy.dataset(args.points // 4, seed=args.seed + 1)
    train_loader = DataLoader(train_set, args.batch_size, shuffle=True, seed=args.seed, device=args.device)
    test_loader = DataLoader(test_set, 1000, device=args.device)
    models = {"rnade": RNADE((2,), args.hidden, args.components).to(args.device)}

    def show(run, samples):
        points = samples["rnade"]
        title = f"RNADE on {args.dataset}"
        train.save_scatter(points[:2000], run.path("samples.png"), reference=test_set.arrays[0], title=title)
        train.save_density(points, run.path("density.png"), title=f"{title}: density of {len(points):,} samples")

    final = train.fit_by_maximum_likelihood(run, models, train_loader, test_loader, args.lr, args.samples, show)

    print("\n" + train.result_table(final, models))
    return final


if __name__ == "__main__":
    main()
