"""``DistributedDataParallel``: every rank trains the same model on its own shard of each batch.

Why averaging gradients is training on the whole batch. A loss that is a
mean over the batch's B examples splits over W ranks holding B/W each:

    L(theta) = 1/B sum_{n=1}^{B} l(x_n; theta) = 1/W sum_{r=1}^{W} L_r(theta),
    L_r(theta) = (W/B) sum_{n in shard r} l(x_n; theta),

and the gradient is linear, so grad L = 1/W sum_r grad L_r: the average of
the ranks' gradients is the whole batch's gradient. If every rank starts
from the same parameters (rank 0's, broadcast here) and applies the same
optimizer step to the same averaged gradient, the ranks stay identical, and
identical to one process training on the whole batch, up to the order in
which the floating-point sums are taken. Two things break the equality,
as in PyTorch: layers that look across the batch (batch norm's statistics
are each rank's shard's), and random draws (each rank draws its own noise).

Overlap. Backward reaches the last layers first, so their gradients are
final while the layers below are still being differentiated. The
parameters are grouped into buckets of about ``bucket_cap_mb``, in reverse
order of ``parameters()`` (about the order backward finishes them); when
every gradient of a bucket is final (``register_post_accumulate_grad_hook``)
its gradients are copied into one flat array and a non-blocking all-reduce
of it starts, while backward goes on. When backward ends
(``queue_callback``) every reduction is waited for and each ``.grad``
becomes its averaged slice of the flat array, before ``optimizer.step()``.
One reduction per bucket instead of one per parameter also saves the fixed
cost of each message. Buckets start in order, the same on every rank, as
MPI and NCCL require.

Every parameter of the module that requires grad must get a gradient in a
backward that reaches any of them; wrap separately the networks that are
trained by separate losses (a GAN's generator and discriminator).
"""
from ..autograd.engine import queue_callback
from ..nn import Module
from ..tensor import Tensor
from . import communication
from .communication import ReduceOp


class DistributedDataParallel(Module):
    def __init__(self, module, bucket_cap_mb=25):
        super().__init__()
        group = communication._require("DistributedDataParallel")
        self.module = module
        parameters = [p for p in module.parameters() if p.requires_grad]
        for tensor in parameters + list(module.buffers()):  # the same start everywhere: rank 0's
            communication.broadcast(tensor, src=0)
        self._buckets = _buckets(parameters, bucket_cap_mb * 2**20)
        self._bucket_of = {id(p): index for index, bucket in enumerate(self._buckets) for p in bucket}
        self._backend = [group.backend_for(bucket[0]) for bucket in self._buckets]
        self._reset()
        for p in parameters:
            p.register_post_accumulate_grad_hook(self._gradient_ready)

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _reset(self):
        self._waiting = [len(bucket) for bucket in self._buckets]  # gradients still to come, per bucket
        self._ready = set()  # id() of the parameters whose gradient is final
        self._launched = []  # (flat array, work) of the buckets started, in order

    def _gradient_ready(self, p):
        if not self._ready:  # the first of this backward
            queue_callback(self._finish)
        self._ready.add(id(p))
        self._waiting[self._bucket_of[id(p)]] -= 1
        while len(self._launched) < len(self._buckets) and self._waiting[len(self._launched)] == 0:
            self._launch(len(self._launched))
        for _, work in self._launched:
            work.poll()

    def _launch(self, index):
        bucket = self._buckets[index]
        flat = bucket[0].xp.concatenate([p.grad.data.reshape(-1) for p in bucket])
        self._launched.append((flat, self._backend[index].all_reduce(flat, ReduceOp.AVG)))

    def _finish(self):
        """Backward has ended: wait for every bucket's average and hand each parameter its slice."""
        launched, ready = self._launched, self._ready
        self._reset()
        if len(launched) < len(self._buckets):
            missing = [p.shape for bucket in self._buckets for p in bucket if id(p) not in ready]
            raise RuntimeError(
                f"DistributedDataParallel: {len(missing)} parameters (of shapes {missing[:5]}) got no gradient in a "
                "backward that reached the others, so their buckets could not be averaged; wrap only modules "
                "whose parameters one loss reaches entirely (a GAN's generator and discriminator separately)"
            )
        for (flat, work), bucket in zip(launched, self._buckets):
            work.wait()
            offset = 0
            for p in bucket:
                p.grad = Tensor(flat[offset : offset + p.numel()].reshape(p.shape))
                offset += p.numel()


def _buckets(parameters, capacity):
    """The parameters, last first, cut into groups of about ``capacity`` bytes of one dtype and device."""
    buckets, size = [], 0
    for p in reversed(parameters):
        if buckets and size + p.data.nbytes <= capacity and _same_kind(buckets[-1][0], p):
            buckets[-1].append(p)
            size += p.data.nbytes
        else:
            buckets.append([p])
            size = p.data.nbytes
    return buckets


def _same_kind(p, q):
    return p.dtype == q.dtype and p.device == q.device

