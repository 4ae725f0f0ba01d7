"""Loss functions as Modules, as ``torch.nn`` has them: the settings in the constructor, then
``criterion(input, target)``.

Each calls the function of the same name in ``functional`` (its formula is
in ``tinygen.ops.losses``). Class weights and ``pos_weight`` are buffers, as
in PyTorch: they move with ``.to(device)`` and are saved in the state dict.

    criterion = nn.BCEWithLogitsLoss(pos_weight=tinygen.tensor([3.0]))
    loss = criterion(model(x), y)          # -[3 y log sigma(z) + (1 - y) log(1 - sigma(z))], averaged
"""
from ..ops.losses import REDUCTIONS, check_reduction
from ..tensor import as_tensor
from . import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, reduction="mean", reductions=REDUCTIONS):
        super().__init__()
        check_reduction(reduction, reductions)  # at construction, not at the first batch
        self.reduction = reduction

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", None if weight is None else as_tensor(weight))


class MSELoss(_Loss):
    """(x - y)^2."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """|x - y|."""

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """(x - y)^2 / 2 within ``delta`` of the target, linear beyond it."""

    def __init__(self, *, reduction="mean", delta=1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)

    def extra_repr(self):
        return f"{super().extra_repr()}, delta={self.delta}"


class KLDivLoss(_Loss):
    """KL(target || q) from log q; reduction='batchmean' gives the divergence per example."""

    def __init__(self, *, reduction="mean", log_target=False):
        super().__init__(reduction, REDUCTIONS + ("batchmean",))
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class BCELoss(_WeightedLoss):
    """-w [y log p + (1 - y) log(1 - p)] for probabilities p."""

    def __init__(self, weight=None, *, reduction="mean"):
        super().__init__(weight, reduction)

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """-w [p y log sigma(z) + (1 - y) log(1 - sigma(z))] for logits z, p = ``pos_weight``."""

    def __init__(self, weight=None, *, reduction="mean", pos_weight=None):
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", None if pos_weight is None else as_tensor(pos_weight))

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)  # fmt: skip


class NLLLoss(_WeightedLoss):
    """-w[t] log_probs[t] for integer labels t (the classes on axis 1)."""

    def __init__(self, weight=None, *, ignore_index=-100, reduction="mean"):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """-w[t] log softmax(logits)[t] for integer labels t (the classes on axis 1), optionally label-smoothed."""

    def __init__(self, weight=None, *, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(weight, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)  # fmt: skip
