"""PixelRNN on binarised MNIST: the 784 conditionals from LSTMs that sweep the image line by line.

    p(x) = prod_{i=1}^{784} p(x_i | x_<i),   p(x_i = 1 | x_<i) = sigmoid(f_i(x)),

where f is a mask-A 7x7 convolution, ``--layers`` residual LSTM layers of
``--hidden`` units, and a 1x1 output head (van den Oord et al., 2016; see
tinygen/models/autoregressive/pixelrnn.py). ``--cell`` picks the LSTM layer:

    row        Row LSTM: steps down the rows; a pixel sees a triangle above it
    diagonal   Diagonal BiLSTM: steps along the diagonals, in both directions;
               a pixel sees every pixel before it

Training and the exact log-likelihood take one forward pass. Sampling draws
the 784 pixels one at a time, carrying the LSTM states forward instead of
sweeping the image again for every pixel: about one forward pass per digit.
So the run draws 1,000 digits (samples.png shows 100), scored for sample
quality beside the NLL.

The default (h = 16, 2 layers) takes a few minutes on 2 CPU cores: 5 epochs
of the Row LSTM, 3 of the Diagonal BiLSTM, whose 55 diagonals in two
directions make a step about four times as long. --full is the paper's
MNIST model, 7 layers of h = 16, trained for 50 epochs. The paper's figures,
80.54 nats (Row LSTM) and 79.20 (Diagonal BiLSTM), are on the 50,000
statically binarised training digits; here the digits are binarised afresh
each time they are seen, and, without full MNIST in the cache, there are
only the 4,000 of the embedded subset.

    python examples/pixelrnn_mnist.py --cell row        # a few minutes on 2 CPU cores; runs/pixelrnn_mnist_row/
    python examples/pixelrnn_mnist.py --cell diagonal   # runs/pixelrnn_mnist_diagonal/
    python examples/pixelrnn_mnist.py --cell diagonal --full --device gpu
"""
from tinygen import train
from tinygen.data import binarized_mnist
from tinygen.models.autoregressive import DiagonalBiLSTM, RowLSTM
from tinygen.train.arguments import positive_int

CELLS = {"row": ("row_lstm", RowLSTM), "diagonal": ("diagonal_bilstm", DiagonalBiLSTM)}  # name, model
EPOCHS = {"row": 5, "diagonal": 3}  # a default run of a few minutes for either
FULL = {"hidden": 16, "layers": 7, "epochs": 50}
PUBLISHED_NLL = {"row": "80.54", "diagonal": "79.20"}  # nats, binarised MNIST (van den Oord et al., 2016)


def main(argv=None):
    parser = train.example_parser("pixelrnn_mnist", __doc__.split("\n")[0], epochs=None, batch_size=64, lr=1e-3)
    epochs = ", ".join(f"{cell} {count}" for cell, count in EPOCHS.items())
    parser.add_argument("--cell", choices=CELLS, default="row",
                        help=f"the LSTM layer; it picks the default --epochs ({epochs}) and --out DIR")
    parser.add_argument("--hidden", type=positive_int, default=16, help="h: LSTM units per layer (2h feature maps between layers)")
    parser.add_argument("--layers", type=positive_int, default=2, help="residual LSTM layers")
    parser.add_argument("--samples", type=positive_int, default=None,
                        help="digits drawn at the end, written to samples.npz and scored (samples.png shows 100); "
                             "default 1000, or 100 with --quick")  # fmt: skip
    parser.set_defaults(out=None)  # runs/pixelrnn_mnist_<cell>: each cell a folder of its own
    args = train.parse_example_args(parser, argv, FULL)
    args.epochs = args.epochs or EPOCHS[args.cell]
    args.samples = args.samples or (100 if args.quick else 1000)
    args.out = args.out or f"runs/pixelrnn_mnist_{args.cell}"
    run = train.Run(args)

    train_loader, test_loader, shape = binarized_mnist(args.data, args.batch_size, args.seed, args.device)
    name, cell = CELLS[args.cell]
    model = cell(image_size=shape[1:], hidden_channels=args.hidden, num_layers=args.layers)
    models = {name: model.to(args.device)}

    final = train.fit_by_maximum_likelihood(run, models, train_loader, test_loader, args.lr, args.samples)

    print("\n" + train.result_table(final, models))
    print(f"published (binarised MNIST, 50,000 training digits): {PUBLISHED_NLL[args.cell]} nats")
    return final


if __name__ == "__main__":
    main()
