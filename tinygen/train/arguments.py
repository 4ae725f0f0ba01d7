"""The command line every example shares.

    python examples/vae_mnist.py --device gpu --epochs 20 --batch-size 128 --lr 1e-3 --seed 0
    python examples/vae_mnist.py --resume          # go on from runs/vae_mnist/checkpoint.npz
    python examples/vae_mnist.py --quick --quiet   # a few batches, no bars: a smoke test
    python examples/pixelcnn_mnist.py --full       # the published configuration (hours on a CPU)

An example adds its own options to the parser it gets back, and parses with
``parse_example_args`` when it has a published configuration to offer.
``--help`` shows each option's default, the example's own ones included.
"""
import argparse


class ShowDefaults(argparse.HelpFormatter):
    """Each option's help ends with its default; flags (off unless given) and options without one show none.
    (argparse shows nothing for an option without help text, so give each option one.)"""

    def _get_help_string(self, action):
        help = action.help or ""
        if action.default is None or action.default is False or action.default is argparse.SUPPRESS:
            return help
        return help if "%(default)" in help else f"{help} (default: %(default)s)"


def example_parser(name, description, epochs, batch_size, lr, distributed=False):
    """An ``argparse`` parser with the shared options; the defaults are the example's own settings.

    ``distributed=True``: the example can train data-parallel (``--distributed``, on by itself under mpiexec).
    """
    parser = argparse.ArgumentParser(prog=f"{name}.py", description=description, formatter_class=ShowDefaults)
    parser.set_defaults(example=name)  # ``Run`` names the output folder and the checkpoint after it
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu", help="where the tensors live")
    parser.add_argument("--epochs", type=positive_int, default=epochs, help="passes over the training data")
    parser.add_argument("--batch-size", type=positive_int, default=batch_size, help="examples per optimizer step")
    parser.add_argument("--lr", type=float, default=lr, help="learning rate")
    parser.add_argument("--seed", type=int, default=0, help="seeds everything random: a CPU run repeats bit for bit")
    parser.add_argument("--data", default=None, metavar="PATH",
                        help="a folder of MNIST's IDX files (default: full MNIST from the cache, else the embedded subset)")
    parser.add_argument("--out", default=f"runs/{name}", metavar="DIR", help="where metrics, pictures and checkpoints go")
    parser.add_argument("--resume", action="store_true", help="go on from DIR/checkpoint.npz where the run stopped")
    parser.add_argument("--checkpoint-every", type=positive_int, default=500, metavar="STEPS",
                        help="steps between checkpoints (every epoch's end, and Ctrl-C, write one too)")
    parser.add_argument("--quick", action="store_true", help="a few batches of at most two epochs, for smoke tests")
    parser.add_argument("--quiet", action="store_true", help="no progress bars or epoch lines")
    if distributed:
        parser.add_argument("--distributed", action="store_true",
                            help="train data-parallel over the processes of mpiexec -n N, each on its share of "
                                 "--batch-size (on by itself under mpiexec)")
    return parser


def parse_example_args(parser, argv=None, full=None):
    """``parser.parse_args(argv)``, plus ``--full``: the settings ``full`` ({dest: value}) replace the defaults.

    Flags given explicitly still win: ``--full --epochs 3`` is the published
    architecture trained for three epochs.
    """
    if full is not None:
        settings = " ".join(f"--{name.replace('_', '-')} {value}" for name, value in full.items())
        parser.add_argument("--full", action="store_true", help=f"the published configuration: {settings}")
    args = parser.parse_args(argv)
    if not getattr(args, "full", False):
        return args
    # argparse fills in a default only where the namespace has no value yet: pre-filled settings beat defaults.
    return parser.parse_args(argv, argparse.Namespace(**full))


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value
