"""The training toolkit: the shared command line, Run (metrics, checkpoints, exact resume), and the pictures."""
import json
import signal

import numpy as np
import pytest
from PIL import Image

import tinygen as tg
from tinygen import nn, serialization, train
from tinygen.data import ArrayDataset, DataLoader, dynamic_binarize, mnist, toy_dataset


class Interrupted(Exception):
    """Stands in for Ctrl-C or a crash in the middle of training."""


@pytest.fixture(scope="module")
def digits():
    """256 digits of the embedded subset, as uint8 grey levels with labels."""
    images, labels = mnist().train.arrays
    return images[:256], labels[:256]


def tiny_example(argv, digits, interrupt_at_step=None, ctrl_c_at_step=None, ctrl_c_in_evaluation=None,
                 draws_at_the_end=0):
    """An example in miniature: a classifier with dropout on dynamically binarised digits (both draw random numbers).

    It crashes at step ``interrupt_at_step``; the user presses Ctrl-C at the end of step ``ctrl_c_at_step``
    (twice, if it is a pair (step, 2)), or while epoch ``ctrl_c_in_evaluation`` (from 0) is being evaluated.
    After training it draws ``draws_at_the_end`` random numbers, as an example's final samples do.
    """
    ctrl_c_step, presses = ctrl_c_at_step if isinstance(ctrl_c_at_step, tuple) else (ctrl_c_at_step, 1)
    args = train.example_parser("tiny", "a tiny classifier", epochs=3, batch_size=32, lr=1e-2).parse_args(argv)
    run = train.Run(args)
    loader = DataLoader(ArrayDataset(*digits, transform=dynamic_binarize), args.batch_size, shuffle=True,
                        seed=args.seed, device=args.device)  # fmt: skip
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 10))
    optimizer = tg.optim.Adam(model.parameters(), lr=args.lr)
    run.track(model=model, optimizer=optimizer)
    for _ in run.epochs():
        for x, label in run.progress(loader):
            loss = tg.cross_entropy(model(x), label)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            run.log(loss=loss)
            if run.step == interrupt_at_step:
                raise Interrupted
            for _ in range(presses if run.step == ctrl_c_step else 0):
                signal.raise_signal(signal.SIGINT)
        with tg.no_grad():
            model.eval()
            errors = []
            for x, label in run.evaluation(loader):
                if run.epoch == ctrl_c_in_evaluation:
                    signal.raise_signal(signal.SIGINT)
                errors.append((model(x).numpy().argmax(1) != label.numpy()).mean())
            model.train()
        run.log_epoch(error=np.mean(errors))
    tg.rand(draws_at_the_end)
    run.finish()
    return model


# ---- the command line -------------------------------------------------------------
def test_the_parser_has_the_shared_options_with_the_examples_defaults():
    args = train.example_parser("vae_mnist", "A VAE", epochs=10, batch_size=128, lr=1e-3).parse_args([])
    assert (args.example, args.device, args.epochs, args.batch_size, args.lr, args.seed) == ("vae_mnist", "cpu", 10, 128, 1e-3, 0)
    assert (args.out, args.data, args.resume, args.quick, args.quiet) == ("runs/vae_mnist", None, False, False, False)
    args = train.example_parser("x", "", 1, 1, 1.0).parse_args(["--device", "gpu", "--batch-size", "7", "--quick"])
    assert args.device == "gpu" and args.batch_size == 7 and args.quick


def test_help_shows_every_default_the_examples_own_too(capsys):
    parser = train.example_parser("x", "an example", epochs=7, batch_size=33, lr=0.25)
    parser.add_argument("--hidden", type=int, default=12, help="hidden units")
    with pytest.raises(SystemExit):
        parser.parse_args(["--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines where it likes
    for option, default in [("--device", "cpu"), ("--epochs", 7), ("--batch-size", 33), ("--lr", 0.25), ("--seed", 0),
                            ("--out", "runs/x"), ("--checkpoint-every", 500), ("--hidden", 12)]:  # fmt: skip
        assert f"(default: {default})" in text.split(f"{option} ")[-1].split(" --")[0], option
    assert "(default: None)" not in text and "(default: False)" not in text  # --data explains its own; flags are off


@pytest.mark.parametrize("argv", [["--device", "tpu"], ["--epochs", "0"], ["--batch-size", "-1"]])
def test_bad_options_stop_with_a_usage_message(argv, capsys):
    with pytest.raises(SystemExit):
        train.example_parser("x", "", 1, 1, 1.0).parse_args(argv)
    assert "error:" in capsys.readouterr().err


# ---- a run's folder and its artefacts ------------------------------------------------
def test_a_quick_run_writes_every_artefact_and_stops_after_a_few_batches(tmp_path, digits, capsys):
    tiny_example(["--out", str(tmp_path), "--quick"], digits)
    assert {p.name for p in tmp_path.iterdir()} == {"checkpoint.npz", "config.json", "curves.png", "metrics.json", "metrics.jsonl"}
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    steps = [r["step"] for r in records if r["kind"] == "step"]
    assert steps == list(range(1, 2 * train.QUICK_BATCHES + 1))  # two epochs of three batches
    assert [(r["epoch"], r["step"]) for r in records if r["kind"] == "epoch"] == [(0, 3), (1, 6)]
    assert json.loads((tmp_path / "config.json").read_text())["quick"] is True
    assert tg.load(tmp_path / "checkpoint.npz")["step"] == 6
    last_epoch_losses = [r["loss"] for r in records if r["kind"] == "step" and r["epoch"] == 1]
    assert json.loads((tmp_path / "metrics.json").read_text())["loss"] == pytest.approx(np.mean(last_epoch_losses))
    out = capsys.readouterr()
    assert "epoch 2/2  step 6  loss " in out.out and "error " in out.out


def test_quiet_prints_nothing(tmp_path, digits, capsys):
    tiny_example(["--out", str(tmp_path), "--quick", "--quiet"], digits)
    assert capsys.readouterr().out == ""


def test_an_unwritable_output_folder_is_named(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    args = train.example_parser("x", "", 1, 1, 1.0).parse_args(["--out", str(blocker / "run")])
    with pytest.raises(SystemExit, match=r"cannot write to the output folder .*a_file/run .*choose another with --out"):
        train.Run(args)


# ---- checkpoints and exact resume ----------------------------------------------------
def parameters_of(model):
    return {name: value.numpy() for name, value in model.state_dict().items()}


def test_an_interrupted_and_resumed_run_ends_exactly_where_an_uninterrupted_one_does(tmp_path, digits):
    whole = parameters_of(tiny_example(["--out", str(tmp_path / "whole"), "--checkpoint-every", "5", "--quiet"], digits))
    argv = ["--out", str(tmp_path / "broken"), "--checkpoint-every", "5", "--quiet"]
    with pytest.raises(Interrupted):
        tiny_example(argv, digits, interrupt_at_step=13)  # mid-epoch 2; the last checkpoint is at step 10
    assert tg.load(tmp_path / "broken" / "checkpoint.npz")["step"] == 10
    resumed = parameters_of(tiny_example(argv + ["--resume"], digits))
    assert resumed.keys() == whole.keys()
    for name in whole:
        np.testing.assert_array_equal(resumed[name], whole[name], err_msg=name)  # bit for bit
    # The log reads as if the run had never stopped: steps 11-13 were dropped, then redone.
    assert (tmp_path / "broken" / "metrics.jsonl").read_text() == (tmp_path / "whole" / "metrics.jsonl").read_text()


def assert_same_runs(folder, other):
    """Two run folders hold the same parameters, bit for bit, and the same metrics log."""
    ours, theirs = (tg.load(f / "checkpoint.npz")["states"]["model"] for f in (folder, other))
    assert ours.keys() == theirs.keys()
    for name in ours:
        np.testing.assert_array_equal(ours[name].numpy(), theirs[name].numpy(), err_msg=name)
    assert (folder / "metrics.jsonl").read_text() == (other / "metrics.jsonl").read_text()


class UnhandledCtrlC(Exception):
    """A Ctrl-C that no Run caught: it fails the test instead of stopping the whole session, as KeyboardInterrupt would."""


@pytest.fixture
def ctrl_c_outside_a_run():
    def unhandled(signum, frame):
        raise UnhandledCtrlC

    previous = signal.signal(signal.SIGINT, unhandled)
    yield unhandled
    signal.signal(signal.SIGINT, previous)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, digits):
    """The folder of a whole run of the tiny example, to compare interrupted and resumed ones with."""
    folder = tmp_path_factory.mktemp("whole")
    tiny_example(["--out", str(folder), "--checkpoint-every", "5", "--quiet"], digits)
    return folder


def test_ctrl_c_in_a_step_ends_the_step_checkpoints_it_and_resume_goes_on_from_the_next(tmp_path, digits,
                                                                                         uninterrupted,
                                                                                         ctrl_c_outside_a_run):  # fmt: skip
    argv = ["--out", str(tmp_path), "--checkpoint-every", "5", "--quiet"]
    with pytest.raises(SystemExit, match=r"^interrupted at step 13; checkpoint written \(.*checkpoint.npz\); "
                                         r"continue with --resume$"):  # fmt: skip
        tiny_example(argv, digits, ctrl_c_at_step=13)  # mid-epoch 2; the last periodic checkpoint was at step 10
    assert signal.getsignal(signal.SIGINT) is ctrl_c_outside_a_run  # Ctrl-C is the caller's again
    assert tg.load(tmp_path / "checkpoint.npz")["step"] == 13
    summary = json.loads((tmp_path / "metrics.json").read_text())
    assert summary["interrupted_at_step"] == 13 and np.isfinite(summary["loss"])
    tiny_example(argv + ["--resume"], digits)
    assert_same_runs(tmp_path, uninterrupted)


def test_ctrl_c_between_steps_stops_at_once_and_resume_goes_on_from_there(tmp_path, digits, uninterrupted,
                                                                          ctrl_c_outside_a_run):  # fmt: skip
    argv = ["--out", str(tmp_path), "--checkpoint-every", "5", "--quiet"]
    with pytest.raises(SystemExit, match="interrupted at step 16; checkpoint written"):
        tiny_example(argv, digits, ctrl_c_in_evaluation=1)  # after the 8 steps of the second epoch
    assert tg.load(tmp_path / "checkpoint.npz")["batch_in_epoch"] == 8
    tiny_example(argv + ["--resume"], digits)
    assert_same_runs(tmp_path, uninterrupted)


def test_a_second_ctrl_c_stops_at_once_without_a_checkpoint(tmp_path, digits, ctrl_c_outside_a_run):
    with pytest.raises(KeyboardInterrupt):
        tiny_example(["--out", str(tmp_path), "--checkpoint-every", "5"], digits, ctrl_c_at_step=(7, 2))
    assert signal.getsignal(signal.SIGINT) is ctrl_c_outside_a_run
    assert tg.load(tmp_path / "checkpoint.npz")["step"] == 5


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # Adam's inf * 0, at lr = inf
def test_a_diverging_run_stops_at_the_step_with_the_hint_to_lower_the_learning_rate(tmp_path, digits):
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(SystemExit, match=r"^error: training diverged at step 1 \(epoch 1\): the parameters of 'model' "
                                         r"are no longer finite. Lower the learning rate \(--lr, now inf\)"):  # fmt: skip
        tiny_example(["--out", str(tmp_path), "--quiet", "--lr", "inf"], digits)
    assert signal.getsignal(signal.SIGINT) is handler
    run = train.Run(train.example_parser("x", "", 1, 1, 0.5).parse_args(["--out", str(tmp_path / "log"), "--quiet"]))
    for _ in run.epochs():
        run.log(loss=1.0)
        with pytest.raises(SystemExit, match=r"training diverged at step 0 \(epoch 1\): loss is nan. .*--lr, now 0.5"):
            run.log(loss=tg.tensor(float("nan")))
        break


def test_resuming_a_finished_run_changes_nothing(tmp_path, digits):
    argv = ["--out", str(tmp_path), "--quick", "--quiet"]
    first = parameters_of(tiny_example(argv, digits))
    again = parameters_of(tiny_example(argv + ["--resume"], digits))
    assert all(np.array_equal(first[name], again[name]) for name in first)


def test_a_finished_run_extended_with_more_epochs_ends_where_a_longer_one_does(tmp_path, digits):
    """The final samples draw random numbers after the last epoch; the checkpoint keeps the epoch's end."""
    longer = tiny_example(["--out", str(tmp_path / "longer"), "--epochs", "2", "--quiet"], digits, draws_at_the_end=5)
    argv = ["--out", str(tmp_path / "extended"), "--quiet"]
    tiny_example(argv + ["--epochs", "1"], digits, draws_at_the_end=5)
    extended = tiny_example(argv + ["--epochs", "2", "--resume"], digits, draws_at_the_end=5)
    for name, value in parameters_of(longer).items():
        np.testing.assert_array_equal(parameters_of(extended)[name], value, err_msg=name)
    assert_same_runs(tmp_path / "extended", tmp_path / "longer")


def test_a_crash_while_checkpointing_keeps_the_previous_checkpoint(tmp_path, digits, monkeypatch):
    argv = ["--out", str(tmp_path), "--checkpoint-every", "2", "--quiet"]
    real_savez, saves = serialization.numpy.savez, []

    def savez_that_dies_on_the_third_save(file, **arrays):
        saves.append(1)
        if len(saves) == 3:
            real_savez(file, **arrays)  # the bytes are written, but the crash comes before the rename
            raise Interrupted
        real_savez(file, **arrays)

    monkeypatch.setattr(serialization.numpy, "savez", savez_that_dies_on_the_third_save)
    with pytest.raises(Interrupted):
        tiny_example(argv, digits)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.npz", "config.json", "metrics.jsonl"]
    assert tg.load(tmp_path / "checkpoint.npz")["step"] == 4
    tiny_example(argv + ["--resume"], digits)  # and the run goes on from there


def test_resume_without_a_checkpoint_says_so(tmp_path):
    args = train.example_parser("x", "", 1, 1, 1.0).parse_args(["--out", str(tmp_path), "--resume"])
    with pytest.raises(SystemExit, match="there is no checkpoint at .*checkpoint.npz"):
        train.Run(args)


def test_resume_without_the_metrics_log_says_so_and_changes_nothing(tmp_path, digits):
    argv = ["--out", str(tmp_path), "--epochs", "1", "--quiet"]
    tiny_example(argv, digits)
    (tmp_path / "metrics.jsonl").unlink()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(SystemExit, match=r"checkpoint.npz is at step 8, but .*metrics.jsonl is missing"):
        tiny_example(argv + ["--resume"], digits)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def resume_with(tmp_path, name="x", **objects):
    args = train.example_parser(name, "", 1, 1, 1.0).parse_args(["--out", str(tmp_path), "--resume", "--quiet"])
    train.Run(args).track(**objects)


def test_a_checkpoint_of_another_model_example_or_set_of_objects_is_refused(tmp_path):
    args = train.example_parser("x", "", 1, 1, 1.0).parse_args(["--out", str(tmp_path), "--quiet"])
    run = train.Run(args)
    run.track(model=nn.Linear(3, 2))
    run.save_checkpoint()
    with pytest.raises(SystemExit, match=r"(?s)does not fit this run's 'model' \(Linear\).*size mismatch for weight"):
        resume_with(tmp_path, model=nn.Linear(4, 2))
    with pytest.raises(SystemExit, match="written by the example 'x', not 'y'"):
        resume_with(tmp_path, name="y", model=nn.Linear(3, 2))
    with pytest.raises(SystemExit, match=r"holds \['model'\], but this run tracks \['critic', 'generator'\]"):
        resume_with(tmp_path, generator=nn.Linear(3, 2), critic=nn.Linear(3, 2))
    (tmp_path / "checkpoint.npz").write_bytes(b"not a checkpoint")
    with pytest.raises(SystemExit, match="is not a tinygen checkpoint"):
        resume_with(tmp_path, model=nn.Linear(3, 2))


def test_only_objects_with_a_state_can_be_tracked(tmp_path):
    run = train.Run(train.example_parser("x", "", 1, 1, 1.0).parse_args(["--out", str(tmp_path)]))
    with pytest.raises(TypeError, match=r"run.track\(scale=...\) needs an object with state_dict\(\).*got float"):
        run.track(scale=0.5)


# ---- pictures ---------------------------------------------------------------------
def test_the_image_grid_puts_image_k_at_row_k_div_nrow_and_column_k_mod_nrow():
    images = np.stack([np.full((1, 2, 3), k / 10) for k in range(5)])  # five 2x3 grey images
    grid = train.image_grid(tg.tensor(images), nrow=3, padding=1)
    assert grid.shape == (1 + 2 * 3, 1 + 3 * 4)  # 2 rows of (2 + 1), 3 columns of (3 + 1)
    for k in range(5):
        top, left = 1 + (k // 3) * 3, 1 + (k % 3) * 4
        np.testing.assert_allclose(grid[top : top + 2, left : left + 3], k / 10)
    assert grid[0, 0] == grid[-1, -1] == 0.5  # padding, and the empty sixth cell


def test_saved_grids_and_gifs_are_pictures_of_the_right_size(tmp_path):
    rng = np.random.default_rng(0)
    frames = [tmp_path / f"grid{epoch}.png" for epoch in range(3)]
    for frame in frames:
        train.save_image_grid(rng.random((10, 3, 8, 8)), frame, nrow=5, padding=2)
    with Image.open(frames[0]) as picture:
        assert picture.size == (2 + 5 * 10, 2 + 2 * 10) and picture.mode == "RGB"
    train.save_gif(frames, tmp_path / "grid.gif")
    with Image.open(tmp_path / "grid.gif") as gif:
        assert gif.n_frames == 3


def test_normalize_maps_the_value_range_to_grey_levels_as_torchvision_does():
    images = np.array([-1.0, -0.5, 0.0, 1.0, 3.0]).reshape(5, 1, 1, 1)  # a GAN's tanh outputs, one overshooting

    def cells(grid):  # the five 1x1 images, each with a padding of 1 before it
        return grid[1, 1::2]

    by_range = train.image_grid(images, nrow=5, padding=1, normalize=True, value_range=(-1, 1))
    np.testing.assert_allclose(cells(by_range), [0.0, 0.25, 0.5, 1.0, 1.0])
    by_extremes = train.image_grid(images, nrow=5, padding=1, normalize=True)  # the batch's min and max: -1, 3
    np.testing.assert_allclose(cells(by_extremes), [0.0, 0.125, 0.25, 0.5, 1.0])
    np.testing.assert_allclose(cells(train.image_grid(images, nrow=5, padding=1)), [0.0, 0.0, 0.0, 1.0, 1.0])
    pair = np.stack([np.full((1, 1, 2), 5.0), np.array([[[2.0, 4.0]]])])  # a flat image and a two-valued one
    each = train.image_grid(pair, nrow=2, padding=0, normalize=True, scale_each=True)
    np.testing.assert_allclose(each, [[0.0, 0.0, 0.0, 1.0]])


def test_row_labels_go_in_a_margin_left_of_the_rows(tmp_path):
    images = np.ones((6, 1, 8, 8))  # white digits
    train.save_image_grid(images, tmp_path / "plain.png", nrow=3)
    train.save_image_grid(images, tmp_path / "labelled.png", nrow=3, row_labels=["first model", "second"])
    plain, labelled = (np.asarray(Image.open(tmp_path / name)) for name in ("plain.png", "labelled.png"))
    margin = labelled.shape[1] - plain.shape[1]
    assert margin > 20 and labelled.shape[0] == plain.shape[0]
    np.testing.assert_array_equal(labelled[:, margin:], plain)
    text_rows = np.flatnonzero((labelled[:, :margin] < 128).any(axis=1))
    assert text_rows.min() >= 2 and text_rows.max() < plain.shape[0] - 2  # within the grid's rows, not at its edges
    assert (labelled[: 2 + 8, :margin] < 128).any() and (labelled[2 + 8 + 2 :, :margin] < 128).any()  # one per row
    with pytest.raises(ValueError, match=r"row_labels: 1 labels for a grid of 2 rows \(nrow=3\)"):
        train.save_image_grid(images, tmp_path / "bad.png", nrow=3, row_labels=["one"])


def test_images_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError, match=r"\(N, 1 or 3, H, W\), got \(4, 28, 28\)"):
        train.image_grid(np.zeros((4, 28, 28)))


def test_the_2d_plots_and_the_curves_are_written(tmp_path):
    ring = toy_dataset("ring")
    points, _ = ring.sample(500, seed=0)
    train.save_scatter(points, tmp_path / "scatter.png", reference=points, centres=ring.centres, title="ring")
    train.save_density(points, tmp_path / "density.png")
    records = [{"kind": "step", "epoch": 0, "step": s, "loss": 1 / s} for s in range(1, 5)]
    train.save_curves(records + [{"kind": "epoch", "epoch": 0, "step": 4, "test": 0.3}], tmp_path / "curves.png")
    for name in ("scatter.png", "density.png", "curves.png"):
        with Image.open(tmp_path / name) as picture:
            assert picture.size[0] > 100
    with pytest.raises(ValueError, match=r"2-D points must have shape \(N, 2\), got \(5, 3\)"):
        train.save_scatter(np.zeros((5, 3)), tmp_path / "bad.png")


def test_a_surface_is_the_function_evaluated_on_a_grid_over_the_square(tmp_path):
    seen = []

    def distance_to_origin(points):
        seen.append(points)
        return np.sqrt((points**2).sum(axis=1))

    train.save_surface(distance_to_origin, tmp_path / "surface.png", reference=np.zeros((3, 2)), limit=2.0, resolution=50)
    (grid,) = seen
    assert grid.shape == (50 * 50, 2) and grid.min() == -2.0 and grid.max() == 2.0
    assert len(np.unique(grid[:, 0])) == len(np.unique(grid[:, 1])) == 50
    with Image.open(tmp_path / "surface.png") as picture:
        assert picture.size[0] > 100
    with pytest.raises(ValueError, match=r"map \(N, 2\) points to \(N,\) values: got \(2500, 1\) for N = 2500"):
        train.save_surface(lambda points: points[:, :1], tmp_path / "bad.png", resolution=50)
