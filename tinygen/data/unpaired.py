"""``UnpairedLoader``: batches from two data sets side by side, with no pairing between them.

Unpaired translation trains on two collections of images, A and B, and no
image of one comes with a counterpart in the other. Epoch e yields the
batches of A's loader and of B's loader for epoch e together,

    ((x_a, x_b), (label_a, label_b))         as many batches as the shorter loader has

each loader shuffled by its own (seed, e): which a meets which b changes
every epoch, and the longer set shows a fresh part of itself each epoch.
Resumable at any batch, as ``DataLoader``. The labels ride along for
evaluation; a translation model is never given them.
"""


class UnpairedLoader:
    def __init__(self, loader_a, loader_b):
        self.loader_a, self.loader_b = loader_a, loader_b
        self._epochs_started = 0

    def __len__(self):
        return min(len(self.loader_a), len(self.loader_b))

    def batches(self, epoch=0, start=0):
        """The batch pairs of epoch ``epoch`` from pair number ``start`` on."""
        pairs = zip(self.loader_a.batches(epoch, start), self.loader_b.batches(epoch, start))
        for (x_a, *label_a), (x_b, *label_b) in pairs:
            yield (x_a, x_b), (*label_a, *label_b)

    def __iter__(self):
        epoch, self._epochs_started = self._epochs_started, self._epochs_started + 1
        return self.batches(epoch)
