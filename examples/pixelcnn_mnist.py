"""PixelCNN on binarised MNIST: all 784 conditionals from one stack of masked convolutions.

    p(x) = prod_{i=1}^{784} p(x_i | x_<i),   p(x_i = 1 | x_<i) = sigmoid(f_i(x)),

where f is a convolutional network whose kernels are masked so that its
output at pixel i sees only the pixels above i and to its left (van den
Oord et al., 2016; see tinygen/models/autoregressive/pixelcnn.py): a 7x7 mask-A convolution,
``--blocks`` residual blocks of mask-B convolutions on 2h = 2 ``--hidden``
feature maps, and a 1x1 output head. Training and the exact log-likelihood
take one forward pass. Sampling draws the 784 pixels one at a time, but
computes each layer at each pixel once, from caches (fast generation,
Ramachandran et al., 2017): about one forward pass per digit, where running
the whole network for every pixel would take 784. So the run draws 1,000
digits (samples.png shows 100), scored for sample quality beside the NLL.

The default (h = 32, 5 blocks, 3 epochs) takes a few minutes on 2 CPU cores.
--full is the size of the paper's PixelCNN, 15 layers of h = 128 (256
feature maps), trained for 50 epochs: days on a CPU, hours on a GPU. The
paper's 81.30 nats is on the 50,000 statically binarised training digits;
here the digits are binarised afresh each time they are seen, and, without
full MNIST in the cache, there are only the 4,000 of the embedded subset.

    python examples/pixelcnn_mnist.py                      # a few minutes on 2 CPU cores; runs/pixelcnn_mnist/
    python examples/pixelcnn_mnist.py --full --device gpu  # the published size
"""
from tinygen import train
from tinygen.data import binarized_mnist
from tinygen.models.autoregressive import GatedPixelCNN, PixelCNN
from tinygen.train.arguments import positive_int

FULL = {"hidden": 128, "blocks": 15, "epochs": 50}
PUBLISHED_NLL = "81.30"  # nats, binarised MNIST (van den Oord, Kalchbrenner & Kavukcuoglu, 2016)


def main(argv=None):
    parser = train.example_parser("pixelcnn_mnist", __doc__.split("\n")[0], epochs=3, batch_size=64, lr=1e-3)
    parser.add_argument("--hidden", type=positive_int, default=32, help="h: the residual blocks carry 2h feature maps")
    parser.add_argument("--blocks", type=positive_int, default=5, help="residual blocks of mask-B convolutions")
    parser.add_argument("--kernel-size", type=positive_int, default=3,
                        help="k of the blocks' masked k x k convolutions: each block sees k // 2 rows further up")
    parser.add_argument("--gated", action="store_true",
                        help="Gated PixelCNN: vertical and horizontal stacks (no blind spot), tanh * sigmoid units")
    parser.add_argument("--samples", type=positive_int, default=None,
                        help="digits drawn at the end, written to samples.npz and scored (samples.png shows 100); "
                             "default 1000, or 100 with --quick")  # fmt: skip
    args = train.parse_example_args(parser, argv, FULL)
    args.samples = args.samples or (100 if args.quick else 1000)
    run = train.Run(args)

    train_loader, test_loader, shape = binarized_mnist(args.data, args.batch_size, args.seed, args.device)
    architecture = GatedPixelCNN if args.gated else PixelCNN
    model = architecture(image_size=shape[1:], hidden_channels=args.hidden, num_blocks=args.blocks,
                         kernel_size=args.kernel_size)  # fmt: skip
    models = {"gated_pixelcnn" if args.gated else "pixelcnn": model.to(args.device)}

    final = train.fit_by_maximum_likelihood(run, models, train_loader, test_loader, args.lr, args.samples)

    print("\n" + train.result_table(final, models))
    print(f"published (binarised MNIST, 50,000 training digits): {PUBLISHED_NLL} nats")
    return final


if __name__ == "__main__":
    main()
