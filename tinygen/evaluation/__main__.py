"""python -m tinygen.evaluation RUN_DIR [RUN_DIR ...]: score each run's samples.npz into its metrics.json."""
import argparse

from .score import score_run, summary


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tinygen.evaluation", description=__doc__.split(": ", 1)[1])
    parser.add_argument("runs", nargs="+", metavar="RUN_DIR", help="a run folder holding samples.npz")
    parser.add_argument("--data", default=None, help="a folder of MNIST's IDX files (default: cache, else embedded)")
    args = parser.parse_args(argv)
    for run in args.runs:
        for name, figures in score_run(run, args.data).items():
            print(f"{run}, {name}: {summary(figures)}")


if __name__ == "__main__":
    main()
