"""The loss functions and loss Modules against PyTorch's, in float64: values, and the gradients of every
differentiable argument, for each reduction. (Their first- and second-order gradchecks are in the op registry.)"""
import numpy as np
import pytest

import tinygen as tg
from tinygen import nn

TIGHT = dict(rtol=1e-10, atol=1e-12)
REDUCTIONS = ["mean", "sum", "none"]


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def values(*shape, low=-3.0, high=3.0, seed=0):
    return np.random.default_rng(seed).uniform(low, high, shape)


def labels(n, classes, *extra, seed=0):
    return np.random.default_rng(seed).integers(0, classes, (n,) + extra)


# Each case: how to build the criterion from a library (tinygen or torch: the same call for both), given the
# reduction and a function that turns arrays into that library's tensors; then the arrays of its arguments and
# which of them are differentiable (the class weights are constants in both).
CASES = {
    "MSELoss": (lambda lib, r, T: lib.nn.MSELoss(reduction=r), [values(3, 4), values(3, 4, seed=1)], [0, 1]),
    "L1Loss": (lambda lib, r, T: lib.nn.L1Loss(reduction=r), [values(3, 4), values(3, 4, seed=1)], [0, 1]),
    "HuberLoss": (lambda lib, r, T: lib.nn.HuberLoss(reduction=r, delta=0.7), [values(3, 4), values(3, 4, seed=1)], [0, 1]),
    "BCELoss": (lambda lib, r, T: lib.nn.BCELoss(reduction=r), [values(3, 4, low=0.02, high=0.98), values(3, 4, low=0, high=1)], [0]),
    "BCELoss-weight": (lambda lib, r, T: lib.nn.BCELoss(T(values(4, low=0.1, high=2)), reduction=r),
                       [values(3, 4, low=0.02, high=0.98), values(3, 4, low=0, high=1)], [0]),
    "BCEWithLogitsLoss": (lambda lib, r, T: lib.nn.BCEWithLogitsLoss(reduction=r), [values(3, 4, low=-30, high=30), values(3, 4, low=0, high=1)], [0, 1]),
    "BCEWithLogitsLoss-weights": (
        lambda lib, r, T: lib.nn.BCEWithLogitsLoss(T(values(3, 1, low=0.1, high=2)), reduction=r, pos_weight=T(values(4, low=0.2, high=5))),
        [values(3, 4, low=-30, high=30), values(3, 4, low=0, high=1)], [0, 1]),
    "NLLLoss": (lambda lib, r, T: lib.nn.NLLLoss(reduction=r), [values(5, 3), labels(5, 3)], [0]),
    "NLLLoss-weight-ignore": (lambda lib, r, T: lib.nn.NLLLoss(T(values(3, low=0.1, high=2)), ignore_index=1, reduction=r),
                              [values(6, 3, 2), labels(6, 3, 2)], [0]),
    "CrossEntropyLoss": (lambda lib, r, T: lib.nn.CrossEntropyLoss(reduction=r), [values(5, 4), labels(5, 4)], [0]),
    "CrossEntropyLoss-images": (lambda lib, r, T: lib.nn.CrossEntropyLoss(reduction=r), [values(2, 4, 3, 3), labels(2, 4, 3, 3)], [0]),
    "CrossEntropyLoss-all-options": (
        lambda lib, r, T: lib.nn.CrossEntropyLoss(T(values(4, low=0.1, high=2)), ignore_index=2, reduction=r, label_smoothing=0.15),
        [values(7, 4, 2), labels(7, 4, 2)], [0]),
    "KLDivLoss": (lambda lib, r, T: lib.nn.KLDivLoss(reduction=r), [values(3, 5), values(3, 5, low=0.01, high=1)], [0, 1]),
    "KLDivLoss-log-target": (lambda lib, r, T: lib.nn.KLDivLoss(reduction=r, log_target=True), [values(3, 5), values(3, 5)], [0, 1]),
}  # fmt: skip


def run_case(lib, name, reduction, as_tensor):
    make, arrays, differentiable = CASES[name]
    criterion = make(lib, reduction, as_tensor)
    arguments = [as_tensor(a, requires_grad=i in differentiable) for i, a in enumerate(arrays)]
    return criterion(*arguments), [arguments[i] for i in differentiable]


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss")  # PyTorch's note on kl_div
@pytest.mark.parametrize("name, reduction", [(name, reduction) for name in CASES
                                             for reduction in REDUCTIONS + ["batchmean"] * name.startswith("KLDiv")])
def test_losses_match_pytorch_in_value_and_gradients(name, reduction, torch):
    y, ours = run_case(tg, name, reduction, lambda a, requires_grad=False: tg.tensor(a, requires_grad=requires_grad))
    y_torch, theirs = run_case(torch, name, reduction, lambda a, requires_grad=False: torch.tensor(a, requires_grad=requires_grad))
    assert y.dtype == np.float64
    np.testing.assert_allclose(y.numpy(), y_torch.detach().numpy(), **TIGHT)
    upstream = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(tg.tensor(upstream))
    y_torch.backward(torch.tensor(upstream))
    for index, (mine, their) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(mine.grad.numpy(), their.grad.numpy(), **TIGHT, err_msg=f"argument {index}")


def test_saturated_logits_stay_finite_with_pos_weight():
    z = tg.tensor([-200.0, 200.0], dtype=tg.float64, requires_grad=True)
    loss = tg.binary_cross_entropy_with_logits(z, tg.tensor([1.0, 0.0], dtype=tg.float64), pos_weight=tg.tensor(2.0, dtype=tg.float64))
    loss.backward()
    np.testing.assert_allclose(loss.item(), (2 * 200 + 200) / 2)
    np.testing.assert_allclose(z.grad.numpy(), [-1.0, 0.5])


def test_the_loss_modules_keep_their_weights_as_buffers_that_move_and_save():
    criterion = nn.CrossEntropyLoss(tg.tensor([1.0, 2.0, 0.5]), label_smoothing=0.1)
    assert list(criterion.state_dict()) == ["weight"] and not list(criterion.parameters())
    assert nn.BCEWithLogitsLoss(pos_weight=tg.tensor([3.0])).state_dict().keys() == {"pos_weight"}
    assert criterion.double().weight.dtype == np.float64
    assert repr(nn.HuberLoss(reduction="sum", delta=2.0)) == "HuberLoss(reduction='sum', delta=2.0)"


def test_a_bad_reduction_is_refused_when_the_loss_is_made():
    with pytest.raises(ValueError, match=r"reduction must be one of \('none', 'mean', 'sum'\), got 'batchmean'"):
        nn.MSELoss(reduction="batchmean")
    nn.KLDivLoss(reduction="batchmean")  # kl_div's own


def test_a_reduction_passed_where_the_weight_goes_says_to_pass_it_by_keyword():
    with pytest.raises(TypeError, match=r"weight must be a tensor of weights, got the string 'none': .*reduction='none'"):
        tg.binary_cross_entropy_with_logits(tg.zeros(3), tg.ones(3), "none")
    with pytest.raises(TypeError):
        tg.mse_loss(tg.zeros(3), tg.ones(3), "sum")  # keyword-only: no deprecated size_average in its place


def test_labels_outside_the_classes_are_named_unless_ignored():
    logits = tg.zeros(3, 4)
    with pytest.raises(ValueError, match=r"cross_entropy: labels must lie in \[0, 4\) or equal ignore_index \(-100\), got 7"):
        tg.cross_entropy(logits, np.array([0, 7, 1]))
    assert tg.cross_entropy(logits, np.array([0, -100, 1])).item() == pytest.approx(np.log(4))
    with pytest.raises(ValueError, match=r"nll_loss: input of shape \(3, 4\) needs labels of shape \(3,\), got \(4,\)"):
        tg.nll_loss(logits, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"label_smoothing must lie in \[0, 1\], got 1.5"):
        tg.cross_entropy(logits, np.array([0, 1, 2]), label_smoothing=1.5)
