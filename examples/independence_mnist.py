"""How much structure does a distribution over binary images need? Three answers, fitted to MNIST.

A binarised 28x28 digit is n = 784 binary pixels. Without assumptions, its
distribution is a table of 2^n probabilities summing to one: 2^n - 1 free
parameters, more than there are atoms in the universe. Assumptions cut that
down, each by what it lets a pixel depend on (the chain rule
p(x) = prod_d p(x_d | x_<d) holds always; a model chooses the conditionals):

    independent    p(x_d | x_<d) = p(x_d)                       n parameters
    Markov chain   p(x_d | x_<d) = p(x_d | x_{d-1})             2n - 1 parameters
    FVSBN          p(x_d | x_<d) = sigmoid(b_d + W_d,<d x_<d)    n(n+1)/2 parameters

All three are fitted by maximum likelihood to the same data, and compared by
their held-out negative log-likelihood (nats per image, lower is better): more
structure, fewer nats. Independent pixels need no training: their maximum-
likelihood fit is each pixel's mean, in closed form (with a pseudo-count of 1
ink and 1 background per pixel, so that a pixel never inked in training keeps
a probability above 0). It scores about 207 nats, the bar that structure has
to beat; the other two are trained side by side by gradient descent (Adam) on
the same batches, and the closed-form model is scored on those batches too.

    python examples/independence_mnist.py             # under a minute on 2 CPU cores; runs/independence_mnist/
    python examples/independence_mnist.py --epochs 30 # the two trained models closer to convergence
"""
from tinygen import train
from tinygen.data import binarized_mnist, grey
from tinygen.models.autoregressive import FVSBN, IndependentBernoulli, MarkovChain
from tinygen.models.autoregressive.independent import parameter_counts
from tinygen.train.arguments import positive_int


def main(argv=None):
    parser = train.example_parser("independence_mnist", __doc__.split("\n")[0], epochs=5, batch_size=64, lr=1e-2)
    parser.add_argument("--samples", type=positive_int, default=1000,
                        help="digits drawn from each model, written to samples.npz and scored (samples.png shows 100)")
    args = parser.parse_args(argv)
    run = train.Run(args)

    train_loader, test_loader, shape = binarized_mnist(args.data, args.batch_size, args.seed, args.device)
    models = {"independent": IndependentBernoulli(shape), "markov_chain": MarkovChain(shape), "fvsbn": FVSBN(shape)}
    models = {name: model.to(args.device) for name, model in models.items()}
    # p_d = mean of pixel d: the grey levels are the means of the binary digits drawn from them.
    models["independent"].fit_closed_form(grey(train_loader.dataset.arrays[0])).requires_grad_(False)

    final = train.fit_by_maximum_likelihood(run, models, train_loader, test_loader, args.lr, args.samples)

    n = models["fvsbn"].num_dims
    counts = parameter_counts(n)
    print("\n" + train.result_table(final, models))
    print(f"free parameters: fully dependent 2^{n} - 1, "
          + ", ".join(f"{name} {counts[name.replace('_', ' ')]:,d}" for name in models))
    return final


if __name__ == "__main__":
    main()
